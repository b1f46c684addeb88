/**
 * Coming back: after a handoff, after "stop", after walking away, on a brand new skill instance, after
 * finishing, after a safety stop, and after the stored progress expired.
 */
import type { Progress, StepId } from '../../lambda/src/conversation/types';
import { PROGRESS_TTL_SECONDS } from '../../lambda/src/state/dynamo-progress-store';
import type { Conversation, Heard } from '../support/conversation';
import {
  arriving,
  conversationTable,
  FLOW,
  pathByAnswer,
  questionOf,
  resuming,
  sentences,
  startConversation,
  stepOf,
  stepWords,
  words,
} from '../support/conversation';

const table = conversationTable('resume');
const start = (userId?: string): Promise<Conversation> => startConversation({ table: table(), userId });

const OPEN = 'open speaker helper';
const CANT_FIND = "alexa can't find my speaker";

function welcomedBack(id: StepId): Heard {
  const resumed = resuming(id);
  return {
    speech: sentences(
      words('welcome.returning'),
      words('resume.intro', { title: stepWords(id).title }),
      resumed.speech,
    ),
    open: resumed.open,
  };
}

function expectHeard(c: Conversation, heard: Heard): void {
  expect({ speech: c.speech, open: c.sessionOpen }).toEqual({ speech: heard.speech, open: heard.open });
}

/** Opens the skill and names the "can't find" problem: the user is at the first step of that branch. */
async function atCantFindEntry(c: Conversation): Promise<StepId> {
  await c.sayAll(OPEN, CANT_FIND);
  expect(c.step).toBe(FLOW.symptomEntry.cant_find);
  return FLOW.symptomEntry.cant_find;
}

describe('coming back', () => {
  it('after "stop": the same step, its instruction and question, after "Welcome back"', async () => {
    const c = await start();
    const next = await atCantFindEntry(c);

    await c.say('stop');
    expect(c.sessionOpen).toBe(false);
    expect(c.speech).toBe(words('stop.saved'));

    await c.say(OPEN);
    expectHeard(c, welcomedBack(next));
    expect(c.reprompt).toBe(questionOf(next));
    expect(c.turnOperations).toEqual(['load']);
    // And the conversation carries on from there.
    await c.say('yes');
    expect(c.step).toBe((stepOf(next) as { yes: StepId }).yes);
  });

  it('after walking away mid-question (the session just ends)', async () => {
    const c = await start();
    const here = await atCantFindEntry(c);
    await c.end('USER_INITIATED');
    expect(c.last?.response.outputSpeech).toBeUndefined();

    await c.say(OPEN);
    expectHeard(c, welcomedBack(here));
  });

  it('after "cancel" in a one-shot: "ask speaker helper to help me pair my speaker" resumes too', async () => {
    const c = await start();
    const here = await atCantFindEntry(c);
    await c.say('cancel');
    expect(c.speech).toBe(words('stop.saved'));

    await c.say('ask speaker helper to help me pair my speaker');
    expect(c.heard).toBe('StartTroubleshootingIntent');
    expectHeard(c, welcomedBack(here));
  });

  it('at a handoff: asks whether the outside step worked, and moves on by the answer', async () => {
    const c = await start();
    const path = pathByAnswer(await atCantFindEntry(c), 'yes', 'handoff');
    await c.sayAll(...path.slice(1).map(() => 'yes'));
    const handoff = path[path.length - 1] as StepId;
    // Its voice command needs the speaker's name, asked first.
    expect(c.sessionProgress?.awaitingName).toBe(true);
    await c.say("it's called ue boom");
    expect(c.sessionOpen).toBe(false);

    await c.say(OPEN);
    expectHeard(c, welcomedBack(handoff));
    expect(c.speech.endsWith(questionOf(handoff))).toBe(true);

    await c.say("it still doesn't work");
    const no = (stepOf(handoff) as { no: StepId }).no;
    const next = arriving(no, { target: 'ue boom', handedOffBefore: true });
    expectHeard(c, { speech: sentences(stepWords(handoff).ifNo as string, next.speech), open: next.open });
    expect((await c.stored())?.progress.stepId).toBe(no);
  });

  it('on a brand new skill instance (a restart) with the same table', async () => {
    const c = await start();
    const here = await atCantFindEntry(c);
    await c.say('stop');

    const restarted = await c.restart();
    expect(restarted).not.toBe(c);
    await restarted.say(OPEN);
    expectHeard(restarted, welcomedBack(here));
    expect(restarted.operations).toEqual(['load']);
  });
});

describe('starting fresh', () => {
  it('a user who finished (resolved) starts from the beginning, keeping the speaker name', async () => {
    const c = await start();
    await c.sayAll(OPEN, CANT_FIND, 'my speaker is a jbl flip');
    const path = pathByAnswer(c.step as StepId, 'yes', 'handoff');
    await c.sayAll(...path.slice(1).map(() => 'yes'));
    const handoff = path[path.length - 1] as StepId;
    await c.sayAll(OPEN, 'it worked');
    const end = (stepOf(handoff) as { yes: StepId }).yes;
    expect(stepOf(end)).toEqual({ kind: 'end', outcome: 'resolved' });
    expectHeard(c, { speech: arriving(end, 'jbl flip').speech, open: false });
    expect((await c.stored())?.progress.status).toBe('resolved');

    await c.say(OPEN);
    expectHeard(c, { speech: sentences(words('welcome.afterFinish'), questionOf(FLOW.start)), open: true });
    expect(c.speech).not.toContain(words('welcome.returning'));
    const stored = await c.stored();
    expect(stored?.progress).toEqual({
      stepId: FLOW.start,
      history: [],
      tried: [],
      status: 'active',
      speakerName: 'jbl flip',
      nameAsked: true,
    });
  });

  it('a user who stopped for safety is reminded, then starts from the beginning', async () => {
    const c = await start();
    await c.sayAll(OPEN, 'the speaker is getting hot');
    expect(c.sessionOpen).toBe(false);

    await c.say(OPEN);
    expectHeard(c, { speech: sentences(words('welcome.afterSafety'), questionOf(FLOW.start)), open: true });
    expect((await c.stored())?.progress).toMatchObject({ stepId: FLOW.start, status: 'active' });
  });

  it('expired progress counts as new: "Hi", not "Welcome back"', async () => {
    const userId = `amzn1.ask.account.EXPIRED-${Date.now()}`;
    const longAgo = Date.now() - (PROGRESS_TTL_SECONDS + 24 * 60 * 60) * 1000;
    const old: Progress = {
      stepId: FLOW.symptomEntry.no_sound,
      history: [FLOW.start],
      tried: [{ step: FLOW.start, outcome: 'skipped' }],
      status: 'active',
      symptom: 'no_sound',
    };
    // Saved by the real store, with a clock a little over the expiry time in the past.
    await table()
      .store({ clock: () => longAgo })
      .save(userId, old, 0);
    // Still there for a store living in that past, so the item really exists.
    expect(
      (
        await table()
          .store({ clock: () => longAgo })
          .load(userId)
      )?.progress,
    ).toEqual(old);

    const c = await start(userId);
    expect(await c.stored()).toBeUndefined();
    await c.say(OPEN);
    expectHeard(c, { speech: sentences(words('welcome.new'), questionOf(FLOW.start)), open: true });
    // The expired item is replaced by fresh progress.
    const stored = await c.stored();
    expect(stored).toMatchObject({ version: 1, progress: { stepId: FLOW.start, history: [], tried: [] } });
  });

  it('progress that is not yet expired is resumed (the boundary is the stored expiry)', async () => {
    const userId = `amzn1.ask.account.NOT-EXPIRED-${Date.now()}`;
    const almost = Date.now() - (PROGRESS_TTL_SECONDS - 60 * 60) * 1000;
    const entry = FLOW.symptomEntry.no_sound;
    await table()
      .store({ clock: () => almost })
      .save(userId, { stepId: entry, history: [FLOW.start], tried: [], status: 'active' }, 0);

    const c = await start(userId);
    await c.say(OPEN);
    expectHeard(c, welcomedBack(entry));
  });
});
