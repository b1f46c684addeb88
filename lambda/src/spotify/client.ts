/**
 * The Spotify Connect HTTP client: exactly one request per call, no retries (the orchestration above
 * decides those within the voice budget). Wire shapes come from the types generated from the vendored
 * OpenAPI file (openapi/); only the error `reason`, which the spec omits, is described here.
 * Rules: shared/reference/spotify-connect.md §2, §3 and §10.
 */
import type { components, paths } from './openapi/spotify-web-api';
import { SpotifyApiError } from './types';
import type { CallOptions, PlaybackState, SpotifyApi, SpotifyDevice, SpotifyFailure } from './types';

type DeviceObject = components['schemas']['DeviceObject'];
type DevicesBody = paths['/me/player/devices']['get']['responses'][200]['content']['application/json'];
type PlaybackBody = paths['/me/player']['get']['responses'][200]['content']['application/json'];
type TransferBody = NonNullable<paths['/me/player']['put']['requestBody']>['content']['application/json'];
type StartQuery = NonNullable<paths['/me/player/play']['put']['parameters']['query']>;
type PauseQuery = NonNullable<paths['/me/player/pause']['put']['parameters']['query']>;
/** ErrorObject plus the player `reason` ("Player error reasons" in Spotify's docs; not in the spec). */
type ErrorBody = paths['/me/player']['put']['responses'][403]['content']['application/json'] & {
  error: { reason?: string };
};

/** The fields this client reads, checked against the spec by test/contract/spotify-contract.test.ts. */
export const DEVICE_FIELDS_READ = [
  'id',
  'name',
  'type',
  'is_active',
  'is_restricted',
  'volume_percent',
  'supports_volume',
] as const satisfies readonly (keyof DeviceObject)[];
export const DEVICES_FIELDS_READ = ['devices'] as const satisfies readonly (keyof DevicesBody)[];
export const PLAYBACK_FIELDS_READ = [
  'device',
  'is_playing',
] as const satisfies readonly (keyof PlaybackBody)[];
/** `reason` is outside the spec's ErrorObject (see the README beside the spec, "Known gaps"). */
export const ERROR_FIELDS_READ = ['error'] as const satisfies readonly (keyof ErrorBody)[];

export type SpotifyOperation =
  'getDevices' | 'transferPlayback' | 'getPlaybackState' | 'startPlayback' | 'pausePlayback';

export interface SpotifyClientLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface SpotifyClientOptions {
  /** The Web API base including `/v1`, e.g. https://api.spotify.com/v1. */
  baseUrl: string;
  fetch: typeof fetch;
  logger?: SpotifyClientLogger;
}

/** Player reasons are upper-case identifiers; anything else is not echoed into errors or logs. */
const REASON_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
/** RFC 6750 b64token plus what real tokens use; also keeps the token out of fetch's header errors. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export class SpotifyClient implements SpotifyApi {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly logger: SpotifyClientLogger | undefined;

  constructor(options: SpotifyClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch;
    this.logger = options.logger;
  }

  async getDevices(token: string, options: CallOptions): Promise<SpotifyDevice[]> {
    const { status, body } = await this.call('getDevices', token, 'GET', '/me/player/devices', options, {
      readBody: true,
    });
    // 202 and no list: Spotify's first-use answer ("the response code from any endpoint may be 202").
    if (status === 202) throw this.fail('getDevices', 'not_ready', status, undefined);
    const parsed = parseJson(body);
    const devices = isRecord(parsed)
      ? (parsed as Partial<Record<keyof DevicesBody, unknown>>).devices
      : undefined;
    if (!Array.isArray(devices)) {
      // An empty or unreadable body on a 2xx: nothing to offer, and not "no devices" either.
      throw this.fail('getDevices', 'unexpected', status, undefined);
    }
    return devices.filter(isRecord).map(toDevice);
  }

  async transferPlayback(
    token: string,
    deviceId: string,
    play: boolean,
    options: CallOptions,
  ): Promise<number> {
    // Exactly one id: Spotify answers 400 to more than one (spec text on device_ids).
    const body: TransferBody = { device_ids: [deviceId], play };
    const { status } = await this.call('transferPlayback', token, 'PUT', '/me/player', options, {
      json: body,
    });
    return status;
  }

  async getPlaybackState(token: string, options: CallOptions): Promise<PlaybackState | undefined> {
    const { status, body } = await this.call('getPlaybackState', token, 'GET', '/me/player', options, {
      readBody: (status) => status !== 204,
    });
    // 204 "Playback not available or active": no body to parse. An empty 2xx body means the same, and a
    // 202 (Spotify's first-use answer) shows nothing yet either: nothing here confirms a device.
    if (status === 204 || status === 202 || body === undefined || body.trim() === '') return undefined;
    const parsed = parseJson(body);
    if (!isRecord(parsed)) throw this.fail('getPlaybackState', 'unexpected', status, undefined);
    const state = parsed as Partial<Record<keyof PlaybackBody, unknown>>;
    const device = isRecord(state.device) ? toDevice(state.device) : undefined;
    return {
      deviceId: device?.id ?? null,
      deviceName: device?.name || null,
      isPlaying: state.is_playing === true,
    };
  }

  /** PUT /me/player/play?device_id=…: resume on (and transfer to) that device. Resolves with the 2xx status. */
  async startPlayback(token: string, deviceId: string, options: CallOptions): Promise<number> {
    const query: StartQuery = { device_id: deviceId };
    const { status } = await this.call(
      'startPlayback',
      token,
      'PUT',
      `/me/player/play?${params(query)}`,
      options,
    );
    return status;
  }

  /** PUT /me/player/pause?device_id=…. Resolves with the 2xx status. */
  async pausePlayback(token: string, deviceId: string, options: CallOptions): Promise<number> {
    const query: PauseQuery = { device_id: deviceId };
    const { status } = await this.call(
      'pausePlayback',
      token,
      'PUT',
      `/me/player/pause?${params(query)}`,
      options,
    );
    return status;
  }

  /**
   * One HTTP request. Resolves for any 2xx (with the body text only when `readBody` asks for it: command
   * bodies are never parsed); throws SpotifyApiError for everything else.
   */
  private async call(
    operation: SpotifyOperation,
    token: string,
    method: 'GET' | 'PUT',
    path: string,
    options: CallOptions,
    request: { json?: unknown; readBody?: boolean | ((status: number) => boolean) } = {},
  ): Promise<{ status: number; body: string | undefined }> {
    if (!TOKEN_PATTERN.test(token)) {
      // Never handed to fetch, whose header errors would quote it.
      this.logger?.warn('Spotify call without a usable access token', { operation });
      throw new SpotifyApiError('unauthorized', undefined, undefined);
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (method !== 'GET') {
      // An empty string makes fetch send Content-Length: 0; without it Spotify may answer 411.
      body = '';
    }

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.max(0, options.timeoutMs),
    );
    try {
      let response: Response;
      try {
        response = await this.fetchImpl(`${this.baseUrl}${path}`, {
          method,
          headers,
          body,
          signal: controller.signal,
          // Never follow a redirect with the token; a 3xx is reported as unexpected.
          redirect: 'manual',
        });
      } catch (error) {
        throw this.fail(operation, timedOut ? 'timeout' : 'network', undefined, undefined, undefined, error);
      }
      const { status } = response;
      if (status >= 200 && status < 300) {
        const wanted = typeof request.readBody === 'function' ? request.readBody(status) : request.readBody;
        if (!wanted) {
          // Drain for connection reuse; a success stays a success whatever the body (§10 row 12).
          await response.arrayBuffer().catch(() => undefined);
          return { status, body: undefined };
        }
        try {
          return { status, body: await response.text() };
        } catch (error) {
          throw this.fail(operation, timedOut ? 'timeout' : 'network', status, undefined, undefined, error);
        }
      }
      const text = await response.text().catch(() => '');
      const reason = readReason(text);
      const kind = failureKind(status, reason);
      const retryAfter =
        kind === 'rate_limited' || kind === 'quota_exceeded'
          ? retryAfterSeconds(response.headers.get('retry-after'), kind === 'rate_limited')
          : undefined;
      throw this.fail(operation, kind, status, reason, retryAfter);
    } finally {
      clearTimeout(timer);
    }
  }

  private fail(
    operation: SpotifyOperation,
    kind: SpotifyFailure,
    status: number | undefined,
    reason: string | undefined,
    retryAfter?: number,
    cause?: unknown,
  ): SpotifyApiError {
    const fields = { operation, kind, status, reason, retryAfterSeconds: retryAfter };
    if (kind === 'unexpected' || kind === 'bad_request') this.logger?.error('Spotify call failed', fields);
    else this.logger?.warn('Spotify call failed', fields);
    return new SpotifyApiError(kind, status, reason, retryAfter, cause === undefined ? undefined : { cause });
  }
}

/** Status first, then `reason`; never the message (§3: messages vary for the same failure). */
export function failureKind(status: number, reason: string | undefined): SpotifyFailure {
  if (status === 400) return 'bad_request';
  if (status === 401) return 'unauthorized';
  if (status === 403) {
    if (reason === 'PREMIUM_REQUIRED') return 'premium_required';
    // No reason: the account is not allow-listed on the app, or the app owner lost Premium (§6, §10 row 4).
    return reason === undefined ? 'not_allowed' : 'restricted';
  }
  if (status === 404) {
    if (reason === 'NO_ACTIVE_DEVICE') return 'no_active_device';
    return reason === undefined ? 'device_not_found' : 'unexpected';
  }
  if (status === 429) return reason === 'QUOTA_EXCEEDED' ? 'quota_exceeded' : 'rate_limited';
  if (status >= 500 && status < 600) return 'server_error';
  return 'unexpected';
}

/**
 * Retry-After in whole seconds: delta-seconds or an HTTP-date. Missing, 0, past or unreadable → 1 when
 * `orDefault` (never hammer, §5), else undefined.
 */
export function retryAfterSeconds(
  header: string | null,
  orDefault = true,
  now: number = Date.now(),
): number | undefined {
  const fallback = orDefault ? 1 : undefined;
  const value = header?.trim();
  if (!value) return fallback;
  let seconds: number;
  if (/^\d+(\.\d+)?$/.test(value)) seconds = Number(value);
  else {
    const date = Date.parse(value);
    if (Number.isNaN(date)) return fallback;
    seconds = (date - now) / 1000;
  }
  return seconds >= 1 ? Math.ceil(seconds) : (fallback ?? (seconds > 0 ? 1 : undefined));
}

/** The `reason` of a Spotify error body, if the body is one: empty, HTML and partial bodies give none. */
function readReason(text: string): string | undefined {
  const parsed = parseJson(text);
  if (!isRecord(parsed)) return undefined;
  const error = (parsed as Partial<Record<keyof ErrorBody, unknown>>).error;
  if (!isRecord(error)) return undefined;
  const reason = (error as Partial<Record<keyof ErrorBody['error'], unknown>>).reason;
  return typeof reason === 'string' && REASON_PATTERN.test(reason) ? reason : undefined;
}

function toDevice(raw: Record<string, unknown>): SpotifyDevice {
  const device = raw as Partial<Record<keyof DeviceObject, unknown>>;
  const volume = device.volume_percent;
  return {
    id: typeof device.id === 'string' && device.id !== '' ? device.id : null,
    name: typeof device.name === 'string' ? device.name : '',
    type: typeof device.type === 'string' ? device.type : '',
    isActive: device.is_active === true,
    isRestricted: device.is_restricted === true,
    volumePercent:
      typeof volume === 'number' && Number.isFinite(volume)
        ? Math.min(100, Math.max(0, Math.round(volume)))
        : null,
    supportsVolume: typeof device.supports_volume === 'boolean' ? device.supports_volume : null,
  };
}

function params(query: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, value);
  return search.toString();
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
