/**
 * A Spotify Connect simulator of the project's own: a real HTTP server on 127.0.0.1 serving the player
 * endpoints the skill uses under /v1, with Spotify's validation, error shapes and state, plus faults on
 * demand (spotify-simulator-faults.ts). Responses follow the vendored OpenAPI schemas; the statuses and
 * the `reason` field the spec omits follow shared/reference/spotify-connect.md.
 *
 * Tests: `startSpotifySimulator()`. By hand: `node -r ts-node/register/transpile-only
 * scripts/local/spotify-simulator.ts` prints the base URL; faults then go to POST /__simulator/faults
 * with {"operation":"transferPlayback","fault":{"kind":"accepted","applyAfterPolls":2},"count":1}.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { components, paths } from '../../lambda/src/spotify/openapi/spotify-web-api';
import { checkFault } from './spotify-simulator-faults';
import type { SimulatorFault, SimulatorOperation } from './spotify-simulator-faults';

export { SIMULATOR_OPERATIONS } from './spotify-simulator-faults';
export type { SimulatorFault, SimulatorFaultKind, SimulatorOperation } from './spotify-simulator-faults';

type DeviceObject = components['schemas']['DeviceObject'];
type DevicesBody = paths['/me/player/devices']['get']['responses'][200]['content']['application/json'];
type PlaybackBody = paths['/me/player']['get']['responses'][200]['content']['application/json'];
/** Spotify's error body: the spec's ErrorObject plus the player `reason` the spec omits. */
type ErrorBody = { error: components['schemas']['ErrorObject'] & { reason?: string } };

export const DEFAULT_SIMULATOR_TOKEN = 'simulator-access-token';

/** A device as the simulator keeps it; `is_active` is derived from `SimulatorState.active`. */
export type SimulatedDevice = Required<Omit<DeviceObject, 'is_active'>>;

export interface SimulatorState {
  devices: SimulatedDevice[];
  /** Where playback is (last known); undefined: nothing active, so GET /me/player answers 204. */
  active: SimulatedDevice | undefined;
  isPlaying: boolean;
  /** Access tokens accepted as `Authorization: Bearer <token>`. */
  tokens: string[];
}

export interface RecordedRequest {
  method: string;
  /** e.g. /v1/me/player */
  path: string;
  query: Record<string, string>;
  /** As received (lower-case names), authorization included. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON, else the raw text; undefined when empty. */
  body: unknown;
  rawBody: string;
  operation: SimulatorOperation | undefined;
  fault: SimulatorFault | undefined;
  /** undefined when the connection was dropped or the client had gone. */
  response: { status: number; headers: Record<string, string>; body: string } | undefined;
}

export interface SpotifySimulatorOptions {
  devices?: SimulatedDevice[];
  /** Name of the device playback is on at the start (default: none). */
  activeDeviceName?: string;
  isPlaying?: boolean;
  tokens?: string[];
  /** Default 0: a random free port. */
  port?: number;
  /** Every Web API answer waits this long first (a slow Spotify); default 0. */
  latencyMs?: number;
}

export interface SpotifySimulator {
  /** http://127.0.0.1:<port>/v1 */
  baseUrl: string;
  /** http://127.0.0.1:<port>/__simulator */
  controlUrl: string;
  /** Live state; tests may change it directly. */
  state: SimulatorState;
  /** The next `count` (default 1) responses of `operation` get `fault`; queued after earlier faults. */
  fault(operation: SimulatorOperation, fault: SimulatorFault, count?: number): void;
  /** Gives the named device a new id, as Echos get; returns it. */
  rotateDeviceId(name: string): string;
  /** Every Web API answer from now on waits this long first (0: none). */
  setLatency(ms: number): void;
  /** Back to the start state; clears faults, pending commands and recorded requests. */
  reset(): void;
  requests(): RecordedRequest[];
  close(): Promise<void>;
}

export function defaultDevices(): SimulatedDevice[] {
  const device = (id: string | null, name: string, type: string, extra: Partial<SimulatedDevice> = {}) => ({
    id,
    name,
    type,
    is_restricted: false,
    is_private_session: false,
    volume_percent: 50,
    supports_volume: true,
    ...extra,
  });
  return [
    device('0d6b4f1e-8c2a-4e7b-9f3d-2a5c7e9b1f40_amzn_1', 'Kitchen Echo', 'Speaker', { volume_percent: 40 }),
    device('a3f9c2d47e1b8f6059d2c4e7b1a8f3d6c9e0b2a4', 'Office Speaker', 'Speaker', { volume_percent: 55 }),
    device('7c2e91b4d05f3a68e1c7b29d4f60a8e3b5d1c9f2', 'Living Room TV', 'TV', {
      volume_percent: null,
      supports_volume: false,
    }),
    device(null, 'Phone', 'Smartphone', { is_restricted: true, volume_percent: 100, supports_volume: false }),
    device('5a8e2c7f-1d3b-4f96-8e0a-c4b7d9f2e631_amzn_1', 'Bedroom Echo', 'Speaker', { volume_percent: 30 }),
  ];
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const json = (status: number, body: DevicesBody | PlaybackBody | ErrorBody): Reply => ({
  status,
  headers: JSON_TYPE,
  body: JSON.stringify(body),
});
const empty = (status: number): Reply => ({ status });
const spotifyError = (status: number, message: string, reason?: string): Reply =>
  json(status, { error: { status, message, ...(reason ? { reason } : {}) } });

const ROUTES: Record<string, Partial<Record<string, SimulatorOperation>>> = {
  '/v1/me/player/devices': { GET: 'getDevices' },
  '/v1/me/player': { GET: 'getPlaybackState', PUT: 'transferPlayback' },
  '/v1/me/player/play': { PUT: 'startPlayback' },
  '/v1/me/player/pause': { PUT: 'pausePlayback' },
};

export async function startSpotifySimulator(
  options: SpotifySimulatorOptions = {},
): Promise<SpotifySimulator> {
  const initial = () => {
    const devices = (options.devices ?? defaultDevices()).map((d) => ({ ...d }));
    return {
      devices,
      active: devices.find((d) => d.name === options.activeDeviceName),
      isPlaying: options.isPlaying ?? false,
      tokens: [...(options.tokens ?? [DEFAULT_SIMULATOR_TOKEN])],
    };
  };
  const state: SimulatorState = initial();
  const faults = new Map<SimulatorOperation, SimulatorFault[]>();
  let latencyMs = options.latencyMs ?? 0;
  const setLatency = (ms: number) => {
    if (!Number.isFinite(ms) || ms < 0 || ms > 60_000) throw new Error('latency must be 0–60000 ms');
    latencyMs = ms;
  };
  /** Commands answered 202 and not yet applied. */
  let pending: { apply: () => void; polls: number | 'never' }[] = [];
  let recorded: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const fault = (operation: SimulatorOperation, f: SimulatorFault, count = 1) => {
    checkFault(operation, f, count);
    const queue = faults.get(operation) ?? [];
    for (let i = 0; i < count; i += 1) queue.push({ ...f });
    faults.set(operation, queue);
  };

  const rotate = (device: SimulatedDevice): string => {
    const id = device.id?.endsWith('_amzn_1') ? `${randomUUID()}_amzn_1` : randomBytes(20).toString('hex');
    device.id = id;
    return id;
  };
  const rotateDeviceId = (name: string): string => {
    const device = state.devices.find((d) => d.name === name);
    if (!device) throw new Error(`no simulated device named ${name}`);
    return rotate(device);
  };

  const reset = () => {
    Object.assign(state, initial());
    faults.clear();
    pending = [];
    recorded = [];
    latencyMs = options.latencyMs ?? 0;
  };

  const wire = (d: SimulatedDevice): DeviceObject => ({ ...d, is_active: d === state.active });
  const byId = (id: string | undefined) => (id ? state.devices.find((d) => d.id === id) : undefined);

  /** 404/403 for a target id, as Spotify answers an unknown or restricted device. */
  const targetProblem = (id: string): Reply | undefined => {
    const device = byId(id);
    if (!device) return spotifyError(404, 'Device not found');
    if (device.is_restricted)
      return spotifyError(403, 'Player command failed: Restriction violated', 'UNKNOWN');
    return undefined;
  };

  const command = (apply: () => void, f: SimulatorFault | undefined): Reply => {
    if (f?.kind === 'accepted') {
      const polls = f.applyAfterPolls ?? 1;
      if (polls === 0) apply();
      else pending.push({ apply, polls });
      return empty(202);
    }
    apply();
    if (f?.kind === 'textBody') {
      const text = f.text ?? randomBytes(12).toString('base64url');
      return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text };
    }
    return empty(204);
  };

  const faultReply = (f: SimulatorFault, targetId: string | undefined): Reply | undefined => {
    switch (f.kind) {
      case 'deviceNotFound': {
        const device = byId(targetId);
        if (device && f.rotateId !== false) rotate(device);
        return spotifyError(404, 'Device not found');
      }
      case 'noActiveDevice':
        return spotifyError(404, 'Player command failed: No active device found', 'NO_ACTIVE_DEVICE');
      case 'premiumRequired':
        return spotifyError(403, 'Player command failed: Premium required', 'PREMIUM_REQUIRED');
      case 'restricted':
        return spotifyError(403, 'Player command failed: Restriction violated', f.reason ?? 'UNKNOWN');
      case 'forbidden':
        return spotifyError(
          403,
          'Check settings on developer.spotify.com/dashboard, the user may not be registered.',
        );
      case 'unauthorized':
        return spotifyError(401, 'The access token expired');
      case 'rateLimited': {
        const reply = spotifyError(429, 'API rate limit exceeded');
        if (f.retryAfter !== undefined)
          reply.headers = { ...reply.headers, 'retry-after': String(f.retryAfter) };
        return reply;
      }
      case 'quotaExceeded':
        return spotifyError(429, 'Too many requests', 'QUOTA_EXCEEDED');
      case 'serverError': {
        const status = f.status ?? 500;
        const body = f.body ?? 'json';
        if (body === 'none') return empty(status);
        if (body === 'html') {
          const html = `<html><head><title>${status}</title></head><body><h1>${status} Server Error</h1></body></html>`;
          return { status, headers: { 'content-type': 'text/html' }, body: html };
        }
        return spotifyError(
          status,
          status === 500 ? 'Server error.' : status === 502 ? 'Bad gateway.' : 'Service unavailable',
        );
      }
      default:
        return undefined;
    }
  };

  const answer = (
    op: SimulatorOperation,
    req: IncomingMessage,
    query: Record<string, string>,
    raw: string,
    body: unknown,
    f: SimulatorFault | undefined,
  ): Reply => {
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!req.headers.authorization) return spotifyError(401, 'No token provided');
    if (!auth?.[1] || !state.tokens.includes(auth[1])) return spotifyError(401, 'Invalid access token');
    if (req.method === 'PUT' && req.headers['content-length'] === undefined) {
      // Spotify's front end wants a length on every PUT/POST (§10 row 17), and answers in HTML.
      return { status: 411, headers: { 'content-type': 'text/html' }, body: '<h1>411 Length Required</h1>' };
    }
    if (raw !== '' && body === raw && op !== 'getDevices' && op !== 'getPlaybackState') {
      return spotifyError(400, 'Malformed json');
    }

    switch (op) {
      case 'getDevices': {
        if (f?.kind === 'accepted') return empty(202);
        if (f?.kind === 'emptyBody') return { status: 200, headers: JSON_TYPE, body: '' };
        return json(200, { devices: f?.kind === 'noDevices' ? [] : state.devices.map(wire) });
      }
      case 'getPlaybackState': {
        if (f?.kind === 'accepted') return empty(202);
        pending = pending.filter((p) => {
          if (p.polls === 'never') return true;
          if (p.polls === 0) {
            p.apply();
            return false;
          }
          p.polls -= 1;
          return true;
        });
        if (f?.kind === 'emptyBody') return { status: 200, headers: JSON_TYPE, body: '' };
        if (!state.active) return empty(204);
        return json(200, {
          device: wire(state.active),
          repeat_state: 'off',
          shuffle_state: false,
          timestamp: Date.now(),
          progress_ms: 0,
          is_playing: state.isPlaying,
          currently_playing_type: 'track',
        });
      }
      case 'transferPlayback': {
        const ids =
          typeof body === 'object' && body !== null
            ? (body as Record<string, unknown>).device_ids
            : undefined;
        const play =
          typeof body === 'object' && body !== null ? (body as Record<string, unknown>).play : undefined;
        if (ids === undefined) return spotifyError(400, 'Required field device_ids missing');
        if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
          return spotifyError(400, 'device_ids must be an array of device ids');
        }
        if (ids.length !== 1) return spotifyError(400, 'Only one device id is supported');
        if (play !== undefined && typeof play !== 'boolean')
          return spotifyError(400, 'play must be a boolean');
        const problem = targetProblem(ids[0] as string);
        if (problem) return problem;
        const target = byId(ids[0] as string);
        return command(() => {
          state.active = target;
          if (play === true) state.isPlaying = true;
        }, f);
      }
      case 'startPlayback': {
        const id = query.device_id;
        if (id !== undefined) {
          const problem = targetProblem(id);
          if (problem) return problem;
        } else if (!state.active) {
          return spotifyError(404, 'Player command failed: No active device found', 'NO_ACTIVE_DEVICE');
        }
        const target = id !== undefined ? byId(id) : state.active;
        return command(() => {
          state.active = target;
          state.isPlaying = true;
        }, f);
      }
      case 'pausePlayback': {
        const id = query.device_id;
        if (id !== undefined) {
          const problem = targetProblem(id);
          if (problem) return problem;
        }
        if (!state.active || (id !== undefined && state.active.id !== id)) {
          return spotifyError(404, 'Player command failed: No active device found', 'NO_ACTIVE_DEVICE');
        }
        return command(() => {
          state.isPlaying = false;
        }, f);
      }
    }
  };

  const control = (req: IncomingMessage, path: string, body: unknown): Reply => {
    const ok = (value: unknown): Reply => ({ status: 200, headers: JSON_TYPE, body: JSON.stringify(value) });
    const bad = (message: string): Reply => ({
      status: 400,
      headers: JSON_TYPE,
      body: JSON.stringify({ message }),
    });
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    try {
      if (req.method === 'POST' && path === '/__simulator/faults') {
        const op = checkFault(input.operation, input.fault, input.count ?? 1);
        fault(op, input.fault as SimulatorFault, (input.count as number | undefined) ?? 1);
        return empty(204);
      }
      if (req.method === 'POST' && path === '/__simulator/latency') {
        setLatency(Number(input.ms));
        return empty(204);
      }
      if (req.method === 'POST' && path === '/__simulator/reset') {
        reset();
        return empty(204);
      }
      if (req.method === 'POST' && path === '/__simulator/rotate') {
        return ok({ id: rotateDeviceId(String(input.name)) });
      }
      if (req.method === 'GET' && path === '/__simulator/requests') return ok(recorded);
      if (req.method === 'GET' && path === '/__simulator/state') {
        const { devices, active, isPlaying } = state;
        return ok({ devices: devices.map(wire), active: active?.name ?? null, isPlaying });
      }
    } catch (error) {
      return bad(error instanceof Error ? error.message : String(error));
    }
    return { status: 404, headers: JSON_TYPE, body: JSON.stringify({ message: 'unknown control endpoint' }) };
  };

  const send = (res: ServerResponse, reply: Reply): RecordedRequest['response'] => {
    if (res.destroyed || res.writableEnded) return undefined;
    const body = reply.body ?? '';
    const headers = { ...reply.headers, 'content-length': String(Buffer.byteLength(body)) };
    res.writeHead(reply.status, headers);
    res.end(body);
    return { status: reply.status, headers, body };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw === '' ? undefined : raw;
    try {
      if (raw !== '') body = JSON.parse(raw) as unknown;
    } catch {
      // kept as text
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/__simulator/')) {
      send(res, control(req, url.pathname, body));
      return;
    }

    const route = ROUTES[url.pathname.replace(/\/+$/, '')];
    const op = route?.[req.method ?? ''];
    const query = Object.fromEntries(url.searchParams);
    const f = op ? faults.get(op)?.shift() : undefined;
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query,
      headers: { ...req.headers },
      body,
      rawBody: raw,
      operation: op,
      fault: f,
      response: undefined,
    };
    recorded.push(record);

    if (f?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    const delayMs = (op ? latencyMs : 0) + (f?.kind === 'slow' ? f.delayMs : 0);
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, delayMs);
        timers.add(timer);
      });
    }
    let reply: Reply;
    if (!op) {
      reply = route ? spotifyError(405, 'Method not allowed') : spotifyError(404, 'Service not found');
    } else {
      const bodyRecord = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const ids = bodyRecord.device_ids;
      const targetId =
        query.device_id ?? (Array.isArray(ids) && typeof ids[0] === 'string' ? ids[0] : undefined);
      reply = (f && faultReply(f, targetId)) ?? answer(op, req, query, raw, body, f);
    }
    record.response = send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, {
        status: 500,
        body: `simulator error: ${error instanceof Error ? error.message : String(error)}`,
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    controlUrl: `http://127.0.0.1:${port}/__simulator`,
    state,
    fault,
    rotateDeviceId,
    setLatency,
    reset,
    requests: () => [...recorded],
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) {
  const port = Number(process.env.SPOTIFY_SIMULATOR_PORT ?? 0);
  startSpotifySimulator({ port, activeDeviceName: 'Office Speaker' })
    .then((simulator) => {
      console.log(`Spotify simulator: ${simulator.baseUrl} (token "${DEFAULT_SIMULATOR_TOKEN}")`);
      console.log(`Control: POST ${simulator.controlUrl}/faults | /reset | /rotate, GET /requests | /state`);
      const stop = () => void simulator.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
