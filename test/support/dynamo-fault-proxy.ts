/**
 * A DynamoDB fault proxy: a real HTTP server on 127.0.0.1 in front of a DynamoDB-protocol server (the jest
 * global dynalite, or the bench's own), to point a real `createDynamoClient` at (`endpoint: proxy.url`).
 *
 * Per DynamoDB operation (the `X-Amz-Target` header, e.g. `DynamoDB_20120810.PutItem` → `PutItem`) and for
 * the next N requests, a fraction of them, or all of them until cleared, it can:
 * - `slow`: add latency, either before the request reaches DynamoDB (`phase: 'request'`: a request the client
 *   gave up on meanwhile never arrives) or before the answer comes back (`phase: 'response'`, the default:
 *   DynamoDB applied it, the client may have stopped waiting);
 * - `throttled`: answer 400 ProvisionedThroughputExceededException (default) or ThrottlingException, as
 *   DynamoDB does;
 * - `serverError`: answer 500 InternalServerError;
 * - `drop`: close the connection without an answer, before forwarding (default) or after DynamoDB applied it
 *   (`phase: 'response'`);
 * - `hang`: accept the request and never answer (nothing is forwarded);
 * - `pass`: forward unchanged (useful to let some requests through between faults).
 * `offline()` stops listening (connections are refused, open ones are closed) until `online()`.
 *
 * It records every request it saw, with the SDK's invocation id and attempt number (the `amz-sdk-invocation-id`
 * and `amz-sdk-request` headers), what it did with it, and whether DynamoDB received it.
 */
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

export const DYNAMO_OPERATIONS = ['GetItem', 'PutItem', 'DeleteItem'] as const;
/** GetItem, PutItem, DeleteItem, or any other DynamoDB operation name (CreateTable, DescribeTable, …). */
export type DynamoOperation = (typeof DYNAMO_OPERATIONS)[number] | (string & {});

export type DynamoFault =
  | { kind: 'slow'; delayMs: number; phase?: 'request' | 'response' }
  | { kind: 'throttled'; exception?: 'ProvisionedThroughputExceededException' | 'ThrottlingException' }
  | { kind: 'serverError' }
  | { kind: 'drop'; phase?: 'request' | 'response' }
  | { kind: 'hang' }
  | { kind: 'pass' };
export type DynamoFaultKind = DynamoFault['kind'];

export interface FaultWhen {
  /** How many requests get the fault (default 1; `Infinity`: until `clearFaults`). */
  times?: number;
  /** Each matching request gets it with this probability (default 1), from the proxy's seeded random. */
  fraction?: number;
}

export interface ProxiedRequest {
  /** 1, 2, … in the order the requests arrived. */
  seq: number;
  operation: string;
  tableName: string | undefined;
  /** The SDK's id for one client call; every attempt of the call carries the same one. */
  invocationId: string | undefined;
  /** The SDK's attempt number (1 for the first), from `amz-sdk-request: attempt=N; max=M`. */
  attempt?: number;
  maxAttempts?: number;
  /** The fault applied ('pass' when none). */
  fault: DynamoFaultKind;
  /** DynamoDB received it (a write may be applied even though the client never heard back). */
  forwarded: boolean;
  /**
   * pending: not finished yet; answered: a response was sent (`status`); dropped: the proxy closed the
   * connection; hung: never answered, the client is still connected; abandoned: the client closed the
   * connection before an answer.
   */
  outcome: 'pending' | 'answered' | 'dropped' | 'hung' | 'abandoned';
  status?: number;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  finishedAt?: number;
}

export interface DynamoFaultProxyOptions {
  /** The DynamoDB-protocol server to forward to, e.g. the jest global dynalite. */
  upstream: string;
  /** Seed of the random that picks `fraction` faults (default 1), so a run can be repeated. */
  seed?: number;
  /** Default 0: a random free port. */
  port?: number;
}

export interface DynamoFaultProxy {
  /** http://127.0.0.1:<port>: give it to createDynamoClient as `endpoint`. */
  readonly url: string;
  readonly upstream: string;
  /** Adds a rule: the next `when.times` (default 1) requests of `operation` ('*': any) get `fault`. */
  fault(operation: DynamoOperation | '*', fault: DynamoFault, when?: FaultWhen): void;
  /** Forgets every rule (requests already held keep their fault). */
  clearFaults(): void;
  /** Every request seen so far, in arrival order (copies). */
  requests(): ProxiedRequest[];
  /** How many requests arrived so far (cheaper than `requests().length`). */
  count(): number;
  /** Stops listening: new connections are refused and open ones closed, until `online()`. */
  offline(): Promise<void>;
  /** Listens again, on the same port. */
  online(): Promise<void>;
  readonly isOnline: boolean;
  /** Resolves once no request is pending (hung ones excepted), within `timeoutMs` (default 5000). */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Rule {
  operation: string;
  fault: DynamoFault;
  remaining: number;
  fraction: number;
}

const JSON_10 = 'application/x-amz-json-1.0';

const ERRORS = {
  ProvisionedThroughputExceededException: {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  ThrottlingException: {
    status: 400,
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
  InternalServerError: {
    status: 500,
    type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'Internal server error',
  },
} as const;

/** A small seeded PRNG (mulberry32): the same seed gives the same choices (fault fractions, random walks). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkFault(operation: string, fault: DynamoFault, when: FaultWhen): void {
  if (typeof operation !== 'string' || operation === '') throw new Error('operation must be a name or "*"');
  const times = when.times ?? 1;
  if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
    throw new Error('times must be a positive integer or Infinity');
  }
  const fraction = when.fraction ?? 1;
  if (!(fraction > 0 && fraction <= 1)) throw new Error('fraction must be in (0, 1]');
  if (fault.kind === 'slow' && !(Number.isFinite(fault.delayMs) && fault.delayMs >= 0)) {
    throw new Error('slow: delayMs must be a non-negative number');
  }
}

/** Which operation a request is, from `X-Amz-Target: DynamoDB_20120810.GetItem`. */
function operationOf(req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  const value = Array.isArray(target) ? target[0] : target;
  return value?.split('.').pop() ?? 'unknown';
}

function attemptOf(req: IncomingMessage): { attempt?: number; maxAttempts?: number } {
  const header = req.headers['amz-sdk-request'];
  const match = /attempt=(\d+)(?:;\s*max=(\d+))?/.exec(
    Array.isArray(header) ? (header[0] ?? '') : (header ?? ''),
  );
  if (!match) return {};
  return { attempt: Number(match[1]), ...(match[2] ? { maxAttempts: Number(match[2]) } : {}) };
}

function tableOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { TableName?: unknown };
    return typeof parsed.TableName === 'string' ? parsed.TableName : undefined;
  } catch {
    return undefined;
  }
}

export async function startDynamoFaultProxy(options: DynamoFaultProxyOptions): Promise<DynamoFaultProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:') throw new Error('the upstream must be http://');
  const random = seeded(options.seed ?? 1);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let rules: Rule[] = [];
  const recorded: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let online = false;
  let closed = false;

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  /** The fault for this request: the first rule for its operation that still applies and is drawn. */
  const pick = (operation: string): DynamoFault => {
    for (const rule of rules) {
      if (rule.remaining <= 0 || (rule.operation !== '*' && rule.operation !== operation)) continue;
      if (rule.fraction < 1 && random() >= rule.fraction) continue;
      rule.remaining -= 1;
      return rule.fault;
    }
    return { kind: 'pass' };
  };

  const finish = (entry: ProxiedRequest, outcome: ProxiedRequest['outcome'], status?: number) => {
    if (entry.outcome !== 'pending' && entry.outcome !== 'hung') return;
    entry.outcome = outcome;
    if (status !== undefined) entry.status = status;
    entry.finishedAt = Date.now();
  };

  const answerError = (res: ServerResponse, entry: ProxiedRequest, name: keyof typeof ERRORS) => {
    const error = ERRORS[name];
    const body = JSON.stringify({ __type: error.type, message: error.message });
    if (res.destroyed) return finish(entry, 'abandoned');
    res.writeHead(error.status, {
      'content-type': JSON_10,
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomUUID().replace(/-/g, '').toUpperCase(),
    });
    res.end(body);
    finish(entry, 'answered', error.status);
  };

  /** Sends the request to DynamoDB; `deliver` gets its answer (or undefined when DynamoDB failed). */
  const forward = (
    req: IncomingMessage,
    body: Buffer,
    entry: ProxiedRequest,
    deliver: (answer: { status: number; headers: OutgoingHttpHeaders; body: Buffer } | undefined) => void,
  ) => {
    entry.forwarded = true;
    const headers: OutgoingHttpHeaders = { ...req.headers, host: upstream.host };
    const out = httpRequest(
      {
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (upstreamRes) => {
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamRes.on('end', () =>
          deliver({
            status: upstreamRes.statusCode ?? 502,
            headers: upstreamRes.headers,
            body: Buffer.concat(chunks),
          }),
        );
        upstreamRes.on('error', () => deliver(undefined));
      },
    );
    out.on('error', () => deliver(undefined));
    out.end(body);
  };

  const relay = (
    res: ServerResponse,
    entry: ProxiedRequest,
    answer: { status: number; headers: OutgoingHttpHeaders; body: Buffer } | undefined,
  ) => {
    if (res.destroyed || res.writableEnded) return finish(entry, 'abandoned');
    if (!answer) {
      res.socket?.destroy();
      return finish(entry, 'dropped');
    }
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    headers['content-length'] = answer.body.length;
    res.writeHead(answer.status, headers);
    res.end(answer.body);
    finish(entry, 'answered', answer.status);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const operation = operationOf(req);
    const fault = pick(operation);
    const entry: ProxiedRequest = {
      seq: recorded.length + 1,
      operation,
      tableName: tableOf(body),
      invocationId: (req.headers['amz-sdk-invocation-id'] as string | undefined) ?? undefined,
      ...attemptOf(req),
      fault: fault.kind,
      forwarded: false,
      outcome: 'pending',
      receivedAt: Date.now(),
    };
    recorded.push(entry);
    // The client gave up (its timeout, or the store's budget aborting the call).
    res.on('close', () => {
      if (!res.writableEnded) finish(entry, 'abandoned');
    });

    switch (fault.kind) {
      case 'pass':
        return forward(req, body, entry, (answer) => relay(res, entry, answer));
      case 'throttled':
        return answerError(res, entry, fault.exception ?? 'ProvisionedThroughputExceededException');
      case 'serverError':
        return answerError(res, entry, 'InternalServerError');
      case 'hang':
        entry.outcome = 'hung';
        return undefined;
      case 'drop':
        if (fault.phase === 'response') {
          return forward(req, body, entry, () => {
            res.socket?.destroy();
            finish(entry, 'dropped');
          });
        }
        res.socket?.destroy();
        return finish(entry, 'dropped');
      case 'slow':
        if (fault.phase === 'request') {
          return later(fault.delayMs, () => {
            if (res.destroyed) return finish(entry, 'abandoned');
            forward(req, body, entry, (answer) => relay(res, entry, answer));
          });
        }
        return forward(req, body, entry, (answer) => later(fault.delayMs, () => relay(res, entry, answer)));
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
    req.on('error', () => undefined);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 5000;

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        online = true;
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      online = false;
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  const port = await listen(options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    upstream: options.upstream,
    fault(operation, fault, when = {}) {
      checkFault(operation, fault, when);
      rules.push({
        operation,
        fault: { ...fault },
        remaining: when.times ?? 1,
        fraction: when.fraction ?? 1,
      });
    },
    clearFaults() {
      rules = [];
    },
    requests: () => recorded.map((entry) => ({ ...entry })),
    count: () => recorded.length,
    offline: stop,
    async online() {
      if (closed) throw new Error('the proxy is closed');
      if (!online) await listen(port);
    },
    get isOnline() {
      return online;
    },
    async settle(timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (recorded.some((entry) => entry.outcome === 'pending') && Date.now() < until) {
        await new Promise<void>((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await stop();
      agent.destroy();
    },
  };
}
