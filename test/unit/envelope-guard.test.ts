import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { FLOW } from '../../lambda/src/conversation/flow';
import type { Progress } from '../../lambda/src/conversation/types';
import { FALLBACK_APOLOGY } from '../../lambda/src/handlers/request-handlers';
import type { ProgressStore } from '../../lambda/src/handlers/turn';
import { emptySession } from '../../lambda/src/handlers/turn';
import { createTranslators } from '../../lambda/src/i18n/translators';
import type { Translator } from '../../lambda/src/i18n/translators';
import type { LogFields, Logger } from '../../lambda/src/platform/logger';
import { buildSkill, undispatchableEnvelope } from '../../lambda/src/skill';
import { assertCertifiable, plainReprompt, plainSpeech } from '../support/certification';
import { keepsDisconnectingRequest } from '../support/conversation';

/**
 * The envelope guard (lambda/src/skill.ts): an envelope without `context`, `context.System` or
 * `context.System.application` made ask-sdk-core's skill id check throw a TypeError out of `skill.invoke`
 * (and so out of the Lambda handler, which Alexa reads as "There was a problem with the requested skill's
 * response"). Such an envelope now gets the skill's own apology without being dispatched, while every envelope
 * the check can read is still refused for a missing or wrong skill id, exactly as before.
 */
const SKILL_ID = 'amzn1.ask.skill.envelope-guard';
const OTHER_SKILL_ID = 'amzn1.ask.skill.someone-else';
const USER = 'amzn1.ask.account.ENVELOPE-GUARD';
const EN_US = createTranslators().get('en-US') as Translator;
const GENERIC = EN_US.t('errors.generic');
const START: Progress = { stepId: FLOW.start, history: [], tried: [], status: 'active' };
/** ask-sdk-core's refusal of an envelope for another skill (`withSkillId`), by its name and message. */
const REFUSAL = { name: 'AskSdk.CustomSkill Error', message: 'CustomSkill ID verification failed!' };

/** A store that must never be reached: every call is recorded and fails. */
class UntouchableStore implements ProgressStore {
  readonly calls: string[] = [];
  async load(userId: string): Promise<never> {
    this.calls.push(`load ${userId}`);
    throw new Error('the store was read');
  }
  async save(userId: string): Promise<never> {
    this.calls.push(`save ${userId}`);
    throw new Error('the store was written');
  }
  async delete(userId: string): Promise<void> {
    this.calls.push(`delete ${userId}`);
    throw new Error('the store was deleted from');
  }
}

interface LogLine {
  level: string;
  message: string;
  fields?: LogFields;
}

function setUp(skillId: string | undefined = SKILL_ID) {
  const logs: LogLine[] = [];
  const logger: Logger = {
    info: (message, fields) => logs.push({ level: 'info', message, fields }),
    warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
    error: (message, fields) => logs.push({ level: 'error', message, fields }),
  };
  const store = new UntouchableStore();
  const skill = buildSkill({ store, logger, skillId, progressive: async () => undefined });
  return { skill, store, logs };
}

type Shape = Record<string, unknown>;

/** A well-formed envelope for this skill, with `context` replaced by `context(system)` (omitted when undefined). */
function envelope(
  request: Shape,
  options: {
    context?: (system: Shape) => unknown;
    applicationId?: unknown;
    attributes?: unknown;
    session?: boolean;
  } = {},
): RequestEnvelope {
  const application = { applicationId: 'applicationId' in options ? options.applicationId : SKILL_ID };
  const user = { userId: USER };
  const system = { application, user, apiEndpoint: 'https://api.amazonalexa.com' };
  const context = options.context ? options.context(system) : { System: system };
  return JSON.parse(
    JSON.stringify({
      version: '1.0',
      ...(options.session === false
        ? {}
        : {
            session: {
              new: true,
              sessionId: 'amzn1.echo-api.session.ENVELOPE-GUARD',
              application: { applicationId: SKILL_ID },
              user,
              ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
            },
          }),
      ...(context === undefined ? {} : { context }),
      request: {
        requestId: 'amzn1.echo-api.request.ENVELOPE-GUARD',
        timestamp: new Date().toISOString(),
        locale: 'en-US',
        ...request,
      },
    }),
  ) as RequestEnvelope;
}

const LAUNCH = { type: 'LaunchRequest' };
const YES = {
  type: 'IntentRequest',
  intent: { name: 'AMAZON.YesIntent', confirmationStatus: 'NONE', slots: {} },
};

/** Envelopes the SDK's skill id check used to crash on: no context, no System, no application. */
const NO_APPLICATION: [string, (system: Shape) => unknown][] = [
  ['no context', () => undefined],
  ['a null context', () => null],
  ['a context that is a string', () => 'context'],
  ['a context without System', () => ({})],
  ['a null System', () => ({ System: null })],
  ['a System without application', ({ application: _application, ...system }) => ({ System: system })],
  ['a null application', (system) => ({ System: { ...system, application: null } })],
];

/** The apology: the generic sentence as speech and reprompt, the session left open, certifiable. */
function expectApology(response: ResponseEnvelope, sentence = GENERIC): void {
  assertCertifiable(response);
  expect(plainSpeech(response)).toBe(sentence);
  expect(plainReprompt(response)).toBe(sentence);
  expect(response.response.shouldEndSession).toBe(false);
}

/** Nothing of the conversation ran: no store call, no turn, no handler's log line. */
function expectNotDispatched({ store, logs }: ReturnType<typeof setUp>): void {
  expect(store.calls).toEqual([]);
  expect(logs.filter((l) => l.message !== 'unhandled error' && !l.message.startsWith('session'))).toEqual([]);
}

describe('an envelope without context.System.application', () => {
  it.each(NO_APPLICATION)(
    'with %s: a launch gets the apology, never an exception',
    async (_what, context) => {
      const setup = setUp();
      const response = await setup.skill.invoke(envelope(LAUNCH, { context }));
      expectApology(response);
      expect(response.sessionAttributes).toEqual(emptySession());
      expectNotDispatched(setup);
      expect(setup.logs).toContainEqual({
        level: 'error',
        message: 'unhandled error',
        fields: expect.objectContaining({ requestType: 'LaunchRequest', errorName: 'MalformedEnvelope' }),
      });
    },
  );

  it.each(NO_APPLICATION)('with %s: an intent gets the apology too', async (_what, context) => {
    const setup = setUp();
    expectApology(await setup.skill.invoke(envelope(YES, { context })));
    expectApology(await setup.skill.invoke(envelope(keepsDisconnectingRequest(), { context })));
    expectNotDispatched(setup);
  });

  it('gets the apology outside a session as well, without session attributes', async () => {
    const setup = setUp();
    const response = await setup.skill.invoke(envelope(LAUNCH, { context: () => undefined, session: false }));
    expectApology(response);
    expect(response.sessionAttributes).toBeUndefined();
    expectNotDispatched(setup);
  });

  it('resets session attributes as the error handler does after any failed turn', async () => {
    const setup = setUp();
    const context = () => ({});
    // Progress the store does not have yet, as the skill writes it, is kept for the next turn...
    const unsaved = { ...emptySession(), loaded: true, progress: START, version: 2, unsaved: true };
    const kept = await setup.skill.invoke(envelope(YES, { context, attributes: unsaved }));
    expectApology(kept);
    expect(kept.sessionAttributes).toEqual({ ...emptySession(), progress: START, version: 2, unsaved: true });
    // ...attributes the skill never wrote are not sent back.
    const reset = await setup.skill.invoke(envelope(YES, { context, attributes: { version: 'x' } }));
    expectApology(reset);
    expect(reset.sessionAttributes).toEqual(emptySession());
    // Attributes that cannot even be copied (nested too deep for JSON) are dropped.
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i += 1) deep = { a: deep };
    const deepEnvelope = envelope(YES, { context });
    (deepEnvelope.session as { attributes?: unknown }).attributes = deep;
    const dropped = await setup.skill.invoke(deepEnvelope);
    expectApology(dropped);
    expect(dropped.sessionAttributes).toBeUndefined();
    expectNotDispatched(setup);
  });

  it('says nothing to requests that carry no speech, and does not throw', async () => {
    const setup = setUp();
    for (const request of [
      { type: 'SessionEndedRequest', reason: 'USER_INITIATED' },
      { type: 'AlexaSkillEvent.SkillDisabled', body: {} },
      { type: 'System.ExceptionEncountered', error: { type: 'INVALID_RESPONSE', message: 'x' }, cause: {} },
    ]) {
      const response = await setup.skill.invoke(envelope(request, { context: () => undefined }));
      expect(response.response).toEqual({});
    }
    // SkillDisabled would delete the user's progress if it were dispatched: it is not.
    expectNotDispatched(setup);
  });

  it('falls back to the plain English apology when the locale has no words', async () => {
    const setup = setUp();
    const response = await setup.skill.invoke(
      envelope({ ...LAUNCH, locale: 'xx-XX' }, { context: () => undefined }),
    );
    assertCertifiable(response);
    expect([GENERIC, FALLBACK_APOLOGY]).toContain(plainSpeech(response));
  });

  it('is answered the same by a skill built without a skill id (handler tests): never dispatched', async () => {
    const setup = setUp(undefined);
    const system = ({ application: _application, ...rest }: Shape) => ({ System: rest });
    expectApology(await setup.skill.invoke(envelope(LAUNCH, { context: system })));
    expectNotDispatched(setup);
  });
});

describe('the skill id check is unchanged', () => {
  /** What `skill.invoke` did: the rejection's name and message, or 'resolved'. */
  async function outcome(skill: ReturnType<typeof setUp>['skill'], env: RequestEnvelope) {
    return skill.invoke(env).then(
      () => 'resolved',
      (error: unknown) => ({ name: (error as Error).name, message: (error as Error).message }),
    );
  }

  it.each<[string, unknown]>([
    ['another skill’s id', OTHER_SKILL_ID],
    ['an empty id', ''],
    ['a null id', null],
    ['a number', 42],
    ['our id in other case', SKILL_ID.toUpperCase()],
    ['our id with a space', ` ${SKILL_ID}`],
  ])(
    'refuses %s, as ask-sdk-core always has, before anything is dispatched',
    async (_what, applicationId) => {
      const setup = setUp();
      for (const request of [LAUNCH, YES, { type: 'AlexaSkillEvent.SkillDisabled', body: {} }]) {
        expect(await outcome(setup.skill, envelope(request, { applicationId }))).toEqual(REFUSAL);
      }
      expect(setup.store.calls).toEqual([]);
      expect(setup.logs).toEqual([]);
    },
  );

  it.each<[string, (system: Shape) => unknown]>([
    ['an application without applicationId', (system) => ({ System: { ...system, application: {} } })],
    ['an application that is a string', (system) => ({ System: { ...system, application: SKILL_ID } })],
    ['an application that is a list', (system) => ({ System: { ...system, application: [SKILL_ID] } })],
  ])('refuses %s: a missing skill id is refused too', async (_what, context) => {
    const setup = setUp();
    expect(await outcome(setup.skill, envelope(LAUNCH, { context }))).toEqual(REFUSAL);
    expect(setup.store.calls).toEqual([]);
    expect(setup.logs).toEqual([]);
  });

  it('refuses another skill’s id even when the rest of the context is missing', async () => {
    const setup = setUp();
    const context = () => ({ System: { application: { applicationId: OTHER_SKILL_ID } } });
    expect(await outcome(setup.skill, envelope(LAUNCH, { context }))).toEqual(REFUSAL);
    expect(setup.store.calls).toEqual([]);
  });

  it('still dispatches our own, well-formed requests', async () => {
    const setup = setUp();
    const response = await setup.skill.invoke(envelope(LAUNCH));
    assertCertifiable(response);
    // The turn ran: it read the user's progress (which this store refuses, so the turn ends in an apology).
    expect(setup.store.calls).toEqual([`load ${USER}`]);
  });
});

describe('undispatchableEnvelope', () => {
  it('names what is missing only where the SDK’s skill id check could not read the id', () => {
    const system = { application: { applicationId: SKILL_ID } };
    expect(undispatchableEnvelope({ request: LAUNCH })).toBe('no context');
    expect(undispatchableEnvelope({ context: 0 })).toBe('no context.System');
    expect(undispatchableEnvelope({ context: { System: 'x' } })).toBe('no context.System.application');
    expect(undispatchableEnvelope({ context: { System: system } })).toBeUndefined();
    expect(undispatchableEnvelope({ context: { System: { application: {} } } })).toBeUndefined();
    // Not envelopes at all: left to the SDK, which rejects them with an Error as before.
    for (const value of [undefined, null, 'LaunchRequest', 42, []]) {
      expect(undispatchableEnvelope(value)).toBeUndefined();
    }
  });
});

describe('the Lambda entry point', () => {
  const saved = { ...process.env };
  let handler: (event: RequestEnvelope) => Promise<ResponseEnvelope>;

  beforeAll(async () => {
    // Configured as the stack configures it; the guard answers before any AWS call could be made.
    Object.assign(process.env, {
      SKILL_ID,
      TABLE_NAME: 'envelope-guard-never-used',
      LOG_LEVEL: 'silent',
      POWERTOOLS_METRICS_DISABLED: 'true',
      SPOTIFY_API_URL: 'http://127.0.0.1:9/v1',
    });
    handler = (await import('../../lambda/src/index')).handler;
  });

  afterAll(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it.each(NO_APPLICATION)('answers a launch with %s with the apology', async (_what, context) => {
    expectApology(await handler(envelope(LAUNCH, { context })));
  });

  it('still refuses another skill’s request, by throwing as before', async () => {
    await expect(handler(envelope(LAUNCH, { applicationId: OTHER_SKILL_ID }))).rejects.toMatchObject(REFUSAL);
  });
});
