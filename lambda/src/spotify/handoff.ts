import { matchByName } from './device-match';
import type {
  DeviceTarget,
  ListResult,
  MoveResult,
  SpotifyApi,
  SpotifyDevice,
  SpotifyFailure,
} from './types';
import { SpotifyApiError } from './types';

export interface HandoffTiming {
  /** Longest a single Spotify call may take. */
  callTimeoutMs: number;
  /** Pause between checks of the playback state after a transfer. */
  pollIntervalMs: number;
  /** Below this much time left, no further call is started. */
  minCallMs: number;
}

export const DEFAULT_TIMING: HandoffTiming = { callTimeoutMs: 2500, pollIntervalMs: 700, minCallMs: 300 };

export interface HandoffDeps {
  api: SpotifyApi;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** 0 ≤ x < 1, for retry jitter. */
  random: () => number;
  timing?: Partial<HandoffTiming>;
}

/** Spotify Connect ids of Echo devices end like this (shared/reference/spotify-connect.md §2.1). */
const isEcho = (d: SpotifyDevice) => /_amzn_\d+$/.test(d.id ?? '') || /\becho\b/i.test(d.name);
const usable = (d: SpotifyDevice): d is SpotifyDevice & { id: string } => d.id !== null && !d.isRestricted;
const names = (devices: SpotifyDevice[]) => [...new Set(devices.map((d) => d.name))];
const failureOf = (error: unknown): SpotifyFailure =>
  error instanceof SpotifyApiError ? error.kind : 'unexpected';

class OutOfTime extends Error {}

/** "Which one?" among devices; devices sharing one name cannot be told apart by voice, so say that. */
function choice(devices: SpotifyDevice[], thisEcho: boolean): MoveResult {
  const candidates = names(devices);
  if (candidates.length === 1) return { kind: 'sameName', device: candidates[0] as string };
  return { kind: 'choose', candidates, thisEcho };
}

/**
 * Moves a user's Spotify playback to the device they name, within a deadline that keeps the whole
 * Alexa turn far inside its ~8 s: every call gets what is left (capped), retries are bounded, and the
 * move is confirmed from the playback state before it is reported as done. Follows the fault table
 * in shared/reference/spotify-connect.md §10.
 */
export class SpotifyHandoff {
  private readonly timing: HandoffTiming;

  constructor(private readonly deps: HandoffDeps) {
    this.timing = { ...DEFAULT_TIMING, ...deps.timing };
  }

  async listDevices(token: string, deadline: number): Promise<ListResult> {
    try {
      const devices = await this.devices(token, deadline);
      return { kind: 'devices', names: names(devices.filter(usable)) };
    } catch (error) {
      return { kind: 'failed', failure: error instanceof OutOfTime ? 'timeout' : failureOf(error) };
    }
  }

  async move(token: string, target: DeviceTarget, deadline: number): Promise<MoveResult> {
    let chosen: string | undefined;
    try {
      const all = await this.devices(token, deadline);
      const picked = this.pick(all, target);
      if (picked.kind !== 'device') return picked.result;
      chosen = picked.device.name;
      return await this.transfer(token, picked.device, deadline);
    } catch (error) {
      const failure = error instanceof OutOfTime ? 'timeout' : failureOf(error);
      return chosen ? { kind: 'failed', failure, device: chosen } : { kind: 'failed', failure };
    }
  }

  private pick(
    all: SpotifyDevice[],
    target: DeviceTarget,
  ): { kind: 'device'; device: SpotifyDevice & { id: string } } | { kind: 'result'; result: MoveResult } {
    const controllable = all.filter(usable);
    const result = (r: MoveResult) => ({ kind: 'result' as const, result: r });
    if (target.kind === 'thisEcho') {
      const echos = controllable.filter(isEcho);
      if (echos.length === 1) return { kind: 'device', device: echos[0] as SpotifyDevice & { id: string } };
      if (echos.length > 1) return result(choice(echos, true));
      return result(
        controllable.length ? { kind: 'noMatch', available: names(controllable) } : { kind: 'noDevices' },
      );
    }
    const match = matchByName(controllable, target.name, (d) => d.name);
    if (match.kind === 'one') return { kind: 'device', device: match.item };
    if (match.kind === 'several') return result(choice(match.items, false));
    // A device Spotify lists but will not let anyone control: say so rather than "not found".
    const blocked = matchByName(
      all.filter((d) => !usable(d)),
      target.name,
      (d) => d.name,
    );
    if (blocked.kind === 'one')
      return result({ kind: 'failed', failure: 'restricted', device: blocked.item.name });
    return result(
      controllable.length ? { kind: 'noMatch', available: names(controllable) } : { kind: 'noDevices' },
    );
  }

  private async transfer(
    token: string,
    device: SpotifyDevice & { id: string },
    deadline: number,
  ): Promise<MoveResult> {
    let id = device.id;
    let retried = false;
    for (;;) {
      let status: number;
      try {
        status = await this.deps.api.transferPlayback(token, id, true, this.callOptions(deadline));
      } catch (error) {
        const failure = failureOf(error);
        if (retried) throw error;
        retried = true;
        if (failure === 'device_not_found') {
          // Ids change (Echo ids especially): find the same name again and try once with its new id.
          const again = (await this.devices(token, deadline))
            .filter(usable)
            .find((d) => d.name === device.name);
          if (!again) return { kind: 'failed', failure, device: device.name };
          id = again.id;
          continue;
        }
        if (failure === 'rate_limited' && error instanceof SpotifyApiError) {
          const waitMs = (error.retryAfterSeconds ?? 1) * 1000 + this.jitter();
          if (this.left(deadline) - waitMs < this.timing.minCallMs * 2) throw error;
          await this.deps.sleep(waitMs);
          continue;
        }
        if (failure === 'server_error') {
          await this.pause(deadline, this.jitter());
          continue;
        }
        if (failure === 'timeout' || failure === 'network') {
          // The transfer may have happened anyway: look before sending it again.
          if (await this.isActive(token, id, deadline)) return { kind: 'moved', device: device.name };
          continue;
        }
        throw error;
      }
      return this.confirm(token, id, device.name, status, deadline);
    }
  }

  /**
   * Transfers are asynchronous (and 202 means "accepted, not done"): poll the playback state until the
   * device is active, resending a 202'd transfer once, within the deadline.
   */
  private async confirm(
    token: string,
    id: string,
    name: string,
    status: number,
    deadline: number,
  ): Promise<MoveResult> {
    let resent = false;
    while (this.left(deadline) > this.timing.minCallMs) {
      if (await this.isActive(token, id, deadline)) return { kind: 'moved', device: name };
      if (this.left(deadline) < this.timing.pollIntervalMs + this.timing.minCallMs) break;
      await this.deps.sleep(this.timing.pollIntervalMs);
      if (status === 202 && !resent && this.left(deadline) > this.timing.minCallMs * 2) {
        resent = true;
        // Only a nudge: the first transfer was accepted, so a failed resend leaves the polls to confirm it.
        status = await this.deps.api
          .transferPlayback(token, id, true, this.callOptions(deadline))
          .catch(() => status);
      }
    }
    return { kind: 'unconfirmed', device: name };
  }

  private async isActive(token: string, id: string, deadline: number): Promise<boolean> {
    try {
      const state = await this.deps.api.getPlaybackState(token, this.callOptions(deadline));
      return state?.deviceId === id;
    } catch (error) {
      if (error instanceof OutOfTime) return false;
      const failure = failureOf(error);
      if (failure === 'timeout' || failure === 'network' || failure === 'server_error') return false;
      throw error;
    }
  }

  /** The device list, with one retry for a passing fault (listing is safe to repeat). */
  private async devices(token: string, deadline: number): Promise<SpotifyDevice[]> {
    try {
      return await this.deps.api.getDevices(token, this.callOptions(deadline));
    } catch (error) {
      const failure = failureOf(error);
      if (failure === 'server_error' || failure === 'timeout' || failure === 'network') {
        await this.pause(deadline, this.jitter());
        return this.deps.api.getDevices(token, this.callOptions(deadline));
      }
      if (failure === 'rate_limited' && error instanceof SpotifyApiError) {
        const waitMs = (error.retryAfterSeconds ?? 1) * 1000 + this.jitter();
        if (this.left(deadline) - waitMs < this.timing.minCallMs * 2) throw error;
        await this.deps.sleep(waitMs);
        return this.deps.api.getDevices(token, this.callOptions(deadline));
      }
      throw error;
    }
  }

  private left(deadline: number): number {
    return deadline - this.deps.now();
  }

  private callOptions(deadline: number) {
    const left = this.left(deadline);
    if (left < this.timing.minCallMs) throw new OutOfTime();
    return { timeoutMs: Math.min(this.timing.callTimeoutMs, left) };
  }

  private async pause(deadline: number, ms: number): Promise<void> {
    if (this.left(deadline) - ms < this.timing.minCallMs) throw new OutOfTime();
    await this.deps.sleep(ms);
  }

  /** 100–400 ms, so retries from many users do not arrive together. */
  private jitter(): number {
    return 100 + Math.floor(this.deps.random() * 300);
  }
}
