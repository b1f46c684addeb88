/**
 * How the conversation uses DynamoDB: reads and writes per session and turn, two Echos of one user at once,
 * and DynamoDB refusing connections or never answering.
 */
import type { StepId } from '../../lambda/src/conversation/types';
import type { Outage } from '../support/conversation';
import {
  arriving,
  conversationTable,
  FLOW,
  newUserId,
  questionOf,
  restating,
  resuming,
  sentences,
  startConversation,
  stepOf,
  stepWords,
  words,
} from '../support/conversation';

const table = conversationTable('storage');
const start = (options: { userId?: string; outage?: Outage; startDown?: boolean } = {}) =>
  startConversation({ table: table(), ...options });

const OPEN = 'open speaker helper';
const CANT_FIND = "alexa can't find my speaker";
const KEEPS_DISCONNECTING = 'it keeps disconnecting';

const yesOf = (id: StepId): StepId => {
  const step = stepOf(id) as { yes?: StepId; done?: StepId };
  const next = step.yes ?? step.done;
  if (!next) throw new Error(`"${id}" has no positive answer`);
  return next;
};

describe('DynamoDB requests', () => {
  it('one read per session, one write per turn that changes progress, none for turns that do not', async () => {
    const c = await start();
    await c.say(OPEN);
    expect(c.turnOperations).toEqual(['load', 'save']); // a new user's fresh progress is saved
    await c.say(CANT_FIND);
    expect(c.turnOperations).toEqual(['save']);

    for (const phrase of [
      'repeat',
      'why',
      'help',
      'where am i',
      'thanks',
      'what',
      'purple elephants dance',
    ]) {
      await c.say(phrase);
      expect({ phrase, operations: c.turnOperations }).toEqual({ phrase, operations: [] });
      expect(c.sessionOpen).toBe(true);
    }
    const { version } = (await c.stored()) ?? { version: -1 };

    await c.say('yes');
    expect(c.turnOperations).toEqual(['save']);
    expect((await c.stored())?.version).toBe(version + 1);
    expect(c.operations.filter((op) => op === 'load')).toEqual(['load']);

    await c.say('stop');
    expect(c.turnOperations).toEqual([]);

    // A new session reads once again, and a launch that only resumes writes nothing.
    await c.say(OPEN);
    expect(c.turnOperations).toEqual(['load']);
    await c.sayAll('repeat', 'help');
    expect(c.operations.filter((op) => op === 'load')).toHaveLength(2);
  });
});

describe('two Echos of one user at once', () => {
  it("the stale write does not overwrite the other device's progress; the late device is told and continues", async () => {
    const userId = newUserId();
    const kitchen = await start({ userId });
    const bedroom = await start({ userId });

    await kitchen.say(OPEN);
    await bedroom.say(OPEN);
    expect(bedroom.step).toBe(FLOW.start);

    // The kitchen moves first.
    await kitchen.say(CANT_FIND);
    const kitchenStep = FLOW.symptomEntry.cant_find;
    expect((await kitchen.stored())?.progress.stepId).toBe(kitchenStep);

    // The bedroom answers from the progress it read before: its write loses.
    await bedroom.say(KEEPS_DISCONNECTING);
    expect(bedroom.turnOperations).toEqual(['save', 'load']);
    expect(bedroom.speech).toBe(
      sentences(
        words('errors.conflict'),
        words('resume.intro', { title: stepWords(kitchenStep).title }),
        resuming(kitchenStep).speech,
      ),
    );
    expect(bedroom.sessionOpen).toBe(true);
    expect(bedroom.step).toBe(kitchenStep);
    const afterConflict = await bedroom.stored();
    expect(afterConflict?.progress).toMatchObject({ stepId: kitchenStep, symptom: 'cant_find' });

    // The bedroom carries on from the newer step, and its next write is accepted.
    await bedroom.say('yes');
    const bedroomStep = yesOf(kitchenStep);
    expect(bedroom.speech).toBe(sentences(words('answer.ok'), arriving(bedroomStep).speech));
    expect(bedroom.turnOperations).toEqual(['save']);
    expect((await bedroom.stored())?.progress.stepId).toBe(bedroomStep);

    // Now the kitchen is behind: its answer loses too, and it continues from the bedroom's step.
    await kitchen.say('yes');
    expect(kitchen.speech.startsWith(words('errors.conflict'))).toBe(true);
    expect(kitchen.step).toBe(bedroomStep);
    expect(kitchen.sessionOpen).toBe(true);
    const stored = await kitchen.stored();
    expect(stored?.progress.stepId).toBe(bedroomStep);
    expect(stored?.progress.history).toEqual([FLOW.start, kitchenStep]);

    // Both keep going without further conflicts.
    await kitchen.say("it's called jbl flip five");
    expect(kitchen.speech.startsWith(words('errors.conflict'))).toBe(false);
    expect((await kitchen.stored())?.progress).toMatchObject({
      stepId: bedroomStep,
      speakerName: 'jbl flip five',
    });
  });
});

describe.each<Outage>(['refused', 'silent'])('DynamoDB unreachable (%s)', (outage) => {
  it('at launch: the user is told once, the conversation goes on, and nothing is pretended', async () => {
    const c = await start({ outage, startDown: true });
    await c.say(OPEN);
    expect(c.speech).toBe(
      sentences(words('errors.storageDown'), words('welcome.new'), questionOf(FLOW.start)),
    );
    expect(c.sessionOpen).toBe(true);

    await c.sayAll(CANT_FIND, 'yes');
    const entry = FLOW.symptomEntry.cant_find;
    expect(c.turns.slice(-2).map((turn) => turn.speech)).toEqual([
      sentences(words('symptom.ack', { symptom: words('symptoms.cant_find') }), arriving(entry).speech),
      sentences(words('answer.ok'), arriving(yesOf(entry)).speech),
    ]);
    expect(c.step).toBe(yesOf(entry));
    expect(c.sessionOpen).toBe(true);
    expect(await c.stored()).toBeUndefined();
  });

  it('mid-session: told once, goes on, and the unsaved progress is saved when DynamoDB is back', async () => {
    const c = await start({ outage });
    await c.sayAll(OPEN, CANT_FIND);
    const entry = c.step as StepId;
    const saved = await c.stored();

    c.storage.goDown();
    await c.say('yes');
    const second = yesOf(entry);
    expect(c.speech).toBe(
      sentences(words('errors.storageDown'), words('answer.ok'), arriving(second).speech),
    );
    expect(c.sessionOpen).toBe(true);
    expect(c.turnOperations).toEqual(['save']);

    // The second step asks for the speaker's name before its command, in the same session.
    const third = second;
    expect(c.sessionProgress?.awaitingName).toBe(true);
    expect(c.step).toBe(third);
    // A turn that changes nothing still tries to save what is pending, and still does not repeat the warning.
    await c.say('repeat');
    expect(c.turnOperations).toEqual(['save']);
    expect(c.speech).not.toContain(words('errors.storageDown'));
    expect(await c.stored()).toEqual(saved);

    c.storage.comeBack();
    await c.say('why');
    expect(c.turnOperations).toEqual(['save']);
    expect(c.speech).toBe(sentences(words('speakerName.help'), words('speakerName.ask')));
    const stored = await c.stored();
    expect(stored?.progress).toMatchObject({
      stepId: third,
      history: [FLOW.start, entry],
      awaitingName: true,
    });
    expect(stored?.version).toBe((saved?.version ?? 0) + 1);

    // Saved for real: a new session resumes there.
    await c.sayAll('stop', OPEN);
    expect(c.speech).toContain(words('welcome.returning'));
    expect(c.step).toBe(third);
  });

  it('a returning user whose first read fails gets their stored place back when DynamoDB returns', async () => {
    const c = await start({ outage });
    await c.sayAll(OPEN, CANT_FIND, 'stop');
    const place = (await c.stored())?.progress.stepId as StepId;

    c.storage.goDown();
    await c.say(OPEN);
    expect(c.speech).toBe(
      sentences(words('errors.storageDown'), words('welcome.new'), questionOf(FLOW.start)),
    );

    c.storage.comeBack();
    await c.say('repeat');
    // The opening question from the outage does not overwrite where the user really was.
    const title = stepWords(place).title as string;
    expect(c.speech).toBe(
      sentences(words('errors.storageBack'), words('resume.intro', { title }), resuming(place).speech),
    );
    expect(c.step).toBe(place);
    expect((await c.stored())?.progress.stepId).toBe(place);
    await c.say('yes');
    expect(c.step).toBe(yesOf(place));
    expect((await c.stored())?.progress.stepId).toBe(yesOf(place));
  });

  it('when DynamoDB comes back in the same session, progress made before the first read is saved', async () => {
    const c = await start({ outage, startDown: true });
    await c.sayAll(OPEN, CANT_FIND);
    const entry = FLOW.symptomEntry.cant_find;
    expect(c.step).toBe(entry);

    c.storage.comeBack();
    await c.say('repeat');
    expect(c.turnOperations).toEqual(['load', 'save']);
    expect(c.step).toBe(entry);
    expect(c.speech).toBe(restating(entry).speech);
    expect((await c.stored())?.progress).toMatchObject({ stepId: entry, symptom: 'cant_find' });
  });

  it('a returning user whose progress cannot be read is told, not silently treated as new', async () => {
    const userId = newUserId();
    const before = await start({ userId, outage });
    await before.sayAll(OPEN, CANT_FIND, 'stop');

    const c = await start({ userId, outage, startDown: true });
    await c.say(OPEN);
    expect(c.speech.startsWith(words('errors.storageDown'))).toBe(true);
    expect(c.sessionOpen).toBe(true);
    // Nothing written while down, and the stored progress is untouched.
    expect((await c.stored())?.progress.stepId).toBe(FLOW.symptomEntry.cant_find);
  });
});
