/**
 * Property-based fuzzing of WELL-FORMED request envelopes through the real skill: `buildSkill` with its real
 * `DynamoProgressStore` on the jest global dynalite and, for music intents, a real `SpotifyClient` on the
 * Spotify Connect simulator (or no Spotify at all).
 *
 * Every envelope has the shape Alexa sends (JSON, a context with the application and user, a request with an
 * id and timestamp); what varies is everything Alexa or a user controls: the request type, every intent of the
 * model and names it does not have, slot values (resolved, unresolved, empty, huge, unicode, SSML-looking),
 * session flags and attributes (ours, missing, garbage, and almost ours), locales, account-linking tokens, the
 * skill id, and the stored item the user already has.
 *
 * Properties:
 * - `skill.invoke` never throws for our skill id; for another skill id it throws exactly the designed rejection.
 * - Every LaunchRequest/IntentRequest answer is certifiable (`assertCertifiable`) and never the generic error.
 * - SessionEnded, System.ExceptionEncountered, skill events and CanFulfillIntentRequest get no speech.
 * - The last-resort error handler never runs for a well-formed request.
 *
 * The seed is fixed (DEFAULT_FUZZ_SEED in ./fuzz-params), so every run checks the same cases; on failure
 * fast-check prints the seed with the shrunk counterexample. FUZZ_SEED=<seed> runs another seed (FUZZ_SEED=random
 * draws one) and FUZZ_RUNS=<n> sets the number of runs.
 */
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import type { Skill } from 'ask-sdk-core';
import { marshall } from '@aws-sdk/util-dynamodb';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { FLOW } from '../../lambda/src/conversation/flow';
import { STATUSES } from '../../lambda/src/conversation/progress-guard';
import { SYMPTOMS } from '../../lambda/src/conversation/types';
import type { Progress } from '../../lambda/src/conversation/types';
import type { Logger, LogFields } from '../../lambda/src/platform/logger';
import type { SkillMetrics } from '../../lambda/src/platform/metrics';
import { buildSkill } from '../../lambda/src/skill';
import { SpotifyClient } from '../../lambda/src/spotify/client';
import { SCHEMA_VERSION } from '../../lambda/src/state/dynamo-progress-store';
import { PARTITION_KEY } from '../../lambda/src/state/table';
import { userKeyOf } from '../../lambda/src/state/user-key';
import { DEFAULT_SIMULATOR_TOKEN, startSpotifySimulator } from '../../scripts/local/spotify-simulator';
import type { SpotifySimulator } from '../../scripts/local/spotify-simulator';
import { assertCertifiable, plainReprompt, plainSpeech } from '../support/certification';
import { OTHER_SKILL_ID, TEST_SKILL_ID, TEST_SPOTIFY_TIMING, words } from '../support/conversation';
import { loadModel } from '../support/model';
import { createTestTable } from '../support/test-table';
import type { TestTable } from '../support/test-table';
import { fuzzSettings } from './fuzz-params';

const { runs: NUM_RUNS, params } = fuzzSettings(400);
/** A jest limit for a whole property (runs plus shrinking a failure), not a timed assertion. */
const PROPERTY_TIMEOUT_MS = 120_000;

const GENERIC = words('errors.generic');

// ---------------------------------------------------------------------------------------------------------
// The skill under test

interface LogLine {
  level: string;
  message: string;
  fields?: LogFields;
}

let table: TestTable;
let simulator: SpotifySimulator;
const logs: LogLine[] = [];
const dimensions: Array<Record<string, string>> = [];
let withSpotify: Skill;
let withoutSpotify: Skill;

const logger: Logger = {
  info: (message, fields) => logs.push({ level: 'info', message, fields }),
  warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
  error: (message, fields) => logs.push({ level: 'error', message, fields }),
};
const metrics: SkillMetrics = {
  count: (_name, dims) => {
    if (dims) dimensions.push(dims);
  },
  milliseconds: () => undefined,
  flush: () => undefined,
};

beforeAll(async () => {
  table = await createTestTable('fuzz-envelopes');
  simulator = await startSpotifySimulator();
  const common = {
    store: table.store(),
    logger,
    metrics,
    skillId: TEST_SKILL_ID,
    // Never a real network call: the progressive response is dropped.
    progressive: async () => undefined,
  };
  withoutSpotify = buildSkill(common);
  withSpotify = buildSkill({
    ...common,
    spotify: new SpotifyClient({ baseUrl: simulator.baseUrl, fetch: globalThis.fetch, logger }),
    spotifyTiming: TEST_SPOTIFY_TIMING,
  });
});

afterAll(async () => {
  await simulator?.close();
  table?.dispose();
});

// ---------------------------------------------------------------------------------------------------------
// Generators: text a user or Alexa controls

const MODEL = loadModel().interactionModel.languageModel;
const STEP_IDS = Object.keys(FLOW.steps);
const OUTCOMES = ['yes', 'no', 'unsure', 'done', 'skipped', 'safety'] as const;

/**
 * Words the skill may repeat back (a speaker's name) are checked by `assertCertifiable` like the skill's own
 * words: a name that itself reads like a template leftover ("null", "{{", "jbl.flip") would be reported as
 * one. Such names are left out; everything else (markup, entities, emoji, control characters) stays in.
 */
const LOOKS_LIKE_LEFTOVER = /\b(?:undefined|null|NaN)\b|\[object Object\]|\{\{|\}\}|[A-Za-z0-9_]\.[A-Za-z]/;
/** The generic error sentence said back would look like the generic error. */
const LOOKS_LIKE_GENERIC = /went wrong/i;
const echoSafe = (s: string) => !LOOKS_LIKE_LEFTOVER.test(s) && !LOOKS_LIKE_GENERIC.test(s);

const MARKUP = [
  '',
  ' ',
  '   \t\n',
  '<speak>',
  '</speak>',
  '<speak>hello</speak>',
  '&',
  '&amp;',
  'R&B speaker',
  '<break time="10s"/>',
  '<audio src="https://example.invalid/a.mp3"/>',
  ']]>',
  '<![CDATA[x]]>',
  '"\'<>&',
  '$t(errors generic)',
  '%s %d',
  '\u202eabc',
  '\u0000',
  '\ud83d',
  'e\u0301',
  '😀'.repeat(40),
  'jbl flip',
  'kitchen echo',
  'Office Speaker',
  'this echo',
];

const huge = fc
  .tuple(fc.constantFrom('x', 'é', '😀', '&', '<b>', ' '), fc.integer({ min: 1000, max: 20000 }))
  .map(([unit, n]) => unit.repeat(n));

const text: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 3, arbitrary: fc.constantFrom(...MARKUP) },
    { weight: 1, arbitrary: huge },
  )
  .filter(echoSafe);

/** Spotify device names, as Spotify reports them. */
const deviceName = text.filter((s) => s.length <= 100);

// ---------------------------------------------------------------------------------------------------------
// Generators: slots and intents

const authority = (type: string) => `amzn1.er-authority.echo-sdk.${TEST_SKILL_ID}.${type}`;

function resolutionFor(type: string): fc.Arbitrary<unknown> {
  const values = MODEL.types?.find((t) => t.name === type)?.values ?? [];
  const ours = values.map((v) => ({ name: v.name.value, id: v.id ?? v.name.value }));
  const match = (value: fc.Arbitrary<{ name: string; id: string }>) =>
    value.map((v) => ({
      authority: authority(type),
      status: { code: 'ER_SUCCESS_MATCH' },
      values: [{ value: v }],
    }));
  return fc.oneof(
    { weight: 4, arbitrary: match(fc.constantFrom(...ours)) },
    {
      weight: 1,
      arbitrary: match(
        fc.record({ name: text, id: fc.oneof(text, fc.constantFrom(...ours.map((v) => v.id))) }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ authority: authority(type), status: { code: 'ER_SUCCESS_NO_MATCH' } }),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ authority: authority(type), status: { code: 'ER_ERROR_TIMEOUT' } }),
    },
    {
      weight: 1,
      arbitrary: fc.constant({
        authority: 'amzn1.er-authority.dynamic',
        status: { code: 'ER_SUCCESS_NO_MATCH' },
      }),
    },
  );
}

/** A slot as Alexa fills it: words it heard that match one of the type's values (resolved to it), or anything. */
function slotArb(name: string, type: string): fc.Arbitrary<unknown> {
  const values = MODEL.types?.find((t) => t.name === type)?.values ?? [];
  const heard = fc.constantFrom(...values).chain((v) =>
    fc.constantFrom(v.name.value, ...(v.name.synonyms ?? [])).map((said) => ({
      name,
      value: said,
      confirmationStatus: 'NONE',
      source: 'USER',
      resolutions: {
        resolutionsPerAuthority: [
          {
            authority: authority(type),
            status: { code: 'ER_SUCCESS_MATCH' },
            values: [{ value: { name: v.name.value, id: v.id } }],
          },
        ],
      },
    })),
  );
  const anything = fc.record(
    {
      name: fc.constant(name),
      value: text,
      confirmationStatus: fc.constantFrom('NONE', 'CONFIRMED', 'DENIED'),
      source: fc.constant('USER'),
      resolutions: fc.record({
        resolutionsPerAuthority: fc.array(resolutionFor(type), { minLength: 1, maxLength: 3 }),
      }),
    },
    { requiredKeys: ['name', 'confirmationStatus'] },
  );
  return fc.oneof(heard, anything);
}

const MUSIC_INTENTS = ['ListDevicesIntent', 'MoveMusicIntent', 'ChooseDeviceIntent'];

/**
 * Every intent of the model (the Spotify ones more often, so the hand-off is reached), each declared slot
 * present (as Alexa sends them) or, now and then, none.
 */
const modelIntent = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom(...MODEL.intents) },
    { weight: 1, arbitrary: fc.constantFrom(...MODEL.intents.filter((i) => MUSIC_INTENTS.includes(i.name))) },
  )
  .chain((intent) => {
    const slots = intent.slots ?? [];
    const record = Object.fromEntries(slots.map((s) => [s.name, slotArb(s.name, s.type)]));
    return fc.record({
      name: fc.constant(intent.name),
      confirmationStatus: fc.constantFrom('NONE', 'CONFIRMED', 'DENIED'),
      slots: slots.length
        ? fc.oneof({ weight: 5, arbitrary: fc.record(record) }, fc.constant({}))
        : fc.constant(undefined),
    });
  });

/** Intent names the model does not have: other releases, built-ins we never declared, and odd strings. */
const unknownIntentName = fc
  .oneof(
    fc.constantFrom(
      'AMAZON.PauseIntent',
      'AMAZON.ResumeIntent',
      'AMAZON.ShuffleOnIntent',
      'AMAZON.ScrollDownIntent',
      'SomeIntentFromTheFuture',
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'isPrototypeOf',
    ),
    fc.string({ minLength: 1, maxLength: 30 }),
  )
  .filter((name) => !MODEL.intents.some((i) => i.name === name));

const unknownIntent = fc.record({
  name: unknownIntentName,
  confirmationStatus: fc.constant('NONE'),
  slots: fc.option(
    fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), slotArb('x', 'DeviceNameType'), { maxKeys: 2 }),
    {
      nil: undefined,
    },
  ),
});

// ---------------------------------------------------------------------------------------------------------
// Generators: requests

const requestBase = fc.record(
  {
    requestId: fc.uuid().map((u) => `amzn1.echo-api.request.${u}`),
    timestamp: fc.constant(new Date().toISOString()),
    locale: fc.oneof(
      fc.constantFrom('en-US', 'en-GB', 'de-DE', 'xx-YY', 'en', ''),
      fc.string({ maxLength: 8 }),
    ),
  },
  { requiredKeys: ['requestId', 'timestamp'] },
);

const errorObject = fc.oneof(
  fc.record({
    type: fc.constantFrom(
      'INVALID_RESPONSE',
      'DEVICE_COMMUNICATION_ERROR',
      'INTERNAL_SERVICE_ERROR',
      'ENDPOINT_TIMEOUT',
    ),
    message: fc.string({ maxLength: 200 }),
  }),
  fc.jsonValue({ maxDepth: 3 }),
);

type Kind = 'speech' | 'quiet' | 'disable';
interface Generated {
  kind: Kind;
  request: Record<string, unknown>;
}

const launch = requestBase.map((b): Generated => ({
  kind: 'speech',
  request: { ...b, type: 'LaunchRequest' },
}));
const intentRequest = fc
  .tuple(
    requestBase,
    fc.oneof({ weight: 6, arbitrary: modelIntent }, { weight: 1, arbitrary: unknownIntent }),
    fc.constantFrom('STARTED', 'IN_PROGRESS', 'COMPLETED', undefined),
  )
  .map(([b, intent, dialogState]): Generated => ({
    kind: 'speech',
    request: { ...b, type: 'IntentRequest', intent, ...(dialogState ? { dialogState } : {}) },
  }));
const sessionEnded = fc
  .tuple(
    requestBase,
    fc.constantFrom('USER_INITIATED', 'ERROR', 'EXCEEDED_MAX_REPROMPTS'),
    fc.option(errorObject),
  )
  .map(([b, reason, error]): Generated => ({
    kind: 'quiet',
    request: { ...b, type: 'SessionEndedRequest', reason, ...(error === null ? {} : { error }) },
  }));
const exception = fc
  .tuple(requestBase, errorObject, fc.jsonValue({ maxDepth: 2 }))
  .map(([b, error, cause]): Generated => ({
    kind: 'quiet',
    request: { ...b, type: 'System.ExceptionEncountered', error, cause },
  }));
const skillEvent = fc
  .tuple(
    requestBase,
    fc.constantFrom(
      'AlexaSkillEvent.SkillDisabled',
      'AlexaSkillEvent.SkillAccountLinked',
      'AlexaSkillEvent.SkillEnabled',
      'AlexaSkillEvent.SkillPermissionAccepted',
      'AlexaSkillEvent.SkillPermissionChanged',
    ),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map(([b, type, body]): Generated => ({
    kind: type === 'AlexaSkillEvent.SkillDisabled' ? 'disable' : 'quiet',
    request: { ...b, type, eventCreationTime: b.timestamp, eventPublishingTime: b.timestamp, body },
  }));
const canFulfill = fc.tuple(requestBase, modelIntent).map(([b, intent]): Generated => ({
  kind: 'quiet',
  request: { ...b, type: 'CanFulfillIntentRequest', intent },
}));

const request: fc.Arbitrary<Generated> = fc.oneof(
  { weight: 3, arbitrary: launch },
  { weight: 8, arbitrary: intentRequest },
  { weight: 2, arbitrary: sessionEnded },
  { weight: 1, arbitrary: exception },
  { weight: 1, arbitrary: skillEvent },
  { weight: 1, arbitrary: canFulfill },
);

// ---------------------------------------------------------------------------------------------------------
// Generators: progress and session attributes

/** The status a step's progress has: an end step's outcome, else active. */
const statusAt = (stepId: string): Progress['status'] => {
  const step = FLOW.steps[stepId];
  return step?.kind === 'end' ? step.outcome : 'active';
};

/** Progress the skill itself could have written: steps of the flow, bounded lists, a status that fits the step. */
const validProgress: fc.Arbitrary<Progress> = fc
  .record(
    {
      stepId: fc.constantFrom(...STEP_IDS),
      history: fc.array(fc.constantFrom(...STEP_IDS), { maxLength: 30 }),
      tried: fc.array(
        fc.record({ step: fc.constantFrom(...STEP_IDS), outcome: fc.constantFrom(...OUTCOMES) }),
        { maxLength: 40 },
      ),
      symptom: fc.constantFrom(...SYMPTOMS),
      speakerName: text.map((s) => s.trim().slice(0, 60)).filter((s) => s.length > 0 && echoSafe(s)),
      musicDevice: deviceName,
    },
    { requiredKeys: ['stepId', 'history', 'tried'] },
  )
  .map((p) => ({ ...p, status: statusAt(p.stepId) }));

/** Progress that is not quite ours: unknown steps, wrong types, huge lists, odd statuses. */
const almostProgress: fc.Arbitrary<unknown> = fc.oneof(
  validProgress.map((p) => ({ ...p, stepId: 'a-step-from-another-release' })),
  validProgress.map((p) => ({ ...p, history: [...p.history, 'gone'] })),
  validProgress.chain((p) =>
    fc.constantFrom<unknown>(1, null, '', [], {}, true).map((v) => ({ ...p, stepId: v })),
  ),
  validProgress.map((p) => ({ ...p, history: 'triage' })),
  validProgress.map((p) => ({ ...p, tried: [{ step: 1, outcome: 'maybe' }] })),
  validProgress.map((p) => ({ ...p, status: 'paused' })),
  validProgress.chain((p) =>
    fc
      .constantFrom(...(Object.keys(STATUSES) as Array<Progress['status']>))
      .map((status) => ({ ...p, status })),
  ),
  validProgress.map((p) => ({ ...p, symptom: 'smoke' })),
  validProgress.map((p) => ({ ...p, speakerName: 42 })),
  fc.tuple(validProgress, huge).map(([p, name]) => ({ ...p, speakerName: name })),
  fc.tuple(validProgress, huge).map(([p, name]) => ({ ...p, musicDevice: name })),
  validProgress.map((p) => ({ ...p, history: Array.from({ length: 5000 }, () => p.stepId) })),
  validProgress.map((p) => ({
    ...p,
    tried: Array.from({ length: 5000 }, () => ({ step: p.stepId, outcome: 'no' })),
  })),
  fc.jsonValue({ maxDepth: 3 }),
);

const musicPending = fc.oneof(
  fc.constant({ kind: 'offer' }),
  fc.record({
    kind: fc.constant('choose'),
    candidates: fc.array(text, { maxLength: 4 }),
    thisEcho: fc.boolean(),
  }),
);

const ourAttributes = fc.record(
  {
    loaded: fc.boolean(),
    progress: validProgress,
    version: fc.nat({ max: 50 }),
    unsaved: fc.boolean(),
    warnedStorage: fc.boolean(),
    misunderstood: fc.nat({ max: 5 }),
    musicPending,
  },
  { requiredKeys: ['loaded', 'version', 'unsaved', 'warnedStorage', 'misunderstood'] },
);

const almostOurAttributes = fc.record(
  {
    loaded: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
    progress: almostProgress,
    version: fc.oneof(
      fc.integer({ min: -1000, max: -1 }),
      fc.double(),
      fc.string(),
      fc.constant(null),
      fc.nat(),
    ),
    unsaved: fc.jsonValue({ maxDepth: 1 }),
    warnedStorage: fc.jsonValue({ maxDepth: 1 }),
    misunderstood: fc.oneof(fc.integer({ min: -10, max: 10 }), fc.double(), fc.string()),
    musicPending: fc.oneof(
      musicPending,
      fc.record({
        kind: fc.constant('choose'),
        candidates: fc.constant('Kitchen Echo'),
        thisEcho: fc.boolean(),
      }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
  { requiredKeys: [] },
);

const attributes = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 4, arbitrary: ourAttributes },
  { weight: 4, arbitrary: almostOurAttributes },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

// ---------------------------------------------------------------------------------------------------------
// Generators: users, their stored items, and the whole envelope

/** A small pool of users (each case sets what is stored for its user first). */
const USERS = Array.from({ length: 4 }, (_, i) => `amzn1.ask.account.FUZZ-ENVELOPES-${i}-${Date.now()}`);
const userId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...USERS) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 300 }).map((s) => `amzn1.ask.account.${s}`) },
);

/**
 * The item in the table for the user when the request arrives: none, ours, or not quite ours. Set before every
 * case, so a counterexample does not depend on the cases before it.
 */
const storedItem = fc.oneof(
  { weight: 4, arbitrary: fc.constant<'none'>('none') },
  {
    weight: 2,
    arbitrary: fc.record({ progress: validProgress, version: fc.integer({ min: 1, max: 100 }) }).map((s) => ({
      progress: JSON.stringify(s.progress),
      version: s.version,
      schemaVersion: SCHEMA_VERSION,
      updatedAt: new Date().toISOString(),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        progress: almostProgress,
        version: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.string()),
        schemaVersion: fc.oneof(fc.constant(SCHEMA_VERSION), fc.integer()),
        expiresAt: fc.oneof(fc.constant(Math.floor(Date.now() / 1000) + 3600), fc.integer(), fc.string()),
      })
      .map(({ progress, ...rest }) => ({
        // The progress as the item keeps it (JSON), or anything at all in its place.
        progress: typeof progress === 'object' && progress !== null ? JSON.stringify(progress) : progress,
        ...rest,
        updatedAt: new Date().toISOString(),
      })),
  },
);

interface Case {
  generated: Generated;
  envelope: RequestEnvelope;
  ours: boolean;
  spotify: boolean;
  stored: 'none' | Record<string, unknown>;
}

const envelopeCase: fc.Arbitrary<Case> = fc
  .record({
    generated: request,
    ours: fc.oneof(
      { weight: 12, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    otherSkillId: fc.oneof(fc.constant(OTHER_SKILL_ID), fc.string()),
    userId,
    newSession: fc.boolean(),
    sessionId: fc.uuid(),
    attributes,
    withSession: fc.boolean(),
    token: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 4, arbitrary: fc.constant(DEFAULT_SIMULATOR_TOKEN) },
      { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }) },
    ),
    spotify: fc.oneof(
      { weight: 3, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    stored: storedItem,
  })
  .map((c): Case => {
    const applicationId = c.ours ? TEST_SKILL_ID : c.otherSkillId;
    const application = { applicationId };
    const user = { userId: c.userId, ...(c.token === undefined ? {} : { accessToken: c.token }) };
    // Alexa sends a session with launches, intents and session ends; skill events and exceptions come without.
    const needsSession = c.generated.kind === 'speech' || c.generated.request.type === 'SessionEndedRequest';
    const session =
      needsSession || c.withSession
        ? {
            new: c.generated.request.type === 'SessionEndedRequest' ? false : c.newSession,
            sessionId: `amzn1.echo-api.session.${c.sessionId}`,
            application,
            user,
            ...(c.attributes === undefined ? {} : { attributes: c.attributes }),
          }
        : undefined;
    const envelope = {
      version: '1.0',
      ...(session ? { session } : {}),
      context: {
        System: {
          application,
          user,
          device: { deviceId: 'amzn1.ask.device.FUZZ', supportedInterfaces: {} },
          apiEndpoint: 'https://api.amazonalexa.com',
          apiAccessToken: 'not-a-real-token',
        },
      },
      request: c.generated.request,
    };
    // What crosses the wire is JSON: no undefined, no -0, no functions.
    const generated: Case = {
      generated: c.generated,
      envelope: JSON.parse(JSON.stringify(envelope)) as RequestEnvelope,
      ours: c.ours,
      spotify: c.spotify,
      stored: c.stored,
    };
    // fast-check prints counterexamples with this: huge values stay readable.
    return Object.assign(generated, { [fc.toStringMethod]: () => describeCase(generated) });
  });

// ---------------------------------------------------------------------------------------------------------
// The checks

/**
 * Writes an item as-is. One that cannot be written (a number DynamoDB or its marshaller refuses) can never be
 * in the table, so it is left out.
 */
async function putRaw(userIdValue: string, item: Record<string, unknown>): Promise<void> {
  let marshalled: Record<string, AttributeValue>;
  try {
    marshalled = marshall(
      { ...item, [PARTITION_KEY]: userKeyOf(userIdValue) },
      { removeUndefinedValues: true, convertEmptyValues: true },
    );
  } catch {
    return;
  }
  try {
    await table.client.send(new PutItemCommand({ TableName: table.tableName, Item: marshalled }));
  } catch (error) {
    if ((error as Error).name !== 'ValidationException') throw error;
  }
}

/** JSON, with long strings and arrays cut short so a counterexample stays readable. */
function brief(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string' && v.length > 80) return `${v.slice(0, 60)}…(${v.length} chars)`;
    if (Array.isArray(v) && v.length > 12) return [...v.slice(0, 10), `…(${v.length} items)`];
    return v;
  });
  return json.length > 3000 ? `${json.slice(0, 3000)}…` : json;
}

function describeCase(c: Case): string {
  return `envelope ${brief(c.envelope)}, spotify: ${c.spotify}, stored item: ${brief(c.stored)}`;
}

/** Runs one case; throws (with the envelope) when a property does not hold. */
async function check(c: Case): Promise<void> {
  const userIdValue = c.envelope.context.System.user.userId;
  await table.store().delete(userIdValue);
  if (c.stored !== 'none') await putRaw(userIdValue, c.stored);
  const skill = c.spotify ? withSpotify : withoutSpotify;
  const logsBefore = logs.length;
  const dimensionsBefore = dimensions.length;
  const fail = (why: string): never => {
    throw new Error(why);
  };

  if (!c.ours) {
    const outcome = await skill.invoke(c.envelope).then(
      () => 'resolved',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (!/CustomSkill ID verification failed/.test(outcome)) {
      fail(`a request for another skill was not rejected by the skill id check: ${outcome}`);
    }
    return;
  }

  let response: ResponseEnvelope;
  try {
    response = await skill.invoke(c.envelope);
  } catch (error) {
    return fail(`skill.invoke threw: ${(error as Error)?.stack ?? String(error)}`);
  }
  const unhandled = logs.slice(logsBefore).find((l) => l.message === 'unhandled error');
  if (unhandled) fail(`the error handler ran: ${JSON.stringify(unhandled.fields)}`);
  // Step dimensions are a fixed set: anything else is a metric nobody asked for, and a cost per value.
  for (const dims of dimensions.slice(dimensionsBefore)) {
    const step: unknown = dims.Step;
    if (
      step !== undefined &&
      !(typeof step === 'string' && Object.prototype.hasOwnProperty.call(FLOW.steps, step))
    ) {
      fail(`a metric dimension names no step of the flow: ${JSON.stringify(dims).slice(0, 200)}`);
    }
  }

  if (c.generated.kind === 'speech') {
    try {
      assertCertifiable(response, { label: String(c.generated.request.type) });
    } catch (error) {
      fail((error as Error).message);
    }
    if (plainSpeech(response).includes(GENERIC)) fail(`the generic error answer: ${plainSpeech(response)}`);
  } else {
    const { outputSpeech, reprompt } = response.response ?? {};
    if (outputSpeech || reprompt || plainSpeech(response) || plainReprompt(response)) {
      fail(`a ${String(c.generated.request.type)} got speech: ${JSON.stringify(response.response)}`);
    }
  }
}

// These properties fail while the faults shrunk to single requests at the end of this file are there: the
// generators keep the inputs that reach them (see the notes below).
describe('well-formed envelopes through the real skill', () => {
  it(
    'never throw for our skill id, are certifiable when spoken to, and quiet otherwise',
    async () => {
      await fc.assert(fc.asyncProperty(envelopeCase, check), params(NUM_RUNS));
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'LaunchRequest and every model intent, for users with stored progress',
    async () => {
      const speech = envelopeCase.filter((c) => c.ours && c.generated.kind === 'speech');
      await fc.assert(fc.asyncProperty(speech, check), params(Math.ceil(NUM_RUNS / 2)));
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'skill events and session ends say nothing, and SkillDisabled forgets the user',
    async () => {
      const quiet = envelopeCase.filter((c) => c.ours && c.generated.kind !== 'speech');
      await fc.assert(
        fc.asyncProperty(quiet, async (c) => {
          await check(c);
          if (c.generated.kind !== 'disable') return;
          const stored = await table.store().load(c.envelope.context.System.user.userId);
          if (stored !== undefined) throw new Error(`SkillDisabled left the item: ${JSON.stringify(stored)}`);
        }),
        params(Math.ceil(NUM_RUNS / 3)),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------------------
// What the properties found, shrunk to one request each. Each expectation is what the skill must do; the
// tests fail until the fault (in a file outside test/fuzz) is fixed.

const FRESH_USER = () => `amzn1.ask.account.FUZZ-BUG-${Math.random().toString(36).slice(2)}`;

function minimal(
  request: Record<string, unknown>,
  options: { attributes?: unknown; newSession?: boolean; userId?: string } = {},
): RequestEnvelope {
  const application = { applicationId: TEST_SKILL_ID };
  const user = { userId: options.userId ?? FRESH_USER() };
  return {
    version: '1.0',
    session: {
      new: options.newSession ?? false,
      sessionId: 'amzn1.echo-api.session.FUZZ-BUG',
      application,
      user,
      ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
    },
    context: { System: { application, user, apiEndpoint: 'https://api.amazonalexa.com' } },
    request: {
      requestId: 'amzn1.echo-api.request.FUZZ-BUG',
      timestamp: new Date().toISOString(),
      locale: 'en-US',
      ...request,
    },
  } as unknown as RequestEnvelope;
}

const intentNamed = (name: string) => ({
  type: 'IntentRequest',
  dialogState: 'STARTED',
  intent: { name, confirmationStatus: 'NONE' },
});

/** The properties' checks on one request, as a plain test. */
async function expectAnswered(envelope: RequestEnvelope): Promise<ResponseEnvelope> {
  const logsBefore = logs.length;
  const response = await withoutSpotify.invoke(envelope);
  expect(logs.slice(logsBefore).filter((l) => l.message === 'unhandled error')).toEqual([]);
  assertCertifiable(response);
  expect(plainSpeech(response)).not.toContain(GENERIC);
  return response;
}

describe('found by fuzzing (minimal inputs)', () => {
  // Found by fuzzing, now fixed: lambda/src/handlers/events.ts:49 reads `INTENT_EVENTS[name]` without an own-property check, so an
  // intent name that is a member of Object.prototype ("toString", "constructor", "__proto__", "valueOf",
  // "hasOwnProperty", …) maps to a function or object with no `type`; `transition` then returns undefined
  // and the turn throws "Cannot read properties of undefined (reading 'progress')": the generic error answer
  // instead of "Sorry, I didn't catch that".
  it.each(['toString', 'constructor', '__proto__'])(
    'an intent named %s is not understood, like any name the model does not have',
    async (name) => {
      const progress = { stepId: FLOW.start, history: [], tried: [], status: 'active' };
      const attributes = { loaded: true, version: 0, progress };
      const response = await expectAnswered(minimal(intentNamed(name), { attributes }));
      const unknown = await expectAnswered(minimal(intentNamed('SomeIntentFromTheFuture'), { attributes }));
      expect(plainSpeech(response)).toBe(plainSpeech(unknown));
    },
  );

  // Found by fuzzing, now fixed: lambda/src/handlers/request-handlers.ts:40-41 (sessionOf) accepts any integer `version` from the
  // session attributes, including ones past Number.MAX_SAFE_INTEGER; the save then throws (a TypeError from
  // DynamoProgressStore.save, or marshall's "greater than Number.MAX_SAFE_INTEGER"), which is neither a
  // StoreUnavailableError nor a VersionConflictError, so the turn ends in the generic error answer. The error
  // handler leaves the attributes as they came, so every later turn of that session fails the same way. An
  // unusable version must be treated like a missing one (or the store re-read).
  it.each([Number.MAX_SAFE_INTEGER, 1e16])(
    'a session version of %d still gets an answer',
    async (version) => {
      await expectAnswered(minimal({ type: 'LaunchRequest' }, { attributes: { loaded: true, version } }));
    },
  );

  // Found by fuzzing, now fixed: lambda/src/conversation/progress-guard.ts:48 (isProgress) and lambda/src/conversation/music.ts:29
  // (isMusicPending) accept lists and names of any size, and the session attributes are sent back whole: a
  // progress with 1000 `tried` entries makes a 35 KB response (Alexa's limit is 24 KB), and a pending "which
  // one?" with an 8000-character candidate a speech over 8000 characters. The skill itself never keeps more
  // than MAX_HISTORY/MAX_TRIED entries or names over MAX_SPEAKER_NAME, so anything larger must be rejected or
  // cut to those bounds. (Reached with session attributes Alexa would not send back, or a corrupted item.)
  it('a progress with huge lists in the session still gets a response within the limits', async () => {
    const tried = Array.from({ length: 1000 }, () => ({ step: FLOW.start, outcome: 'no' }));
    const progress = { stepId: FLOW.start, history: [], tried, status: 'active' };
    await expectAnswered(
      minimal({ type: 'LaunchRequest' }, { attributes: { loaded: true, version: 0, progress } }),
    );
  });

  it('a pending device question with a huge candidate still gets a speech within the limits', async () => {
    const musicPending = { kind: 'choose', candidates: ['x'.repeat(8000)], thisEcho: false };
    const attributes = { loaded: true, version: 0, musicPending };
    await expectAnswered(minimal(intentNamed('AMAZON.RepeatIntent'), { attributes }));
  });

  // Found by fuzzing, now fixed: lambda/src/conversation/progress-guard.ts:48 (isProgress) does not check that the status fits the
  // step: progress "active" at an end step (support_end, resolved, safety_stop) passes, and any answer there
  // asks the end step's question and help, which do not exist, so the user hears raw i18n keys
  // ("steps.support_end.help steps.support_end.question"). Reached through the session attributes or a stored
  // item (load uses the same guard).
  it.each(['support_end', 'resolved'])(
    'progress "active" at the end step %s is not spoken as raw keys',
    async (stepId) => {
      const userId = FRESH_USER();
      await putRaw(userId, {
        progress: JSON.stringify({ stepId, history: [], tried: [], status: 'active' }),
        version: 1,
        schemaVersion: SCHEMA_VERSION,
        updatedAt: new Date().toISOString(),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      });
      await expectAnswered(minimal(intentNamed('NotSureIntent'), { userId }));
    },
  );

  // Found by fuzzing, now fixed: lambda/src/handlers/request-handlers.ts:146-154 (quietHandler) takes `progress.stepId` for the GaveUp
  // metric's Step dimension straight from the session attributes, unchecked: any value (a number, an unknown or
  // 10 kB string) becomes a dimension, so the metric's cardinality is unbounded. It should count only progress
  // that passes isProgress (a step of the flow).
  it('a session end counts GaveUp only for a step of the flow', async () => {
    const before = dimensions.length;
    const attributes = { progress: { stepId: 1, history: [], tried: [], status: 'active' } };
    const envelope = minimal({ type: 'SessionEndedRequest', reason: 'USER_INITIATED' }, { attributes });
    await withoutSpotify.invoke(envelope);
    const steps = dimensions.slice(before).map((d) => d.Step as unknown);
    expect(steps.filter((step) => !(typeof step === 'string' && step in FLOW.steps))).toEqual([]);
  });
});
