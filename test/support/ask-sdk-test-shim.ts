/**
 * Makes ask-sdk-test (written for mocha) usable from jest.
 *
 * (a) Request builders. ask-sdk-test's builders (lib/factory/*) are plain classes that only need `uuid`, so they
 *     are imported straight from their modules: no mocha, chai, aws-sdk or nock gets loaded just to build a
 *     request. They are re-exported here together with `settingsFor()`, `inSession()` and a
 *     `SkillEventRequestBuilder` (ask-sdk-test has no builder for AlexaSkillEvent.* requests).
 *
 * (b) `AlexaTest#test([...])` sequences. AlexaTest itself needs only one mocha function: it does
 *     `import { it } from 'mocha'` and calls `it(description, (done) => …)` when `test()` is called. Mocha's
 *     exported `it` only works inside a running mocha (it forwards to mocha's current suite context), so
 *     `alexaTest()` swaps the 'mocha' module, for this test file only, for `mochaCompat` below (mocha's BDD
 *     functions on top of jest's: describe/context → describe, it/specify → it with `done` kept, before/after →
 *     beforeAll/afterAll, `this.timeout()`/`slow()`/`retries()` → no-ops), then loads AlexaTest lazily.
 *     chai assertions work unchanged (they just throw AssertionErrors) and lambda-local runs the handler in
 *     process. What loading AlexaTest brings with it, and how that is contained:
 *     - nock: it activates itself on load and patches Node's http/https modules, which jest does not isolate:
 *       they are shared by every test file in the worker. The shim restores them straight after loading and
 *       `alexaTest()` turns nock on only from a beforeAll to an afterAll of the describe block it is called in.
 *     - aws-sdk v2 + aws-sdk-mock: DynamoDB.DocumentClient get/put are stubbed for `withDynamoDBPersistence()`.
 *       This only touches aws-sdk v2 inside this test file's module registry; the skill's @aws-sdk/* v3 clients
 *       are not affected, so `withStoredAttributes`/`storesAttributes` do NOT work for our skill.
 *     - lambda-local sets AWS_REGION, AWS_EXECUTION_ENV, _HANDLER, … in process.env (jest gives each test file
 *       its own copy of process.env) and copies ~/.aws credentials into it when that directory exists.
 *     - `withProfile` is served by nock for https://api.amazonalexa.com; `lambda:`/`cfn:` handlers would call
 *       real AWS and are not meant for these tests.
 *     - AlexaTest's own checks stay on: its QuestionMarkValidator fails a closing response whose speech has a "?"
 *       anywhere (per item `ignoreQuestionCheck: true`), and `shouldEndSession` is always compared, so an item
 *       without it expects the flag to be left undefined.
 */
import type { Request, RequestEnvelope, ResponseEnvelope, SessionEndedReason } from 'ask-sdk-model';
import { randomUUID } from 'crypto';
import { AplUserEventRequestBuilder } from 'ask-sdk-test/lib/factory/AplUserEventRequestBuilder';
import {
  AudioPlayerPauseIntentRequestBuilder,
  AudioPlayerResumeIntentRequestBuilder,
} from 'ask-sdk-test/lib/factory/AudioIntentRequestBuilder';
import { IntentRequestBuilder } from 'ask-sdk-test/lib/factory/IntentRequestBuilder';
import { LaunchRequestBuilder } from 'ask-sdk-test/lib/factory/LaunchRequestBuilder';
import { RequestBuilder } from 'ask-sdk-test/lib/factory/RequestBuilder';
import { SessionEndedRequestBuilder } from 'ask-sdk-test/lib/factory/SessionEndedRequestBuilder';
import type { AlexaTest } from 'ask-sdk-test/lib/tester/AlexaTest';
import {
  ResponseValidator,
  type InterfaceSettings,
  type SequenceItem,
  type SkillSettings,
} from 'ask-sdk-test/lib/types';
import { assertCertifiable, type CertificationOptions } from './certification';

export {
  AplUserEventRequestBuilder,
  AudioPlayerPauseIntentRequestBuilder,
  AudioPlayerResumeIntentRequestBuilder,
  IntentRequestBuilder,
  LaunchRequestBuilder,
  RequestBuilder,
  ResponseValidator,
  SessionEndedRequestBuilder,
};
export type { AlexaTest, InterfaceSettings, SequenceItem, SkillSettings };

// ---------------------------------------------------------------------------------------------------------
// (a) Requests

/** Skill settings for ask-sdk-test's builders: requests for `skillId`, from `userId`, in `locale`. */
export function settingsFor(
  skillId: string,
  userId: string,
  locale = 'en-US',
  extra: { deviceId?: string; interfaces?: InterfaceSettings; debug?: boolean } = {},
): SkillSettings {
  return { ...extra, appId: skillId, userId, locale, deviceId: extra.deviceId ?? 'amzn1.ask.device.TEST' };
}

export interface SessionOptions {
  sessionId?: string;
  /** Session attributes as the previous response returned them. */
  attributes?: Record<string, unknown>;
  /** `session.new`; false for every turn after the first. */
  isNew?: boolean;
}

/**
 * A copy of `envelope` whose session is the given one. The builders always produce a new session with id
 * `SessionId.00000000-…` and no attributes; use this to continue a conversation turn by turn.
 */
export function inSession(envelope: RequestEnvelope, session: SessionOptions): RequestEnvelope {
  const copy = structuredClone(envelope);
  if (!copy.session) throw new Error(`a ${copy.request.type} request has no session to set`);
  if (session.sessionId !== undefined) copy.session.sessionId = session.sessionId;
  if (session.attributes !== undefined) copy.session.attributes = structuredClone(session.attributes);
  if (session.isNew !== undefined) copy.session.new = session.isNew;
  return copy;
}

export type SkillEventType =
  | 'AlexaSkillEvent.SkillEnabled'
  | 'AlexaSkillEvent.SkillDisabled'
  | 'AlexaSkillEvent.SkillPermissionAccepted'
  | 'AlexaSkillEvent.SkillPermissionChanged'
  | 'AlexaSkillEvent.SkillAccountLinked'
  | 'AlexaSkillEvent.ProactiveSubscriptionChanged'
  | 'AlexaSkillEvent.NotificationSubscriptionChanged';

/**
 * AlexaSkillEvent.* requests (ask-sdk-test has no builder for them). Skill events arrive outside any session,
 * so the envelope has `context` but no `session`.
 */
export class SkillEventRequestBuilder extends RequestBuilder {
  private body?: Record<string, unknown>;

  constructor(
    settings: SkillSettings,
    private readonly eventType: SkillEventType,
  ) {
    super(settings);
  }

  /** e.g. `{ userInformationPersistenceStatus: 'NOT_PERSISTED' }` for SkillDisabled. */
  withBody(body: Record<string, unknown>): this {
    this.body = body;
    return this;
  }

  override build(): RequestEnvelope {
    const envelope = super.build();
    delete envelope.session;
    return envelope;
  }

  protected override buildRequest(): Request {
    const now = new Date().toISOString();
    return {
      type: this.eventType,
      requestId: `amzn1.echo-api.request.${randomUUID()}`,
      timestamp: now,
      locale: this.settings.locale,
      eventCreationTime: now,
      eventPublishingTime: now,
      ...(this.body ? { body: this.body } : {}),
    } as Request;
  }
}

/** Convenience for the common end of a session. */
export function sessionEnded(
  settings: SkillSettings,
  reason: SessionEndedReason = 'USER_INITIATED',
): RequestEnvelope {
  return new SessionEndedRequestBuilder(settings, reason).build();
}

// ---------------------------------------------------------------------------------------------------------
// (b) mocha on jest, and AlexaTest sequences

/** What mocha passes as `this` to suites, tests and hooks; under jest these settings do nothing. */
export interface MochaContext {
  timeout(ms?: number | string): MochaContext;
  slow(ms?: number | string): MochaContext;
  retries(n?: number): MochaContext;
}

const mochaContext: MochaContext = {
  timeout: () => mochaContext,
  slow: () => mochaContext,
  retries: () => mochaContext,
};

type MochaDone = (error?: unknown) => void;
export type MochaFunc = (this: MochaContext, done: MochaDone) => unknown;

/** Keeps the arity jest looks at: a function that declares `done` stays callback-style. */
function onJest(fn: MochaFunc): jest.ProvidesCallback {
  if (fn.length > 0) return (done: jest.DoneCallback) => void fn.call(mochaContext, done);
  return async () => {
    await fn.call(mochaContext, () => undefined);
  };
}

function suite(name: string, fn: (this: MochaContext) => void): void {
  describe(name, () => fn.call(mochaContext));
}

function spec(name: string, fn?: MochaFunc): void {
  if (fn) it(name, onJest(fn));
  else it.todo(name);
}

/** mocha's BDD interface on top of jest's; this is what `require('mocha')` returns inside ask-sdk-test. */
export const mochaCompat = {
  describe: suite,
  context: suite,
  it: spec,
  specify: spec,
  before: (fn: MochaFunc) => beforeAll(onJest(fn)),
  after: (fn: MochaFunc) => afterAll(onJest(fn)),
  beforeEach: (fn: MochaFunc) => beforeEach(onJest(fn)),
  afterEach: (fn: MochaFunc) => afterEach(onJest(fn)),
};

/** A SequenceItem may carry `certification: false` to skip the check, or options for `assertCertifiable`. */
export type CertifiedSequenceItem = SequenceItem & { certification?: CertificationOptions | false };

/** Runs `assertCertifiable` on every response of a sequence. */
export class CertificationValidator extends ResponseValidator {
  override validate(item: CertifiedSequenceItem, response: ResponseEnvelope): void {
    if (item.certification === false) return;
    assertCertifiable(response, { label: `after ${item.request.request.type}`, ...item.certification });
  }
}

/** Something that answers requests: a skill from `SkillBuilders.custom().create()`, or a Lambda handler. */
export type SkillUnderTest =
  | { invoke(request: RequestEnvelope, context?: unknown): Promise<ResponseEnvelope> }
  | ((
      event: RequestEnvelope,
      context: unknown,
      callback: (err: unknown, result?: unknown) => void,
    ) => unknown);

type AlexaTestModule = typeof import('ask-sdk-test/lib/tester/AlexaTest');
type Nock = { activate(): void; restore(): void; isActive(): boolean };

let alexaTestModule: AlexaTestModule | undefined;

function loadAlexaTest(): AlexaTestModule {
  if (!alexaTestModule) {
    // aws-sdk v2 prints an end-of-support notice on load; it is only here as ask-sdk-test's dependency.
    process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
    jest.doMock('mocha', () => mochaCompat);
    alexaTestModule = jest.requireActual<AlexaTestModule>('ask-sdk-test/lib/tester/AlexaTest');
    // nock activates itself on load; it is switched on only around the describe blocks that need it.
    loadNock().restore();
  }
  return alexaTestModule;
}

function loadNock(): Nock {
  return jest.requireActual<Nock>('nock');
}

/**
 * An ask-sdk-test `AlexaTest` that runs under jest. Call it inside a `describe` (it registers that block's
 * nock hooks) and call `.test([...])` there as with mocha; each `.test()` becomes one jest test. Unless
 * `opts.certify` is false, every response is also checked with `assertCertifiable` (per item:
 * `certification: false | CertificationOptions`).
 */
export function alexaTest(
  skill: SkillUnderTest,
  settings: SkillSettings,
  opts: { certify?: boolean } = {},
): AlexaTest {
  const { AlexaTest } = loadAlexaTest();
  const nock = loadNock();
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
  });
  afterAll(() => nock.restore());

  // lambda-local calls `handler(event, context, callback)` and also accepts a returned promise.
  const handler =
    typeof skill === 'function'
      ? skill
      : (event: RequestEnvelope, context: unknown): Promise<ResponseEnvelope> => skill.invoke(event, context);
  const tester = new AlexaTest(handler, settings);
  if (opts.certify !== false) tester.addValidator(new CertificationValidator());
  return tester;
}
