/**
 * Property-based fuzzing of whole conversations: random SEQUENCES of turns for one or two users, each with one
 * or two Echo devices whose sessions interleave, through the real skill (`buildSkill`, its real
 * `DynamoProgressStore` on the jest global dynalite, and a real `SpotifyClient` on the Spotify Connect
 * simulator). A sequence mixes intents of the model with slot values (from the model, and odd ones), launches
 * that start a fresh session, sessions that end by themselves (walking away, errors, too many reprompts), and
 * SkillDisabled events that delete the user's item while their other device may still be in a session.
 *
 * After every turn:
 * - the handler answered (never threw, the last-resort error handler never ran);
 * - a LaunchRequest/IntentRequest answer is certifiable and never the generic error answer;
 * - the user's stored item is absent or valid: `load` reads it back and `isProgress` accepts it for FLOW;
 * - the stored version never decreases (until SkillDisabled deletes the item), one version always holds the
 *   same progress (no write without a new version), and an item never disappears without SkillDisabled;
 * - a turn that saved (the session's `version` went up) left exactly the session's progress at that version;
 * - a launch in a fresh session resumes at the stored step when the journey was under way (nothing lost), and
 *   starts at the flow's start otherwise.
 *
 * The seed is fixed (DEFAULT_FUZZ_SEED in ./fuzz-params), so every run checks the same cases; on failure
 * fast-check prints the seed with the shrunk sequence. FUZZ_SEED=<seed> runs another seed (FUZZ_SEED=random
 * draws one) and FUZZ_RUNS=<n> sets the number of runs.
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Skill } from 'ask-sdk-core';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import fc from 'fast-check';
import { FLOW } from '../../lambda/src/conversation/flow';
import { isProgress } from '../../lambda/src/conversation/progress-guard';
import type { Progress } from '../../lambda/src/conversation/types';
import type { LogFields, Logger } from '../../lambda/src/platform/logger';
import { buildSkill } from '../../lambda/src/skill';
import { SpotifyClient } from '../../lambda/src/spotify/client';
import type { DynamoProgressStore, StoredProgress } from '../../lambda/src/state/dynamo-progress-store';
import { PARTITION_KEY } from '../../lambda/src/state/table';
import { userKeyOf } from '../../lambda/src/state/user-key';
import { DEFAULT_SIMULATOR_TOKEN, startSpotifySimulator } from '../../scripts/local/spotify-simulator';
import type { SpotifySimulator } from '../../scripts/local/spotify-simulator';
import { assertCertifiable, plainSpeech } from '../support/certification';
import { TEST_SKILL_ID, TEST_SPOTIFY_TIMING, words } from '../support/conversation';
import { loadModel } from '../support/model';
import { createTestTable } from '../support/test-table';
import type { TestTable } from '../support/test-table';
import { fuzzSettings } from './fuzz-params';

const { runs: NUM_RUNS, params } = fuzzSettings(100);
/** A jest limit for a whole property (runs plus shrinking a failure), not a timed assertion. */
const PROPERTY_TIMEOUT_MS = 120_000;
const GENERIC = words('errors.generic');

// ---------------------------------------------------------------------------------------------------------
// The skill under test

let table: TestTable;
let store: DynamoProgressStore;
let simulator: SpotifySimulator;
let skill: Skill;
const logs: Array<{ level: string; message: string; fields?: LogFields }> = [];
const logger: Logger = {
  info: (message, fields) => logs.push({ level: 'info', message, fields }),
  warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
  error: (message, fields) => logs.push({ level: 'error', message, fields }),
};

beforeAll(async () => {
  table = await createTestTable('fuzz-sequences');
  store = table.store();
  simulator = await startSpotifySimulator();
  skill = buildSkill({
    store: table.store(),
    logger,
    skillId: TEST_SKILL_ID,
    progressive: async () => undefined,
    spotify: new SpotifyClient({ baseUrl: simulator.baseUrl, fetch: globalThis.fetch, logger }),
    spotifyTiming: TEST_SPOTIFY_TIMING,
  });
});

afterAll(async () => {
  await simulator?.close();
  table?.dispose();
});

// ---------------------------------------------------------------------------------------------------------
// Actions

const MODEL = loadModel().interactionModel.languageModel;

interface IntentSpec {
  name: string;
  /** Slot name → [spoken value, resolved id or undefined]. */
  slots: Record<string, [string, string | undefined]>;
}

type Action =
  | { kind: 'intent'; user: number; device: number; intent: IntentSpec }
  | { kind: 'launch'; user: number; device: number }
  | {
      kind: 'end';
      user: number;
      device: number;
      reason: 'USER_INITIATED' | 'ERROR' | 'EXCEEDED_MAX_REPROMPTS';
    }
  | { kind: 'disable'; user: number; endSessions: boolean };

/**
 * Odd words Alexa might hear. A speaker's name is said back, and `assertCertifiable` would take a name that
 * reads like a template leftover ("null", "{{", "jbl.flip") for one, so such words are left out.
 */
const LOOKS_LIKE_LEFTOVER = /\b(?:undefined|null|NaN)\b|\[object Object\]|\{\{|\}\}|[A-Za-z0-9_]\.[A-Za-z]/;
const odd = fc
  .oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('', '<speak>', 'R&B', 'the office speaker please', 'kitchen', '😀'),
  )
  .filter((s) => !LOOKS_LIKE_LEFTOVER.test(s) && !/went wrong/i.test(s));

function slotValue(type: string): fc.Arbitrary<[string, string | undefined]> {
  const values = MODEL.types?.find((t) => t.name === type)?.values ?? [];
  const resolvedValue = fc
    .constantFrom(...values)
    .chain((v) =>
      fc
        .constantFrom(v.name.value, ...(v.name.synonyms ?? []))
        .map((said): [string, string | undefined] => [said, v.id]),
    );
  return fc.oneof(
    { weight: 4, arbitrary: resolvedValue },
    { weight: 1, arbitrary: odd.map((said): [string, string | undefined] => [said, undefined]) },
  );
}

/** The answers that move a conversation along come up more often than the rest. */
const FREQUENT = ['AMAZON.YesIntent', 'AMAZON.NoIntent', 'DoneIntent', 'SkipIntent', 'SymptomIntent'];

const intentSpec: fc.Arbitrary<IntentSpec> = fc
  .oneof(
    { weight: 1, arbitrary: fc.constantFrom(...MODEL.intents) },
    { weight: 1, arbitrary: fc.constantFrom(...MODEL.intents.filter((i) => FREQUENT.includes(i.name))) },
  )
  .chain((intent) => {
    const slots = intent.slots ?? [];
    return fc
      .tuple(...slots.map((s) => fc.option(slotValue(s.type), { nil: undefined, freq: 5 })))
      .map((values) => {
        const filled: IntentSpec['slots'] = {};
        slots.forEach((s, i) => {
          const value = values[i];
          if (value) filled[s.name] = value;
        });
        return { name: intent.name, slots: filled };
      });
  });

const actionFor = (users: number, devices: number): fc.Arbitrary<Action> => {
  const user = fc.nat({ max: users - 1 });
  const device = fc.nat({ max: devices - 1 });
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({ kind: fc.constant('intent' as const), user, device, intent: intentSpec }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('launch' as const), user, device }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('end' as const),
        user,
        device,
        reason: fc.constantFrom(
          'USER_INITIATED' as const,
          'ERROR' as const,
          'EXCEEDED_MAX_REPROMPTS' as const,
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('disable' as const), user, endSessions: fc.boolean() }),
    },
  );
};

interface Scenario {
  users: number;
  devices: number;
  linked: boolean[];
  actions: Action[];
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({ users: fc.integer({ min: 1, max: 2 }), devices: fc.integer({ min: 1, max: 2 }) })
  .chain(({ users, devices }) =>
    fc.record({
      users: fc.constant(users),
      devices: fc.constant(devices),
      linked: fc.array(fc.boolean(), { minLength: users, maxLength: users }),
      actions: fc.array(actionFor(users, devices), { minLength: 1, maxLength: 30 }),
    }),
  );

// ---------------------------------------------------------------------------------------------------------
// The world: users, their devices' sessions, and what the checks remember

interface DeviceSession {
  open: boolean;
  sessionId: string;
  attributes: Record<string, unknown> | undefined;
}

interface User {
  userId: string;
  token: string | undefined;
  devices: DeviceSession[];
  /** Highest stored version seen since the item was last deleted; 0: none seen. */
  version: number;
  /** The progress seen at each stored version since the last deletion: a version names one progress. */
  seen: Map<number, string>;
}

function envelopeFor(
  user: User,
  device: DeviceSession,
  request: Record<string, unknown>,
  isNew: boolean,
): RequestEnvelope {
  const application = { applicationId: TEST_SKILL_ID };
  const systemUser = { userId: user.userId, ...(user.token ? { accessToken: user.token } : {}) };
  const envelope = {
    version: '1.0',
    session: {
      new: isNew,
      sessionId: device.sessionId,
      application,
      user: systemUser,
      ...(device.attributes && !isNew ? { attributes: device.attributes } : {}),
    },
    context: {
      System: {
        application,
        user: systemUser,
        device: { deviceId: `amzn1.ask.device.${device.sessionId}`, supportedInterfaces: {} },
        apiEndpoint: 'https://api.amazonalexa.com',
        apiAccessToken: 'not-a-real-token',
      },
    },
    request: {
      requestId: `amzn1.echo-api.request.${randomUUID()}`,
      timestamp: new Date().toISOString(),
      locale: 'en-US',
      ...request,
    },
  };
  return JSON.parse(JSON.stringify(envelope)) as RequestEnvelope;
}

function intentRequest(spec: IntentSpec): Record<string, unknown> {
  const slots = Object.fromEntries(
    Object.entries(spec.slots).map(([name, [value, id]]) => [
      name,
      {
        name,
        value,
        confirmationStatus: 'NONE',
        ...(id
          ? {
              resolutions: {
                resolutionsPerAuthority: [
                  {
                    authority: 'a',
                    status: { code: 'ER_SUCCESS_MATCH' },
                    values: [{ value: { name: value, id } }],
                  },
                ],
              },
            }
          : {}),
      },
    ]),
  );
  return {
    type: 'IntentRequest',
    dialogState: 'STARTED',
    intent: { name: spec.name, confirmationStatus: 'NONE', slots },
  };
}

const versionOf = (attributes: Record<string, unknown> | undefined): number =>
  typeof attributes?.version === 'number' ? attributes.version : 0;

/** The item as DynamoDB holds it, bypassing the store's checks. */
async function rawItem(userId: string): Promise<Record<string, unknown> | undefined> {
  const out = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: marshall({ [PARTITION_KEY]: userKeyOf(userId) }),
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

/** The stored item is absent or valid; returns what `load` read. */
async function storedValid(user: User, label: string): Promise<StoredProgress | undefined> {
  const [raw, stored] = await Promise.all([rawItem(user.userId), store.load(user.userId)]);
  if (raw && !stored)
    throw new Error(`${label}: the stored item is unreadable: ${JSON.stringify(raw).slice(0, 500)}`);
  if (!stored) return undefined;
  if (!isProgress(stored.progress, FLOW)) {
    throw new Error(
      `${label}: the stored progress is not valid for FLOW: ${JSON.stringify(stored.progress)}`,
    );
  }
  return stored;
}

const sameProgress = (a: Progress | undefined, b: Progress | undefined) =>
  JSON.stringify(normalised(a)) === JSON.stringify(normalised(b));

function normalised(p: Progress | undefined): unknown {
  if (!p) return undefined;
  const { stepId, history, tried, status, symptom, speakerName, musicDevice } = p;
  return { stepId, history, tried, status, symptom, speakerName, musicDevice };
}

async function invoke(envelope: RequestEnvelope, label: string): Promise<ResponseEnvelope> {
  const logsBefore = logs.length;
  let response: ResponseEnvelope;
  try {
    response = await skill.invoke(envelope);
  } catch (error) {
    throw new Error(`${label}: skill.invoke threw: ${(error as Error)?.stack ?? String(error)}`, {
      cause: error,
    });
  }
  const unhandled = logs.slice(logsBefore).find((l) => l.message === 'unhandled error');
  if (unhandled) throw new Error(`${label}: the error handler ran: ${JSON.stringify(unhandled.fields)}`);
  // The response crosses the wire as JSON, and Alexa sends the attributes back the same way.
  return JSON.parse(JSON.stringify(response)) as ResponseEnvelope;
}

function checkSpoken(response: ResponseEnvelope, label: string): void {
  assertCertifiable(response, { label });
  if (plainSpeech(response).includes(GENERIC)) throw new Error(`${label}: the generic error answer`);
}

/** One spoken turn on a device: a launch (always a fresh session) or an intent (in session, or a one-shot). */
async function spokenTurn(
  user: User,
  device: DeviceSession,
  request: Record<string, unknown>,
  label: string,
) {
  const isNew = request.type === 'LaunchRequest' || !device.open;
  if (isNew) {
    device.sessionId = `amzn1.echo-api.session.${randomUUID()}`;
    device.attributes = undefined;
  }
  const before = await storedValid(user, `${label} (before)`);
  const sentVersion = isNew ? 0 : versionOf(device.attributes);
  const response = await invoke(envelopeFor(user, device, request, isNew), label);
  checkSpoken(response, label);

  const attributes = response.sessionAttributes as Record<string, unknown> | undefined;
  const progress = attributes?.progress as Progress | undefined;
  const after = await storedValid(user, label);

  // A launch in a fresh session resumes the journey under way, exactly as stored.
  if (request.type === 'LaunchRequest') {
    if (before?.progress.status === 'active') {
      if (!sameProgress(progress, before.progress)) {
        throw new Error(
          `${label}: a fresh launch did not resume the stored progress ${JSON.stringify(before.progress)}; ` +
            `the session has ${JSON.stringify(progress)}`,
        );
      }
    } else if (progress?.stepId !== FLOW.start) {
      throw new Error(
        `${label}: a fresh launch with nothing under way is at ${progress?.stepId}, not the start`,
      );
    }
  }

  // A turn that saved built on the stored version (another device's newer write is never overwritten) and
  // left exactly the session's progress, at the next version.
  const newVersion = versionOf(attributes);
  const storedVersion = before?.version ?? 0;
  const saved = newVersion > Math.max(sentVersion, storedVersion);
  if (saved && (newVersion !== storedVersion + 1 || (!isNew && sentVersion !== storedVersion))) {
    throw new Error(
      `${label}: a session at version ${isNew ? '(new)' : sentVersion} saved version ${newVersion} over ` +
        `stored version ${storedVersion}: another device's progress was overwritten`,
    );
  }
  if (saved) {
    if (!after || after.version !== newVersion || !sameProgress(after.progress, progress)) {
      throw new Error(
        `${label}: the session says version ${newVersion} was saved with ${JSON.stringify(progress)}, ` +
          `but the table has ${JSON.stringify(after)}`,
      );
    }
  }

  checkVersion(user, after, label);
  device.open = response.response.shouldEndSession === false;
  device.attributes = device.open ? attributes : undefined;
}

/** Versions never go down, and an item never disappears, until SkillDisabled deletes it. */
function checkVersion(user: User, stored: StoredProgress | undefined, label: string): void {
  if (!stored) {
    if (user.version > 0) throw new Error(`${label}: the stored item (version ${user.version}) disappeared`);
    return;
  }
  if (stored.version < user.version) {
    throw new Error(`${label}: the stored version went down from ${user.version} to ${stored.version}`);
  }
  const progress = JSON.stringify(normalised(stored.progress));
  const earlier = user.seen.get(stored.version);
  if (earlier !== undefined && earlier !== progress) {
    throw new Error(`${label}: version ${stored.version} was overwritten: ${earlier} became ${progress}`);
  }
  user.seen.set(stored.version, progress);
  user.version = stored.version;
}

async function run(s: Scenario): Promise<void> {
  simulator.reset();
  const users: User[] = Array.from({ length: s.users }, (_, i) => ({
    userId: `amzn1.ask.account.FUZZ-SEQ-${randomUUID()}`,
    token: s.linked[i] ? DEFAULT_SIMULATOR_TOKEN : undefined,
    devices: Array.from({ length: s.devices }, () => ({ open: false, sessionId: '', attributes: undefined })),
    version: 0,
    seen: new Map(),
  }));
  for (const [index, action] of s.actions.entries()) {
    const user = users[action.user] as User;
    const label = `turn ${index + 1} (${JSON.stringify(action)})`;
    if (action.kind === 'disable') {
      const envelope = envelopeFor(
        user,
        { open: false, sessionId: 'none', attributes: undefined },
        {
          type: 'AlexaSkillEvent.SkillDisabled',
          eventCreationTime: new Date().toISOString(),
          eventPublishingTime: new Date().toISOString(),
          body: { userInformation: { consentToken: null } },
        },
        false,
      );
      delete (envelope as { session?: unknown }).session;
      const response = await invoke(envelope, label);
      if (response.response.outputSpeech) throw new Error(`${label}: SkillDisabled got speech`);
      if (await rawItem(user.userId)) throw new Error(`${label}: SkillDisabled left the stored item`);
      user.version = 0;
      user.seen.clear();
      if (action.endSessions) for (const device of user.devices) device.open = false;
      continue;
    }
    const device = user.devices[action.device] as DeviceSession;
    if (action.kind === 'end') {
      if (!device.open) continue;
      const envelope = envelopeFor(
        user,
        device,
        { type: 'SessionEndedRequest', reason: action.reason },
        false,
      );
      const response = await invoke(envelope, label);
      if (response.response.outputSpeech) throw new Error(`${label}: SessionEndedRequest got speech`);
      device.open = false;
      device.attributes = undefined;
      checkVersion(user, await storedValid(user, label), label);
      continue;
    }
    const request = action.kind === 'launch' ? { type: 'LaunchRequest' } : intentRequest(action.intent);
    await spokenTurn(user, device, request, label);
  }
}

describe('random sequences of turns, users and devices', () => {
  it(
    'always answer, keep the stored item valid, and never lose or rewind progress',
    async () => {
      await fc.assert(fc.asyncProperty(scenario, run), params(NUM_RUNS));
    },
    PROPERTY_TIMEOUT_MS,
  );
});
