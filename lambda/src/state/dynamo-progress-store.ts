import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { PersistenceAdapter } from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';
import { SYMPTOMS } from '../conversation/types';
import type { Progress } from '../conversation/types';
import { progressProblem, STATUSES } from '../conversation/progress-guard';
import { PARTITION_KEY } from './table';
import { shortRetryStrategy } from './retry-strategy';
import { userKeyOf } from './user-key';

/**
 * Bump when the stored item layout changes; items of an unknown layout are treated as absent.
 * 2: the progress as one JSON string attribute, `progress` (one attribute to write, send and parse instead of
 * one per field and list entry, which showed in the changing turn's cost). 1: the progress's fields as
 * attributes of their own; still read, so nobody loses their place, and replaced by 2 on the next save.
 */
export const SCHEMA_VERSION = 2;
const LEGACY_SCHEMA_VERSION = 1;
/** The attribute holding the progress as JSON (schema 2). */
const PROGRESS_ATTRIBUTE = 'progress';
/** Progress is forgotten this long after the last write (DynamoDB TTL plus the check in `load`). */
export const PROGRESS_TTL_SECONDS = 30 * 24 * 60 * 60;
export const DEFAULT_CALL_BUDGET_MS = 1000;
export const DEFAULT_TIMEOUTS = { connectionTimeoutMs: 300, requestTimeoutMs: 600, maxAttempts: 3 } as const;

export interface StoredProgress {
  progress: Progress;
  /** Optimistic-locking version; pass it back to `save` as `expectedVersion`. */
  version: number;
  updatedAt: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** Who writes: one Alexa session. */
export interface Writer {
  /** Random per session, stored with each write. */
  id: string;
  /** The highest version this writer sent without hearing back (a lost answer, a write applied late). */
  unconfirmedVersion?: number;
}

/** The version a save writes: above the expected one and above any of the writer's unconfirmed writes. */
export function nextVersion(expectedVersion: number, writer?: Writer): number {
  return Math.max(expectedVersion, writer?.unconfirmedVersion ?? 0) + 1;
}

export type StoreOperation = 'load' | 'save' | 'delete';

/** Fields must never contain user ids, user keys or tokens. */
export interface StoreLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** The item changed since it was read (another device of the same user wrote first). */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(readonly expectedVersion: number) {
    super(`Stored progress is no longer at version ${expectedVersion}`);
  }
}

/** The backend failed or did not answer in time. `cause` holds the underlying error. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly operation: StoreOperation,
    cause: unknown,
  ) {
    super(`Progress store ${operation} failed: ${errorName(cause)}`, { cause });
  }
}

/** Rejection reason of a call that ran out of its budget. */
export class StoreDeadlineError extends Error {
  override readonly name = 'StoreDeadlineError';
  constructor(readonly budgetMs: number) {
    super(`No answer within ${budgetMs} ms`);
  }
}

export interface DynamoClientTimeouts {
  connectionTimeoutMs?: number;
  /** Per attempt; the store's call budget bounds all attempts together. */
  requestTimeoutMs?: number;
  /** Attempts including the first; throttling and transient errors are retried by the SDK. */
  maxAttempts?: number;
}

export interface DynamoClientOptions {
  region: string;
  endpoint?: string;
  timeouts?: DynamoClientTimeouts;
  /** Where to look for AWS credentials (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Builds the client once (per Lambda container), with short timeouts and few attempts. */
export function createDynamoClient(options: DynamoClientOptions): DynamoDBClient {
  const { region, endpoint, timeouts = {}, env = process.env } = options;
  const maxAttempts = timeouts.maxAttempts ?? DEFAULT_TIMEOUTS.maxAttempts;
  const config: DynamoDBClientConfig = {
    region,
    maxAttempts,
    retryStrategy: shortRetryStrategy({ maxAttempts }),
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs ?? DEFAULT_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs ?? DEFAULT_TIMEOUTS.requestTimeoutMs,
      // Without this a request over requestTimeout only logs a warning.
      throwOnRequestTimeout: true,
    },
  };
  if (endpoint) {
    config.endpoint = endpoint;
    // A local dynalite accepts any signature; this avoids needing an AWS account to run locally.
    if (!env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) {
      config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    }
  }
  return new DynamoDBClient(config);
}

export interface DynamoProgressStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  logger?: StoreLogger;
  /** Total time for one store call, all SDK attempts and backoff included. */
  callBudgetMs?: number;
  /** Called once per DynamoDB request the store makes, before sending it. */
  onOperation?: (operation: StoreOperation) => void;
}

/** What `getAttributes` returns and `saveAttributes` expects (`version` absent means a new user). */
export interface ProgressAttributes {
  progress?: Progress;
  version?: number;
  updatedAt?: string;
  expiresAt?: number;
}

const consoleLogger: StoreLogger = {
  warn: (msg, fields) => console.warn(JSON.stringify({ level: 'warn', msg, ...fields })),
  error: (msg, fields) => console.error(JSON.stringify({ level: 'error', msg, ...fields })),
};

/**
 * Per-user progress in DynamoDB: one item per user keyed by a hash of the userId, optimistic locking on
 * `version`, expiry after PROGRESS_TTL_SECONDS, and every call bounded by `callBudgetMs`.
 */
export class DynamoProgressStore implements PersistenceAdapter {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: () => number;
  private readonly logger: StoreLogger;
  private readonly callBudgetMs: number;
  private readonly onOperation: ((operation: StoreOperation) => void) | undefined;
  private readonly counts: Record<StoreOperation, number> = { load: 0, save: 0, delete: 0 };
  /**
   * Items `load` found unusable inside (bad JSON, an unknown outcome in a list) but with a version, by user
   * key: the user's next save replaces them at that version instead of meeting a conflict until they expire.
   * Bounded: the turn that loads is the turn that saves.
   */
  private readonly unusable = new Map<string, number>();

  constructor(options: DynamoProgressStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? consoleLogger;
    this.callBudgetMs = options.callBudgetMs ?? DEFAULT_CALL_BUDGET_MS;
    this.onOperation = options.onOperation;
  }

  /** DynamoDB requests made so far, by operation. */
  operationCounts(): Readonly<Record<StoreOperation, number>> {
    return { ...this.counts };
  }

  /** The user's progress, or undefined when there is none, it expired, or the stored item is unusable. */
  async load(userId: string): Promise<StoredProgress | undefined> {
    const key = { [PARTITION_KEY]: { S: userKeyOf(userId) } };
    const output = await this.call('load', (abortSignal) =>
      // Consistent so a turn right after a save sees its version and does not conflict with itself.
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }), {
        abortSignal,
      }),
    );
    if (!output.Item) return undefined;
    const parsed = this.parseItem(output.Item);
    const userKey = output.Item[PARTITION_KEY]?.S;
    const version = numberOf(output.Item.version);
    if (!parsed && userKey && version !== undefined && Number.isSafeInteger(version) && version > 0) {
      if (this.unusable.size >= MAX_UNUSABLE) this.unusable.clear();
      this.unusable.set(userKey, version);
    }
    return parsed;
  }

  /**
   * Writes the whole item if it is still at `expectedVersion` (0: no item, or one `load` treats as absent:
   * expired, another schemaVersion, malformed), or if `writer` wrote it last: an earlier write of the same
   * session whose answer was lost is not someone else's change. The new version is `nextVersion(...)`.
   * Throws VersionConflictError otherwise, StoreUnavailableError when the backend fails.
   */
  async save(
    userId: string,
    progress: Progress,
    expectedVersion: number,
    writer?: Writer,
  ): Promise<StoredProgress> {
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
      throw new TypeError('save: expectedVersion must be a non-negative integer');
    }
    const problem = progressProblem(progress);
    if (problem) throw new TypeError(`save: invalid progress (${problem})`);

    const now = this.clock();
    const nowSeconds = Math.floor(now / 1000);
    const stored: StoredProgress = {
      progress: copyProgress(progress),
      version: nextVersion(expectedVersion, writer),
      updatedAt: new Date(now).toISOString(),
      expiresAt: nowSeconds + PROGRESS_TTL_SECONDS,
    };
    // Built by hand: the layout is fixed, and a generic marshaller showed in the changing turn's profile.
    const item: Record<string, AttributeValue> = {
      [PARTITION_KEY]: { S: userKeyOf(userId) },
      version: { N: String(stored.version) },
      schemaVersion: { N: String(SCHEMA_VERSION) },
      updatedAt: { S: stored.updatedAt },
      expiresAt: { N: String(stored.expiresAt) },
      [PROGRESS_ATTRIBUTE]: { S: JSON.stringify(stored.progress) },
    };
    if (writer) item.writer = { S: writer.id };
    const put = (condition: Condition): Promise<unknown> =>
      this.call(
        'save',
        (abortSignal) =>
          this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item, ...condition }), {
            abortSignal,
          }),
        (error) => (isConditionFailed(error) ? new VersionConflictError(expectedVersion) : undefined),
      );
    if (expectedVersion > 0) {
      await put(orWrittenBy(writer, versionCondition(expectedVersion)));
      return stored;
    }
    const userKey = item[PARTITION_KEY]?.S as string;
    const unusable = this.unusable.get(userKey);
    if (unusable !== undefined) {
      this.unusable.delete(userKey);
      try {
        await put(versionCondition(unusable));
        return stored;
      } catch (error) {
        // Changed since it was read: the usual conditions decide.
        if (!(error instanceof VersionConflictError)) throw error;
      }
    }
    // A new user, the usual case, sends one small condition; DynamoDB (and dynalite far more) evaluates the
    // large one only when something is there.
    try {
      await put(orWrittenBy(writer, NEW_ITEM_CONDITION));
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      // Either an item `load` could not use (replace it), or another device saved first (a conflict).
      await put(orWrittenBy(writer, replaceableCondition(nowSeconds)));
    }
    return stored;
  }

  /** Forgets the user (no condition: deleting is always what the user asked for). */
  async delete(userId: string): Promise<void> {
    const key = { [PARTITION_KEY]: { S: userKeyOf(userId) } };
    await this.call('delete', (abortSignal) =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: key }), { abortSignal }),
    );
  }

  // PersistenceAdapter, for ask-sdk's AttributesManager.

  async getAttributes(requestEnvelope: RequestEnvelope): Promise<ProgressAttributes> {
    const stored = await this.load(userIdOf(requestEnvelope));
    return stored ? { ...stored } : {};
  }

  async saveAttributes(requestEnvelope: RequestEnvelope, attributes: ProgressAttributes): Promise<void> {
    const version = attributes.version ?? 0;
    if (!attributes.progress) throw new TypeError('saveAttributes: attributes.progress is required');
    const stored = await this.save(userIdOf(requestEnvelope), attributes.progress, version);
    // The AttributesManager keeps this object: update it so a second save in the request is not a conflict.
    Object.assign(attributes, stored);
  }

  async deleteAttributes(requestEnvelope: RequestEnvelope): Promise<void> {
    await this.delete(userIdOf(requestEnvelope));
  }

  /** Runs one request within the call budget and maps every failure to one of our errors. */
  private async call<T>(
    operation: StoreOperation,
    run: (abortSignal: CallSignal) => Promise<T>,
    translate?: (error: unknown) => Error | undefined,
  ): Promise<T> {
    this.counts[operation] += 1;
    this.onOperation?.(operation);
    const started = Date.now();
    const signal = new CallSignal();
    let timer: NodeJS.Timeout | undefined;
    // Racing as well as aborting: the answer must not wait for the SDK to notice the abort.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new StoreDeadlineError(this.callBudgetMs);
        signal.abort(error);
        reject(error);
      }, this.callBudgetMs);
    });
    try {
      return await Promise.race([run(signal), deadline]);
    } catch (error) {
      const translated = translate?.(error);
      if (translated) throw translated;
      this.logger.error('progress store call failed', {
        operation,
        error: errorName(error),
        elapsedMs: Date.now() - started,
      });
      throw new StoreUnavailableError(operation, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private parseItem(raw: Record<string, AttributeValue>): StoredProgress | undefined {
    const schemaVersion = numberOf(raw.schemaVersion);
    if (schemaVersion === LEGACY_SCHEMA_VERSION) return this.parseLegacy(raw);
    const expiresAt = numberOf(raw.expiresAt);
    const version = numberOf(raw.version);
    const updatedAt = raw.updatedAt?.S;
    if (expiresAt === undefined || !Number.isFinite(expiresAt)) {
      this.logger.warn('stored progress ignored: malformed', { field: 'expiresAt' });
      return undefined;
    }
    if (expiresAt <= Math.floor(this.clock() / 1000)) return undefined;
    if (schemaVersion !== SCHEMA_VERSION) {
      this.logger.warn('stored progress ignored: unknown schemaVersion', {
        schemaVersion: schemaVersion ?? typeof raw.schemaVersion,
      });
      return undefined;
    }
    if (version === undefined || !Number.isSafeInteger(version) || version < 1) {
      this.logger.warn('stored progress ignored: malformed', { field: 'version' });
      return undefined;
    }
    if (updatedAt === undefined) {
      this.logger.warn('stored progress ignored: malformed', { field: 'updatedAt' });
      return undefined;
    }
    let progress: unknown;
    try {
      progress = JSON.parse(raw[PROGRESS_ATTRIBUTE]?.S ?? '');
    } catch {
      this.logger.warn('stored progress ignored: malformed', { field: PROGRESS_ATTRIBUTE });
      return undefined;
    }
    const problem = progressProblem(progress);
    if (problem) {
      this.logger.warn('stored progress ignored: malformed', { field: problem });
      return undefined;
    }
    return { progress: copyProgress(progress as Progress), version, updatedAt, expiresAt };
  }

  /** A schema-1 item: the progress's fields as attributes of their own. */
  private parseLegacy(raw: Record<string, AttributeValue>): StoredProgress | undefined {
    let item: Record<string, unknown>;
    try {
      item = unmarshall(raw);
    } catch (error) {
      // e.g. a number beyond Number.MAX_SAFE_INTEGER.
      this.logger.warn('stored progress ignored: unreadable item', { error: errorName(error) });
      return undefined;
    }
    const { expiresAt, version, updatedAt } = item;
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
      this.logger.warn('stored progress ignored: malformed', { field: 'expiresAt' });
      return undefined;
    }
    if (expiresAt <= Math.floor(this.clock() / 1000)) return undefined;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
      this.logger.warn('stored progress ignored: malformed', { field: 'version' });
      return undefined;
    }
    if (typeof updatedAt !== 'string') {
      this.logger.warn('stored progress ignored: malformed', { field: 'updatedAt' });
      return undefined;
    }
    const problem = progressProblem(item);
    if (problem) {
      this.logger.warn('stored progress ignored: malformed', { field: problem });
      return undefined;
    }
    return { progress: copyProgress(item as unknown as Progress), version, updatedAt, expiresAt };
  }
}

/**
 * A store call's abort signal in the SDK's own minimal shape (`aborted`, `onabort`): the SDK checks
 * `aborted` before each attempt and its wait, and sets `onabort` for the step under way, so an aborted call
 * sends nothing more. Node's AbortController would do the same through EventTarget listeners added and
 * removed on every request, which showed in the changing turn's cost.
 */
export class CallSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: CallSignal, event: { type: 'abort' }) => unknown) | null = null;

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.onabort?.call(this, { type: 'abort' });
  }
}

/** Users whose unusable item's version is remembered at most (see `DynamoProgressStore.unusable`). */
const MAX_UNUSABLE = 1000;

/** A number attribute's value; undefined when it is not a number attribute. Unsafe integers come back as they parse. */
function numberOf(value: AttributeValue | undefined): number | undefined {
  if (value?.N === undefined) return undefined;
  const n = Number(value.N);
  return Number.isNaN(n) ? undefined : n;
}

interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

const NEW_ITEM_CONDITION: Condition = {
  ConditionExpression: `attribute_not_exists(#${PARTITION_KEY})`,
  ExpressionAttributeNames: { [`#${PARTITION_KEY}`]: PARTITION_KEY },
};

function versionCondition(expectedVersion: number): Condition {
  return {
    ConditionExpression: '#version = :expected',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
  };
}

/** Also lets the write through when this writer (one session) was the last to write the item. */
function orWrittenBy(writer: Writer | undefined, condition: Condition): Condition {
  if (!writer) return condition;
  return {
    ConditionExpression: `${condition.ConditionExpression} OR #writer = :writer`,
    ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, '#writer': 'writer' },
    ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':writer': { S: writer.id } },
  };
}

let replaceableBase: Condition | undefined;

/**
 * Condition for replacing an item `load` reports as absent. An expired item lives on until DynamoDB's TTL
 * sweep, and an item of another schemaVersion or with malformed fields would otherwise lock the user out
 * until it expires. Mirrors `parseItem` as far as an expression can: it cannot look inside the JSON (or a
 * schema-1 item's lists); `load` remembers such an item's version for `save` instead.
 * Built once; only `:now` changes.
 */
function replaceableCondition(nowSeconds: number): Condition {
  replaceableBase ??= buildReplaceableCondition();
  const values = { ...replaceableBase.ExpressionAttributeValues, ':now': { N: String(nowSeconds) } };
  return { ...replaceableBase, ExpressionAttributeValues: values };
}

function buildReplaceableCondition(): Condition {
  const values: Record<string, unknown> = { ':now': 0, ':schemaVersion': SCHEMA_VERSION };
  values[':legacySchemaVersion'] = LEGACY_SCHEMA_VERSION;
  values[':N'] = 'N';
  values[':S'] = 'S';
  values[':L'] = 'L';
  values[':BOOL'] = 'BOOL';
  const placeholders = (prefix: string, members: readonly string[]): string =>
    members
      .map((member, i) => {
        values[`:${prefix}${i}`] = member;
        return `:${prefix}${i}`;
      })
      .join(', ');
  const legacy = [
    '#schemaVersion = :legacySchemaVersion',
    'attribute_type(#stepId, :S)',
    'attribute_type(#history, :L)',
    'attribute_type(#tried, :L)',
    `#status IN (${placeholders('status', Object.keys(STATUSES))})`,
    `(attribute_not_exists(#symptom) OR #symptom IN (${placeholders('symptom', SYMPTOMS)}))`,
    '(attribute_not_exists(#speakerName) OR attribute_type(#speakerName, :S))',
    '(attribute_not_exists(#musicDevice) OR attribute_type(#musicDevice, :S))',
    '(attribute_not_exists(#nameAsked) OR attribute_type(#nameAsked, :BOOL))',
    '(attribute_not_exists(#awaitingName) OR attribute_type(#awaitingName, :BOOL))',
  ].join(' AND ');
  const current = `#schemaVersion = :schemaVersion AND attribute_type(#${PROGRESS_ATTRIBUTE}, :S)`;
  const usable = [
    'attribute_type(#version, :N)',
    'attribute_type(#expiresAt, :N)',
    'attribute_type(#updatedAt, :S)',
    `((${current}) OR (${legacy}))`,
  ].join(' AND ');
  const names = [PARTITION_KEY, 'expiresAt', 'schemaVersion', 'version', 'updatedAt', PROGRESS_ATTRIBUTE];
  names.push('stepId', 'history', 'tried', 'status', 'symptom', 'speakerName', 'musicDevice');
  names.push('nameAsked', 'awaitingName');
  return {
    ConditionExpression: `attribute_not_exists(#${PARTITION_KEY}) OR #expiresAt <= :now OR NOT (${usable})`,
    ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
    ExpressionAttributeValues: marshall(values),
  };
}

/** Only the known fields, so extra properties are neither stored nor returned. */
function copyProgress(p: Progress): Progress {
  const copy: Progress = {
    stepId: p.stepId,
    history: [...p.history],
    tried: p.tried.map((t) => ({ step: t.step, outcome: t.outcome })),
    status: p.status,
  };
  if (p.symptom !== undefined) copy.symptom = p.symptom;
  if (p.speakerName !== undefined) copy.speakerName = p.speakerName;
  if (p.musicDevice !== undefined) copy.musicDevice = p.musicDevice;
  if (p.nameAsked === true) copy.nameAsked = true;
  if (p.awaitingName === true) copy.awaitingName = true;
  return copy;
}

function userIdOf(requestEnvelope: RequestEnvelope): string {
  const userId = requestEnvelope.context?.System?.user?.userId ?? requestEnvelope.session?.user?.userId;
  if (!userId) throw new TypeError('Request envelope has no user id');
  return userId;
}

function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
