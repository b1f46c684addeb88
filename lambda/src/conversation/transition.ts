import type {
  Answer,
  ConversationEvent,
  Flow,
  Line,
  Outcome,
  Progress,
  Reply,
  SessionScratch,
  SpeakerState,
  Step,
  StepId,
  TriedStep,
  TurnInput,
  TurnOutput,
} from './types';
import { PAUSE } from './types';

/** Bounds that keep one user's item small whatever they do. */
export const MAX_HISTORY = 30;
export const MAX_TRIED = 40;
export const MAX_SPEAKER_NAME = 60;
/** "I'm not sure" this many times in a row at a step moves on with the step's default. */
export const UNSURE_LIMIT = 2;
/** This many unusable answers in a row at a step move on with the step's default. */
export const MISUNDERSTOOD_LIMIT = 3;

const line = (key: string, params?: Line['params']): Line => (params ? { key, params } : { key });

/** The progress without the name question pending. */
function withoutNameQuestion(progress: Progress): Progress {
  const rest = { ...progress };
  delete rest.awaitingName;
  return rest;
}
const stepLine = (id: StepId, part: string): Line => line(`steps.${id}.${part}`);

/**
 * Which text parts a step kind has; the flow check uses the same table, so a step can never be spoken
 * with a missing part. `instruction` is what is said, `detail` the numbered actions on the card.
 */
export const STEP_TEXT_PARTS: Record<Step['kind'], readonly string[]> = {
  choice: ['title', 'question', 'why', 'help'],
  check: ['title', 'question', 'why', 'help'],
  state: ['title', 'question', 'why', 'help'],
  action: ['title', 'instruction', 'detail', 'question', 'why', 'help', 'ifNo'],
  handoff: ['title', 'instruction', 'detail', 'question', 'why', 'help', 'ifNo'],
  end: ['title', 'say', 'detail'],
};

/** Keys the transition uses outside `steps.*`; the flow check verifies each one is translated. */
export const CONVERSATION_KEYS = [
  'welcome.new',
  'welcome.returning',
  'welcome.afterFinish',
  'welcome.afterSafety',
  'start.ack',
  'start.continue',
  'resume.intro',
  'answer.ok',
  'answer.unsure',
  'answer.chooseSymptom',
  'answer.chooseState',
  'answer.okay',
  'unsure.moveOn',
  'stuck.moveOn',
  'handoff.comeBack',
  'handoff.comeBackAgain',
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
  'wait.ack',
  'thanks.ack',
  'thanks.bye',
  'symptom.unknown',
  'symptom.ack',
  'speakerName.ack',
  'speakerName.missing',
  'speakerName.ask',
  'speakerName.help',
  'speakerName.none',
  'speakerName.brandOnly',
  'support.tried',
  'support.symptom',
  'support.triedNone',
  'topics.pairing_mode',
  'outcomes.yes',
  'outcomes.no',
  'outcomes.failed',
  'outcomes.unsure',
  'outcomes.done',
  'outcomes.skipped',
  'outcomes.safety',
  'outcomes.connected',
  'outcomes.saved',
  'outcomes.not_listed',
] as const;
export type ConversationKey = (typeof CONVERSATION_KEYS)[number];
const say = (key: ConversationKey, params?: Line['params']): Line => line(key, params);

export function freshProgress(flow: Flow, keep?: Progress): Progress {
  const progress: Progress = { stepId: flow.start, history: [], tried: [], status: 'active' };
  // Starting over forgets the journey, not what the user told us about their devices.
  if (keep?.speakerName) progress.speakerName = keep.speakerName;
  if (keep?.nameAsked) progress.nameAsked = true;
  if (keep?.musicDevice) progress.musicDevice = keep.musicDevice;
  return progress;
}

function stepOf(flow: Flow, id: StepId): Step {
  const step = flow.steps[id];
  if (!step) throw new Error(`Unknown step "${id}"`);
  return step;
}

const hasInstruction = (step: Step) => step.kind === 'action' || step.kind === 'handoff';

/** The card: the step's numbered actions (or its question) in full, for reading in the Alexa app. */
function card(flow: Flow, id: StepId, after: Line[]): Reply['card'] {
  const step = stepOf(flow, id);
  const body = hasInstruction(step) ? [stepLine(id, 'detail'), ...after] : after;
  return { title: stepLine(id, 'title'), body };
}

/** Speech that asks the step's question and keeps the session open. */
function ask(flow: Flow, id: StepId, before: Line[]): Reply {
  const question = stepLine(id, 'question');
  return { speech: [...before, question], reprompt: [question], card: card(flow, id, [question]) };
}

/** Speech that asks for the speaker's name before a step that quotes a voice command. */
function askName(flow: Flow, id: StepId, before: Line[]): Reply {
  // The card waits for the name too: the step's actions would quote a command not yet worded.
  const question = say('speakerName.ask');
  return {
    speech: [...before, question],
    reprompt: [question],
    card: { title: stepLine(id, 'title'), body: [question] },
  };
}

/** Asks what the step is waiting for: the speaker's name while it is being asked, else the step's question. */
function askAt(flow: Flow, progress: Progress, before: Line[]): Reply {
  return progress.awaitingName ? askName(flow, progress.stepId, before) : ask(flow, progress.stepId, before);
}

interface Ctx {
  flow: Flow;
  progress: Progress;
}

/** A handoff quoting a voice command waits for the speaker's name the first time (never asked twice). */
const needsName = (ctx: Ctx, id: StepId) => {
  const step = stepOf(ctx.flow, id);
  return (
    ctx.flow.voiceCommands !== false &&
    step.kind === 'handoff' &&
    step.command === true &&
    !ctx.progress.speakerName &&
    !ctx.progress.nameAsked
  );
};

/** How the user is told to come back: in full the first time in a journey, briefly after that. */
function comeBack(flow: Flow, progress: Progress): Line {
  const handoffsBefore = progress.history.filter((id) => flow.steps[id]?.kind === 'handoff').length;
  return say(handoffsBefore === 0 ? 'handoff.comeBack' : 'handoff.comeBackAgain');
}

interface Entered {
  progress: Progress;
  reply: Reply;
}

/**
 * The step as met when moving forward: a handoff gives its instruction and ends the session (the user
 * has to leave the skill to do it), after asking the speaker's name if its command needs it; an end step
 * says its closing words; others ask their question.
 */
function enter(ctx: Ctx, before: Line[]): Entered {
  const { flow, progress } = ctx;
  const id = progress.stepId;
  const step = stepOf(flow, id);
  switch (step.kind) {
    case 'end': {
      const extra = triedLines(flow, progress, step.outcome);
      return {
        progress,
        reply: {
          speech: [...before, stepLine(id, 'say')],
          card: { title: stepLine(id, 'title'), body: [stepLine(id, 'detail'), ...extra] },
        },
      };
    }
    case 'handoff': {
      if (needsName(ctx, id))
        return { progress: { ...progress, awaitingName: true }, reply: askName(flow, id, before) };
      // A step whose instruction says how to come back ("open Speaker Helper on that Echo") gets no other.
      const back = step.ownComeBack ? [] : [comeBack(flow, progress)];
      return {
        progress,
        reply: {
          speech: [...before, stepLine(id, 'instruction'), ...(back.length > 0 ? [PAUSE] : []), ...back],
          card: card(flow, id, back),
        },
      };
    }
    case 'action':
      return { progress, reply: ask(flow, id, [...before, stepLine(id, 'instruction'), PAUSE]) };
    default:
      return { progress, reply: ask(flow, id, before) };
  }
}

/** For the unresolved end: what was tried and how it went, on the card, for the maker's or Amazon's support. */
function triedLines(flow: Flow, progress: Progress, outcome: string): Line[] {
  if (outcome !== 'unresolved') return [];
  const tried = progress.tried.filter((t) => t.step !== flow.start && flow.steps[t.step]?.kind !== 'end');
  const problem = progress.symptom
    ? [say('support.symptom', { symptom: line(`symptoms.${progress.symptom}`) })]
    : [];
  if (tried.length === 0) return [...problem, say('support.triedNone')];
  return [
    ...problem,
    ...tried.map((t) => {
      // A handoff's "no" means the fix was tried and did not help.
      const failed = t.outcome === 'no' && flow.steps[t.step]?.kind === 'handoff';
      return say('support.tried', {
        title: stepLine(t.step, 'title'),
        outcome: line(failed ? 'outcomes.failed' : `outcomes.${t.outcome}`),
      });
    }),
  ];
}

/**
 * The whole step again, e.g. for "repeat" or "go back". A handoff is given again as on arrival, ending the
 * session: its instruction is done outside the skill, and an open session would take "not yet" for "no".
 */
function restate(ctx: Ctx, before: Line[]): Entered {
  const { flow, progress } = ctx;
  if (progress.awaitingName) return { progress, reply: askName(flow, progress.stepId, before) };
  return enter(ctx, before);
}

/** How a returning user meets the step they left: a handoff asks whether the outside action worked. */
function resume(ctx: Ctx, before: Line[]): Entered {
  const { flow, progress } = ctx;
  if (progress.awaitingName) return { progress, reply: askName(flow, progress.stepId, before) };
  return stepOf(flow, progress.stepId).kind === 'handoff'
    ? { progress, reply: ask(flow, progress.stepId, before) }
    : enter(ctx, before);
}

function record(progress: Progress, outcome: Outcome): Progress['tried'] {
  return [...progress.tried, { step: progress.stepId, outcome }].slice(-MAX_TRIED);
}

/**
 * Whether the user already tried `id` and it failed, in this place: a step left by a symptom or a skip was
 * not tried, and fixes from before a move to the right Echo or account (a "yes" at a `resets` step) count
 * for nothing.
 */
function triedAlready(flow: Flow, progress: Progress, id: StepId): boolean {
  if (progress.stepId === id) return false;
  for (let i = progress.tried.length - 1; i >= 0; i--) {
    const t = progress.tried[i] as TriedStep;
    const step = flow.steps[t.step];
    if (t.outcome === 'yes' && step?.kind === 'handoff' && step.resets) return false;
    if (t.step === id && t.outcome !== 'skipped') return true;
  }
  return false;
}

/**
 * Where an edge really leads: a step the user already answered in this journey is not offered again; the
 * way on follows `skip` edges instead, from the step being left (an answer) or from the step asked for (a
 * symptom, which names the branch to stay in). The flow check proves those chains of skips end. `progress`
 * already records the answer being given.
 */
function avoidRepeats(flow: Flow, progress: Progress, to: StepId, via: 'answer' | 'symptom'): StepId {
  if (!triedAlready(flow, progress, to)) return to;
  const from = stepOf(flow, via === 'answer' ? progress.stepId : to);
  let next = 'skip' in from ? from.skip : to;
  for (let guard = 0; guard < Object.keys(flow.steps).length && triedAlready(flow, progress, next); guard++) {
    const step = stepOf(flow, next);
    if (!('skip' in step)) break;
    next = step.skip;
  }
  return next;
}

/**
 * How a move treats steps already tried: `answer` and `symptom` avoid them (see `avoidRepeats`); `exact`
 * goes where it is told (the safety stop, the fixed end).
 */
type Via = 'answer' | 'symptom' | 'exact';

/** Moves to `to`, remembering where the user came from and what they answered. */
function advance(
  flow: Flow,
  progress: Progress,
  to: StepId,
  outcome: Outcome,
  via: Via = 'answer',
): Progress {
  const tried = record(progress, outcome);
  const id = via === 'exact' ? to : avoidRepeats(flow, { ...progress, tried }, to, via);
  const target = stepOf(flow, id);
  return {
    ...withoutNameQuestion(progress),
    stepId: id,
    history: [...progress.history, progress.stepId].slice(-MAX_HISTORY),
    tried,
    status: target.kind === 'end' ? target.outcome : 'active',
  };
}

/** Where "not sure" leads when the step has no explicit edge for it and the user is still unsure. */
function unsureDefault(step: Step): StepId | undefined {
  switch (step.kind) {
    case 'choice':
    case 'check':
    case 'state':
      return step.unsure ?? step.skip;
    case 'handoff':
      return step.unsure ?? step.no;
    case 'action':
      return step.skip;
    case 'end':
      return undefined;
  }
}

interface Result {
  progress: Progress | undefined;
  reply: Reply;
  misunderstood?: number;
  unsure?: number;
}

/**
 * Moves and speaks the step arrived at. `before` is said first; an acknowledgement key (`ack`) only when
 * the step arrived at is not an end, which speaks for itself ("Great, your speaker is working!").
 */
function go(
  flow: Flow,
  progress: Progress,
  to: StepId,
  outcome: Outcome,
  words: { before?: Line[]; ack?: ConversationKey; via?: Via },
): Result {
  const moved = advance(flow, progress, to, outcome, words.via);
  const acknowledged = words.ack && stepOf(flow, moved.stepId).kind !== 'end' ? [say(words.ack)] : [];
  return enter({ flow, progress: moved }, [...(words.before ?? []), ...acknowledged]);
}

function onAnswer(flow: Flow, progress: Progress, answer: Answer, scratch: SessionScratch): Result {
  const id = progress.stepId;
  const step = stepOf(flow, id);
  if (answer === 'unsure') {
    const explicit = 'unsure' in step && step.kind !== 'handoff' ? step.unsure : undefined;
    if (explicit) return go(flow, progress, explicit, 'unsure', { ack: 'answer.unsure' });
    const unsure = (scratch.unsure ?? 0) + 1;
    const fallback = unsureDefault(step);
    if (unsure >= UNSURE_LIMIT && fallback) {
      return go(flow, progress, fallback, 'unsure', { before: [say('unsure.moveOn')] });
    }
    return { progress, reply: askAt(flow, progress, [stepLine(id, 'help')]), unsure };
  }
  switch (step.kind) {
    case 'check':
      return go(flow, progress, step[answer], answer, { ack: 'answer.ok' });
    case 'handoff':
      if (answer === 'no') return go(flow, progress, step.no, 'no', { before: [stepLine(id, 'ifNo')] });
      return go(flow, progress, step.yes, 'yes', { ack: 'answer.ok' });
    case 'action':
      if (answer === 'yes') return go(flow, progress, step.done, 'done', { ack: 'answer.ok' });
      return unusable(flow, progress, scratch, [stepLine(id, 'ifNo')]);
    case 'choice':
      return unusable(flow, progress, scratch, [say('answer.chooseSymptom')]);
    case 'state':
      return unusable(flow, progress, scratch, [say('answer.chooseState')]);
    case 'end':
      return { progress, reply: enter({ flow, progress }, []).reply };
  }
}

/**
 * An answer the step can't use: explain and ask again, and after `MISUNDERSTOOD_LIMIT` in a row move on
 * with the step's default, saying so, rather than ask the same thing forever.
 */
function unusable(flow: Flow, progress: Progress, scratch: SessionScratch, explain: Line[]): Result {
  const id = progress.stepId;
  const misunderstood = scratch.misunderstood + 1;
  const fallback = unsureDefault(stepOf(flow, id));
  if (misunderstood >= MISUNDERSTOOD_LIMIT && fallback) {
    return go(flow, progress, fallback, 'skipped', { before: [say('stuck.moveOn')] });
  }
  return { progress, reply: askAt(flow, progress, explain), misunderstood };
}

/** The speaker's name, when the user gave one: recogniser placeholders are no name. */
function cleanName(name: string | undefined): string | undefined {
  const said = name?.trim().slice(0, MAX_SPEAKER_NAME);
  return said && !/^(null|undefined|nan|\?)$/i.test(said) ? said : undefined;
}

/** While a step waits for the speaker's name: a name, or anything that says "none", lets the step go on. */
function onAwaitingName(flow: Flow, progress: Progress, event: ConversationEvent): Result | undefined {
  const named = (name: string | undefined, before: Line[]): Result => {
    const next: Progress = {
      ...withoutNameQuestion(progress),
      nameAsked: true,
      ...(name ? { speakerName: name } : {}),
    };
    return enter({ flow, progress: next }, before);
  };
  switch (event.type) {
    case 'speakerName': {
      const name = event.brandOnly ? undefined : cleanName(event.name);
      const heard = event.brandOnly ? 'speakerName.brandOnly' : 'speakerName.none';
      return named(name, [name ? say('speakerName.ack', { name }) : say(heard)]);
    }
    case 'answer':
    case 'skip':
    case 'unknown':
    case 'ok':
      return named(undefined, [say('speakerName.none')]);
    case 'help':
    case 'why':
      return { progress, reply: askName(flow, progress.stepId, [say('speakerName.help')]) };
    default:
      return undefined;
  }
}

function onSymptom(
  flow: Flow,
  progress: Progress,
  symptom: Symptom | undefined,
  scratch: SessionScratch,
): Result {
  const id = progress.stepId;
  if (!symptom) return unusable(flow, progress, scratch, [say('symptom.unknown')]);
  const step = stepOf(flow, id);
  // "It's not there" answers the app-state question itself.
  if (step.kind === 'state' && symptom === 'not_listed')
    return onState(flow, progress, 'not_listed', scratch);
  const to = flow.symptomEntry[symptom];
  const withSymptom = { ...progress, symptom };
  const heard = say('symptom.ack', { symptom: line(`symptoms.${symptom}`) });
  if (to === id)
    return { progress: withSymptom, reply: restate({ flow, progress: withSymptom }, [heard]).reply };
  return go(flow, withSymptom, to, 'skipped', { before: [heard], via: 'symptom' });
}

function onState(
  flow: Flow,
  progress: Progress,
  state: SpeakerState | undefined,
  scratch: SessionScratch,
): Result {
  const step = stepOf(flow, progress.stepId);
  if (step.kind !== 'state' || !state) {
    // "It's not there" elsewhere is news about the speaker: the not-listed branch; "it's connected" in
    // answer to "what's happening?" is the connected-but-silent problem.
    if (state === 'not_listed') return onSymptom(flow, progress, 'not_listed', scratch);
    if (state === 'connected' && step.kind === 'choice')
      return onSymptom(flow, progress, 'no_sound', scratch);
    const explain = step.kind === 'choice' ? 'answer.chooseSymptom' : 'answer.okay';
    return unusable(flow, progress, scratch, [say(explain)]);
  }
  return go(flow, progress, step.states[state], state, { ack: 'answer.ok' });
}

type Symptom = NonNullable<Extract<ConversationEvent, { type: 'symptom' }>['symptom']>;

function onActive(flow: Flow, progress: Progress, event: ConversationEvent, scratch: SessionScratch): Result {
  const id = progress.stepId;
  const step = stepOf(flow, id);
  const ctx: Ctx = { flow, progress };
  if (progress.awaitingName) {
    const named = onAwaitingName(flow, progress, event);
    if (named) return named;
  }
  switch (event.type) {
    case 'launch':
      return resume(ctx, [say('resume.intro', { title: stepLine(id, 'title') })]);
    case 'start':
      // "Help me pair my speaker" in answer to "what's happening?" is the general case, not a loop.
      if (step.kind === 'choice')
        return go(flow, progress, step.unsure, 'unsure', { before: [say('start.ack')] });
      return resume(ctx, [say('start.continue')]);
    case 'answer':
      // "It's working now" at any question but a hand-off's (which asks exactly that) means it is fixed.
      if (event.fixed && step.kind !== 'handoff' && step.kind !== 'end')
        return go(flow, progress, flow.resolved, 'yes', { via: 'exact' });
      return onAnswer(flow, progress, event.answer, scratch);
    case 'state':
      return onState(flow, progress, event.state, scratch);
    case 'ok':
      if (step.kind === 'action') return onAnswer(flow, progress, 'yes', scratch);
      if (step.kind === 'choice') return unusable(flow, progress, scratch, [say('answer.chooseSymptom')]);
      if (step.kind === 'state') return unusable(flow, progress, scratch, [say('answer.chooseState')]);
      return unusable(flow, progress, scratch, [say('answer.okay')]);
    case 'skip':
      if (step.kind === 'end') return enter(ctx, []);
      return go(flow, progress, step.skip, 'skipped', { before: [say('skip.ack')] });
    case 'back': {
      const previous = progress.history[progress.history.length - 1];
      if (previous === undefined) return restate(ctx, [say('back.atStart')]);
      const moved = {
        ...withoutNameQuestion(progress),
        stepId: previous,
        history: progress.history.slice(0, -1),
      };
      return restate({ flow, progress: moved }, [say('back.ack')]);
    }
    case 'repeat': {
      const again = restate(ctx, []);
      return event.slow ? { ...again, reply: { ...again.reply, slow: true } } : again;
    }
    case 'startOver': {
      const fresh = freshProgress(flow, progress);
      return enter({ flow, progress: fresh }, [say('startOver.ack')]);
    }
    case 'why':
      return { progress, reply: askAt(flow, progress, [stepLine(id, 'why'), PAUSE]) };
    case 'whereAmI': {
      const lines = [
        say('whereAmI.position', { number: progress.history.length + 1, title: stepLine(id, 'title') }),
      ];
      if (progress.tried.length > 0) lines.push(say('whereAmI.tried', { count: progress.tried.length }));
      return { progress, reply: askAt(flow, progress, [...lines, PAUSE]) };
    }
    case 'help':
      return {
        progress,
        reply: askAt(flow, progress, [stepLine(id, 'help'), say('help.navigation'), PAUSE]),
      };
    case 'explain':
      return { progress, reply: askAt(flow, progress, [say(`topics.${event.topic}`), PAUSE]) };
    case 'thanks':
      return { progress, reply: askAt(flow, progress, [say('thanks.ack')]) };
    case 'stop':
      return { progress, reply: { speech: [say('stop.saved')] } };
    case 'wait':
      return { progress, reply: { speech: [say('wait.ack')] } };
    case 'symptom':
      return onSymptom(flow, progress, event.symptom, scratch);
    case 'safety':
      return go(flow, progress, flow.safety, 'safety', { via: 'exact' });
    case 'speakerName': {
      const name = event.brandOnly ? undefined : cleanName(event.name);
      if (event.brandOnly) {
        const asked = { ...progress, nameAsked: true as const };
        return { progress: asked, reply: askAt(flow, asked, [say('speakerName.brandOnly')]) };
      }
      if (!name) return { progress, reply: askAt(flow, progress, [say('speakerName.missing')]) };
      const named = { ...progress, speakerName: name, nameAsked: true as const };
      return restate({ flow, progress: named }, [say('speakerName.ack', { name })]);
    }
    case 'unknown': {
      const misunderstood = scratch.misunderstood + 1;
      const fallback = unsureDefault(step);
      if (misunderstood >= MISUNDERSTOOD_LIMIT && fallback) {
        return go(flow, progress, fallback, 'skipped', { before: [say('stuck.moveOn')] });
      }
      const lines =
        misunderstood > 1 ? [say('fallback.again'), stepLine(id, 'help')] : [say('fallback.first')];
      return { progress, reply: askAt(flow, progress, lines), misunderstood };
    }
  }
}

/** Opening words for a user with no active progress (new, expired, or finished last time). */
function welcome(previous: Progress | undefined): Line[] {
  if (!previous) return [say('welcome.new')];
  return [say(previous.status === 'safety' ? 'welcome.afterSafety' : 'welcome.afterFinish')];
}

/** Events that mean something to a journey that has not started yet. */
const ACTS_ON_FRESH = new Set<ConversationEvent['type']>(['symptom', 'safety', 'speakerName', 'state']);

/**
 * One conversational turn: the user's progress and what they said in, the next progress and what to say
 * out. Pure: no I/O, no clock, no randomness; the caller saves `progress` when `progressChanged`.
 */
export function transition(given: Flow, input: TurnInput, event: ConversationEvent): TurnOutput {
  const { progress: stored, session } = input;
  const flow = input.voiceCommands === false ? { ...given, voiceCommands: false } : given;
  // The name was asked in a language with voice commands; this turn's language has none: go on without.
  const before = stored?.awaitingName && flow.voiceCommands === false ? withoutNameQuestion(stored) : stored;
  let result: Result;
  const opening = input.newSession && (event.type === 'launch' || event.type === 'start');
  // Progress that never got past the first question (e.g. kept only for a Spotify device) is no journey.
  const untouched = before?.stepId === flow.start && before.tried.length === 0 && before.history.length === 0;
  if (before && before.status === 'active' && untouched && (opening || event.type === 'launch')) {
    result = { progress: before, reply: enter({ flow, progress: before }, [say('welcome.new')]).reply };
  } else if (before && before.status === 'active') {
    // "Ask speaker helper to help me pair my speaker" opening a session resumes like "open speaker helper".
    const resumes = opening && event.type === 'start' && flow.steps[before.stepId]?.kind !== 'choice';
    result = onActive(flow, before, resumes ? { type: 'launch' } : event, session);
    if (opening) result.reply.speech.unshift(say('welcome.returning'));
  } else if (event.type === 'stop') {
    result = { progress: before, reply: { speech: [say('stop.goodbye')] } };
  } else if (event.type === 'thanks' || event.type === 'wait') {
    result = { progress: before, reply: { speech: [say('thanks.bye')] } };
  } else {
    // No journey under way: start one, then let the event act on it when it means something there.
    const fresh = freshProgress(flow, before);
    const opening = input.newSession || before ? welcome(before) : [];
    if (ACTS_ON_FRESH.has(event.type)) {
      result = onActive(flow, fresh, event, session);
      // A safety stop speaks for itself; a returning user is not welcomed back into it.
      if (!(event.type === 'safety' && before)) result.reply.speech.unshift(...opening);
    } else {
      const lead = event.type === 'start' && opening.length === 0 ? [say('start.ack')] : opening;
      result = { progress: fresh, reply: enter({ flow, progress: fresh }, lead).reply };
    }
  }
  const progressChanged = JSON.stringify(result.progress) !== JSON.stringify(stored);
  // `advance` appends a new entry; an unchanged list keeps its last entry's identity.
  const last = result.progress?.tried[result.progress.tried.length - 1];
  const recorded = last && last !== before?.tried[before.tried.length - 1] ? last : undefined;
  const moved = result.progress?.stepId !== before?.stepId;
  return {
    progress: result.progress,
    session: {
      misunderstood: moved ? 0 : (result.misunderstood ?? 0),
      ...(!moved && result.unsure ? { unsure: result.unsure } : {}),
    },
    reply: result.reply,
    progressChanged,
    ...(recorded ? { recorded } : {}),
  };
}
