/**
 * Property-based fuzzing of MALFORMED request envelopes: missing fields (no request, context, session, user,
 * application), wrong types (request as a string, intent as a number, slots as an array), null anywhere, a
 * 1 MB slot value, 10,000-deep nesting, prototype-pollution keys (`__proto__`, `constructor`), and bodies
 * that are not envelopes at all. They go through the real skill (`buildSkill` with its DynamoDB store on the
 * jest global dynalite), through the Lambda entry point (`handler` in lambda/src/index.ts, configured by
 * environment), and over HTTP through the web service (`createServer`), both with verification off
 * (`insecureLocal`) and with the full Alexa verifiers on signed bodies (test PKI, no network).
 *
 * Properties:
 * - every call settles (bounded by a generous timeout): `skill.invoke` and `handler` resolve with a certifiable
 *   response or reject with an Error; nothing rejects unhandled, nothing hangs. (Session attributes that only
 *   pass the request's own back, untouched, are not held to the response size limit; see `checkResponse`.)
 * - the web service answers every request, 2xx with a certifiable response envelope or 4xx/5xx with a JSON
 *   `{ error }`, and stays healthy;
 * - nothing is polluted (Object.prototype), and the store is never corrupted: after the flood each user's
 *   item is absent or valid, and a normal conversation for a flooded user still works and resumes.
 *
 * The seed is fixed (DEFAULT_FUZZ_SEED in ./fuzz-params), so every run checks the same cases; on failure
 * fast-check prints the seed with the shrunk envelope. FUZZ_SEED=<seed> runs another seed (FUZZ_SEED=random
 * draws one) and FUZZ_RUNS=<n> sets the number of runs.
 */
import type { Skill } from 'ask-sdk-core';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import fc from 'fast-check';
import { FLOW } from '../../lambda/src/conversation/flow';
import { isProgress } from '../../lambda/src/conversation/progress-guard';
import type { Progress } from '../../lambda/src/conversation/types';
import { createJsonLogger } from '../../lambda/src/platform/logger';
import { buildSkill } from '../../lambda/src/skill';
import { createAlexaVerifiers } from '../../lambda/src/web/request-verification';
import { createServer } from '../../lambda/src/web/server';
import type { WebServer } from '../../lambda/src/web/server';
import { assertCertifiable, plainSpeech } from '../support/certification';
import { keepsDisconnectingRequest, TEST_SKILL_ID, words } from '../support/conversation';
import { createTestTable } from '../support/test-table';
import type { TestTable } from '../support/test-table';
import { send } from '../web/http';
import type { Answer } from '../web/http';
import { CHAIN_BASE_URL, createTestPki, signBody } from '../web/pki';
import type { TestPki } from '../web/pki';
import { fuzzSettings } from './fuzz-params';

const { runs: NUM_RUNS, params } = fuzzSettings(150);
/** A jest limit for a whole property (runs plus shrinking a failure), not a timed assertion. */
const PROPERTY_TIMEOUT_MS = 120_000;
/** Generous: a turn takes milliseconds here; only a hang comes near it. */
const SETTLE_MS = 10_000;

// ---------------------------------------------------------------------------------------------------------
// Everything under test, and what watches it

let table: TestTable;
let skill: Skill;
let pki: TestPki;
const servers: WebServer[] = [];
let insecurePort: number;
let verifiedPort: number;
let lambdaHandler: (event: RequestEnvelope) => Promise<ResponseEnvelope>;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const savedEnv = { ...process.env };
const realFetch = globalThis.fetch;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  // Nothing may leave the machine: a malformed envelope's apiEndpoint or the default Spotify URL included.
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname !== '127.0.0.1') throw new TypeError(`fetch blocked by the test: ${url.hostname}`);
    return realFetch(input, init);
  }) as typeof fetch;

  table = await createTestTable('fuzz-malformed');
  skill = buildSkill({
    store: table.store({ callBudgetMs: 3000 }),
    // Every log line is serialised as in production (a request's own fields included), then dropped.
    logger: createJsonLogger('debug', () => undefined),
    skillId: TEST_SKILL_ID,
    progressive: async () => undefined,
  });

  const insecure = createServer({ skill, verifiers: [], insecureLocal: true });
  servers.push(insecure);
  insecurePort = (await insecure.listen(0, '127.0.0.1')).port;

  pki = createTestPki();
  const verified = createServer({
    skill,
    verifiers: createAlexaVerifiers({
      skillId: TEST_SKILL_ID,
      signature: {
        cache: {
          fetch: async (url: string) => {
            if (url !== `${CHAIN_BASE_URL}good.pem`) throw new Error(`no chain at ${url}`);
            return pki.chains.good.pem;
          },
          trustedRoots: [pki.root.certPem],
        },
      },
    }),
  });
  servers.push(verified);
  verifiedPort = (await verified.listen(0, '127.0.0.1')).port;

  // The Lambda entry point reads its configuration on its first request.
  Object.assign(process.env, {
    SKILL_ID: TEST_SKILL_ID,
    TABLE_NAME: table.tableName,
    LOG_LEVEL: 'silent',
    POWERTOOLS_METRICS_DISABLED: 'true',
    SPOTIFY_API_URL: 'http://127.0.0.1:9/v1',
  });
  lambdaHandler = (await import('../../lambda/src/index')).handler;
}, 30_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close({ graceMs: 100 })));
  table?.dispose();
  globalThis.fetch = realFetch;
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  process.off('unhandledRejection', onUnhandled);
});

// ---------------------------------------------------------------------------------------------------------
// Generators

const USERS = Array.from({ length: 3 }, (_, i) => `amzn1.ask.account.FUZZ-MALFORMED-${i}-${Date.now()}`);
const ONE_MB = 'x'.repeat(1 << 20);

/** `depth` levels of `{ "a": … }` (or arrays), built without recursion. */
function deep(depth: number, array: boolean): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = array ? [value] : { a: value };
  return value;
}
const DEEP_OBJECT = deep(10_000, false);
const DEEP_ARRAY = deep(10_000, true);

/** Own `__proto__`/`constructor` keys, as JSON.parse makes them (an object literal would set the prototype). */
const POLLUTERS: unknown[] = [
  JSON.parse('{"__proto__": {"polluted": "yes", "type": "LaunchRequest"}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}'),
  JSON.parse('{"__proto__": null}'),
  JSON.parse('{"prototype": {"polluted": "yes"}, "hasOwnProperty": "no", "toString": 1}'),
];

const garbage: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(null, '', 0, -1, true, false, [], {}, 'null', 'undefined', NaN),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(ONE_MB, DEEP_OBJECT, DEEP_ARRAY, ...POLLUTERS) },
);

/** Where a mutation may strike. */
const PATHS = [
  [],
  ['version'],
  ['request'],
  ['request', 'type'],
  ['request', 'requestId'],
  ['request', 'timestamp'],
  ['request', 'locale'],
  ['request', 'intent'],
  ['request', 'intent', 'name'],
  ['request', 'intent', 'slots'],
  ['request', 'intent', 'slots', 'device'],
  ['request', 'intent', 'slots', 'device', 'value'],
  ['request', 'intent', 'slots', 'device', 'resolutions'],
  ['request', 'intent', 'slots', 'speakerName', 'value'],
  ['request', 'intent', 'slots', 'symptom', 'resolutions', 'resolutionsPerAuthority'],
  ['request', 'reason'],
  ['request', 'error'],
  ['request', 'body'],
  ['session'],
  ['session', 'new'],
  ['session', 'user'],
  ['session', 'user', 'userId'],
  ['session', 'application'],
  ['session', 'attributes'],
  ['session', 'attributes', 'progress'],
  ['session', 'attributes', 'progress', 'stepId'],
  ['session', 'attributes', 'progress', 'history'],
  ['session', 'attributes', 'version'],
  ['session', 'attributes', 'musicPending'],
  ['context'],
  ['context', 'System'],
  ['context', 'System', 'user'],
  ['context', 'System', 'user', 'userId'],
  ['context', 'System', 'user', 'accessToken'],
  ['context', 'System', 'application'],
  ['context', 'System', 'application', 'applicationId'],
  ['context', 'System', 'apiEndpoint'],
] as const;

type Mutation =
  { op: 'delete'; path: readonly string[] } | { op: 'set'; path: readonly string[]; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('delete' as const),
    path: fc.constantFrom(...PATHS.filter((p) => p.length > 0)),
  }),
  fc.record({ op: fc.constant('set' as const), path: fc.constantFrom(...PATHS), value: garbage }),
);

function mutate(envelope: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  if (m.path.length === 0) return (m.op === 'set' ? m.value : undefined) as Record<string, unknown>;
  let parent: unknown = envelope;
  for (const key of m.path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return envelope;
    parent = (parent as Record<string, unknown>)[key];
  }
  if (typeof parent !== 'object' || parent === null) return envelope;
  const last = m.path[m.path.length - 1] as string;
  if (m.op === 'delete') delete (parent as Record<string, unknown>)[last];
  else
    Object.defineProperty(parent, last, {
      value: m.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return envelope;
}

const baseRequest = fc.constantFrom<Record<string, unknown>>(
  { type: 'LaunchRequest' },
  { type: 'IntentRequest', intent: { name: 'AMAZON.YesIntent', confirmationStatus: 'NONE', slots: {} } },
  {
    type: 'IntentRequest',
    intent: {
      name: 'MoveMusicIntent',
      confirmationStatus: 'NONE',
      slots: { device: { name: 'device', value: 'kitchen echo', confirmationStatus: 'NONE' } },
    },
  },
  {
    type: 'IntentRequest',
    intent: {
      name: 'SpeakerNameIntent',
      confirmationStatus: 'NONE',
      slots: { speakerName: { name: 'speakerName', value: 'jbl flip', confirmationStatus: 'NONE' } },
    },
  },
  keepsDisconnectingRequest(),
  { type: 'SessionEndedRequest', reason: 'USER_INITIATED' },
  { type: 'SessionEndedRequest', reason: 'ERROR', error: { type: 'INVALID_RESPONSE', message: 'x' } },
  { type: 'System.ExceptionEncountered', error: { type: 'INVALID_RESPONSE', message: 'x' }, cause: {} },
  { type: 'AlexaSkillEvent.SkillDisabled', body: {} },
  { type: 'AlexaSkillEvent.SkillAccountLinked', body: { accessToken: 'x' } },
);

const progress: Progress = { stepId: FLOW.start, history: [], tried: [], status: 'active' };

interface Malformed {
  envelope: unknown;
  /** The JSON text sent over HTTP (the same envelope, or a body that is not JSON at all). */
  body: string;
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return '{"not": "serialisable"}';
  }
}

const malformed: fc.Arbitrary<Malformed> = fc
  .record({
    request: baseRequest,
    userId: fc.constantFrom(...USERS),
    attributes: fc.constantFrom<unknown>(undefined, { loaded: true, version: 1, progress }),
    newSession: fc.boolean(),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  })
  .map(({ request, userId, attributes, newSession, mutations }): Malformed => {
    const application = { applicationId: TEST_SKILL_ID };
    const user = { userId, accessToken: 'simulator-access-token' };
    let envelope = structuredClone({
      version: '1.0',
      session: { new: newSession, sessionId: 'amzn1.echo-api.session.FUZZ', application, user, attributes },
      context: { System: { application, user, apiEndpoint: 'http://127.0.0.1:9', apiAccessToken: 'x' } },
      request: {
        requestId: 'amzn1.echo-api.request.FUZZ',
        timestamp: new Date().toISOString(),
        locale: 'en-US',
        ...request,
      },
    }) as Record<string, unknown>;
    for (const m of mutations) envelope = mutate(envelope, m);
    return { envelope, body: jsonText(envelope) };
  })
  .map((m) => Object.assign(m, { [fc.toStringMethod]: () => brief(m.envelope) }));

/** Bodies that are not envelopes at all. */
const notEnvelopes: fc.Arbitrary<Malformed> = fc
  .oneof(
    fc.jsonValue({ maxDepth: 3 }).map((value) => ({ envelope: value, body: jsonText(value) })),
    fc.string({ unit: 'binary', maxLength: 200 }).map((body) => ({ envelope: body, body })),
    fc
      .constantFrom(
        '',
        '{',
        '{"request":',
        'null',
        '[]',
        '"LaunchRequest"',
        '{"__proto__": {"polluted": "yes"}}',
        '{"constructor": {"prototype": {"polluted": "yes"}}}',
        `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
        `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
        JSON.stringify({
          request: { type: 'LaunchRequest', intent: { slots: { device: { value: ONE_MB } } } },
        }),
      )
      .map((body) => ({ envelope: body, body })),
  )
  .map((m) => Object.assign(m, { [fc.toStringMethod]: () => brief(m.body) }));

const anything = fc.oneof({ weight: 5, arbitrary: malformed }, { weight: 1, arbitrary: notEnvelopes });

function brief(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'string' && v.length > 80) return `${v.slice(0, 60)}…(${v.length} chars)`;
      return v;
    });
  } catch {
    json = `(not serialisable: ${typeof value})`;
  }
  if (json === undefined) return String(value);
  return json.length > 1500 ? `${json.slice(0, 1500)}…(${json.length} chars)` : json;
}

// ---------------------------------------------------------------------------------------------------------
// Checks

type Settled = { kind: 'resolved'; value: unknown } | { kind: 'rejected'; error: unknown } | { kind: 'hung' };

async function settle(work: () => Promise<unknown>): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hung' }), SETTLE_MS);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(work)
        .then(
          (value): Settled => ({ kind: 'resolved', value }),
          (error: unknown): Settled => ({ kind: 'rejected', error }),
        ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** An Error from any realm (jest's module sandbox or Node's own). */
const isError = (value: unknown) =>
  value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';

/** The request's session attributes as JSON text ('' when there are none or the request is not an object). */
function attributesText(request: unknown): string {
  const session = (request as { session?: { attributes?: unknown } } | null | undefined)?.session;
  return typeof session === 'object' && session !== null ? jsonText(session.attributes) : '';
}

/**
 * A valid response: certifiable. Session attributes that are the request's own, passed back untouched (what
 * ask-sdk-core does when a handler never sets them), are left out of the size check: Alexa sends back what the
 * skill sent, so their size is the request's doing. Attributes the skill wrote are checked with the rest.
 */
function checkResponse(response: ResponseEnvelope, request: unknown, what: string): void {
  const { sessionAttributes, ...rest } = response;
  const echoed = sessionAttributes !== undefined && jsonText(sessionAttributes) === attributesText(request);
  assertCertifiable((echoed ? rest : response) as ResponseEnvelope, { label: what });
}

function checkSettled(settled: Settled, request: unknown, what: string): void {
  if (settled.kind === 'hung') throw new Error(`${what} did not settle within ${SETTLE_MS} ms`);
  if (settled.kind === 'rejected') {
    if (!isError(settled.error))
      throw new Error(`${what} rejected with a non-Error: ${brief(settled.error)}`);
    return;
  }
  const response = settled.value as ResponseEnvelope | undefined;
  if (typeof response !== 'object' || response === null || typeof response.response !== 'object') {
    throw new Error(`${what} resolved with something that is not a response: ${brief(response)}`);
  }
  checkResponse(response, request, what);
}

function checkPrototypes(): void {
  const probe = {} as Record<string, unknown>;
  if (probe.polluted !== undefined || probe.type !== undefined || Object.keys(Object.prototype).length > 0) {
    throw new Error(`Object.prototype was polluted: ${Object.keys(Object.prototype).join(', ')}`);
  }
}

function checkAnswer(answer: Answer, sent: string, what: string): void {
  const type = String(answer.headers['content-type'] ?? '');
  if (!/application\/json/.test(type))
    throw new Error(`${what}: ${answer.status} with ${type}: ${answer.text}`);
  const body = answer.json() as Record<string, unknown>;
  if (answer.status >= 200 && answer.status < 300) {
    let request: unknown;
    try {
      request = JSON.parse(sent);
    } catch {
      request = undefined;
    }
    checkResponse(body as unknown as ResponseEnvelope, request, what);
    return;
  }
  if (answer.status < 400 || answer.status > 599 || typeof body.error !== 'string') {
    throw new Error(`${what}: ${answer.status} ${answer.text}`);
  }
}

async function post(port: number, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const settled = await settle(() => send(port, { body, headers }));
  if (settled.kind === 'hung') throw new Error(`the web service did not answer within ${SETTLE_MS} ms`);
  if (settled.kind === 'rejected')
    throw new Error(`the web service dropped the request: ${String(settled.error)}`);
  return settled.value as Answer;
}

async function healthy(port: number): Promise<void> {
  const answer = await send(port, { method: 'GET', path: '/health' });
  if (answer.status !== 200)
    throw new Error(`the web service is not healthy: ${answer.status} ${answer.text}`);
}

/** Each user's item is absent, or one the store reads back as progress of this flow. */
async function storeIntact(): Promise<void> {
  const store = table.store();
  for (const userId of USERS) {
    const stored = await store.load(userId);
    if (stored && !isProgress(stored.progress, FLOW)) {
      throw new Error(`the item of ${userId} is not valid progress: ${JSON.stringify(stored)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The properties

describe('malformed envelopes', () => {
  afterEach(() => {
    expect(unhandled.map((reason) => brief(reason))).toEqual([]);
    checkPrototypes();
  });

  it(
    'skill.invoke resolves with a response or rejects with an Error, never hangs',
    async () => {
      await fc.assert(
        fc.asyncProperty(anything, async (m) => {
          checkSettled(
            await settle(() => skill.invoke(m.envelope as RequestEnvelope)),
            m.envelope,
            'skill.invoke',
          );
          checkPrototypes();
        }),
        params(NUM_RUNS),
      );
      await storeIntact();
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'the Lambda handler resolves with a response or rejects with an Error, never hangs',
    async () => {
      await fc.assert(
        fc.asyncProperty(anything, async (m) => {
          checkSettled(
            await settle(() => lambdaHandler(m.envelope as RequestEnvelope)),
            m.envelope,
            'handler',
          );
        }),
        params(Math.ceil(NUM_RUNS / 3)),
      );
      await storeIntact();
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'the web service (verification off) answers JSON, 2xx or 4xx/5xx, and stays up',
    async () => {
      await fc.assert(
        fc.asyncProperty(anything, async (m) => {
          checkAnswer(await post(insecurePort, m.body), m.body, 'POST / (insecure-local)');
        }),
        params(Math.ceil(NUM_RUNS / 2)),
      );
      await healthy(insecurePort);
      await storeIntact();
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'the web service (Alexa verifiers on, signed bodies) answers JSON and stays up',
    async () => {
      await fc.assert(
        fc.asyncProperty(anything, async (m) => {
          const headers = {
            SignatureCertChainUrl: `${CHAIN_BASE_URL}good.pem`,
            'Signature-256': signBody(m.body, pki.chains.good.keys),
          };
          checkAnswer(await post(verifiedPort, m.body, headers), m.body, 'POST / (verified)');
        }),
        params(Math.ceil(NUM_RUNS / 5)),
      );
      await healthy(verifiedPort);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('after the flood, a normal conversation for a flooded user works and resumes', async () => {
    await storeIntact();
    const userId = USERS[0] as string;
    const GENERIC = words('errors.generic');
    const turn = async (request: Record<string, unknown>, isNew: boolean, attributes?: unknown) => {
      const application = { applicationId: TEST_SKILL_ID };
      const user = { userId };
      const envelope = {
        version: '1.0',
        session: { new: isNew, sessionId: 'amzn1.echo-api.session.AFTER', application, user, attributes },
        context: { System: { application, user, apiEndpoint: 'http://127.0.0.1:9' } },
        request: { requestId: 'r', timestamp: new Date().toISOString(), locale: 'en-US', ...request },
      };
      const response = await skill.invoke(JSON.parse(JSON.stringify(envelope)) as RequestEnvelope);
      assertCertifiable(response);
      expect(plainSpeech(response)).not.toContain(GENERIC);
      return response;
    };
    const launched = await turn({ type: 'LaunchRequest' }, true);
    const symptom = await turn(keepsDisconnectingRequest(), false, launched.sessionAttributes);
    const at = (symptom.sessionAttributes as { progress: Progress }).progress;
    expect(at.stepId).toBe(FLOW.symptomEntry.keeps_disconnecting);
    const stored = await table.store().load(userId);
    expect(stored?.progress).toEqual(at);
    const again = await turn({ type: 'LaunchRequest' }, true);
    expect((again.sessionAttributes as { progress: Progress }).progress).toEqual(at);
  });
});

// ---------------------------------------------------------------------------------------------------------
// What the properties found, shrunk to one request each.

describe('found by fuzzing (minimal inputs)', () => {
  // Found by fuzzing, now fixed: lambda/src/platform/logger.ts serialised log fields as they came, and the quiet
  // handler logs a request's own `cause` and `error.message`: a cause nested 10,000 levels (or an exception with a
  // 10,000-long `cause` chain) overflowed the stack in JSON.stringify, so the request ended in the error handler,
  // and a 1 MB message made a 1 MB log line. Log fields are now bounded (depth, length, size) and never throw.
  it.each<[string, unknown]>([
    ['an object nested 10,000 levels', DEEP_OBJECT],
    ['an array nested 10,000 levels', DEEP_ARRAY],
    ['a 1 MB string', ONE_MB],
  ])('a System.ExceptionEncountered whose cause is %s is logged, bounded', async (_what, cause) => {
    const lines: string[] = [];
    const logged = buildSkill({
      store: table.store(),
      logger: createJsonLogger('debug', (line) => lines.push(line)),
      skillId: TEST_SKILL_ID,
      progressive: async () => undefined,
    });
    const application = { applicationId: TEST_SKILL_ID };
    const user = { userId: USERS[1] as string };
    const envelope = {
      version: '1.0',
      context: { System: { application, user, apiEndpoint: 'http://127.0.0.1:9' } },
      request: {
        type: 'System.ExceptionEncountered',
        requestId: 'amzn1.echo-api.request.FUZZ-BUG',
        timestamp: new Date().toISOString(),
        locale: 'en-US',
        error: { type: 'INVALID_RESPONSE', message: ONE_MB },
        cause,
      },
    } as unknown as RequestEnvelope;
    const response = await logged.invoke(envelope);
    expect(response.response).toEqual({});
    expect(lines.filter((line) => line.includes('unhandled error'))).toEqual([]);
    const line = lines.find((l) => l.includes('Alexa reported an error with a response'));
    expect(line).toBeDefined();
    expect((line as string).length).toBeLessThan(200_000);
    expect(JSON.parse(line as string)).toMatchObject({
      level: 'error',
      requestType: 'System.ExceptionEncountered',
    });
  });
});
