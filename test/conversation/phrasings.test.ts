/**
 * Everyday words said in the middle of a step, spoken through the en-US model: each must be understood and
 * routed sensibly (never the fallback), safety in any words must stop everything, and a symptom moves to its
 * branch from where the user is. The phrases are the ones new users tried; the expected effects come from
 * the flow data and the en-US words.
 */
import type { StepId } from '../../lambda/src/conversation/types';
import type { Conversation } from '../support/conversation';
import {
  conversationTable,
  FLOW,
  questionOf,
  startConversation,
  stepOf,
  words,
} from '../support/conversation';

const table = conversationTable('phrasings');
const OPEN = 'open speaker helper';
const CANT_FIND = "alexa can't find my speaker";

/** Mid-flow places: a resumed handoff (the new speaker's pairing) and the "what does the app show" question. */
const HANDOFF = (stepOf(FLOW.symptomEntry.cant_find) as { no: StepId }).no;
const STATE = (stepOf(HANDOFF) as { no: StepId }).no;
const PLACES: Array<[string, string[], StepId]> = [
  ['a resumed handoff', [OPEN, CANT_FIND, 'no', OPEN], HANDOFF],
  ['the app-state question', [OPEN, CANT_FIND, 'no', OPEN, 'no'], STATE],
];

type Check = (c: Conversation, here: StepId) => Promise<void> | void;

/** "Repeat" and its kin: the step again; a hand-off's instruction closes the session again. */
const repeats: Check = (c, here) => {
  if (stepOf(here).kind !== 'handoff') return stays(c, here);
  expect(c.step).toBe(here);
  expect(c.sessionOpen).toBe(false);
  expect(c.speech.startsWith(words(`steps.${here}.instruction`))).toBe(true);
};
const stays: Check = (c, here) => {
  expect(c.step).toBe(here);
  expect(c.sessionOpen).toBe(true);
  expect(c.speech.endsWith(questionOf(here))).toBe(true);
};
const stopsForSafety: Check = async (c) => {
  expect((await c.stored())?.progress.status).toBe('safety');
  expect(c.sessionOpen).toBe(false);
};
const movesToBranchOf =
  (symptom: keyof typeof FLOW.symptomEntry): Check =>
  async (c, here) => {
    const stored = (await c.stored())?.progress;
    expect(stored?.symptom).toBe(symptom);
    expect(c.step).not.toBe(FLOW.start);
    expect(c.speech.startsWith(words('symptom.ack', { symptom: words(`symptoms.${symptom}`) }))).toBe(true);
    // From where the user is: the step they were on is in the history, not thrown away.
    if (c.step !== here) expect(stored?.history.at(-1)).toBe(here);
  };
const closesKeepingPlace: Check = async (c, here) => {
  expect(c.speech).toBe(words('wait.ack'));
  expect(c.sessionOpen).toBe(false);
  expect((await c.stored())?.progress.stepId).toBe(here);
};

const SAFETY = [
  "it's on fire",
  "it's really hot",
  'smoke',
  "wait it's really hot",
  'my echo is really hot',
  "it's crackling",
  'it smells like burning',
  'the battery is bulging',
  "it's melting",
  'i smell smoke',
];

const PHRASES: Array<[phrase: string, intent: string, check: Check]> = [
  ...SAFETY.map((p): [string, string, Check] => [p, 'SafetyIntent', stopsForSafety]),
  ["my jbl won't pair", 'SymptomIntent', movesToBranchOf('wont_pair')],
  ['the sound is still coming out of alexa', 'SymptomIntent', movesToBranchOf('no_sound')],
  ['the music keeps cutting out', 'SymptomIntent', movesToBranchOf('keeps_disconnecting')],
  ["it's connected but no sound", 'SymptomIntent', movesToBranchOf('no_sound')],
  ['i have two echos', 'SymptomIntent', movesToBranchOf('several_echos')],
  [
    "the speaker isn't in the list",
    'SymptomIntent',
    async (c, here) => {
      const step = stepOf(here);
      // At the app-state question it is the answer; elsewhere it is news that leads to the same branch.
      const to = step.kind === 'state' ? step.states.not_listed : FLOW.symptomEntry.not_listed;
      expect(c.step).toBe(to);
      expect((await c.stored())?.progress.stepId).toBe(to);
    },
  ],
  [
    'how do i put it in pairing mode',
    'PairingModeHelpIntent',
    (c, here) => {
      stays(c, here);
      expect(c.speech.startsWith(words('topics.pairing_mode'))).toBe(true);
    },
  ],
  [
    "it's an old sony",
    'SpeakerNameIntent',
    async (c, here) => {
      // A brand is not the name the app's list shows: not quoted in "Alexa, connect to …", not asked again.
      expect(c.step).toBe(here);
      expect(c.speech.startsWith(words('speakerName.brandOnly'))).toBe(true);
      const stored = (await c.stored())?.progress;
      expect(stored?.speakerName).toBeUndefined();
      expect(stored?.nameAsked).toBe(true);
    },
  ],
  [
    "it's working now thanks",
    'ItWorkedIntent',
    async (c) => {
      expect((await c.stored())?.progress.status).toBe('resolved');
      expect(c.sessionOpen).toBe(false);
    },
  ],
  [
    'thanks',
    'ThanksIntent',
    (c, here) => {
      stays(c, here);
      expect(c.speech.startsWith(words('thanks.ack'))).toBe(true);
    },
  ],
  ['ok', 'OkIntent', stays],
  ['what', 'AMAZON.RepeatIntent', repeats],
  ['hold on', 'WaitIntent', closesKeepingPlace],
  ['wait a minute', 'WaitIntent', closesKeepingPlace],
  [
    'can you say that again slower',
    'RepeatSlowlyIntent',
    (c, here) => {
      repeats(c, here);
      expect(c.last?.response.outputSpeech).toMatchObject({
        ssml: expect.stringContaining('<prosody rate="slow">'),
      });
    },
  ],
  // "Not yet" is not "it didn't work": the place is kept for when the user has tried.
  ['not yet', 'WaitIntent', closesKeepingPlace],
];

describe.each(PLACES)('at %s', (_name, reach, here) => {
  it.each(PHRASES)('"%s" is understood (%s) and handled', async (phrase, intent, check) => {
    const c = await startConversation({ table: table() });
    await c.sayAll(...reach);
    expect(c.step).toBe(here);
    await c.say(phrase);
    expect(c.heard).toBe(intent);
    expect(c.speech.startsWith(words('fallback.first'))).toBe(false);
    await check(c, here);
  });
});

describe('never trapped', () => {
  it('"I\'m not sure" twice at a question without its own branch moves on, saying so', async () => {
    const c = await startConversation({ table: table() });
    await c.sayAll(OPEN, CANT_FIND, 'no', OPEN);
    expect(c.step).toBe(HANDOFF);
    await c.say("i'm not sure");
    expect(c.step).toBe(HANDOFF);
    await c.say("i'm not sure");
    expect(c.step).not.toBe(HANDOFF);
    expect(c.speech.startsWith(words('unsure.moveOn'))).toBe(true);
  });

  it('"my speaker won\'t connect" in answer to the first question moves on instead of starting again', async () => {
    const c = await startConversation({ table: table() });
    await c.say(OPEN);
    await c.say("my speaker won't connect");
    expect(c.heard).toBe('StartTroubleshootingIntent');
    expect(c.step).not.toBe(FLOW.start);
    expect(c.speech).not.toContain(words('resume.intro', { title: 'x' }).split('x')[0] as string);
  });

  it('the same unusable answer three times moves on with a stated default', async () => {
    const c = await startConversation({ table: table() });
    await c.sayAll(OPEN, CANT_FIND, 'no', OPEN, 'no');
    expect(c.step).toBe(STATE);
    await c.sayAll('yes', 'yes');
    expect(c.step).toBe(STATE);
    await c.say('yes');
    expect(c.step).not.toBe(STATE);
    expect(c.speech.startsWith(words('stuck.moveOn'))).toBe(true);
  });

  it('a one-shot "ask speaker helper, it keeps disconnecting" starts on that branch', async () => {
    const c = await startConversation({ table: table() });
    await c.say('ask speaker helper it keeps disconnecting');
    expect(c.step).toBe(FLOW.symptomEntry.keeps_disconnecting);
    expect(c.speech).not.toContain(words('resume.intro', { title: 'x' }).split('x')[0] as string);
  });
});

describe('the end of the road', () => {
  it('lists on the card every step tried and how it went, for the maker or Amazon', async () => {
    const c = await startConversation({ table: table() });
    await c.sayAll(OPEN, CANT_FIND, 'no');
    // Every fix fails; every question is answered; the factory reset is declined.
    for (let turn = 0; turn < 20 && c.step !== 'support_end'; turn++) {
      const step = stepOf(c.step as StepId);
      if (step.kind === 'handoff') await c.say("tell speaker helper it didn't work");
      else if (step.kind === 'state') await c.say("it's not there");
      else if (c.step === 'factory_reset_warning') await c.say('no');
      else await c.say('yes');
    }
    const stored = (await c.stored())?.progress;
    expect(stored?.status).toBe('unresolved');
    expect(c.sessionOpen).toBe(false);
    const card = c.card?.text ?? '';
    const tried = (stored?.tried ?? []).filter((t) => t.step !== FLOW.start);
    expect(tried.length).toBeGreaterThan(4);
    for (const t of tried) {
      const failed = t.outcome === 'no' && stepOf(t.step).kind === 'handoff';
      const outcome = words(failed ? 'outcomes.failed' : `outcomes.${t.outcome}`);
      expect(card).toContain(words('support.tried', { title: words(`steps.${t.step}.title`), outcome }));
    }
  });
});
