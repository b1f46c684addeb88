/**
 * The Spotify Connect operations the skill uses, as the rest of the code sees them. The HTTP client
 * (client.ts) implements `SpotifyApi` with types generated from the OpenAPI file; tests and `npm start`
 * point it at the project's Spotify Connect simulator.
 */

/** A device from GET /me/player/devices, parsed defensively: Spotify marks no device field required. */
export interface SpotifyDevice {
  /** null for some restricted devices; ids also change over time (Echo ids especially). */
  id: string | null;
  name: string;
  /** Opaque: "Computer", "Smartphone", "Speaker", "TV", "CastAudio", … */
  type: string;
  isActive: boolean;
  isRestricted: boolean;
  volumePercent: number | null;
  supportsVolume: boolean | null;
}

/** GET /me/player; undefined when Spotify answers 204 (nothing playing anywhere). */
export interface PlaybackState {
  deviceId: string | null;
  deviceName: string | null;
  isPlaying: boolean;
}

/** Every way a call can fail, from the faults listed in shared/reference/spotify-connect.md §10. */
export type SpotifyFailure =
  /** 401: token expired or revoked; the user must (re-)link in the Alexa app. */
  | 'unauthorized'
  /** 403 PREMIUM_REQUIRED. */
  | 'premium_required'
  /** 403 DEVICE_NOT_CONTROLLABLE, REMOTE_CONTROL_DISALLOW, UNKNOWN ("Restriction violated"), … */
  | 'restricted'
  /** 403 with no reason: the account is not allow-listed on the operator's Spotify app (or the owner lost Premium). */
  | 'not_allowed'
  /** 404 without a reason: the device id is unknown to Spotify now. */
  | 'device_not_found'
  /** 404 NO_ACTIVE_DEVICE. */
  | 'no_active_device'
  /**
   * 202 with no body where data was due: Spotify's answer the first time a user uses Connect, or while a
   * device is briefly unavailable. Retried a bounded number of times; if it persists, no device is active.
   */
  | 'not_ready'
  /** 429; `retryAfterSeconds` is set when Spotify sent Retry-After. */
  | 'rate_limited'
  /** 429 QUOTA_EXCEEDED: the operator's app is out of quota. */
  | 'quota_exceeded'
  /** 400: a request the client should never have sent. */
  | 'bad_request'
  /** 5xx. */
  | 'server_error'
  /** No answer within the call's timeout. */
  | 'timeout'
  /** Connection refused, reset or dropped. */
  | 'network'
  /** Anything else: an unexpected status or an unreadable success body where one was needed. */
  | 'unexpected';

export class SpotifyApiError extends Error {
  override readonly name = 'SpotifyApiError';
  constructor(
    readonly kind: SpotifyFailure,
    readonly status: number | undefined,
    readonly reason: string | undefined,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    // Never the token, never the response body's free text beyond the reason.
    super(`Spotify ${kind}${status ? ` (HTTP ${status}${reason ? ` ${reason}` : ''})` : ''}`, options);
  }
}

/** Per-call limits: the caller passes what is left of the turn's budget. */
export interface CallOptions {
  timeoutMs: number;
}

export interface SpotifyApi {
  getDevices(token: string, options: CallOptions): Promise<SpotifyDevice[]>;
  /** PUT /me/player with exactly one id; resolves with the 2xx status (202 means accepted, not done). */
  transferPlayback(token: string, deviceId: string, play: boolean, options: CallOptions): Promise<number>;
  getPlaybackState(token: string, options: CallOptions): Promise<PlaybackState | undefined>;
}

/** Which device the user means. */
export type DeviceTarget =
  | { kind: 'named'; name: string }
  /** The Echo the user is talking to: Spotify knows it by its Alexa name, which a skill is not told. */
  | { kind: 'thisEcho' };

/** What a hand-off came to, for the conversation to put into words. */
export type MoveResult =
  | { kind: 'moved'; device: string }
  /** Spotify was asked to play there (the transfer was accepted), but the turn could not see it playing. */
  | { kind: 'unconfirmed'; device: string }
  | { kind: 'choose'; candidates: string[]; thisEcho: boolean }
  | { kind: 'noMatch'; available: string[] }
  | { kind: 'noDevices' }
  /** Several devices carry the name the user said, so voice cannot pick one. */
  | { kind: 'sameName'; device: string }
  | { kind: 'failed'; failure: SpotifyFailure; device?: string };

export type ListResult =
  /** `unavailable`: devices Spotify lists but lets nobody control (restricted, or without an id). */
  { kind: 'devices'; names: string[]; unavailable?: string[] } | { kind: 'failed'; failure: SpotifyFailure };
