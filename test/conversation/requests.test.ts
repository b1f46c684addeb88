/**
 * Input the skill cannot use, and requests that are not a user speaking: words the model cannot match, an
 * intent or slot value the skill does not know, the session ending, Alexa reporting an error, the skill being
 * disabled, and a request meant for another skill.
 */
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { VirtualEcho } from '../../scripts/local/virtual-echo';
import { LaunchRequestBuilder, SkillEventRequestBuilder } from '../support/ask-sdk-test-shim';
import type { Conversation } from '../support/conversation';
import {
  conversationTable,
  FLOW,
  newUserId,
  OTHER_SKILL_ID,
  questionOf,
  sentences,
  startConversation,
  stepWords,
  TEST_SKILL_ID,
  words,
} from '../support/conversation';

const table = conversationTable('requests');
const start = (options: { echoSkillId?: string } = {}): Promise<Conversation> =>
  startConversation({ table: table(), ...options });

const OPEN = 'open speaker helper';
const CANT_FIND = "alexa can't find my speaker";

describe('input the skill cannot use', () => {
  it('words the model cannot match: re-asked, then navigation help on the second miss', async () => {
    const c = await start();
    await c.sayAll(OPEN, CANT_FIND);
    const here = FLOW.symptomEntry.cant_find;

    await c.say('purple elephants dance');
    expect(c.heard).toBe('AMAZON.FallbackIntent');
    expect(c.speech).toBe(sentences(words('fallback.first'), questionOf(here)));
    expect(c.reprompt).toBe(questionOf(here));
    expect(c.sessionOpen).toBe(true);

    await c.say('banana bread');
    expect(c.heard).toBe('AMAZON.FallbackIntent');
    // The second miss explains the step itself, not a list of commands.
    expect(c.speech).toBe(
      sentences(words('fallback.again'), stepWords(here).help as string, questionOf(here)),
    );
    expect(c.sessionOpen).toBe(true);

    // Nothing changed, so nothing was written, and the step is still the same.
    expect(c.turns.slice(-2).map((turn) => turn.operations)).toEqual([[], []]);
    expect((await c.stored())?.progress.stepId).toBe(here);

    // Understood again: back to normal, and the next miss starts over at the first apology.
    await c.say('why');
    await c.say('purple elephants dance');
    expect(c.speech).toBe(sentences(words('fallback.first'), questionOf(here)));
  });

  it('an unmatched one-shot from a new user still welcomes them and asks the first question', async () => {
    const c = await start();
    await c.say('ask speaker helper to sing me a lullaby');
    expect(c.heard).toBe('AMAZON.FallbackIntent');
    expect(c.speech).toBe(sentences(words('welcome.new'), questionOf(FLOW.start)));
    expect(c.sessionOpen).toBe(true);
  });

  it('an intent the skill does not know gets a clear answer with the session open', async () => {
    const c = await start();
    await c.sayAll(OPEN, CANT_FIND);
    await c.intend('PlayJazzIntent');
    expect(c.last?.response.outputSpeech).toBeDefined();
    expect(c.heard).toBe('PlayJazzIntent');
    expect(c.speech).toBe(sentences(words('fallback.first'), questionOf(FLOW.symptomEntry.cant_find)));
    expect(c.sessionOpen).toBe(true);
    expect(c.turnOperations).toEqual([]);
  });

  it('a symptom the model has no value for gets the list of problems, session open', async () => {
    const c = await start();
    await c.say(OPEN);
    await c.intend('SymptomIntent', { symptom: 'my cat sat on the remote' });
    expect(c.speech).toBe(sentences(words('symptom.unknown'), questionOf(FLOW.start)));
    expect(c.sessionOpen).toBe(true);
    expect(c.step).toBe(FLOW.start);
    expect(c.turnOperations).toEqual([]);
  });

  it('a speaker name slot that is empty is acknowledged without a name', async () => {
    const c = await start();
    await c.sayAll(OPEN, CANT_FIND);
    await c.intend('SpeakerNameIntent');
    expect(c.speech).toBe(sentences(words('speakerName.missing'), questionOf(FLOW.symptomEntry.cant_find)));
    expect(c.sessionProgress?.speakerName).toBeUndefined();
  });
});

describe('requests without a user speaking', () => {
  it.each([
    ['USER_INITIATED', undefined],
    ['EXCEEDED_MAX_REPROMPTS', undefined],
    ['ERROR', { type: 'INVALID_RESPONSE', message: 'The response is invalid.' }],
  ] as const)('SessionEndedRequest %s: no speech, nothing read or written', async (reason, error) => {
    const c = await start();
    await c.sayAll(OPEN, CANT_FIND);
    const before = await c.stored();

    await c.end(reason, error);
    expect(c.heard).toBe('SessionEndedRequest');
    expect(c.last?.response).toEqual({});
    expect(c.turnOperations).toEqual([]);
    expect(await c.stored()).toEqual(before);
    const logged = c.logs[c.logs.length - 1];
    expect(logged?.fields).toMatchObject({ requestType: 'SessionEndedRequest', reason });
    if (reason === 'ERROR') {
      expect(logged).toMatchObject({
        level: 'warn',
        fields: { errorType: error?.type, errorMessage: error?.message },
      });
    }

    // The user can come back as usual.
    await c.say(OPEN);
    expect(c.speech.startsWith(words('welcome.returning'))).toBe(true);
  });

  it('System.ExceptionEncountered: no speech, nothing read or written, logged as an error', async () => {
    const c = await start();
    await c.sayAll(OPEN, 'stop');
    const before = await c.stored();
    const envelope = new LaunchRequestBuilder(c.settings()).build();
    delete envelope.session; // sent outside any session
    envelope.request = {
      type: 'System.ExceptionEncountered',
      requestId: 'amzn1.echo-api.request.exception-1',
      timestamp: new Date().toISOString(),
      locale: 'en-US',
      error: { type: 'INVALID_RESPONSE', message: 'Invalid directive' },
      cause: { requestId: 'amzn1.echo-api.request.earlier' },
    } as RequestEnvelope['request'];

    await c.send(envelope);
    expect(c.last?.response).toEqual({});
    expect(c.turnOperations).toEqual([]);
    expect(await c.stored()).toEqual(before);
    expect(c.logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ errorType: 'INVALID_RESPONSE' }),
      }),
    );
  });

  it("AlexaSkillEvent.SkillDisabled deletes the user's stored progress", async () => {
    const c = await start();
    await c.sayAll(OPEN, CANT_FIND, 'stop');
    expect(await c.stored()).toBeDefined();

    const disabled = new SkillEventRequestBuilder(c.settings(), 'AlexaSkillEvent.SkillDisabled')
      .withBody({ userInformationPersistenceStatus: 'NOT_PERSISTED' })
      .build();
    await c.send(disabled);
    expect(c.last?.response).toEqual({});
    expect(c.turnOperations).toEqual(['delete']);
    expect(await c.stored()).toBeUndefined();

    // Enabled again later, the user is new.
    await c.say(OPEN);
    expect(c.speech).toBe(sentences(words('welcome.new'), questionOf(FLOW.start)));
  });

  it("SkillDisabled for one user leaves another user's progress alone", async () => {
    const one = await start();
    const other = await start();
    await one.sayAll(OPEN, 'stop');
    await other.sayAll(OPEN, CANT_FIND, 'stop');
    await one.send(new SkillEventRequestBuilder(one.settings(), 'AlexaSkillEvent.SkillDisabled').build());
    expect(await one.stored()).toBeUndefined();
    expect((await other.stored())?.progress.stepId).toBe(FLOW.symptomEntry.cant_find);
  });
});

describe('a request for another skill', () => {
  it('is rejected (invoke throws) without reading or writing anything', async () => {
    const c = await start();
    const foreign = new LaunchRequestBuilder(c.settings(OTHER_SKILL_ID)).build();
    await expect(c.send(foreign)).rejects.toThrow(/skill ?id/i);
    expect(c.operations).toEqual([]);
    expect(c.last).toBeUndefined();
    expect(await c.stored()).toBeUndefined();
  });

  it('is rejected when spoken through an Echo that sends another skill id', async () => {
    const c = await start({ echoSkillId: OTHER_SKILL_ID });
    await expect(c.say(OPEN)).rejects.toThrow(/skill ?id/i);
    await expect(c.say('ask speaker helper to help me pair my speaker')).rejects.toThrow(/skill ?id/i);
    expect(c.operations).toEqual([]);
    expect(c.last).toBeUndefined();
    expect(await c.stored()).toBeUndefined();
  });

  it('a SkillDisabled event for another skill does not delete this skill’s progress', async () => {
    const c = await start();
    await c.sayAll(OPEN, 'stop');
    const foreign = new SkillEventRequestBuilder(c.settings(OTHER_SKILL_ID), 'AlexaSkillEvent.SkillDisabled');
    await expect(c.send(foreign.build())).rejects.toThrow(/skill ?id/i);
    expect(await c.stored()).toBeDefined();
  });
});

describe('the virtual Echo', () => {
  it('sends a SessionEndedRequest reason the way Alexa does, as a string', async () => {
    const received: RequestEnvelope[] = [];
    const echo = new VirtualEcho({
      skillId: TEST_SKILL_ID,
      userId: newUserId(),
      handler: async (event): Promise<ResponseEnvelope> => {
        received.push(event);
        return { version: '1.0', response: {} };
      },
    });
    await echo.end('ERROR', { type: 'INVALID_RESPONSE', message: 'The response is invalid.' });
    await echo.end('USER_INITIATED');
    expect(received.map((event) => (event.request as { reason?: unknown }).reason)).toEqual([
      'ERROR',
      'USER_INITIATED',
    ]);
    expect(received[0]?.request).toMatchObject({ error: { type: 'INVALID_RESPONSE' } });
  });
});
