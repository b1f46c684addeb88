/**
 * A thin conversation harness for fault injection on real servers: the real skill (`buildSkill`) with the
 * production DynamoDB client and store (`createDynamoClient` and `DynamoProgressStore` with their default
 * timeouts, attempts and call budget) pointed at a `DynamoFaultProxy` in front of dynalite, optionally the real
 * `SpotifyClient` on the Spotify Connect simulator, spoken to through a `VirtualEcho`.
 *
 * No jest here: the tests (test/faults/*.test.ts) and the benchmark (bench/faults.ts) both use it. Every turn
 * is checked, and a broken one throws:
 * - the response is certifiable (`assertCertifiable`), a launch or intent says something, and never the
 *   skill's generic error words, and nothing reached the skill's last-resort error handler;
 * - DynamoDB requests stay bounded: at most the store's calls of the turn, each one SDK invocation of at most
 *   `maxAttempts` attempts (counted at the proxy from the SDK's invocation id and attempt headers), and no
 *   request reaches DynamoDB between turns (nothing keeps retrying after the answer);
 * - Spotify requests keep the hand-off's rules (`spotifyRequestProblem`: bounded per turn, the linked token,
 *   exact transfers), and a turn that called Spotify sent its progressive response.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { freshProgress } from '../../lambda/src/conversation/transition';
import type { Progress, StepId } from '../../lambda/src/conversation/types';
import type { Logger, LogFields } from '../../lambda/src/platform/logger';
import { createProgressiveSender } from '../../lambda/src/platform/progressive-response';
import { buildSkill } from '../../lambda/src/skill';
import { SpotifyClient } from '../../lambda/src/spotify/client';
import type { HandoffTiming } from '../../lambda/src/spotify/handoff';
import {
  createDynamoClient,
  DEFAULT_TIMEOUTS,
  DynamoProgressStore,
} from '../../lambda/src/state/dynamo-progress-store';
import type {
  DynamoClientTimeouts,
  StoredProgress,
  StoreOperation,
} from '../../lambda/src/state/dynamo-progress-store';
import type { RecordedRequest, SpotifySimulator } from '../../scripts/local/spotify-simulator';
import { VirtualEcho } from '../../scripts/local/virtual-echo';
import { assertCertifiable, plainSpeech } from '../support/certification';
import {
  FLOW,
  LINKED_TOKEN,
  MAX_SPOTIFY_REQUESTS_PER_TURN,
  newUserId,
  spotifyCalls,
  spotifyRequestProblem,
  stepOf,
  TEST_SKILL_ID,
  words,
} from '../support/conversation';
import { startDynamoFaultProxy } from '../support/dynamo-fault-proxy';
import type { DynamoFaultProxy, ProxiedRequest } from '../support/dynamo-fault-proxy';

const REGION = process.env.AWS_REGION || 'us-east-1';

// ---------------------------------------------------------------------------------------------------------
// What the fault scenarios say

export const OPEN = 'open speaker helper';
export const CANT_FIND = "alexa can't find my speaker";

/** The step a "yes" (or "done") leads to from `id`. */
export function yesOf(id: StepId): StepId {
  const step = stepOf(id) as { yes?: StepId; done?: StepId };
  const next = step.yes ?? step.done;
  if (!next) throw new Error(`"${id}" has no positive answer`);
  return next;
}

/**
 * OPEN, CANT_FIND, "yes", then TO_THIRD: the steps met, all inside one session. "Yes, it played here
 * before" leads to a voice command that first asks the speaker's name (SECOND, still listening); "I have
 * two Echos" then moves to that branch (THIRD, a question).
 */
export const ENTRY: StepId = FLOW.symptomEntry.cant_find;
export const SECOND: StepId = yesOf(ENTRY);
export const TO_THIRD = 'i have two echos';
export const THIRD: StepId = FLOW.symptomEntry.several_echos;

// ---------------------------------------------------------------------------------------------------------
// The conversation

export interface FaultConversationOptions {
  proxy: DynamoFaultProxy;
  /** The table on the proxy's upstream (the skill reaches it only through the proxy). */
  tableName: string;
  /** A client straight to the upstream, for the checks' own reads (never through the proxy, not counted). */
  observerClient: DynamoDBClient;
  /** Default: a fresh user. */
  userId?: string;
  /** The skill's DynamoDB client settings; default: production's (`DEFAULT_TIMEOUTS`). */
  timeouts?: DynamoClientTimeouts;
  /** The store's call budget; default: production's (`DEFAULT_CALL_BUDGET_MS`). */
  callBudgetMs?: number;
  /** Music through the real SpotifyClient on this simulator; without it, no Spotify. */
  spotify?: {
    simulator: SpotifySimulator;
    /** Hand-off timing and budget; default: production's. */
    timing?: Partial<HandoffTiming> & { budgetMs?: number };
    /** Checked on every turn (default `MAX_SPOTIFY_REQUESTS_PER_TURN`). */
    maxRequestsPerTurn?: number;
  };
  /** Every request carries the account-linking token `LINKED_TOKEN`. */
  linked?: boolean;
}

export interface FaultTurn {
  said: string;
  heard: string;
  speech: string;
  sessionOpen: boolean;
  /** The store's calls (load/save/delete) in this turn. */
  storeCalls: StoreOperation[];
  /** The HTTP requests that reached the proxy in this turn. */
  dynamo: ProxiedRequest[];
  /** The Spotify requests the simulator received in this turn. */
  spotify: RecordedRequest[];
  /** Progressive responses that arrived during the turn. */
  progressive: number;
  /** Wall time of the skill's answer, for the benchmark only (tests never assert durations). */
  ms: number;
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: LogFields;
}

/**
 * How many requests the proxy (DynamoDB) and the simulator (Spotify) had received when the last turn on them
 * answered, shared by the conversations on them (restarted skills): more at the next turn's start means
 * something kept calling after an answer.
 */
const answeredAt = new WeakMap<DynamoFaultProxy | SpotifySimulator, number>();

/** Why a turn's DynamoDB requests are not bounded by its store calls, or undefined when they are. */
export function dynamoRequestProblem(
  requests: readonly ProxiedRequest[],
  storeCalls: readonly StoreOperation[],
  maxAttempts: number,
): string | undefined {
  const byCall = new Map<string, ProxiedRequest[]>();
  for (const request of requests) {
    if (!request.invocationId) return `request ${request.seq} (${request.operation}) has no invocation id`;
    if (request.maxAttempts !== undefined && request.maxAttempts !== maxAttempts) {
      return `request ${request.seq} allows ${request.maxAttempts} attempts, not ${maxAttempts}`;
    }
    byCall.set(request.invocationId, [...(byCall.get(request.invocationId) ?? []), request]);
  }
  if (byCall.size > storeCalls.length) {
    return `${byCall.size} DynamoDB calls on the wire for ${storeCalls.length} store calls (${storeCalls.join(', ')})`;
  }
  for (const attempts of byCall.values()) {
    const numbers = attempts.map((r) => r.attempt);
    if (attempts.length > maxAttempts) {
      return `${attempts.length} attempts of one ${attempts[0]?.operation} call (max ${maxAttempts})`;
    }
    if (numbers.some((n, i) => n !== i + 1)) return `attempts out of order: ${numbers.join(', ')}`;
  }
  if (requests.length > maxAttempts * storeCalls.length) {
    return `${requests.length} DynamoDB requests for ${storeCalls.length} store calls`;
  }
  return undefined;
}

/** A loopback stand-in for Alexa's API endpoint: counts progressive responses, answers 204. */
async function startProgressiveCounter(): Promise<{
  endpoint: string;
  count(): number;
  close(): Promise<void>;
}> {
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/directives') count += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    count: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export class FaultConversation {
  readonly userId: string;
  readonly turns: FaultTurn[] = [];
  readonly logs: LogLine[] = [];
  /** The SDK's attempts per call, as configured for the skill's client. */
  readonly maxAttempts: number;
  private readonly storeCalls: StoreOperation[] = [];
  private echo!: VirtualEcho;
  private invoke!: (event: RequestEnvelope) => Promise<ResponseEnvelope>;
  private observer!: DynamoProgressStore;
  private client!: DynamoDBClient;
  private progressive: Awaited<ReturnType<typeof startProgressiveCounter>> | undefined;
  private last: ResponseEnvelope | undefined;
  private current: Omit<FaultTurn, 'said' | 'heard' | 'speech' | 'sessionOpen'> | undefined;

  private constructor(private readonly options: FaultConversationOptions) {
    this.userId = options.userId ?? newUserId();
    this.maxAttempts = options.timeouts?.maxAttempts ?? DEFAULT_TIMEOUTS.maxAttempts;
  }

  static async start(options: FaultConversationOptions): Promise<FaultConversation> {
    const conversation = new FaultConversation(options);
    await conversation.build();
    return conversation;
  }

  private async build(): Promise<void> {
    const { proxy, tableName, spotify } = this.options;
    const logger: Logger = {
      info: (message, fields) => this.logs.push({ level: 'info', message, fields }),
      warn: (message, fields) => this.logs.push({ level: 'warn', message, fields }),
      error: (message, fields) => this.logs.push({ level: 'error', message, fields }),
    };
    this.client = createDynamoClient({
      region: REGION,
      endpoint: proxy.url,
      ...(this.options.timeouts ? { timeouts: this.options.timeouts } : {}),
    });
    const store = new DynamoProgressStore({
      client: this.client,
      tableName,
      logger,
      ...(this.options.callBudgetMs ? { callBudgetMs: this.options.callBudgetMs } : {}),
      onOperation: (operation) => this.storeCalls.push(operation),
    });
    this.observer = new DynamoProgressStore({
      client: this.options.observerClient,
      tableName,
      callBudgetMs: 10000,
      logger: { warn: () => undefined, error: () => undefined },
    });
    let music: Partial<Parameters<typeof buildSkill>[0]> = {};
    if (spotify) {
      this.progressive = await startProgressiveCounter();
      music = {
        spotify: new SpotifyClient({ baseUrl: spotify.simulator.baseUrl, fetch: globalThis.fetch, logger }),
        ...(spotify.timing ? { spotifyTiming: spotify.timing } : {}),
        progressive: createProgressiveSender(globalThis.fetch, logger),
      };
    }
    const skill = buildSkill({ store, logger, skillId: TEST_SKILL_ID, ...music });
    this.invoke = (event) => skill.invoke(event);
    const linked = this.options.linked === true;
    this.echo = new VirtualEcho({
      handler: (event) => this.handle(event),
      skillId: TEST_SKILL_ID,
      userId: this.userId,
      ...(this.progressive ? { apiEndpoint: this.progressive.endpoint } : {}),
      filter: (request) => {
        if (linked) request.context.System.user.accessToken = LINKED_TOKEN;
      },
    });
  }

  /** Every request of the Echo goes through here: timed, then checked. */
  private async handle(event: RequestEnvelope): Promise<ResponseEnvelope> {
    const { proxy, spotify } = this.options;
    const label = `turn ${this.turns.length + 1} (${event.request.type})`;
    const before = proxy.count();
    const firstSpotify = spotify?.simulator.requests().length ?? 0;
    const strayDynamo = before - (answeredAt.get(proxy) ?? before);
    if (strayDynamo > 0) {
      const late = JSON.stringify(proxy.requests().slice(-strayDynamo));
      throw new Error(`${label}: ${strayDynamo} DynamoDB request(s) arrived after the last answer: ${late}`);
    }
    const straySpotify = spotify ? firstSpotify - (answeredAt.get(spotify.simulator) ?? firstSpotify) : 0;
    if (spotify && straySpotify > 0) {
      const late = spotifyCalls(spotify.simulator.requests().slice(-straySpotify)).join(', ');
      throw new Error(`${label}: ${straySpotify} Spotify request(s) arrived after the last answer: ${late}`);
    }
    const firstCall = this.storeCalls.length;
    const firstProgressive = this.progressive?.count() ?? 0;
    const firstLog = this.logs.length;
    const started = performance.now();
    const response = await this.invoke(event);
    const ms = performance.now() - started;
    const after = proxy.count();
    answeredAt.set(proxy, after);
    if (spotify) answeredAt.set(spotify.simulator, spotify.simulator.requests().length);
    const turn = {
      storeCalls: this.storeCalls.slice(firstCall),
      dynamo: proxy.requests().slice(before, after),
      spotify: spotify?.simulator.requests().slice(firstSpotify) ?? [],
      progressive: (this.progressive?.count() ?? 0) - firstProgressive,
      ms,
    };
    this.current = turn;

    assertCertifiable(response, { label });
    const speech = plainSpeech(response);
    const spoken = event.request.type === 'LaunchRequest' || event.request.type === 'IntentRequest';
    if (spoken && !speech) throw new Error(`${label}: the skill said nothing`);
    const crash = this.logs.slice(firstLog).find((line) => line.message === 'unhandled error');
    if (crash || speech.includes(words('errors.generic'))) {
      throw new Error(
        `${label}: the skill fell back to its error answer ("${speech}"): ${JSON.stringify(crash)}`,
      );
    }
    const dynamoProblem = dynamoRequestProblem(turn.dynamo, turn.storeCalls, this.maxAttempts);
    if (dynamoProblem) throw new Error(`${label}: ${dynamoProblem}`);
    if (spotify) {
      const token = this.options.linked ? LINKED_TOKEN : undefined;
      const max = spotify.maxRequestsPerTurn ?? MAX_SPOTIFY_REQUESTS_PER_TURN;
      const problem = spotifyRequestProblem(turn.spotify, token, max);
      if (problem) throw new Error(`${label}: ${problem}`);
      if (turn.spotify.length > 0 && turn.progressive === 0) {
        throw new Error(`${label}: Spotify was called without a progressive response`);
      }
    }
    return response;
  }

  private record(said: string, heard: string, response: ResponseEnvelope): this {
    this.last = response;
    const measured = this.current;
    if (!measured) throw new Error('a turn was recorded without passing through the skill');
    this.current = undefined;
    this.turns.push({
      said,
      heard,
      speech: plainSpeech(response),
      sessionOpen: response.response.shouldEndSession === false,
      ...measured,
    });
    return this;
  }

  /** What a person says to the Echo, resolved through the en-US model ("open …", "ask … to …", or in session). */
  async say(text: string): Promise<this> {
    const turn = await this.echo.say(text);
    return this.record(text, turn.heard, turn.response);
  }

  async sayAll(...texts: string[]): Promise<this> {
    for (const text of texts) await this.say(text);
    return this;
  }

  /** The last turn. */
  get turn(): FaultTurn {
    const turn = this.turns[this.turns.length - 1];
    if (!turn) throw new Error('nothing has been said yet');
    return turn;
  }

  get speech(): string {
    return this.turn.speech;
  }

  get sessionOpen(): boolean {
    return this.turn.sessionOpen;
  }

  /** The progress the skill keeps in the session after the last response. */
  get sessionProgress(): Progress | undefined {
    return (this.last?.sessionAttributes as { progress?: Progress } | undefined)?.progress;
  }

  get step(): StepId | undefined {
    return this.sessionProgress?.stepId;
  }

  /** The user's stored item, read straight from DynamoDB (not through the proxy, not counted). */
  stored(): Promise<StoredProgress | undefined> {
    return this.observer.load(this.userId);
  }

  /**
   * Another Echo of the same user saves a change first, straight to DynamoDB (not through the proxy): this
   * conversation's next save is a real version conflict.
   */
  async anotherEchoSaves(): Promise<void> {
    const stored = await this.observer.load(this.userId);
    const progress = { ...(stored?.progress ?? freshProgress(FLOW)), speakerName: 'bedroom speaker' };
    await this.observer.save(this.userId, progress, stored?.version ?? 0, { id: 'another-echo' });
  }

  /** A brand new skill instance (a new Lambda container) for the same user, on the same proxy and simulator. */
  restart(): Promise<FaultConversation> {
    return FaultConversation.start({ ...this.options, userId: this.userId });
  }

  /** A readable transcript, for failure messages. */
  transcript(): string {
    return this.turns
      .map((t) => {
        const dynamo = t.dynamo
          .map((r) => `${r.operation}:${r.fault}:${r.outcome}${r.status ?? ''}`)
          .join(' ');
        return `> ${t.said}\n< ${t.speech}${t.sessionOpen ? '' : ' (closed)'}  [${dynamo}]`;
      })
      .join('\n');
  }

  async close(): Promise<void> {
    this.client.destroy();
    await this.progressive?.close();
  }
}

export interface FaultRigOptions extends Omit<FaultConversationOptions, 'proxy' | 'userId'> {
  /** The DynamoDB-protocol server behind the proxy. */
  upstream: string;
  /** Seed of the proxy's `fraction` draws. */
  seed?: number;
}

/**
 * One fault proxy and the conversations on it, for one test or one benchmark run: everything it started is
 * closed by `close()`.
 */
export class FaultRig {
  private readonly conversations: FaultConversation[] = [];

  private constructor(
    readonly proxy: DynamoFaultProxy,
    private readonly settings: Omit<FaultConversationOptions, 'proxy' | 'userId'>,
  ) {}

  static async start(options: FaultRigOptions): Promise<FaultRig> {
    const { upstream, seed, ...settings } = options;
    const proxy = await startDynamoFaultProxy({ upstream, ...(seed !== undefined ? { seed } : {}) });
    return new FaultRig(proxy, settings);
  }

  /** A conversation for a new user (or `userId`) with the rig's skill settings. */
  async conversation(userId?: string): Promise<FaultConversation> {
    const c = await FaultConversation.start({
      ...this.settings,
      proxy: this.proxy,
      ...(userId ? { userId } : {}),
    });
    this.conversations.push(c);
    return c;
  }

  /** The same user on a brand new skill instance (a new Lambda container). */
  async restart(c: FaultConversation): Promise<FaultConversation> {
    const next = await c.restart();
    this.conversations.push(next);
    return next;
  }

  /** DynamoDB is healthy again: no more faults, and the proxy listens. */
  async heal(): Promise<void> {
    this.proxy.clearFaults();
    await this.proxy.online();
  }

  async close(): Promise<void> {
    for (const c of this.conversations.splice(0)) await c.close();
    await this.proxy.close();
  }
}
