/**
 * The faults the Spotify Connect simulator can inject, one per response, for a given operation
 * (shared/reference/spotify-connect.md §8 and §10 list where each comes from).
 */

export const SIMULATOR_OPERATIONS = [
  'getDevices',
  'transferPlayback',
  'getPlaybackState',
  'startPlayback',
  'pausePlayback',
] as const;
export type SimulatorOperation = (typeof SIMULATOR_OPERATIONS)[number];

const COMMANDS: readonly SimulatorOperation[] = ['transferPlayback', 'startPlayback', 'pausePlayback'];

export type SimulatorFault =
  /**
   * 202, empty body. On a command: applied after `applyAfterPolls` further GET /me/player (default 1), or
   * never. On a GET: no data, as Spotify answers a user's first use of Connect ("the response code from any
   * endpoint may be 202").
   */
  | { kind: 'accepted'; applyAfterPolls?: number | 'never' }
  /** 404 "Device not found" without reason; the targeted device keeps its name but gets a new id (default). */
  | { kind: 'deviceNotFound'; rotateId?: boolean }
  /** 404 NO_ACTIVE_DEVICE. */
  | { kind: 'noActiveDevice' }
  /** 403 PREMIUM_REQUIRED. */
  | { kind: 'premiumRequired' }
  /** 403 with a reason (default UNKNOWN, "Restriction violated"). */
  | { kind: 'restricted'; reason?: string }
  /** 403 without reason (account not allow-listed on the app, or its owner lost Premium). */
  | { kind: 'forbidden' }
  /** 401. */
  | { kind: 'unauthorized' }
  /** 429 with `Retry-After: retryAfter` (seconds or an HTTP-date); no header when omitted. */
  | { kind: 'rateLimited'; retryAfter?: number | string }
  /** 429 QUOTA_EXCEEDED. */
  | { kind: 'quotaExceeded' }
  /** 500/502/503 with a Spotify JSON body (default), an HTML page, or nothing. */
  | { kind: 'serverError'; status?: 500 | 502 | 503; body?: 'json' | 'html' | 'none' }
  /** Wait `delayMs`, then answer normally. */
  | { kind: 'slow'; delayMs: number }
  /** Destroy the socket without answering. */
  | { kind: 'drop' }
  /** 200 with an empty body (GET operations). */
  | { kind: 'emptyBody' }
  /** 200 text/plain on a successful command, as Spotify sometimes answers (commands only). */
  | { kind: 'textBody'; text?: string }
  /** 200 {"devices":[]} (getDevices only). */
  | { kind: 'noDevices' };

export type SimulatorFaultKind = SimulatorFault['kind'];

/** Throws when a fault cannot happen on that operation, or is malformed (e.g. from the HTTP control endpoint). */
export function checkFault(operation: unknown, fault: unknown, count: unknown = 1): SimulatorOperation {
  if (!SIMULATOR_OPERATIONS.includes(operation as SimulatorOperation)) {
    throw new Error(`operation must be one of ${SIMULATOR_OPERATIONS.join(', ')}`);
  }
  const op = operation as SimulatorOperation;
  if (!Number.isInteger(count) || (count as number) < 1) throw new Error('count must be a positive integer');
  if (typeof fault !== 'object' || fault === null) throw new Error('fault must be an object with a kind');
  const f = fault as Record<string, unknown>;
  const command = COMMANDS.includes(op);
  const ok = (condition: boolean, message: string) => {
    if (!condition) throw new Error(`${String(f.kind)} on ${op}: ${message}`);
  };
  switch (f.kind) {
    case 'accepted':
      ok(command || f.applyAfterPolls === undefined, 'applyAfterPolls only for commands');
      ok(
        f.applyAfterPolls === undefined ||
          f.applyAfterPolls === 'never' ||
          (Number.isInteger(f.applyAfterPolls) && (f.applyAfterPolls as number) >= 0),
        'applyAfterPolls must be a non-negative integer or "never"',
      );
      break;
    case 'deviceNotFound':
      ok(f.rotateId === undefined || typeof f.rotateId === 'boolean', 'rotateId must be a boolean');
      break;
    case 'restricted':
      ok(f.reason === undefined || typeof f.reason === 'string', 'reason must be a string');
      break;
    case 'rateLimited':
      ok(
        f.retryAfter === undefined || typeof f.retryAfter === 'number' || typeof f.retryAfter === 'string',
        'retryAfter must be seconds or an HTTP-date',
      );
      break;
    case 'serverError':
      ok(
        f.status === undefined || [500, 502, 503].includes(f.status as number),
        'status must be 500, 502 or 503',
      );
      ok(
        f.body === undefined || ['json', 'html', 'none'].includes(f.body as string),
        'body: json, html or none',
      );
      break;
    case 'slow':
      ok(typeof f.delayMs === 'number' && f.delayMs >= 0, 'delayMs must be a non-negative number');
      break;
    case 'emptyBody':
      ok(!command, 'only for GET operations');
      break;
    case 'textBody':
      ok(command, 'only for commands');
      ok(f.text === undefined || typeof f.text === 'string', 'text must be a string');
      break;
    case 'noDevices':
      ok(op === 'getDevices', 'only for getDevices');
      break;
    case 'noActiveDevice':
    case 'premiumRequired':
    case 'forbidden':
    case 'unauthorized':
    case 'quotaExceeded':
    case 'drop':
      break;
    default:
      throw new Error(`unknown fault kind ${JSON.stringify(f.kind)}`);
  }
  return op;
}
