/**
 * Conversation harness: the real skill (`buildSkill`) with its real `DynamoProgressStore` on a dynalite test
 * table, spoken to through a `VirtualEcho` that resolves typed words with the skill's en-US interaction model.
 *
 * Every response that passes through the harness is checked with `assertCertifiable` and against the claims
 * the facts mark wrong or unverifiable (`wrongClaimsIn`), and a launch or intent
 * that says nothing or falls back to the skill's generic error answer fails the turn, so no test can pass on
 * a response a user must never get.
 *
 * Expected words come from the en-US resources (`words`, `stepWords`, `arriving`, …) and the flow data
 * (`FLOW`), never from English copied into a test.
 *
 * Music (the Spotify hand-off): with `spotify`, the skill gets a real `SpotifyClient` on a Spotify Connect
 * simulator (scripts/local/spotify-simulator.ts, 127.0.0.1) with short timings, and the Echo's `apiEndpoint`
 * is a loopback recorder of progressive responses. With `linked`, every request carries the account-linking
 * token. Every turn's Spotify requests are then checked like its response (`spotifyRequestProblem`): the
 * linked bearer token, one device id and `play: true` on each transfer, `device_id` on each play/pause, a
 * bounded number per turn, and the progressive response sent before the turn's first Spotify call. Every
 * request on the wire (progressive responses and Spotify calls) gets a number from one sequence, so tests can
 * compare their order.
 */
import { createServer } from 'node:http';
import net from 'node:net';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { interfaces, RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import type { ScreenData } from '../../lambda/src/handlers/screen-directive';
import { FLOW } from '../../lambda/src/conversation/flow';
import type { Progress, Step, StepId } from '../../lambda/src/conversation/types';
import type { ProgressStore } from '../../lambda/src/handlers/turn';
import { createTranslators } from '../../lambda/src/i18n/translators';
import type { LogFields, Logger } from '../../lambda/src/platform/logger';
import { buildSkill } from '../../lambda/src/skill';
import { createDynamoClient, DynamoProgressStore } from '../../lambda/src/state/dynamo-progress-store';
import type {
  DynamoProgressStoreOptions,
  StoredProgress,
  StoreOperation,
} from '../../lambda/src/state/dynamo-progress-store';
import { createProgressiveSender } from '../../lambda/src/platform/progressive-response';
import { SpotifyClient } from '../../lambda/src/spotify/client';
import type { HandoffTiming } from '../../lambda/src/spotify/handoff';
import { DEFAULT_SIMULATOR_TOKEN, startSpotifySimulator } from '../../scripts/local/spotify-simulator';
import type {
  RecordedRequest,
  SpotifySimulator,
  SpotifySimulatorOptions,
} from '../../scripts/local/spotify-simulator';
import { VirtualEcho } from '../../scripts/local/virtual-echo';
import type { EchoTurn, ScreenDevice } from '../../scripts/local/virtual-echo';
import { settingsFor } from './ask-sdk-test-shim';
import type { SkillSettings } from './ask-sdk-test-shim';
import { assertCertifiable, plainReprompt, plainSpeech } from './certification';
import { loadModel } from './model';
import { wrongClaimsIn } from './wrong-claims';
import { createTestTable, testEndpoint } from './test-table';
import type { TestTable } from './test-table';

export { FLOW };

export const TEST_SKILL_ID = 'amzn1.ask.skill.00000000-0000-4000-8000-00000000c0de';
export const OTHER_SKILL_ID = 'amzn1.ask.skill.00000000-0000-4000-8000-0000000be11e';
const REGION = process.env.AWS_REGION || 'us-east-1';

// ---------------------------------------------------------------------------------------------------------
// Words: what a user hears, from the en-US resources

const EN_US = (() => {
  const translator = createTranslators().get('en-US');
  if (!translator) throw new Error('the skill has no en-US words');
  return translator;
})();

/** A fresh Alexa user id, so tests sharing a table never see each other's progress. */
export function newUserId(): string {
  return `amzn1.ask.account.CONVERSATION-${randomUUID()}`;
}

/**
 * The en-US words for `key`, as the skill renders them: `{{target}}` is "Bluetooth" unless `params.target`
 * names the user's speaker. Throws for a key with no words or a placeholder left unfilled, so a typo in a
 * test cannot quietly expect the wrong thing.
 */
export function words(key: string, params: Record<string, string | number | readonly string[]> = {}): string {
  if (!EN_US.has(key)) throw new Error(`en-US has no words for "${key}"`);
  const text = EN_US.t(key, { target: EN_US.t('common.bluetooth'), ...params });
  if (/\{\{|\}\}/.test(text)) throw new Error(`words("${key}") left a placeholder unfilled: ${text}`);
  return text;
}

const TRANSLATORS = createTranslators();

/** The words for `key` in `locale`, as the skill renders them (`target` is "Bluetooth" in that language unless given). */
export function wordsIn(
  locale: string,
  key: string,
  params: Record<string, string | number | readonly string[]> = {},
): string {
  const translator = TRANSLATORS.get(locale);
  if (!translator) throw new Error(`the skill has no words for ${locale}`);
  if (!translator.has(key)) throw new Error(`${locale} has no words for "${key}"`);
  const text = translator.t(key, { target: translator.t('common.bluetooth'), ...params });
  if (/\{\{|\}\}/.test(text))
    throw new Error(`wordsIn(${locale}, "${key}") left a placeholder unfilled: ${text}`);
  return text;
}

/** Sentences spoken one after another, as the skill joins them. */
export function sentences(...parts: string[]): string {
  return parts.join(' ');
}

export function stepOf(id: StepId): Step {
  const step = FLOW.steps[id];
  if (!step) throw new Error(`FLOW has no step "${id}"`);
  return step;
}

export interface StepWords {
  id: StepId;
  kind: Step['kind'];
  title: string;
  instruction?: string;
  question?: string;
  why?: string;
  help?: string;
  ifNo?: string;
  say?: string;
  /** The numbered actions shown on the card. */
  detail?: string;
}

/** Every text part a step has, in en-US; `target` is the user's speaker name when they told it. */
export function stepWords(id: StepId, target?: string): StepWords {
  const part = (name: string): string | undefined => {
    const key = `steps.${id}.${name}`;
    return EN_US.has(key) ? words(key, target ? { target } : {}) : undefined;
  };
  const result: StepWords = { id, kind: stepOf(id).kind, title: words(`steps.${id}.title`) };
  for (const name of ['instruction', 'question', 'why', 'help', 'ifNo', 'say', 'detail'] as const) {
    const text = part(name);
    if (text !== undefined) result[name] = text;
  }
  return result;
}

function required(step: StepWords, name: keyof StepWords): string {
  const text = step[name];
  if (typeof text !== 'string') throw new Error(`step "${step.id}" has no ${name}`);
  return text;
}

/** The step's question (what the reprompt repeats). */
export function questionOf(id: StepId): string {
  return required(stepWords(id), 'question');
}

export interface Heard {
  speech: string;
  /** Whether the skill keeps listening after it. */
  open: boolean;
}

export interface ArrivingOptions {
  /** The user's speaker name, for `{{target}}`. */
  target?: string;
  /** An earlier handoff in this journey: the short "come back" sentence instead of the full one. */
  handedOffBefore?: boolean;
  /**
   * The speaker's name is still to be asked. Default: yes for a step quoting "Alexa, connect to …" when no
   * `target` is given (a user who has not told it); pass false for one who was asked and had no name.
   */
  askName?: boolean;
}

/**
 * What a user hears on arriving at a step moving forward, as the step kinds are documented in
 * conversation/types.ts: a choice, check or state step asks its question; an action gives its instruction and
 * asks; a handoff gives its instruction, says how to come back, and ends the session (or first asks the
 * speaker's name, when its command needs one); an end step says its words and ends the session.
 */
export function arriving(id: StepId, options: ArrivingOptions | string = {}): Heard {
  const {
    target,
    handedOffBefore,
    askName: ask,
  } = typeof options === 'string' ? { target: options } : options;
  const flowStep = stepOf(id);
  const askName = ask ?? (flowStep.kind === 'handoff' && flowStep.command === true && target === undefined);
  const step = stepWords(id, target);
  switch (step.kind) {
    case 'choice':
    case 'check':
    case 'state':
      return { speech: required(step, 'question'), open: true };
    case 'action':
      return { speech: sentences(required(step, 'instruction'), required(step, 'question')), open: true };
    case 'handoff':
      if (askName) return { speech: words('speakerName.ask'), open: true };
      return {
        speech: sentences(
          required(step, 'instruction'),
          words(handedOffBefore ? 'handoff.comeBackAgain' : 'handoff.comeBack'),
        ),
        open: false,
      };
    case 'end':
      return { speech: required(step, 'say'), open: false };
  }
}

/**
 * The whole step again ("repeat", "go back"): as on arriving. A handoff is given again and closes the
 * session (its instruction is done outside the skill); its name question is not asked again.
 */
export function restating(id: StepId, target?: string): Heard {
  return arriving(id, { target, askName: stepOf(id).kind === 'handoff' ? false : undefined });
}

/** How a returning user meets the step they left: a handoff asks whether the outside action worked. */
export function resuming(id: StepId, target?: string): Heard {
  const step = stepWords(id, target);
  if (step.kind === 'handoff') return { speech: required(step, 'question'), open: true };
  return arriving(id, { target });
}

/** The steps met by answering `answer` at every step from `from` until a step of kind `until` (inclusive). */
export function pathByAnswer(from: StepId, answer: 'yes' | 'no', until: Step['kind']): StepId[] {
  const path = [from];
  let id = from;
  while (stepOf(id).kind !== until) {
    const step = stepOf(id) as Partial<Record<'yes' | 'no' | 'done', StepId>>;
    const next = step[answer] ?? (answer === 'yes' ? step.done : undefined);
    if (!next || path.includes(next))
      throw new Error(`answering ${answer} from "${from}" never reaches ${until}`);
    path.push(next);
    id = next;
  }
  return path;
}

/** The value of the model's SymptomType (what Alexa hears) for a symptom id, e.g. "it keeps disconnecting". */
export function symptomPhrase(id: string): string {
  const type = loadModel().interactionModel.languageModel.types?.find((t) => t.name === 'SymptomType');
  const value = type?.values?.find((v) => v.id === id);
  if (!value) throw new Error(`the model has no SymptomType value "${id}"`);
  return value.name.value;
}

// ---------------------------------------------------------------------------------------------------------
// Storage that can go away

export type Outage = 'refused' | 'silent';

/** A loopback endpoint where nothing listens: connections are refused at once. */
async function refusedEndpoint(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { endpoint: `http://127.0.0.1:${port}`, close: async () => undefined };
}

/** A loopback server that accepts every connection and never answers. */
async function silentEndpoint(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The skill's store: the real DynamoDB store, or one whose DynamoDB is unreachable, switchable mid-session. */
class SwitchableStore implements ProgressStore {
  down = false;
  constructor(
    private readonly up: ProgressStore,
    private readonly unreachable: ProgressStore,
  ) {}
  private get current(): ProgressStore {
    return this.down ? this.unreachable : this.up;
  }
  load(userId: string) {
    return this.current.load(userId);
  }
  save(userId: string, progress: Progress, expectedVersion: number) {
    return this.current.save(userId, progress, expectedVersion);
  }
  delete(userId: string) {
    return this.current.delete(userId);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Music: a Spotify Connect simulator, the account-linking token, and progressive responses

/** The token a `linked: true` conversation sends, which the simulator accepts by default. */
export const LINKED_TOKEN = DEFAULT_SIMULATOR_TOKEN;

/**
 * Hand-off timings for conversation tests: short polls and call timeouts so fault tests stay fast, and a
 * budget far below the production one (`SPOTIFY_BUDGET_MS`), which every turn has to keep to.
 */
export const TEST_SPOTIFY_TIMING: HandoffTiming & { budgetMs: number } = {
  budgetMs: 1500,
  callTimeoutMs: 400,
  pollIntervalMs: 50,
  minCallMs: 100,
  transferReserveMs: 450,
  essentialOnlyMs: 100,
  acceptedPauseMs: 100,
  acceptedTries: 3,
};

/** At most this many Spotify requests in one turn, unless a conversation says otherwise. */
export const MAX_SPOTIFY_REQUESTS_PER_TURN = 8;

export interface SpotifyHarnessOptions extends SpotifySimulatorOptions {
  /** A simulator shared by several conversations (e.g. one per file); default: one for this conversation. */
  simulator?: SpotifySimulator;
  /** Overrides of `TEST_SPOTIFY_TIMING`. */
  timing?: Partial<HandoffTiming> & { budgetMs?: number };
  /** Bound checked on every turn (default `MAX_SPOTIFY_REQUESTS_PER_TURN`). */
  maxRequestsPerTurn?: number;
}

/** A request the skill sent over the wire, in the conversation's one sequence. */
export type WireEvent =
  | { seq: number; kind: 'progressive.sent' }
  | {
      seq: number;
      kind: 'progressive.arrived';
      /** How many Spotify requests the simulator had received when the progressive response arrived. */
      spotifyRequestsBefore: number;
    }
  | { seq: number; kind: 'spotify.sent'; method: string; path: string }
  | { seq: number; kind: 'spotify.answered'; method: string; path: string; status: number }
  | { seq: number; kind: 'spotify.failed'; method: string; path: string };

/** A POST the skill made to the Echo's apiEndpoint (Alexa's Progressive Response API). */
export interface ProgressivePost {
  seq: number;
  method: string;
  path: string;
  authorization: string | undefined;
  /** Parsed JSON ({ header: { requestId }, directive: { type, speech } }), else the raw text. */
  body: unknown;
  /** How many requests the Spotify simulator had received when this arrived (same process, same clock). */
  spotifyRequestsBefore: number;
}

/** What the skill is about to send to Spotify; a hook may change the simulator's state before it arrives. */
export interface OutgoingSpotifyRequest {
  method: string;
  /** e.g. /v1/me/player */
  path: string;
  /** Parsed JSON body, if any. */
  body: unknown;
}

/** Why a turn's Spotify requests break the hand-off's rules, or undefined when they keep them. */
export function spotifyRequestProblem(
  requests: readonly RecordedRequest[],
  token: string | undefined,
  maxPerTurn: number = MAX_SPOTIFY_REQUESTS_PER_TURN,
): string | undefined {
  if (requests.length > 0 && token === undefined) return 'Spotify was called for a user who is not linked';
  if (requests.length > maxPerTurn)
    return `${requests.length} Spotify requests in one turn (max ${maxPerTurn})`;
  for (const [index, request] of requests.entries()) {
    const what = `request ${index + 1} (${request.method} ${request.path})`;
    if (request.headers.authorization !== `Bearer ${token}`) return `${what} lacks the linked bearer token`;
    if (request.method === 'PUT' && request.path === '/v1/me/player') {
      const body = request.body as { device_ids?: unknown; play?: unknown } | undefined;
      const ids = body?.device_ids;
      const exact =
        typeof body === 'object' &&
        body !== null &&
        Object.keys(body).sort().join(',') === 'device_ids,play' &&
        Array.isArray(ids) &&
        ids.length === 1 &&
        typeof ids[0] === 'string' &&
        ids[0] !== '' &&
        body.play === true;
      if (!exact) return `${what} is not exactly {device_ids: [one id], play: true}: ${request.rawBody}`;
    }
    if (request.method === 'PUT' && /^\/v1\/me\/player\/(?:play|pause)$/.test(request.path)) {
      if (!request.query.device_id) return `${what} has no device_id`;
    }
  }
  return undefined;
}

/** Spotify requests as "METHOD /path" lines, e.g. 'PUT /v1/me/player', for comparing sequences. */
export function spotifyCalls(requests: readonly RecordedRequest[]): string[] {
  return requests.map((request) => `${request.method} ${request.path}`);
}

/** The device id of every transfer (PUT /v1/me/player) among `requests`, in order. */
export function transferIds(requests: readonly RecordedRequest[]): string[] {
  return requests
    .filter((request) => request.method === 'PUT' && request.path === '/v1/me/player')
    .map((request) => String((request.body as { device_ids?: unknown[] } | undefined)?.device_ids?.[0]));
}

/** A loopback server standing in for Alexa's API endpoint: records every POST, answers 204. */
async function startProgressiveRecorder(
  onPost: (post: Omit<ProgressivePost, 'seq' | 'spotifyRequestsBefore'>) => void,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        // kept as text
      }
      onPost({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const jsonOrUndefined = (body: unknown): unknown => {
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
};

// ---------------------------------------------------------------------------------------------------------
// The conversation

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: LogFields;
}

export interface ConversationOptions {
  /** Default: a fresh user. */
  userId?: string;
  /** The test file's table (see `conversationTable`); or `tableName` of an existing table on the dynalite. */
  table?: TestTable;
  tableName?: string;
  /** Options for the skill's DynamoProgressStore, e.g. a `clock`. */
  store?: Partial<Pick<DynamoProgressStoreOptions, 'clock' | 'callBudgetMs'>>;
  /** The skill id the skill is configured with. */
  skillId?: string;
  /** The skill id the Echo's requests carry (default `skillId`). */
  echoSkillId?: string;
  /** How DynamoDB is unreachable while `storage.goDown()` is in effect (default 'refused'). */
  outage?: Outage;
  /** Start with DynamoDB unreachable. */
  startDown?: boolean;
  /**
   * Music: the skill talks to a Spotify Connect simulator (its own, or `spotify.simulator`) through the real
   * `SpotifyClient`, with `TEST_SPOTIFY_TIMING`, and sends progressive responses to a loopback recorder.
   * Default: no Spotify at all (music requests get the skill's honest apology).
   */
  spotify?: boolean | SpotifyHarnessOptions;
  /** The user linked their Spotify account: `true` sends `LINKED_TOKEN`, a string sends that token. */
  linked?: boolean | string;
  /** The Echo's language: its requests carry this locale and words are matched with its model (default en-US). */
  locale?: string;
  /** The Echo has a screen (an Echo Show 'hub' or 'round', a Fire TV 'tv'): requests declare APL. */
  screen?: ScreenDevice;
}

/** The APL RenderDocument directive of a response, if it has one. */
export function renderDirectiveOf(response: ResponseEnvelope): RenderDocument | undefined {
  const directives = response.response.directives ?? [];
  return directives.find((d) => d.type === 'Alexa.Presentation.APL.RenderDocument') as
    RenderDocument | undefined;
}
type RenderDocument = interfaces.alexa.presentation.apl.RenderDocumentDirective;

export interface CardWords {
  title: string;
  text: string;
}

export interface TurnRecord {
  said: string;
  heard: string;
  speech: string;
  sessionOpen: boolean;
  operations: StoreOperation[];
  /** The Spotify requests the simulator received during the turn ([] without `spotify`). */
  spotify: RecordedRequest[];
  /** The progressive responses that arrived during the turn. */
  progressive: ProgressivePost[];
  /** Everything sent on the wire during the turn, in order. */
  wire: WireEvent[];
}

const open: Conversation[] = [];

export class Conversation {
  readonly userId: string;
  readonly skillId: string;
  readonly tableName: string;
  /** Every DynamoDB request the skill's store made, in order. */
  readonly operations: StoreOperation[] = [];
  /** DynamoDB requests made while answering the last request. */
  turnOperations: StoreOperation[] = [];
  /** What the skill logged. */
  readonly logs: LogLine[] = [];
  readonly turns: TurnRecord[] = [];
  /** The last response; undefined before the first. */
  last: ResponseEnvelope | undefined;
  /** The last request envelope the skill was sent; undefined before the first. */
  lastRequest: RequestEnvelope | undefined;
  /** How the last words were taken: the intent the model resolved, or the request type. */
  heard = '';

  private echo!: VirtualEcho;
  private observer!: DynamoProgressStore;
  private switchable!: SwitchableStore;
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private nextRequestPatch: ((request: RequestEnvelope) => void) | undefined;

  /** The next request carries this locale, as an Echo in multilingual mode may send (words still matched as before). */
  speakNextIn(locale: string): this {
    this.nextRequestPatch = (request) => {
      request.request.locale = locale;
    };
    return this;
  }

  /** The account-linking token sent with every request (undefined: not linked). */
  token: string | undefined;
  /** Every progressive response that arrived at the Echo's apiEndpoint, in order. */
  readonly progressivePosts: ProgressivePost[] = [];
  /** Progressive responses that arrived while answering the last request. */
  turnProgressive: ProgressivePost[] = [];
  /** Spotify requests the simulator received while answering the last request. */
  turnSpotify: RecordedRequest[] = [];
  /** Progressive responses and Spotify calls, in the order they were sent, answered and received. */
  readonly wire: WireEvent[] = [];
  /** Wire events of the last request. */
  turnWire: WireEvent[] = [];
  private sequence = 0;
  private sim: SpotifySimulator | undefined;
  /** The simulator's request count when this conversation started (a shared simulator has others'). */
  private simulatorStart = 0;
  private maxSpotifyPerTurn = MAX_SPOTIFY_REQUESTS_PER_TURN;
  private spotifyHook: ((request: OutgoingSpotifyRequest) => void | Promise<void>) | undefined;

  private constructor(
    private readonly options: ConversationOptions,
    private readonly client: DynamoDBClient,
    tableName: string,
  ) {
    this.userId = options.userId ?? newUserId();
    this.skillId = options.skillId ?? TEST_SKILL_ID;
    this.tableName = tableName;
    this.token =
      options.linked === true
        ? LINKED_TOKEN
        : typeof options.linked === 'string'
          ? options.linked
          : undefined;
  }

  /** Builds the skill, its store and an Echo; see `startConversation`. */
  static async start(options: ConversationOptions = {}): Promise<Conversation> {
    let table = options.table;
    let client: DynamoDBClient;
    let tableName: string;
    let ownTable: TestTable | undefined;
    let ownClient: DynamoDBClient | undefined;
    if (table) {
      client = table.client;
      tableName = table.tableName;
    } else if (options.tableName) {
      ownClient = createDynamoClient({
        region: REGION,
        endpoint: testEndpoint(),
        timeouts: { connectionTimeoutMs: 2000, requestTimeoutMs: 5000 },
      });
      client = ownClient;
      tableName = options.tableName;
    } else {
      ownTable = table = await createTestTable('conversation');
      client = table.client;
      tableName = table.tableName;
    }
    const conversation = new Conversation(options, client, tableName);
    if (ownTable) conversation.cleanups.push(() => ownTable.dispose());
    if (ownClient) conversation.cleanups.push(() => ownClient.destroy());
    await conversation.build();
    open.push(conversation);
    return conversation;
  }

  private async build(): Promise<void> {
    const logger: Logger = {
      info: (message, fields) => this.logs.push({ level: 'info', message, fields }),
      warn: (message, fields) => this.logs.push({ level: 'warn', message, fields }),
      error: (message, fields) => this.logs.push({ level: 'error', message, fields }),
    };
    const onOperation = (operation: StoreOperation) => {
      this.operations.push(operation);
      this.turnOperations.push(operation);
    };
    const up = new DynamoProgressStore({
      callBudgetMs: 10000,
      ...this.options.store,
      client: this.client,
      tableName: this.tableName,
      logger,
      onOperation,
    });
    const outage = await (this.options.outage === 'silent' ? silentEndpoint() : refusedEndpoint());
    const downClient = createDynamoClient({
      region: REGION,
      endpoint: outage.endpoint,
      timeouts: { connectionTimeoutMs: 100, requestTimeoutMs: 150, maxAttempts: 2 },
    });
    this.cleanups.push(
      () => downClient.destroy(),
      () => outage.close(),
    );
    const unreachable = new DynamoProgressStore({
      ...this.options.store,
      callBudgetMs: 250,
      client: downClient,
      tableName: this.tableName,
      logger,
      onOperation,
    });
    this.switchable = new SwitchableStore(up, unreachable);
    this.switchable.down = this.options.startDown === true;
    // Reads for the test's own checks: same table, not counted, never down.
    this.observer = new DynamoProgressStore({
      client: this.client,
      tableName: this.tableName,
      clock: this.options.store?.clock,
      callBudgetMs: 10000,
      logger: { warn: () => undefined, error: () => undefined },
    });
    const music = await this.buildMusic(logger);
    const skill = buildSkill({ store: this.switchable, logger, skillId: this.skillId, ...music.skill });
    this.invoke = (event) => skill.invoke(event);
    this.echo = new VirtualEcho({
      ...(this.options.locale ? { locale: this.options.locale } : {}),
      handler: (event) => this.handle(event),
      skillId: this.options.echoSkillId ?? this.skillId,
      userId: this.userId,
      apiEndpoint: music.apiEndpoint,
      ...(this.options.screen ? { screen: this.options.screen } : {}),
      filter: (request) => {
        if (this.token !== undefined) request.context.System.user.accessToken = this.token;
        const patch = this.nextRequestPatch;
        this.nextRequestPatch = undefined;
        patch?.(request);
      },
    });
  }

  private stamp(): number {
    this.sequence += 1;
    return this.sequence;
  }

  private wired(event: WireEvent): void {
    this.wire.push(event);
    this.turnWire.push(event);
  }

  /** The simulator, the Spotify client's fetch (stamped, hookable) and the progressive-response recorder. */
  private async buildMusic(logger: Logger): Promise<{
    skill: Partial<Parameters<typeof buildSkill>[0]>;
    apiEndpoint: string | undefined;
  }> {
    const { spotify } = this.options;
    if (!spotify) return { skill: {}, apiEndpoint: undefined };
    const { simulator, timing, maxRequestsPerTurn, ...simulatorOptions } = spotify === true ? {} : spotify;
    if (simulator) {
      this.sim = simulator;
    } else {
      this.sim = await startSpotifySimulator(simulatorOptions);
      const own = this.sim;
      this.cleanups.push(() => own.close());
    }
    this.simulatorStart = this.sim.requests().length;
    this.maxSpotifyPerTurn = maxRequestsPerTurn ?? MAX_SPOTIFY_REQUESTS_PER_TURN;
    const sim = this.sim;

    const recorder = await startProgressiveRecorder((post) => {
      const arrived: ProgressivePost = {
        ...post,
        seq: this.stamp(),
        spotifyRequestsBefore: sim.requests().length,
      };
      this.progressivePosts.push(arrived);
      this.turnProgressive.push(arrived);
      this.wired({
        seq: arrived.seq,
        kind: 'progressive.arrived',
        spotifyRequestsBefore: arrived.spotifyRequestsBefore,
      });
    });
    this.cleanups.push(() => recorder.close());

    const progressiveFetch: typeof fetch = (input, init) => {
      this.wired({ seq: this.stamp(), kind: 'progressive.sent' });
      return fetch(input, init);
    };
    const spotifyFetch: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const method = init?.method ?? 'GET';
      const path = url.pathname;
      await this.spotifyHook?.({ method, path, body: jsonOrUndefined(init?.body) });
      this.wired({ seq: this.stamp(), kind: 'spotify.sent', method, path });
      try {
        const response = await fetch(input, init);
        this.wired({ seq: this.stamp(), kind: 'spotify.answered', method, path, status: response.status });
        return response;
      } catch (error) {
        this.wired({ seq: this.stamp(), kind: 'spotify.failed', method, path });
        throw error;
      }
    };
    return {
      skill: {
        spotify: new SpotifyClient({ baseUrl: sim.baseUrl, fetch: spotifyFetch, logger }),
        spotifyTiming: { ...TEST_SPOTIFY_TIMING, ...timing },
        progressive: createProgressiveSender(progressiveFetch, logger),
      },
      apiEndpoint: recorder.endpoint,
    };
  }

  private invoke!: (event: RequestEnvelope) => Promise<ResponseEnvelope>;

  /** Sends a request to the skill and checks the response; every request of the harness goes through here. */
  private async handle(event: RequestEnvelope): Promise<ResponseEnvelope> {
    this.lastRequest = event;
    this.turnOperations = [];
    this.turnProgressive = [];
    this.turnWire = [];
    const firstSpotify = this.sim?.requests().length ?? 0;
    const firstLog = this.logs.length;
    const response = await this.invoke(event);
    this.turnSpotify = this.sim?.requests().slice(firstSpotify) ?? [];
    const type = event.request.type;
    const what =
      type === 'IntentRequest' && 'intent' in event.request
        ? `IntentRequest ${event.request.intent.name}`
        : type;
    const label = `turn ${this.turns.length + 1} (${what})`;
    assertCertifiable(response, { label });
    const speech = plainSpeech(response);
    const card = response.response.card as { title?: string; text?: string; content?: string } | undefined;
    const claims = wrongClaimsIn(
      [speech, card?.title, card?.text ?? card?.content].filter(Boolean).join('\n'),
    );
    if (claims.length > 0)
      throw new Error(`${label}: says what the facts do not support: ${claims.join('; ')}`);
    if ((type === 'LaunchRequest' || type === 'IntentRequest') && !speech) {
      throw new Error(`${label}: the skill said nothing to a ${type}`);
    }
    const crash = this.logs.slice(firstLog).find((line) => line.message === 'unhandled error');
    if (crash || speech.includes(words('errors.generic'))) {
      throw new Error(
        `${label}: the skill fell back to its error answer ("${speech}"): ${JSON.stringify(crash?.fields)}`,
      );
    }
    if (this.sim) this.assertSpotifyTurn(label, event);
    this.assertScreen(label, event, response);
    return response;
  }

  /**
   * APL goes only to a device that declares it (anything else makes Alexa answer "There was a problem with
   * the requested skill's response"), and a screen device gets exactly one screen for every spoken answer.
   */
  private assertScreen(label: string, event: RequestEnvelope, response: ResponseEnvelope): void {
    const apl = (response.response.directives ?? []).filter((d) =>
      d.type.startsWith('Alexa.Presentation.APL'),
    );
    const supported = event.context?.System?.device?.supportedInterfaces as
      Record<string, unknown> | undefined;
    if (!supported?.['Alexa.Presentation.APL']) {
      if (apl.length > 0) throw new Error(`${label}: an APL directive went to a device without a screen`);
      return;
    }
    const speaks = ['LaunchRequest', 'IntentRequest', 'Alexa.Presentation.APL.UserEvent'].includes(
      event.request.type,
    );
    if (speaks && (apl.length !== 1 || apl[0]?.type !== 'Alexa.Presentation.APL.RenderDocument'))
      throw new Error(`${label}: a screen device got ${apl.length} APL directives, not one RenderDocument`);
  }

  /**
   * The turn's Spotify requests keep the hand-off's rules (`spotifyRequestProblem`), and a turn that called
   * Spotify sent its progressive response first: to the Echo's apiEndpoint, with the request's
   * apiAccessToken, as VoicePlayer.Speak, before its first Spotify call went out, and it arrived before the
   * turn answered.
   */
  private assertSpotifyTurn(label: string, event: RequestEnvelope): void {
    const problem = spotifyRequestProblem(this.turnSpotify, this.token, this.maxSpotifyPerTurn);
    if (problem) throw new Error(`${label}: ${problem}`);
    const firstCall = this.turnWire.find((e) => e.kind === 'spotify.sent');
    if (!firstCall) return;
    const sent = this.turnWire.find((e) => e.kind === 'progressive.sent');
    if (!sent || sent.seq > firstCall.seq) {
      throw new Error(`${label}: Spotify was called before a progressive response was sent`);
    }
    const post = this.turnProgressive[0];
    if (!post) throw new Error(`${label}: the progressive response did not arrive before the turn answered`);
    const { apiAccessToken } = event.context.System;
    const body = post.body as {
      header?: { requestId?: string };
      directive?: { type?: string; speech?: string };
    };
    if (
      post.method !== 'POST' ||
      post.path !== '/v1/directives' ||
      post.authorization !== `Bearer ${apiAccessToken}` ||
      body.header?.requestId !== event.request.requestId ||
      body.directive?.type !== 'VoicePlayer.Speak' ||
      !/^<speak>.+<\/speak>$/s.test(body.directive.speech ?? '')
    ) {
      throw new Error(`${label}: not a VoicePlayer.Speak progressive response: ${JSON.stringify(post)}`);
    }
  }

  private record(said: string, turn: { heard: string; response: ResponseEnvelope }): this {
    this.last = turn.response;
    this.heard = turn.heard;
    this.turns.push({
      said,
      heard: turn.heard,
      speech: plainSpeech(turn.response),
      sessionOpen: this.sessionOpen,
      operations: [...this.turnOperations],
      spotify: [...this.turnSpotify],
      progressive: [...this.turnProgressive],
      wire: [...this.turnWire],
    });
    return this;
  }

  /** "open speaker helper" */
  async launch(): Promise<this> {
    return this.record('(launch)', await this.echo.launch());
  }

  /** What a person says to the Echo, resolved through the en-US model ("open …", "ask … to …", or in session). */
  async say(text: string): Promise<this> {
    return this.record(text, await this.echo.say(text));
  }

  /**
   * Presses the button labelled `label` on the screen the last response showed (a device by its name on a
   * device list), as an APL UserEvent with that screen's token and the button's arguments.
   */
  async tap(label: string, options: { withoutLocale?: boolean } = {}): Promise<this> {
    const directive = this.directive;
    if (!directive) throw new Error(`nothing on the screen to tap "${label}" on`);
    const screen = this.screen as ScreenData;
    const pressed =
      screen.buttons.find((b) => b.label === label) ??
      screen.devices.find((d) => d.available && d.name === label);
    if (!pressed) {
      const shown = [...screen.buttons.map((b) => b.label), ...screen.devices.map((d) => d.name)];
      throw new Error(`no button "${label}" on the screen (it shows: ${shown.join(', ')})`);
    }
    return this.touch(directive.token ?? '', pressed.arguments, options);
  }

  /** A raw touch: any token and arguments, as a stale screen or a forged request may send. */
  async touch(token: string, args: unknown[], options: { withoutLocale?: boolean } = {}): Promise<this> {
    const turn = await this.echo.touch(token, args, options);
    return this.record(`(tap ${JSON.stringify(args)})`, turn);
  }

  /** Several utterances in a row. */
  async sayAll(...texts: string[]): Promise<this> {
    for (const text of texts) await this.say(text);
    return this;
  }

  /**
   * An intent by name with raw slot values (no model matching). An intent the model does not have is sent
   * as well: the request is built for a known intent and renamed, as a model from another release would.
   */
  async intend(name: string, slots?: Record<string, string>): Promise<this> {
    const known = loadModel().interactionModel.languageModel.intents.some((intent) => intent.name === name);
    if (known) return this.record(`(intent ${name})`, await this.echo.intend(name, slots));
    this.nextRequestPatch = (request) => {
      if (request.request.type === 'IntentRequest') {
        request.request.intent = { name, confirmationStatus: 'NONE', slots: {} };
      }
    };
    const turn: EchoTurn = await this.echo.intend('AMAZON.HelpIntent');
    return this.record(`(intent ${name})`, { ...turn, heard: name });
  }

  /** The session ends without the skill asking: the user walked away, or Alexa hit an error. */
  async end(
    reason: 'USER_INITIATED' | 'ERROR' | 'EXCEEDED_MAX_REPROMPTS',
    error?: { type: string; message: string },
  ): Promise<this> {
    const response = await this.echo.end(reason, error);
    return this.record(`(session ended: ${reason})`, { heard: 'SessionEndedRequest', response });
  }

  /** A hand-built request envelope (skill events, System.ExceptionEncountered, another skill's id, …). */
  async send(envelope: RequestEnvelope): Promise<this> {
    const response = await this.handle(envelope);
    return this.record(`(${envelope.request.type})`, { heard: envelope.request.type, response });
  }

  /** Settings for ask-sdk-test's request builders: this conversation's skill id and user. */
  settings(skillId = this.skillId): SkillSettings {
    return settingsFor(skillId, this.userId);
  }

  // Readable accessors on the last response

  private get lastResponse(): ResponseEnvelope {
    if (!this.last) throw new Error('nothing has been said yet');
    return this.last;
  }

  /** The speech of the last response as plain text. */
  get speech(): string {
    return plainSpeech(this.lastResponse);
  }

  /** The reprompt of the last response as plain text ('' when there is none). */
  get reprompt(): string {
    return plainReprompt(this.lastResponse);
  }

  /** The last response's card type ('Standard', 'LinkAccount', …), undefined when there is none. */
  get cardType(): string | undefined {
    return this.lastResponse.response.card?.type;
  }

  /** The last response's Standard card (undefined when there is none). */
  get card(): CardWords | undefined {
    const card = this.lastResponse.response.card;
    if (!card) return undefined;
    if (card.type !== 'Standard') throw new Error(`expected a Standard card, got ${card.type}`);
    return { title: card.title ?? '', text: card.text ?? '' };
  }

  /** The APL RenderDocument directive of the last response (undefined when there is none). */
  get directive(): RenderDocument | undefined {
    return renderDirectiveOf(this.lastResponse);
  }

  /** What the last response put on the screen, in words (undefined without a screen directive). */
  get screen(): ScreenData | undefined {
    const sources = this.directive?.datasources as { payload?: { screen?: ScreenData } } | undefined;
    return sources?.payload?.screen;
  }

  /** The last response's size as Alexa receives it, in bytes. */
  get responseBytes(): number {
    return Buffer.byteLength(JSON.stringify(this.lastResponse));
  }

  /** Whether the skill keeps listening after the last response. */
  get sessionOpen(): boolean {
    return this.lastResponse.response.shouldEndSession === false;
  }

  /** The progress the skill keeps in the session after the last response (undefined when none). */
  get sessionProgress(): Progress | undefined {
    const attributes = this.lastResponse.sessionAttributes as { progress?: Progress } | undefined;
    return attributes?.progress;
  }

  /** The step the skill is on after the last response, from its session attributes. */
  get step(): StepId | undefined {
    return this.sessionProgress?.stepId;
  }

  /** The user's stored item, read through a DynamoProgressStore on the same table (not counted). */
  stored(): Promise<StoredProgress | undefined> {
    return this.observer.load(this.userId);
  }

  /** DynamoDB switched off and on while the conversation goes on. */
  readonly storage = {
    goDown: (): void => {
      this.switchable.down = true;
    },
    comeBack: (): void => {
      this.switchable.down = false;
    },
    isDown: (): boolean => this.switchable.down,
  };

  /**
   * A brand new skill instance (a new Lambda container) on the same table, for the same user; with music,
   * on the same Spotify simulator and with the same link.
   */
  restart(options: Partial<ConversationOptions> = {}): Promise<Conversation> {
    const spotify = this.options.spotify;
    return Conversation.start({
      ...this.options,
      table: this.options.table,
      tableName: this.tableName,
      userId: this.userId,
      ...(this.sim ? { spotify: { ...(spotify === true ? {} : spotify), simulator: this.sim } } : {}),
      linked: this.token ?? false,
      ...options,
    });
  }

  // Music

  /** The conversation's Spotify simulator (throws without the `spotify` option). */
  get simulator(): SpotifySimulator {
    if (!this.sim) throw new Error('this conversation has no Spotify simulator: start it with `spotify`');
    return this.sim;
  }

  /** Every Spotify request the simulator received since this conversation started. */
  spotifyRequests(): RecordedRequest[] {
    return this.sim?.requests().slice(this.simulatorStart) ?? [];
  }

  /** The user links their Spotify account (default token `LINKED_TOKEN`): later requests carry the token. */
  link(token: string = LINKED_TOKEN): this {
    this.token = token;
    return this;
  }

  /** The user unlinks their Spotify account: later requests carry no token. */
  unlink(): this {
    this.token = undefined;
    return this;
  }

  /**
   * Runs before each Spotify request leaves the skill (until replaced or cleared), e.g. to change the
   * simulator's state at an exact point in a turn. Not counted on the wire.
   */
  beforeSpotifyRequest(hook: ((request: OutgoingSpotifyRequest) => void | Promise<void>) | undefined): this {
    this.spotifyHook = hook;
    return this;
  }

  /** A readable transcript, for failure messages. */
  transcript(): string {
    return this.turns
      .map((t) => {
        const spotify = t.spotify.length ? `\n  Spotify: ${spotifyCalls(t.spotify).join(', ')}` : '';
        return `> ${t.said} [${t.heard}]\n< ${t.speech}${t.sessionOpen ? '' : ' (session closed)'}${spotify}`;
      })
      .join('\n');
  }

  async close(): Promise<void> {
    const index = open.indexOf(this);
    if (index >= 0) open.splice(index, 1);
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
  }
}

/**
 * A conversation with the real skill for one user (default: a new one), on the given test table with its
 * real DynamoProgressStore; see `Conversation` for what it offers.
 */
export function startConversation(options: ConversationOptions = {}): Promise<Conversation> {
  return Conversation.start(options);
}

/** Closes every conversation still open (their unreachable endpoints and extra clients). */
export async function closeConversations(): Promise<void> {
  for (const conversation of [...open]) await conversation.close();
}

/**
 * One table for a test file: created before its tests, removed with every open conversation after them.
 * Returns a getter, since the table exists only once `beforeAll` ran.
 */
export function conversationTable(prefix: string): () => TestTable {
  let table: TestTable | undefined;
  beforeAll(async () => {
    table = await createTestTable(prefix);
  });
  afterAll(async () => {
    await closeConversations();
    table?.dispose();
  });
  return () => {
    if (!table) throw new Error('the conversation table is created in beforeAll; use it inside a test');
    return table;
  };
}

/**
 * One Spotify simulator for a test file (pass it as `spotify: { simulator: simulator() }`), reset to its start
 * state before each test. Faults that leave a request in flight (`slow`) can still change its state after the
 * turn: give such tests their own simulator (plain `spotify: true`).
 */
export function fileSpotifySimulator(options: SpotifySimulatorOptions = {}): () => SpotifySimulator {
  let simulator: SpotifySimulator | undefined;
  beforeAll(async () => {
    simulator = await startSpotifySimulator(options);
  });
  beforeEach(() => simulator?.reset());
  afterAll(async () => {
    await simulator?.close();
  });
  return () => {
    if (!simulator) throw new Error('the file simulator starts in beforeAll; use it inside a test');
    return simulator;
  };
}

/**
 * A raw "it keeps disconnecting" SymptomIntent request body, resolved as Alexa resolves it (for tests that
 * build envelopes by hand rather than through the model).
 */
export function keepsDisconnectingRequest(authority = 'a'): Record<string, unknown> {
  return {
    type: 'IntentRequest',
    intent: {
      name: 'SymptomIntent',
      confirmationStatus: 'NONE',
      slots: {
        symptom: {
          name: 'symptom',
          value: 'it keeps disconnecting',
          confirmationStatus: 'NONE',
          resolutions: {
            resolutionsPerAuthority: [
              {
                authority,
                status: { code: 'ER_SUCCESS_MATCH' },
                values: [{ value: { name: 'it keeps disconnecting', id: 'keeps_disconnecting' } }],
              },
            ],
          },
        },
      },
    },
  };
}
