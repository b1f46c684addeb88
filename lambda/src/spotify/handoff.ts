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
  /** Longest a single Spotify call may take (above Spotify's slow-but-working 2.5 s). */
  callTimeoutMs: number;
  /** Pause between checks of the playback state after a transfer. */
  pollIntervalMs: number;
  /** Below this much time left, no further call is started. */
  minCallMs: number;
  /** Kept for the transfer while the device list runs before a move, so a slow list cannot starve it. */
  transferReserveMs: number;
  /**
   * The end of the budget that only the device list and the transfer may use: confirming the move (or
   * polling after a 202) stops this long before the deadline, so the essential calls have first claim.
   */
  essentialOnlyMs: number;
  /** Longest pause after a 202 on the device list, Spotify's first-use answer ("pause, then retry"). */
  acceptedPauseMs: number;
  /** How many times the device list is asked while it answers 202, never forever. */
  acceptedTries: number;
}

export const DEFAULT_TIMING: HandoffTiming = {
  callTimeoutMs: 3000,
  pollIntervalMs: 700,
  minCallMs: 300,
  transferReserveMs: 2700,
  essentialOnlyMs: 600,
  acceptedPauseMs: 1000,
  acceptedTries: 3,
};

export interface HandoffDeps {
  api: SpotifyApi;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** 0 ≤ x < 1, for retry jitter. */
  random: () => number;
  timing?: Partial<HandoffTiming>;
}

/** Spotify Connect ids of Echo devices end like this (docs/facts.md F27). */
const isEcho = (d: SpotifyDevice) => /_amzn_\d+$/.test(d.id ?? '') || /\becho\b/i.test(d.name);
const usable = (d: SpotifyDevice): d is SpotifyDevice & { id: string } => d.id !== null && !d.isRestricted;
const names = (devices: SpotifyDevice[]) => [...new Set(devices.map((d) => d.name))];
const failureOf = (error: unknown): SpotifyFailure =>
  error instanceof SpotifyApiError ? error.kind : 'unexpected';

class OutOfTime extends Error {}

/** One hand-off's clock: the deadline for the essential calls, the earlier one for confirming, and pace. */
interface Run {
  token: string;
  deadline: number;
  /** Confirming (polling the playback state, resending a 202'd transfer) stops here. */
  confirmBy: number;
  /** The slowest Spotify answer so far in this run: a poll that cannot come back in time is not started. */
  slowestMs: number;
}

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

  private run(token: string, deadline: number): Run {
    return { token, deadline, confirmBy: deadline - this.timing.essentialOnlyMs, slowestMs: 0 };
  }

  async listDevices(token: string, deadline: number): Promise<ListResult> {
    try {
      const devices = await this.devices(this.run(token, deadline), 0);
      const usableNames = names(devices.filter(usable));
      const unavailable = names(devices.filter((d) => !usable(d))).filter((n) => !usableNames.includes(n));
      return unavailable.length > 0
        ? { kind: 'devices', names: usableNames, unavailable }
        : { kind: 'devices', names: usableNames };
    } catch (error) {
      return { kind: 'failed', failure: error instanceof OutOfTime ? 'timeout' : failureOf(error) };
    }
  }

  async move(token: string, target: DeviceTarget, deadline: number): Promise<MoveResult> {
    let chosen: string | undefined;
    const run = this.run(token, deadline);
    try {
      const all = await this.devices(run, this.timing.transferReserveMs);
      const picked = this.pick(all, target);
      if (picked.kind !== 'device') return picked.result;
      chosen = picked.device.name;
      return await this.transfer(run, picked.device);
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

  private async transfer(run: Run, device: SpotifyDevice & { id: string }): Promise<MoveResult> {
    let id = device.id;
    let retried = false;
    for (;;) {
      let status: number;
      try {
        const options = this.callOptions(run.deadline);
        status = await this.timed(run, () => this.deps.api.transferPlayback(run.token, id, true, options));
      } catch (error) {
        const failure = failureOf(error);
        if (retried) throw error;
        retried = true;
        if (failure === 'device_not_found') {
          // Ids change (Echo ids especially): find the same name again and try once with its new id.
          const again = (await this.devices(run, 0)).filter(usable).find((d) => d.name === device.name);
          if (!again) return { kind: 'failed', failure, device: device.name };
          id = again.id;
          continue;
        }
        if (failure === 'rate_limited' && error instanceof SpotifyApiError) {
          const waitMs = (error.retryAfterSeconds ?? 1) * 1000 + this.jitter();
          if (this.left(run.deadline) - waitMs < this.timing.minCallMs * 2) throw error;
          await this.deps.sleep(waitMs);
          continue;
        }
        if (failure === 'server_error') {
          await this.pause(run.deadline, this.jitter());
          continue;
        }
        if (failure === 'timeout' || failure === 'network') {
          // The transfer may have happened anyway: look before sending it again.
          if (await this.isActive(run, id)) return { kind: 'moved', device: device.name };
          continue;
        }
        throw error;
      }
      return this.confirm(run, id, device.name, status);
    }
  }

  /**
   * Transfers are asynchronous (and 202 means "accepted, not done"): poll the playback state until the
   * device is active, resending a 202'd transfer once, while confirming fits. "Moved" only when the
   * playback state shows the device; otherwise Spotify was asked, and the reply says no more than that.
   */
  private async confirm(run: Run, id: string, name: string, status: number): Promise<MoveResult> {
    let resent = false;
    while (this.fits(run)) {
      if (await this.isActive(run, id)) return { kind: 'moved', device: name };
      if (this.left(run.confirmBy) < this.timing.pollIntervalMs + this.callRoom(run)) break;
      await this.deps.sleep(this.timing.pollIntervalMs);
      if (status === 202 && !resent && this.fits(run)) {
        resent = true;
        // Only a nudge: the first transfer was accepted, so a failed resend leaves the polls to confirm it.
        const options = this.callOptions(run.confirmBy);
        status = await this.timed(run, () =>
          this.deps.api.transferPlayback(run.token, id, true, options),
        ).catch(() => status);
      }
    }
    return { kind: 'unconfirmed', device: name };
  }

  private async isActive(run: Run, id: string): Promise<boolean> {
    try {
      if (!this.fits(run)) return false;
      const options = this.callOptions(run.confirmBy);
      const state = await this.timed(run, () => this.deps.api.getPlaybackState(run.token, options));
      return state?.deviceId === id;
    } catch (error) {
      if (error instanceof OutOfTime) return false;
      const failure = failureOf(error);
      if (failure === 'timeout' || failure === 'network' || failure === 'server_error') return false;
      throw error;
    }
  }

  /**
   * The device list, with one retry for a passing fault (listing is safe to repeat), and a bounded pause
   * and retry while Spotify answers 202 (its answer to a user's first use of Connect). `reserveMs` is kept
   * for what must follow (the transfer).
   */
  private async devices(run: Run, reserveMs: number): Promise<SpotifyDevice[]> {
    let retried = false;
    for (let accepted = 0; ;) {
      try {
        const options = this.callOptions(run.deadline, reserveMs);
        return await this.timed(run, () => this.deps.api.getDevices(run.token, options));
      } catch (error) {
        const failure = failureOf(error);
        if (failure === 'not_ready') {
          accepted += 1;
          // Spotify's advice is a pause of up to 5 s; the turn allows what is left before the reserve.
          const room = this.left(run.deadline) - reserveMs - Math.max(this.timing.minCallMs, run.slowestMs);
          const pauseMs = Math.min(this.timing.acceptedPauseMs, room);
          if (accepted >= this.timing.acceptedTries || pauseMs <= 0) throw error;
          await this.deps.sleep(pauseMs);
          continue;
        }
        if (retried) throw error;
        retried = true;
        if (failure === 'server_error' || failure === 'timeout' || failure === 'network') {
          await this.pause(run.deadline - reserveMs, this.jitter());
          continue;
        }
        if (failure === 'rate_limited' && error instanceof SpotifyApiError) {
          const waitMs = (error.retryAfterSeconds ?? 1) * 1000 + this.jitter();
          if (this.left(run.deadline) - reserveMs - waitMs < this.timing.minCallMs * 2) throw error;
          await this.deps.sleep(waitMs);
          continue;
        }
        throw error;
      }
    }
  }

  /** Runs one call, remembering how long Spotify took to answer it (a call cut off by its timeout did not). */
  private async timed<T>(run: Run, call: () => Promise<T>): Promise<T> {
    const started = this.deps.now();
    const answered = () => {
      run.slowestMs = Math.max(run.slowestMs, this.deps.now() - started);
    };
    try {
      const result = await call();
      answered();
      return result;
    } catch (error) {
      if (failureOf(error) !== 'timeout') answered();
      throw error;
    }
  }

  /** Time a confirming call needs: at least the minimum, and as long as Spotify has been taking. */
  private callRoom(run: Run): number {
    return Math.max(this.timing.minCallMs, run.slowestMs);
  }

  /** Whether a confirming call can still come back before confirming must stop. */
  private fits(run: Run): boolean {
    return this.left(run.confirmBy) > this.callRoom(run);
  }

  private left(deadline: number): number {
    return deadline - this.deps.now();
  }

  /**
   * A call's timeout: what is left before `deadline`, capped, less what must stay for later calls when
   * there is room for both (with less, the call may still find out quickly that there is nothing to do).
   */
  private callOptions(deadline: number, reserveMs = 0) {
    const left = this.left(deadline);
    if (left < this.timing.minCallMs) throw new OutOfTime();
    const mine = left - reserveMs >= this.timing.minCallMs ? left - reserveMs : left;
    return { timeoutMs: Math.min(this.timing.callTimeoutMs, mine) };
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
