import type {
  Answer,
  ConversationEvent,
  Flow,
  Line,
  Outcome,
  Progress,
  Reply,
  SessionScratch,
  Step,
  StepId,
  TurnInput,
  TurnOutput,
} from './types';

/** Bounds that keep one user's item small whatever they do. */
export const MAX_HISTORY = 30;
export const MAX_TRIED = 40;
export const MAX_SPEAKER_NAME = 60;

const line = (key: string, params?: Line['params']): Line => (params ? { key, params } : { key });
const stepLine = (id: StepId, part: string): Line => line(`steps.${id}.${part}`);

/**
 * Which text parts a step kind has; the flow check uses the same table, so a step can never be spoken
 * with a missing part.
 */
export const STEP_TEXT_PARTS: Record<Step['kind'], readonly string[]> = {
  choice: ['title', 'question', 'why', 'help'],
  check: ['title', 'instruction', 'question', 'why', 'help', 'ifNo'],
  action: ['title', 'instruction', 'question', 'why', 'help', 'ifNo'],
  handoff: ['title', 'instruction', 'question', 'why', 'help', 'ifNo'],
  end: ['title', 'say'],
};

/** Keys the transition uses outside `steps.*`; the flow check verifies each one is translated. */
export const CONVERSATION_KEYS = [
  'welcome.new',
  'welcome.returning',
  'welcome.afterFinish',
  'welcome.afterSafety',
  'start.ack',
  'resume.intro',
  'answer.ok',
  'answer.unsure',
  'answer.chooseSymptom',
  'handoff.comeBack',
  'handoff.alreadyDone',
  'skip.ack',
  'back.ack',
  'back.atStart',
  'startOver.ack',
  'whereAmI.position',
  'whereAmI.tried',
  'help.navigation',
  'fallback.first',
  'fallback.again',
  'stop.saved',
  'stop.goodbye',
  'symptom.unknown',
  'symptom.ack',
  'speakerName.ack',
  'speakerName.missing',
] as const;
export type ConversationKey = (typeof CONVERSATION_KEYS)[number];
const say = (key: ConversationKey, params?: Line['params']): Line => line(key, params);

export function freshProgress(flow: Flow, keep?: Progress): Progress {
  const progress: Progress = { stepId: flow.start, history: [], tried: [], status: 'active' };
  // Starting over forgets the journey, not what the user told us about their devices.
  if (keep?.speakerName) progress.speakerName = keep.speakerName;
  if (keep?.musicDevice) progress.musicDevice = keep.musicDevice;
  return progress;
}

function stepOf(flow: Flow, id: StepId): Step {
  const step = flow.steps[id];
  if (!step) throw new Error(`Unknown step "${id}"`);
  return step;
}

function card(id: StepId, body: Line[]): Reply['card'] {
  return { title: stepLine(id, 'title'), body };
}

/** Speech that asks the step's question and keeps the session open; the card shows the whole step. */
function ask(flow: Flow, id: StepId, before: Line[]): Reply {
  const question = stepLine(id, 'question');
  const body = STEP_TEXT_PARTS[stepOf(flow, id).kind].includes('instruction')
    ? [stepLine(id, 'instruction'), question]
    : [question];
  return { speech: [...before, question], reprompt: [question], card: card(id, body) };
}

/**
 * The step as met when moving forward: a handoff gives its instruction and ends the session (the user
 * has to leave the skill to do it); an end step says its closing words; others ask their question.
 */
function enter(flow: Flow, id: StepId, before: Line[]): Reply {
  const step = stepOf(flow, id);
  switch (step.kind) {
    case 'end':
      return { speech: [...before, stepLine(id, 'say')], card: card(id, [stepLine(id, 'say')]) };
    case 'handoff': {
      const parts = [stepLine(id, 'instruction'), say('handoff.comeBack')];
      return { speech: [...before, ...parts], card: card(id, parts) };
    }
    case 'choice':
      return ask(flow, id, before);
    default:
      return ask(flow, id, [...before, stepLine(id, 'instruction')]);
  }
}

/** The whole step again without leaving the skill, e.g. for "repeat" or "go back". */
function restate(flow: Flow, id: StepId, before: Line[]): Reply {
  const step = stepOf(flow, id);
  if (step.kind === 'handoff') {
    return ask(flow, id, [...before, stepLine(id, 'instruction'), say('handoff.alreadyDone')]);
  }
  return enter(flow, id, before);
}

/** How a returning user meets the step they left: a handoff asks whether the outside action worked. */
function resume(flow: Flow, id: StepId, before: Line[]): Reply {
  return stepOf(flow, id).kind === 'handoff' ? ask(flow, id, before) : enter(flow, id, before);
}

function record(progress: Progress, outcome: Outcome): Progress['tried'] {
  return [...progress.tried, { step: progress.stepId, outcome }].slice(-MAX_TRIED);
}

/** Moves to `to`, remembering where the user came from and what they answered. */
function advance(flow: Flow, progress: Progress, to: StepId, outcome: Outcome): Progress {
  const target = stepOf(flow, to);
  return {
    ...progress,
    stepId: to,
    history: [...progress.history, progress.stepId].slice(-MAX_HISTORY),
    tried: record(progress, outcome),
    status: target.kind === 'end' ? target.outcome : 'active',
  };
}

function answerTarget(step: Step, answer: Answer): { to?: StepId; outcome: Outcome } {
  switch (step.kind) {
    case 'check':
      if (answer === 'unsure') return { to: step.unsure, outcome: 'unsure' };
      return { to: step[answer], outcome: answer };
    case 'handoff':
      return answer === 'unsure' ? { outcome: 'unsure' } : { to: step[answer], outcome: answer };
    case 'action':
      return answer === 'yes' ? { to: step.done, outcome: 'done' } : { outcome: answer };
    case 'choice':
      return answer === 'unsure' ? { to: step.unsure, outcome: 'unsure' } : { outcome: answer };
    case 'end':
      return { outcome: answer };
  }
}

interface Result {
  progress: Progress | undefined;
  reply: Reply;
  misunderstood?: number;
}

function onAnswer(flow: Flow, progress: Progress, answer: Answer): Result {
  const id = progress.stepId;
  const step = stepOf(flow, id);
  const { to, outcome } = answerTarget(step, answer);
  if (to) {
    // Arriving at an end step speaks for itself ("Great, your speaker is working!"): no "Okay." first.
    const ack =
      stepOf(flow, to).kind === 'end' ? [] : [say(answer === 'yes' ? 'answer.ok' : 'answer.unsure')];
    const before = answer === 'no' ? [stepLine(id, 'ifNo')] : ack;
    return { progress: advance(flow, progress, to, outcome), reply: enter(flow, to, before) };
  }
  // The answer does not move this step: explain what would help and ask again.
  if (step.kind === 'choice') return { progress, reply: ask(flow, id, [say('answer.chooseSymptom')]) };
  if (answer === 'no') return { progress, reply: ask(flow, id, [stepLine(id, 'ifNo')]) };
  return { progress, reply: ask(flow, id, [stepLine(id, 'help')]) };
}

function onActive(flow: Flow, progress: Progress, event: ConversationEvent, scratch: SessionScratch): Result {
  const id = progress.stepId;
  const step = stepOf(flow, id);
  switch (event.type) {
    case 'launch':
    case 'start':
      return { progress, reply: resume(flow, id, [say('resume.intro', { title: stepLine(id, 'title') })]) };
    case 'answer':
      return onAnswer(flow, progress, event.answer);
    case 'skip':
      if (step.kind === 'end') return { progress, reply: enter(flow, id, []) };
      return {
        progress: advance(flow, progress, step.skip, 'skipped'),
        reply: enter(flow, step.skip, [say('skip.ack')]),
      };
    case 'back': {
      const previous = progress.history[progress.history.length - 1];
      if (previous === undefined) return { progress, reply: restate(flow, id, [say('back.atStart')]) };
      const moved = { ...progress, stepId: previous, history: progress.history.slice(0, -1) };
      return { progress: moved, reply: restate(flow, previous, [say('back.ack')]) };
    }
    case 'repeat':
      return { progress, reply: restate(flow, id, []) };
    case 'startOver': {
      const fresh = freshProgress(flow, progress);
      return { progress: fresh, reply: enter(flow, fresh.stepId, [say('startOver.ack')]) };
    }
    case 'why':
      return { progress, reply: ask(flow, id, [stepLine(id, 'why')]) };
    case 'whereAmI': {
      const lines = [
        say('whereAmI.position', { number: progress.history.length + 1, title: stepLine(id, 'title') }),
      ];
      if (progress.tried.length > 0) lines.push(say('whereAmI.tried', { count: progress.tried.length }));
      return { progress, reply: ask(flow, id, lines) };
    }
    case 'help':
      return { progress, reply: ask(flow, id, [stepLine(id, 'help'), say('help.navigation')]) };
    case 'stop':
      return { progress, reply: { speech: [say('stop.saved')] } };
    case 'symptom': {
      if (!event.symptom) return { progress, reply: ask(flow, id, [say('symptom.unknown')]) };
      const to = flow.symptomEntry[event.symptom];
      const withSymptom = { ...progress, symptom: event.symptom };
      const ack = say('symptom.ack', { symptom: line(`symptoms.${event.symptom}`) });
      if (to === id) return { progress: withSymptom, reply: restate(flow, id, [ack]) };
      return { progress: advance(flow, withSymptom, to, 'skipped'), reply: enter(flow, to, [ack]) };
    }
    case 'safety':
      return {
        progress: advance(flow, progress, flow.safety, 'safety'),
        reply: enter(flow, flow.safety, []),
      };
    case 'speakerName': {
      const said = event.name?.trim().slice(0, MAX_SPEAKER_NAME);
      // Recogniser placeholders are no name ("your null" would be spoken otherwise).
      const name = said && !/^(null|undefined|nan|\?)$/i.test(said) ? said : undefined;
      if (!name) return { progress, reply: ask(flow, id, [say('speakerName.missing')]) };
      return {
        progress: { ...progress, speakerName: name },
        reply: restate(flow, id, [say('speakerName.ack', { name })]),
      };
    }
    case 'unknown': {
      const misunderstood = scratch.misunderstood + 1;
      const lines =
        misunderstood > 1 ? [say('fallback.again'), say('help.navigation')] : [say('fallback.first')];
      return { progress, reply: ask(flow, id, lines), misunderstood };
    }
  }
}

/** Opening words for a user with no active progress (new, expired, or finished last time). */
function welcome(previous: Progress | undefined): Line[] {
  if (!previous) return [say('welcome.new')];
  return [say(previous.status === 'safety' ? 'welcome.afterSafety' : 'welcome.afterFinish')];
}

/**
 * One conversational turn: the user's progress and what they said in, the next progress and what to say
 * out. Pure: no I/O, no clock, no randomness; the caller saves `progress` when `progressChanged`.
 */
export function transition(flow: Flow, input: TurnInput, event: ConversationEvent): TurnOutput {
  const { progress: before, session } = input;
  let result: Result;
  const opening = input.newSession && (event.type === 'launch' || event.type === 'start');
  // Progress that never got past the first question (e.g. kept only for a Spotify device) is no journey.
  const untouched = before?.stepId === flow.start && before.tried.length === 0 && before.history.length === 0;
  if (before && before.status === 'active' && untouched && opening) {
    result = { progress: before, reply: enter(flow, flow.start, [say('welcome.new')]) };
  } else if (before && before.status === 'active') {
    result = onActive(flow, before, event, session);
    if (opening) result.reply.speech.unshift(say('welcome.returning'));
  } else if (event.type === 'stop') {
    result = { progress: before, reply: { speech: [say('stop.goodbye')] } };
  } else {
    // No journey under way: start one, then let the event act on it when it means something there.
    const fresh = freshProgress(flow, before);
    const opening = input.newSession || before ? welcome(before) : [];
    const acts = event.type === 'symptom' || event.type === 'safety' || event.type === 'speakerName';
    if (acts) {
      result = onActive(flow, fresh, event, session);
      result.reply.speech.unshift(...opening);
    } else {
      const lead = event.type === 'start' && opening.length === 0 ? [say('start.ack')] : opening;
      result = { progress: fresh, reply: enter(flow, fresh.stepId, lead) };
    }
  }
  const progressChanged = JSON.stringify(result.progress) !== JSON.stringify(before);
  // `advance` appends a new entry; an unchanged list keeps its last entry's identity.
  const last = result.progress?.tried[result.progress.tried.length - 1];
  const recorded = last && last !== before?.tried[before.tried.length - 1] ? last : undefined;
  return {
    progress: result.progress,
    session: { misunderstood: result.misunderstood ?? 0 },
    reply: result.reply,
    progressChanged,
    ...(recorded ? { recorded } : {}),
  };
}
