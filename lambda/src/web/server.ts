/**
 * The skill as a web service: an Express 4 app around ask-sdk-express-adapter, and the http.Server that
 * serves it. `createServer` has no process-level side effects (no listening, no signals, no env); the
 * caller (scripts/serve.ts, or a test) listens and closes.
 *
 * Routes:
 * - `POST /` and `POST /alexa`: the skill. In order: content-length / content-encoding gate (413/415 before
 *   the body is read), the adapter's body parser (raw text; bodies over the limit while streaming: 413),
 *   the verifiers (any failure: 400, the skill is not invoked), `skill.invoke` (an envelope for another
 *   skill: 400; any other failure: 500).
 * - `GET /health`: `{"status":"ok"}` (503 `shutting-down` once `close()` was called); touches nothing.
 * - anything else: 404 (405 for other methods on the skill paths).
 *
 * Error answers are small JSON bodies (`{"error": "..."}`) that do not repeat verification details;
 * those are logged.
 *
 * Slow clients (see ServerLimits): header and request timeouts are checked every second (Node's default is
 * every 30 s, which let a trickled body live up to 30 s past its limit); at most `maxConnections` connections;
 * at most `maxSkillRequests` skill requests (the ones that read a body) at once, beyond that 503 before the
 * body is read, so slow bodies can never hold every connection; and when the connection cap is reached the
 * connection that has waited longest without a request in progress (trickling its headers, or idle) is
 * closed, so a new one (`/health`, Alexa) still gets in.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Skill } from 'ask-sdk-core';
import { ExpressAdapter } from 'ask-sdk-express-adapter';
import type { Verifier } from 'ask-sdk-express-adapter';
import express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../platform/logger';
import { silentLogger } from '../platform/logger';
import { cheapChecksFirst } from './request-verification';

/**
 * The adapter's body parser (body-parser `text()`) has the default 100 kB limit and cannot be configured,
 * so a larger limit here would not take effect; larger ones are refused.
 */
export const ADAPTER_BODY_LIMIT_BYTES = 100 * 1024;
export const SKILL_PATHS = ['/', '/alexa'] as const;

export interface ServerLimits {
  /** Requests with a larger body get 413 (by Content-Length before reading, else while reading). */
  maxBodyBytes: number;
  /** Whole request, body included (http.Server#requestTimeout). Alexa gives up after about 8 s anyway. */
  requestTimeoutMs: number;
  /** http.Server#headersTimeout. */
  headersTimeoutMs: number;
  /** Idle keep-alive connections are closed after this long. */
  keepAliveTimeoutMs: number;
  /**
   * How often Node checks the header and request timeouts (http `connectionsCheckingInterval`): a slow
   * request is cut at most this long after its limit. Node's default is 30 s.
   */
  timeoutCheckIntervalMs: number;
  /** http.Server#maxConnections: connections beyond it are closed by Node as they arrive. */
  maxConnections: number;
  /**
   * Skill requests (POST / and /alexa: body read, verified, skill run) at once; more get 503 before their
   * body is read. Must be below `maxConnections`, so slow bodies leave connections for `/health`. Default:
   * 15/16 of `maxConnections`.
   */
  maxSkillRequests: number;
}

export const DEFAULT_MAX_CONNECTIONS = 256;

export const DEFAULT_LIMITS: Omit<ServerLimits, 'maxSkillRequests'> = {
  maxBodyBytes: ADAPTER_BODY_LIMIT_BYTES,
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  timeoutCheckIntervalMs: 1_000,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
};

/** Warnings repeated during a flood (busy, connection cap) are logged at most this often. */
const FLOOD_LOG_INTERVAL_MS = 10_000;

function resolveLimits(given: Partial<ServerLimits> = {}): ServerLimits {
  const base = { ...DEFAULT_LIMITS, ...given };
  const limits: ServerLimits = {
    ...base,
    maxSkillRequests: given.maxSkillRequests ?? Math.max(1, Math.floor((base.maxConnections * 15) / 16)),
  };
  if (!(limits.maxBodyBytes > 0 && limits.maxBodyBytes <= ADAPTER_BODY_LIMIT_BYTES)) {
    throw new RangeError(`createServer: maxBodyBytes must be between 1 and ${ADAPTER_BODY_LIMIT_BYTES}`);
  }
  for (const name of ['requestTimeoutMs', 'headersTimeoutMs', 'timeoutCheckIntervalMs'] as const) {
    if (!(limits[name] > 0 && Number.isFinite(limits[name]))) {
      throw new RangeError(`createServer: ${name} must be a positive number of milliseconds`);
    }
  }
  if (!(Number.isInteger(limits.maxConnections) && limits.maxConnections >= 2)) {
    throw new RangeError('createServer: maxConnections must be an integer of at least 2');
  }
  if (!(
    Number.isInteger(limits.maxSkillRequests) &&
    limits.maxSkillRequests >= 1 &&
    limits.maxSkillRequests < limits.maxConnections
  )) {
    throw new RangeError('createServer: maxSkillRequests must be an integer from 1 to maxConnections - 1');
  }
  return limits;
}

export interface CreateServerOptions {
  skill: Skill;
  /**
   * Run on every skill request before the skill; normally `createAlexaVerifiers(...)`. May be empty or lack
   * signature/timestamp verification only together with `insecureLocal: true`. Run one at a time, those
   * marked `costly` (the signature verifier) last (`cheapChecksFirst`).
   */
  verifiers: Verifier[];
  /**
   * Set (by `npm run serve -- --insecure-local` only) when signature and timestamp verification are
   * deliberately off: every skill request then logs a warning. Without it, `verifiers` must not be empty.
   */
  insecureLocal?: boolean;
  limits?: Partial<ServerLimits>;
  logger?: Logger;
}

export interface CloseOptions {
  /** How long in-flight requests may take to finish before their connections are cut. Default 10 s. */
  graceMs?: number;
}

export interface WebServer {
  app: express.Express;
  server: http.Server;
  /** The limits in force, defaults filled in. */
  limits: Readonly<ServerLimits>;
  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Graceful stop: no new connections, idle ones closed, in-flight requests finish (their responses carry
   * `Connection: close`), and after `graceMs` whatever is left is cut. Resolves when the server has closed.
   */
  close(options?: CloseOptions): Promise<void>;
  /** Requests currently being handled. */
  inFlight(): number;
  /** Open connections (for tests and diagnostics). */
  connections(): number;
}

function errorBody(error: string): { error: string } {
  return { error };
}

/**
 * ExpressAdapter answers failures itself, as text: `400 "AskSdk.Request verification failed Error, <why>"`
 * or `500 "AskSdk.Skill dispatch failed Error, <why>"`. This wraps `res.send` for the adapter's handlers
 * to turn those into JSON, log the reason, and make an envelope for another skill (ask-sdk-core's
 * `withSkillId`: "CustomSkill ID verification failed!") or an unparsable body a 400 instead of a 500.
 */
function adapterAnswersToJson(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const send = res.send.bind(res);
    res.send = ((body?: unknown) => {
      res.send = send;
      if (res.statusCode < 400 || typeof body !== 'string' || !body.startsWith('AskSdk.')) return send(body);
      const [name = '', ...rest] = body.split(', ');
      const reason = rest.join(', ');
      if (name.includes('Request verification failed')) {
        logger.warn('request refused: verification failed', { path: req.path, reason });
        return res.status(400).json(errorBody('request verification failed'));
      }
      if (name.includes('Skill dispatch failed')) {
        if (/ID verification failed/i.test(reason)) {
          logger.warn('request refused: for another skill', { path: req.path });
          return res.status(400).json(errorBody('request is not for this skill'));
        }
        if (/JSON/.test(reason)) {
          logger.warn('request refused: body is not JSON', { path: req.path });
          return res.status(400).json(errorBody('request body is not a skill request'));
        }
        logger.error('skill failed', { path: req.path, reason });
        return res.status(500).json(errorBody('skill failed'));
      }
      logger.error('skill request failed', { path: req.path, status: res.statusCode, reason: body });
      return res.status(500).json(errorBody('request failed'));
    }) as typeof res.send;
    next();
  };
}

/** Refuses oversized (by Content-Length) and compressed bodies before a byte of the body is read. */
function bodyGate(maxBodyBytes: number, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      logger.warn('request refused: compressed body', { path: req.path });
      res.status(415).set('Connection', 'close').json(errorBody('compressed bodies are not accepted'));
      return;
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && !(Number(declared) <= maxBodyBytes)) {
      logger.warn('request refused: body too large', { path: req.path, contentLength: declared });
      res.status(413).set('Connection', 'close').json(errorBody('request body too large'));
      return;
    }
    next();
  };
}

/** The adapter's body parser reports its own limit (chunked bodies) and bad bodies through `next(err)`. */
function errorsToJson(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const fields = (typeof error === 'object' && error !== null ? error : {}) as {
      status?: unknown;
      statusCode?: unknown;
      type?: unknown;
      message?: unknown;
    };
    const status = Number(fields.status ?? fields.statusCode);
    const type = fields.type;
    if (status === 413 || type === 'entity.too.large') {
      logger.warn('request refused: body too large', { path: req.path });
      res.status(413).set('Connection', 'close').json(errorBody('request body too large'));
      return;
    }
    if (status >= 400 && status < 500) {
      logger.warn('request refused', {
        path: req.path,
        status,
        type: typeof type === 'string' ? type : undefined,
      });
      res.status(status).json(errorBody('bad request'));
      return;
    }
    logger.error('request failed', { path: req.path, error: String(fields.message ?? error) });
    res.status(500).json(errorBody('internal error'));
  };
}

/** Calls `log` at most once per FLOOD_LOG_INTERVAL_MS, with how many events it stands for. */
function throttled(log: (count: number) => void): () => void {
  let last = 0;
  let count = 0;
  return () => {
    count += 1;
    const now = Date.now();
    if (now - last < FLOOD_LOG_INTERVAL_MS) return;
    last = now;
    log(count);
    count = 0;
  };
}

export function createServer(options: CreateServerOptions): WebServer {
  const logger = options.logger ?? silentLogger;
  const limits = resolveLimits(options.limits);
  const insecureLocal = options.insecureLocal === true;
  if (!Array.isArray(options.verifiers)) throw new TypeError('createServer: verifiers must be an array');
  if (options.verifiers.length === 0 && !insecureLocal) {
    throw new Error(
      'createServer: no request verifiers. Pass createAlexaVerifiers(...), or insecureLocal: true for local testing.',
    );
  }

  // One verifier: the adapter would run the given ones concurrently, starting certificate downloads for
  // requests that the cheap checks refuse. (The adapter appends none of its own: both flags false.)
  const adapter = new ExpressAdapter(options.skill, false, false, [cheapChecksFirst(options.verifiers)]);
  let closing = false;
  const active = new Set<express.Response>();
  const drained: Array<() => void> = [];

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use((_req, res, next) => {
    active.add(res);
    if (closing) res.set('Connection', 'close');
    const finish = () => {
      if (!active.delete(res)) return;
      if (active.size === 0) drained.splice(0).forEach((resolve) => resolve());
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  });

  app.get('/health', (_req, res) => {
    if (closing) res.status(503).json({ status: 'shutting-down' });
    else res.json({ status: 'ok' });
  });

  let skillRequests = 0;
  const logBusy = throttled((count) =>
    logger.warn('request refused: too many skill requests at once', {
      maxSkillRequests: limits.maxSkillRequests,
      refused: count,
    }),
  );
  /** Caps skill requests, answering before the body is read so a refused one frees its connection at once. */
  const skillRequestGate: RequestHandler = (_req, res, next) => {
    if (skillRequests >= limits.maxSkillRequests) {
      logBusy();
      res.status(503).set({ Connection: 'close', 'Retry-After': '1' }).json(errorBody('busy'));
      return;
    }
    skillRequests += 1;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      skillRequests -= 1;
    };
    res.on('finish', release);
    res.on('close', release);
    next();
  };

  const skillHandlers: RequestHandler[] = [
    skillRequestGate,
    (req, res, next) => {
      const started = Date.now();
      res.on('finish', () =>
        logger.info('skill request', { path: req.path, status: res.statusCode, ms: Date.now() - started }),
      );
      if (insecureLocal) {
        logger.warn('INSECURE: request signature and timestamp NOT verified (--insecure-local)', {
          path: req.path,
        });
      }
      next();
    },
    bodyGate(limits.maxBodyBytes, logger),
    adapterAnswersToJson(logger),
    ...(adapter.getRequestHandlers() as RequestHandler[]),
  ];
  for (const path of SKILL_PATHS) {
    app.post(path, ...skillHandlers);
    app.all(path, (_req, res) => {
      res.status(405).set('Allow', 'POST').json(errorBody('method not allowed'));
    });
  }
  app.use((_req, res) => {
    res.status(404).json(errorBody('not found'));
  });
  app.use(errorsToJson(logger));

  // connectionsCheckingInterval is only settable here; Node's 30 s default is what let timeouts slip.
  const server = http.createServer({ connectionsCheckingInterval: limits.timeoutCheckIntervalMs }, app);
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;

  // Connections without a request in progress (connected or idle since a response, possibly trickling
  // headers), oldest first: re-inserted whenever a response ends, so the first entry waited longest.
  const sockets = new Set<Socket>();
  const waiting = new Set<Socket>();
  const logDropped = throttled((count) =>
    logger.warn('connection cap reached: connection closed', {
      maxConnections: limits.maxConnections,
      closed: count,
    }),
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    waiting.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      waiting.delete(socket);
    });
    // At the cap, Node would close the next newcomer before any request could be read. Free a slot now by
    // closing the connection that has waited longest without a request (a header trickler or an idle
    // keep-alive one). Skill requests hold at most maxSkillRequests < maxConnections of them, so unless
    // every other connection is mid-response there is one to close, and /health or Alexa get in.
    if (sockets.size < limits.maxConnections) return;
    for (const candidate of waiting) {
      if (candidate === socket) continue;
      waiting.delete(candidate);
      candidate.destroy();
      logDropped();
      return;
    }
  });
  server.on('drop', () => logDropped());
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    waiting.delete(socket);
    res.once('close', () => {
      if (!socket.destroyed && sockets.has(socket)) waiting.add(socket);
    });
  });

  let closed: Promise<void> | undefined;
  const close = ({ graceMs = 10_000 }: CloseOptions = {}): Promise<void> => {
    closed ??= new Promise<void>((resolve, reject) => {
      closing = true;
      // Responses still to be written end their connection instead of keeping it alive.
      for (const res of active) if (!res.headersSent) res.set('Connection', 'close');
      server.close((error?: Error & { code?: string }) =>
        error && error.code !== 'ERR_SERVER_NOT_RUNNING' ? reject(error) : resolve(),
      );
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      cut.unref();
      const idle = new Promise<void>((done) => (active.size === 0 ? done() : drained.push(done)));
      void idle.then(() => {
        clearTimeout(cut);
        // A response that went out just before close() may have left its keep-alive socket idle.
        setImmediate(() => server.closeIdleConnections());
      });
    });
    return closed;
  };

  return {
    app,
    server,
    limits,
    listen: (port, host) =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close,
    inFlight: () => active.size,
    connections: () => sockets.size,
  };
}
