/**
 * Whole conversations spoken through the en-US model: a newcomer's first session, every navigation phrase at
 * several kinds of step, symptoms, safety and the speaker's name. Every response is certification-checked by
 * the harness.
 */
import type { StepId } from '../../lambda/src/conversation/types';
import type { Conversation, Heard } from '../support/conversation';
import {
  arriving,
  conversationTable,
  FLOW,
  questionOf,
  restating,
  resuming,
  sentences,
  startConversation,
  stepOf,
  stepWords,
  symptomPhrase,
  words,
} from '../support/conversation';

const table = conversationTable('navigation');
const start = (): Promise<Conversation> => startConversation({ table: table() });

const OPEN = 'open speaker helper';
const CANT_FIND = "alexa can't find my speaker";
const KEEPS_DISCONNECTING = 'it keeps disconnecting';

/** What the user hears on arriving somewhere, with what the skill says first. */
function after(before: string[], heard: Heard): Heard {
  return { speech: sentences(...before, heard.speech), open: heard.open };
}

function expectHeard(c: Conversation, heard: Heard): void {
  expect({ speech: c.speech, open: c.sessionOpen }).toEqual({ speech: heard.speech, open: heard.open });
  // The reprompt repeats the question whenever the skill keeps listening (the name question, while asked).
  const question = () =>
    c.sessionProgress?.awaitingName ? words('speakerName.ask') : questionOf(c.step as StepId);
  if (heard.open) expect(c.reprompt).toBe(question());
  else expect(c.reprompt).toBe('');
}

describe('a newcomer', () => {
  it('is welcomed with the symptom question, walks the flow to a handoff and is picked up there next time', async () => {
    const c = await start();

    await c.say(OPEN);
    expect(c.heard).toBe('LaunchRequest');
    expectHeard(c, after([words('welcome.new')], arriving(FLOW.start)));
    expect(c.step).toBe(FLOW.start);
    expect(stepOf(FLOW.start).kind).toBe('choice');
    expect(c.card).toEqual({ title: stepWords(FLOW.start).title, text: questionOf(FLOW.start) });
    expect(c.turnOperations).toEqual(['load', 'save']);

    await c.say(CANT_FIND);
    expect(c.heard).toBe('SymptomIntent');
    const entry = FLOW.symptomEntry.cant_find;
    const ack = words('symptom.ack', { symptom: words('symptoms.cant_find') });
    expectHeard(c, after([ack], arriving(entry)));
    expect(c.step).toBe(entry);
    const entryWords = stepWords(entry);
    expect(c.card).toEqual({ title: entryWords.title, text: entryWords.question });

    // A new speaker: "no" to "has it played through this Echo before?" hands off to pairing in the app.
    await c.say('no');
    expect(c.heard).toBe('AMAZON.NoIntent');
    const handoff = stepOf(entry).kind === 'check' ? (stepOf(entry) as { no: StepId }).no : entry;
    expect(stepOf(handoff).kind).toBe('handoff');
    expectHeard(c, after([words('answer.ok')], arriving(handoff)));
    expect(c.step).toBe(handoff);
    expect(c.turnOperations).toEqual(['save']);
    expect(c.sessionOpen).toBe(false);
    const handoffWords = stepWords(handoff);
    expect(c.card).toEqual({
      title: handoffWords.title,
      text: `${handoffWords.detail}\n\n${words('handoff.comeBack')}`,
    });
    const saved = await c.stored();
    expect(saved?.progress).toMatchObject({ stepId: handoff, status: 'active', symptom: 'cant_find' });
    expect(saved?.progress.history).toEqual([FLOW.start, entry]);

    await c.say(OPEN);
    expectHeard(
      c,
      after(
        [words('welcome.returning'), words('resume.intro', { title: handoffWords.title })],
        resuming(handoff),
      ),
    );
    expect(c.speech.startsWith(words('welcome.returning'))).toBe(true);
    expect(c.step).toBe(handoff);
    expect(c.turnOperations).toEqual(['load']);

    // "Tell speaker helper it worked": the answer comes with the reopening, in one turn.
    await c.say('tell speaker helper it worked');
    expect(c.heard).toBe('ItWorkedIntent');
    expect(c.step).toBe((stepOf(handoff) as { yes: StepId }).yes);
    expect((await c.stored())?.progress.status).toBe('resolved');
  });

  it('can start with a one-shot "ask speaker helper to help me pair my speaker"', async () => {
    const c = await start();
    await c.say('ask speaker helper to help me pair my speaker');
    expect(c.heard).toBe('StartTroubleshootingIntent');
    expectHeard(c, after([words('welcome.new')], arriving(FLOW.start)));
    expect((await c.stored())?.progress).toMatchObject({ stepId: FLOW.start, status: 'active' });
  });

  it('can name the problem in the one-shot: "tell speaker helper that it keeps disconnecting"', async () => {
    const c = await start();
    await c.say(`tell speaker helper that ${KEEPS_DISCONNECTING}`);
    expect(c.heard).toBe('SymptomIntent');
    const entry = FLOW.symptomEntry.keeps_disconnecting;
    const ack = words('symptom.ack', { symptom: words('symptoms.keeps_disconnecting') });
    expectHeard(c, after([words('welcome.new'), ack], arriving(entry)));
    expect((await c.stored())?.progress).toMatchObject({ stepId: entry, symptom: 'keeps_disconnecting' });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Every navigation phrase at a choice, a check, an action and a resumed handoff

type Meaning =
  | 'yes'
  | 'fixed'
  | 'no'
  | 'unsure'
  | 'skip'
  | 'back'
  | 'repeat'
  | 'startOver'
  | 'why'
  | 'whereAmI'
  | 'help'
  | 'stop';

const PHRASES: ReadonlyArray<[phrase: string, intent: string, meaning: Meaning]> = [
  ['yes', 'AMAZON.YesIntent', 'yes'],
  ['no', 'AMAZON.NoIntent', 'no'],
  ['done', 'DoneIntent', 'yes'],
  ['it worked', 'ItWorkedIntent', 'fixed'],
  ['that fixed it', 'ItWorkedIntent', 'fixed'],
  ["that didn't work", 'DidNotWorkIntent', 'no'],
  ["it still doesn't work", 'DidNotWorkIntent', 'no'],
  ["i'm not sure", 'NotSureIntent', 'unsure'],
  ['next', 'AMAZON.NextIntent', 'skip'],
  ['skip', 'SkipIntent', 'skip'],
  ['go back', 'AMAZON.PreviousIntent', 'back'],
  ['repeat', 'AMAZON.RepeatIntent', 'repeat'],
  ['start over', 'AMAZON.StartOverIntent', 'startOver'],
  ['why', 'WhyIntent', 'why'],
  ['where am i', 'WhereAmIIntent', 'whereAmI'],
  ['help', 'AMAZON.HelpIntent', 'help'],
  ['stop', 'AMAZON.StopIntent', 'stop'],
  ['cancel', 'AMAZON.CancelIntent', 'stop'],
];

interface Place {
  /** What the user says to get there. */
  reach: string[];
  step: StepId;
  kind: string;
  /** Steps before it ("go back" returns to the last one); every one of them was answered. */
  history: StepId[];
}

const CHECK = FLOW.symptomEntry.cant_find;
/** A new speaker's pairing handoff: "no" at the first check. */
const HANDOFF = (stepOf(CHECK) as { no: StepId }).no;
/** What the app shows, asked after the pairing did not work. */
const STATE = (stepOf(HANDOFF) as { no: StepId }).no;
const PLACES: Record<string, Place> = {
  'the opening choice': { reach: [OPEN], step: FLOW.start, kind: 'choice', history: [] },
  'a check': { reach: [OPEN, CANT_FIND], step: CHECK, kind: 'check', history: [FLOW.start] },
  'a resumed handoff': {
    // The handoff closes the session; opening the skill again resumes there.
    reach: [OPEN, CANT_FIND, 'no', OPEN],
    step: HANDOFF,
    kind: 'handoff',
    history: [FLOW.start, CHECK],
  },
  'a state question': {
    reach: [OPEN, CANT_FIND, 'no', OPEN, 'no'],
    step: STATE,
    kind: 'state',
    history: [FLOW.start, CHECK, HANDOFF],
  },
};

/** How a step is met by a user whose speaker has no name yet, after `history`. */
function meeting(to: StepId, history: StepId[]): Heard {
  const handedOffBefore = history.some((id) => stepOf(id).kind === 'handoff');
  return arriving(to, { handedOffBefore });
}

interface Effect {
  heard: Heard;
  /** Where the user is afterwards. */
  step: StepId;
  /** Whether the turn changes the stored progress (one write) or not (no DynamoDB request at all). */
  writes: boolean;
}

/** The step an answer leads to at once, from the flow data; undefined when the user stays on the step. */
function answerLeadsTo(id: StepId, answer: 'yes' | 'no' | 'unsure'): StepId | undefined {
  const step = stepOf(id);
  switch (step.kind) {
    case 'choice':
    case 'state':
      return answer === 'unsure' ? step.unsure : undefined;
    case 'check':
      return answer === 'unsure' ? step.unsure : step[answer];
    case 'action':
      return answer === 'yes' ? step.done : undefined;
    case 'handoff':
      return answer === 'unsure' ? undefined : step[answer];
    case 'end':
      return undefined;
  }
}

/** The effect a user notices, in the words of the en-US resources. */
function expectedEffect(place: Place, meaning: Meaning): Effect {
  const id = place.step;
  const here = stepWords(id);
  const ask = (...before: string[]): Effect => ({
    heard: { speech: sentences(...before, questionOf(id)), open: true },
    step: id,
    writes: false,
  });
  const go = (to: StepId, ...before: string[]): Effect => ({
    heard: after(before, meeting(to, [...place.history, id])),
    step: to,
    writes: true,
  });
  switch (meaning) {
    case 'fixed':
      // "It worked" at any question but a hand-off's (which asks exactly that) means the speaker is fixed.
      if (here.kind !== 'handoff') return go(FLOW.resolved);
      return expectedEffect(place, 'yes');
    case 'yes':
    case 'no':
    case 'unsure': {
      const to = answerLeadsTo(id, meaning);
      if (to) {
        // Arriving at an end step is not preceded by an acknowledgement; it speaks for itself.
        const ack =
          stepOf(to).kind === 'end' ? [] : [words(meaning === 'unsure' ? 'answer.unsure' : 'answer.ok')];
        const lead = meaning === 'no' && here.kind === 'handoff' ? [here.ifNo as string] : ack;
        return go(to, ...lead);
      }
      if (meaning === 'unsure') return ask(here.help as string);
      if (here.kind === 'choice') return ask(words('answer.chooseSymptom'));
      if (here.kind === 'state') return ask(words('answer.chooseState'));
      return ask(here.ifNo as string);
    }
    case 'skip': {
      const step = stepOf(id);
      if (step.kind === 'end') throw new Error('no skip at an end step');
      return go(step.skip, words('skip.ack'));
    }
    case 'back': {
      const previous = place.history[place.history.length - 1];
      if (previous === undefined) {
        return { heard: after([words('back.atStart')], restating(id)), step: id, writes: false };
      }
      return { heard: after([words('back.ack')], restating(previous)), step: previous, writes: true };
    }
    case 'repeat':
      // A handoff is given again and the session closes, keeping the place.
      return { heard: restating(id), step: id, writes: false };
    case 'startOver':
      return {
        heard: after([words('startOver.ack')], arriving(FLOW.start)),
        step: FLOW.start,
        writes: id !== FLOW.start || place.history.length > 0,
      };
    case 'why':
      return ask(here.why as string);
    case 'whereAmI': {
      const position = words('whereAmI.position', { number: place.history.length + 1, title: here.title });
      const answered = place.history.length;
      return answered > 0 ? ask(position, words('whereAmI.tried', { count: answered })) : ask(position);
    }
    case 'help':
      return ask(here.help as string, words('help.navigation'));
    case 'stop':
      return { heard: { speech: words('stop.saved'), open: false }, step: id, writes: false };
  }
}

describe.each(Object.entries(PLACES))('at %s', (_name, place) => {
  async function arrive(): Promise<Conversation> {
    const c = await start();
    await c.sayAll(...place.reach);
    expect(c.sessionOpen).toBe(true);
    expect(c.step).toBe(place.step);
    expect(stepOf(place.step).kind).toBe(place.kind);
    expect(c.sessionProgress?.history).toEqual(place.history);
    return c;
  }

  it.each(PHRASES)('"%s" (%s)', async (phrase, intent, meaning) => {
    const c = await arrive();
    await c.say(phrase);
    expect(c.heard).toBe(intent);

    const effect = expectedEffect(place, meaning);
    expectHeard(c, effect.heard);
    const stored = await c.stored();
    expect(c.step).toBe(effect.step);
    expect(stored?.progress.stepId).toBe(effect.step);
    expect(c.turnOperations).toEqual(effect.writes ? ['save'] : []);
    if (meaning === 'stop') {
      // Progress is kept for next time.
      expect(stored?.progress).toMatchObject({
        stepId: place.step,
        history: place.history,
        status: 'active',
      });
    }
  });
});

describe('symptoms, safety and the speaker name', () => {
  it('a symptom named at any step jumps to its branch', async () => {
    for (const reach of [PLACES['a check'], PLACES['a state question'], PLACES['a resumed handoff']]) {
      const c = await start();
      await c.sayAll(...(reach as Place).reach);
      const from = c.step;
      // A symptom whose branch starts somewhere else than here.
      const symptom = (['no_sound', 'keeps_disconnecting'] as const).find(
        (s) => FLOW.symptomEntry[s] !== from,
      );
      if (!symptom) throw new Error('no symptom leads elsewhere');
      await c.say(symptomPhrase(symptom));
      expect(c.heard).toBe('SymptomIntent');
      const ack = words('symptom.ack', { symptom: words(`symptoms.${symptom}`) });
      const history = [...(reach as Place).history, from as StepId];
      expectHeard(c, after([ack], meeting(FLOW.symptomEntry[symptom], history)));
      expect((await c.stored())?.progress).toMatchObject({
        stepId: FLOW.symptomEntry[symptom],
        symptom,
      });
      expect(c.turnOperations).toEqual(['save']);
    }
  });

  it('a symptom whose branch starts at the current step restates it and remembers the symptom', async () => {
    const c = await start();
    await c.sayAll(OPEN, CANT_FIND);
    const here = c.step as StepId;
    const same = (['wont_pair', 'cant_find'] as const).find((s) => FLOW.symptomEntry[s] === here);
    if (!same) throw new Error('expected a second symptom entering at the same step');
    await c.say(symptomPhrase('wont_pair'));
    expect(FLOW.symptomEntry.wont_pair).toBe(here);
    expectHeard(c, after([words('symptom.ack', { symptom: words('symptoms.wont_pair') })], restating(here)));
    expect((await c.stored())?.progress).toMatchObject({ stepId: here, symptom: 'wont_pair' });
  });

  const SAFETY = ['the speaker is getting hot', 'the battery is swollen'];
  describe.each(Object.entries(PLACES))('at %s', (_name, place) => {
    it.each(SAFETY)('"%s" stops everything at the safety step', async (phrase) => {
      const c = await start();
      await c.sayAll(...place.reach);
      await c.say(phrase);
      expect(c.heard).toBe('SafetyIntent');
      expectHeard(c, arriving(FLOW.safety));
      expect(c.sessionOpen).toBe(false);
      expect(stepOf(FLOW.safety)).toEqual({ kind: 'end', outcome: 'safety' });
      const stored = await c.stored();
      expect(stored?.progress).toMatchObject({ stepId: FLOW.safety, status: 'safety' });
      expect(stored?.progress.tried[stored.progress.tried.length - 1]).toEqual({
        step: place.step,
        outcome: 'safety',
      });
    });
  });

  it('a safety problem in a one-shot from a new user', async () => {
    const c = await start();
    await c.say('tell speaker helper that the battery is swollen');
    expect(c.heard).toBe('SafetyIntent');
    expectHeard(c, after([words('welcome.new')], arriving(FLOW.safety)));
    expect((await c.stored())?.progress.status).toBe('safety');
  });

  it('a speaker name is used in later "Alexa, connect to …" instructions, also after resuming', async () => {
    const NAME = 'jbl flip';
    const c = await start();
    await c.sayAll(OPEN, CANT_FIND);
    const here = c.step as StepId;

    await c.say(`my speaker is a ${NAME}`);
    expect(c.heard).toBe('SpeakerNameIntent');
    expectHeard(c, after([words('speakerName.ack', { name: NAME })], restating(here)));
    expect((await c.stored())?.progress.speakerName).toBe(NAME);

    // "Yes, it has played here before": the voice command uses the name, and the name is not asked again.
    await c.say('yes');
    const handoff = (stepOf(here) as { yes: StepId }).yes;
    const named = stepWords(handoff, NAME).instruction as string;
    expect(named).toContain(NAME);
    expect(named).not.toBe(stepWords(handoff).instruction);
    expectHeard(c, after([words('answer.ok')], arriving(handoff, NAME)));
    expect(c.card?.text).toContain(stepWords(handoff, NAME).detail as string);

    // Resumed later, "repeat" gives the instruction with the name again.
    await c.sayAll(OPEN, 'repeat');
    expectHeard(c, restating(handoff, NAME));
  });
});
