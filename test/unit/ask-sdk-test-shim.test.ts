import {
  getIntentName,
  getRequestType,
  SkillBuilders,
  type HandlerInput,
  type RequestHandler,
} from 'ask-sdk-core';
import type { ResponseEnvelope } from 'ask-sdk-model';
import {
  alexaTest,
  CertificationValidator,
  inSession,
  IntentRequestBuilder,
  LaunchRequestBuilder,
  mochaCompat,
  sessionEnded,
  SessionEndedRequestBuilder,
  settingsFor,
  SkillEventRequestBuilder,
  type CertifiedSequenceItem,
} from '../support/ask-sdk-test-shim';
import { assertCertifiable, plainReprompt, plainSpeech } from '../support/certification';

const SKILL_ID = 'amzn1.ask.skill.00000000-0000-4000-8000-000000000001';
const USER_ID = 'amzn1.ask.account.SHIMTEST';

function handler(
  matches: (input: HandlerInput) => boolean,
  handle: (input: HandlerInput) => ReturnType<RequestHandler['handle']>,
): RequestHandler {
  return { canHandle: matches, handle };
}

const isIntent = (name: string) => (input: HandlerInput) =>
  getRequestType(input.requestEnvelope) === 'IntentRequest' && getIntentName(input.requestEnvelope) === name;

/** Counts turns in a session attribute so sequences can show attributes travelling between requests. */
function countTurn(input: HandlerInput): number {
  const attributes = input.attributesManager.getSessionAttributes<{ turns?: number }>();
  const turns = (attributes.turns ?? 0) + 1;
  input.attributesManager.setSessionAttributes({ ...attributes, turns });
  return turns;
}

let skillEvents: string[] = [];

const skill = SkillBuilders.custom()
  .addRequestHandlers(
    handler(
      (input) => getRequestType(input.requestEnvelope) === 'LaunchRequest',
      (input) => {
        countTurn(input);
        return input.responseBuilder
          .speak('Welcome to the speaker test. Is your speaker switched on?')
          .reprompt('Is your speaker switched on?')
          .getResponse();
      },
    ),
    handler(isIntent('AMAZON.HelpIntent'), (input) => {
      const turns = countTurn(input);
      return input.responseBuilder
        .speak(`I help you pair a speaker. This is turn ${turns}. <break time="300ms"/> Is it switched on?`)
        .reprompt('Is it switched on?')
        .getResponse();
    }),
    handler(isIntent('AMAZON.StopIntent'), (input) =>
      input.responseBuilder.speak('Goodbye.').withShouldEndSession(true).getResponse(),
    ),
    handler(
      (input) => getRequestType(input.requestEnvelope) === 'SessionEndedRequest',
      (input) => input.responseBuilder.getResponse(),
    ),
    handler(
      (input) => getRequestType(input.requestEnvelope).startsWith('AlexaSkillEvent.'),
      (input) => {
        skillEvents.push(`${getRequestType(input.requestEnvelope)} ${input.requestEnvelope.request.locale}`);
        return input.responseBuilder.getResponse();
      },
    ),
  )
  .withSkillId(SKILL_ID)
  .create();

const settings = settingsFor(SKILL_ID, USER_ID, 'en-GB');

const statement = { type: 'SSML' as const, ssml: '<speak>Turn it on.</speak>' };
const asked = { reprompt: { outputSpeech: statement }, shouldEndSession: false };

/**
 * AlexaTest registers its jest test through mocha's `it`, which the shim maps to jest's global `it`. Wrapping
 * that global while `register` runs turns the sequence into a test that passes only when the sequence fails
 * with a message matching `expected`, proving failures reach jest instead of being swallowed.
 */
function expectSequenceFailure(expected: RegExp, register: () => void): void {
  const realIt = globalThis.it;
  const failing = (name: string, fn: (done: (error?: unknown) => void) => void) =>
    realIt(name, async () => {
      const error = await new Promise<unknown>((resolve) => fn(resolve));
      if (error === undefined) throw new Error('the sequence passed');
      // node's assert.fail throws an AssertionError from outside jest's realm: not `instanceof Error` here.
      expect(String((error as { message?: unknown }).message ?? error)).toMatch(expected);
    });
  globalThis.it = failing as unknown as typeof it;
  try {
    register();
  } finally {
    globalThis.it = realIt;
  }
}

describe('ask-sdk-test request builders under jest', () => {
  it('build a LaunchRequest for our skill id, user, locale and a new session', async () => {
    const request = new LaunchRequestBuilder(settings).build();
    expect(request.request).toMatchObject({ type: 'LaunchRequest', locale: 'en-GB' });
    expect(request.context.System.application.applicationId).toBe(SKILL_ID);
    expect(request.context.System.user.userId).toBe(USER_ID);
    expect(request.session).toMatchObject({
      new: true,
      application: { applicationId: SKILL_ID },
      user: { userId: USER_ID },
    });

    const response = await skill.invoke(request);
    assertCertifiable(response);
    expect(plainSpeech(response)).toBe('Welcome to the speaker test. Is your speaker switched on?');
    expect(plainReprompt(response)).toBe('Is your speaker switched on?');
    expect(response.sessionAttributes).toEqual({ turns: 1 });
  });

  it('are checked against withSkillId by the skill', async () => {
    const request = new LaunchRequestBuilder(settingsFor('amzn1.ask.skill.someone-else', USER_ID)).build();
    await expect(skill.invoke(request)).rejects.toThrow(/skill ?id/i);
  });

  it('continue a session turn by turn with inSession', async () => {
    const launch = new LaunchRequestBuilder(settings).build();
    const first = await skill.invoke(inSession(launch, { sessionId: 'SessionId.shim-1' }));

    const help = new IntentRequestBuilder(settings, 'AMAZON.HelpIntent').build();
    const next = inSession(help, {
      sessionId: 'SessionId.shim-1',
      attributes: first.sessionAttributes,
      isNew: false,
    });
    expect(next.session).toMatchObject({
      sessionId: 'SessionId.shim-1',
      new: false,
      attributes: { turns: 1 },
    });
    expect(help.session?.new).toBe(true); // inSession copies; the built request is unchanged

    const second = await skill.invoke(next);
    assertCertifiable(second);
    expect(plainSpeech(second)).toBe('I help you pair a speaker. This is turn 2. Is it switched on?');

    const stop = await skill.invoke(
      inSession(new IntentRequestBuilder(settings, 'AMAZON.StopIntent').build(), {
        attributes: second.sessionAttributes,
        isNew: false,
      }),
    );
    assertCertifiable(stop);
    expect(stop.response.shouldEndSession).toBe(true);
  });

  it('build SessionEndedRequests', async () => {
    const request = new SessionEndedRequestBuilder(settings, 'EXCEEDED_MAX_REPROMPTS').build();
    expect(request.request).toMatchObject({ type: 'SessionEndedRequest', reason: 'EXCEEDED_MAX_REPROMPTS' });
    expect(sessionEnded(settings).request).toMatchObject({
      type: 'SessionEndedRequest',
      reason: 'USER_INITIATED',
    });

    const response = await skill.invoke(request);
    assertCertifiable(response);
    expect(response.response).toEqual({});
  });

  it('build skill events, which come without a session', async () => {
    skillEvents = [];
    const request = new SkillEventRequestBuilder(settings, 'AlexaSkillEvent.SkillDisabled')
      .withBody({ userInformationPersistenceStatus: 'NOT_PERSISTED' })
      .build();
    expect(request.session).toBeUndefined();
    expect(request.context.System.application.applicationId).toBe(SKILL_ID);
    expect(request.request).toMatchObject({
      type: 'AlexaSkillEvent.SkillDisabled',
      locale: 'en-GB',
      body: { userInformationPersistenceStatus: 'NOT_PERSISTED' },
    });

    assertCertifiable(await skill.invoke(request));
    expect(skillEvents).toEqual(['AlexaSkillEvent.SkillDisabled en-GB']);
    expect(() => inSession(request, { isNew: false })).toThrow(/has no session/);
  });
});

describe('AlexaTest sequences under jest', () => {
  const tester = alexaTest(skill, settings);

  tester.test(
    [
      {
        request: new LaunchRequestBuilder(settings).build(),
        says: 'Welcome to the speaker test. Is your speaker switched on?',
        reprompts: 'Is your speaker switched on?',
        shouldEndSession: false,
        hasAttributes: { turns: 1 },
      },
      {
        request: new IntentRequestBuilder(settings, 'AMAZON.HelpIntent').build(),
        saysLike: 'This is turn 2.',
        repromptsLike: 'switched on',
        shouldEndSession: false,
        hasAttributes: { turns: 2 },
      },
      {
        request: new IntentRequestBuilder(settings, 'AMAZON.StopIntent').build(),
        says: 'Goodbye.',
        repromptsNothing: true,
        shouldEndSession: true,
      },
    ],
    'launch, help, stop: attributes carry over and every response is certifiable',
  );

  mochaCompat.context('written mocha-style', function () {
    this.timeout(10000); // a no-op under jest

    tester.test([
      {
        request: new IntentRequestBuilder(settings, 'AMAZON.StopIntent').build(),
        says: (speech: string) => speech === 'Goodbye.',
        shouldEndSession: true,
      },
    ]);

    mochaCompat.it('keeps `done` callbacks working', function (done) {
      this.slow(100);
      setTimeout(done, 1);
    });
  });

  describe('failures are reported as jest failures', () => {
    expectSequenceFailure(/expected 'Welcome to the speaker test\. .*' to equal 'Something else\.'/, () =>
      tester.test(
        [
          {
            request: new LaunchRequestBuilder(settings).build(),
            says: 'Something else.',
            shouldEndSession: false,
          },
        ],
        'a wrong `says` fails',
      ),
    );
    expectSequenceFailure(/the response did not end the session/, () =>
      tester.test(
        [{ request: new LaunchRequestBuilder(settings).build(), shouldEndSession: true }],
        'a wrong `shouldEndSession` fails',
      ),
    );
    expectSequenceFailure(/response is not certifiable[\s\S]*\[question\]/, () =>
      alexaTest(
        { invoke: async () => ({ version: '1.0', response: { ...asked, outputSpeech: statement } }) },
        settings,
      ).test(
        [
          {
            request: new LaunchRequestBuilder(settings).build(),
            shouldEndSession: false,
            ignoreQuestionCheck: true,
          },
        ],
        'an uncertifiable response fails',
      ),
    );
  });
});

describe('outside the AlexaTest block', () => {
  it('nock does not intercept http', () => {
    expect(jest.requireActual<{ isActive(): boolean }>('nock').isActive()).toBe(false);
  });

  it('the certification validator fails a sequence item whose response is not certifiable', () => {
    const bad: ResponseEnvelope = {
      version: '1.0',
      response: {
        outputSpeech: { type: 'SSML', ssml: '<speak>steps.triage.question</speak>' },
        shouldEndSession: true,
      },
    };
    const item: CertifiedSequenceItem = { request: new LaunchRequestBuilder(settings).build() };
    const validator = new CertificationValidator();
    expect(() => validator.validate(item, bad)).toThrow(
      /after LaunchRequest: response is not certifiable[\s\S]*raw i18n key "steps\.triage\.question"/,
    );
    expect(() => validator.validate({ ...item, certification: { skip: ['leftover'] } }, bad)).not.toThrow();
    expect(() => validator.validate({ ...item, certification: false }, bad)).not.toThrow();
  });
});
