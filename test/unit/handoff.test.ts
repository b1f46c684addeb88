import { SPOTIFY_BUDGET_MS } from '../../lambda/src/skill';
import { DEFAULT_TIMING, SpotifyHandoff } from '../../lambda/src/spotify/handoff';
import type { CallOptions, PlaybackState, SpotifyApi, SpotifyDevice } from '../../lambda/src/spotify/types';
import { SpotifyApiError } from '../../lambda/src/spotify/types';

/** A plain fake of the Spotify API on a virtual clock: each call takes `latencyMs`, scripted faults first. */
class FakeSpotify implements SpotifyApi {
  devices: SpotifyDevice[];
  activeId: string | null = null;
  /** Faults or statuses to answer with before behaving normally, per operation. */
  script: { devices: unknown[]; transfer: unknown[]; state: unknown[] } = {
    devices: [],
    transfer: [],
    state: [],
  };
  /** Transfers accepted with 202 become active only after this many state reads. */
  applyAfterReads = 0;
  calls: string[] = [];
  transfers: Array<{ id: string; play: boolean }> = [];
  private pendingId: string | null = null;

  constructor(
    readonly clock: { t: number },
    devices: Array<Partial<SpotifyDevice> & { name: string }>,
    readonly latencyMs = 100,
    /** A call whose latency exceeds its timeout is cut off at the timeout, as the real client's is. */
    readonly timeoutsBite = false,
  ) {
    this.devices = devices.map((d, i) => ({
      id: `id-${i}`,
      type: 'Speaker',
      isActive: false,
      isRestricted: false,
      volumePercent: 50,
      supportsVolume: true,
      ...d,
    }));
  }

  private step(op: keyof FakeSpotify['script'], options: CallOptions): unknown {
    this.calls.push(op);
    expect(options.timeoutMs).toBeGreaterThan(0);
    if (this.timeoutsBite && this.latencyMs > options.timeoutMs) {
      this.clock.t += options.timeoutMs;
      throw new SpotifyApiError('timeout', undefined, undefined);
    }
    this.clock.t += Math.min(this.latencyMs, options.timeoutMs);
    const next = this.script[op].shift();
    if (next instanceof SpotifyApiError) throw next;
    return next;
  }

  async getDevices(_token: string, options: CallOptions) {
    this.step('devices', options);
    return this.devices.map((d) => ({ ...d }));
  }

  async transferPlayback(_token: string, id: string, play: boolean, options: CallOptions) {
    const scripted = this.step('transfer', options);
    this.transfers.push({ id, play });
    if (!this.devices.some((d) => d.id === id)) throw new SpotifyApiError('device_not_found', 404, undefined);
    if (scripted === 202) {
      this.pendingId = id;
      return 202;
    }
    this.activeId = id;
    return 204;
  }

  async getPlaybackState(_token: string, options: CallOptions): Promise<PlaybackState | undefined> {
    this.step('state', options);
    if (this.pendingId && this.applyAfterReads-- <= 0) {
      this.activeId = this.pendingId;
      this.pendingId = null;
    }
    if (!this.activeId) return undefined;
    return { deviceId: this.activeId, deviceName: null, isPlaying: true };
  }
}

const BUDGET = 6000;
const DEVICES = [
  { name: 'Kitchen Echo', id: 'abc_amzn_1' },
  { name: 'Office Speaker' },
  { name: 'Living Room TV' },
  { name: 'Phone', id: null, isRestricted: true },
  { name: 'Sonos Move', isRestricted: true },
];

function setup(devices = DEVICES) {
  const clock = { t: 0 };
  const api = new FakeSpotify(clock, devices);
  const handoff = new SpotifyHandoff({
    api,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
    random: () => 0.5,
  });
  return {
    clock,
    api,
    handoff,
    move: (name: string) => handoff.move('token', { kind: 'named', name }, BUDGET),
  };
}

describe('moving the music', () => {
  it('transfers with exactly one id and play, and confirms before saying it worked', async () => {
    const { api, move } = setup();
    await expect(move('office speaker')).resolves.toEqual({ kind: 'moved', device: 'Office Speaker' });
    expect(api.transfers).toEqual([{ id: 'id-1', play: true }]);
    expect(api.calls).toEqual(['devices', 'transfer', 'state']);
  });

  it('polls after a 202 until the device is active, resending at most once', async () => {
    const { api, move, clock } = setup();
    api.script.transfer = [202];
    api.applyAfterReads = 2;
    await expect(move('kitchen echo')).resolves.toEqual({ kind: 'moved', device: 'Kitchen Echo' });
    expect(api.transfers.length).toBeLessThanOrEqual(2);
    expect(clock.t).toBeLessThanOrEqual(BUDGET);
  });

  it('reports an unconfirmed move when a 202 never takes effect, without passing the deadline', async () => {
    const { api, move, clock } = setup();
    api.script.transfer = [202, 202];
    api.applyAfterReads = Number.POSITIVE_INFINITY;
    await expect(move('kitchen echo')).resolves.toEqual({ kind: 'unconfirmed', device: 'Kitchen Echo' });
    expect(api.transfers.length).toBe(2);
    expect(clock.t).toBeLessThanOrEqual(BUDGET);
  });

  it('after a 404 re-lists, finds the same name under its new id, and retries once', async () => {
    const { api, move } = setup();
    // The Echo's id changes between the list and the transfer, as Echo ids do.
    const original = api.getDevices.bind(api);
    let lists = 0;
    api.getDevices = async (token, options) => {
      const devices = await original(token, options);
      lists += 1;
      if (lists === 1)
        return devices.map((d) => (d.name === 'Kitchen Echo' ? { ...d, id: 'old_amzn_1' } : d));
      return devices;
    };
    await expect(move('kitchen echo')).resolves.toEqual({ kind: 'moved', device: 'Kitchen Echo' });
    expect(api.transfers.map((t) => t.id)).toEqual(['old_amzn_1', 'abc_amzn_1']);
  });

  it('gives up after one 404 retry when the device is gone', async () => {
    const { api, move } = setup();
    api.script.transfer = [new SpotifyApiError('device_not_found', 404, undefined)];
    const original = api.getDevices.bind(api);
    let lists = 0;
    api.getDevices = async (token, options) => {
      lists += 1;
      const devices = await original(token, options);
      return lists === 1 ? devices : devices.filter((d) => d.name !== 'Office Speaker');
    };
    await expect(move('office speaker')).resolves.toEqual({
      kind: 'failed',
      failure: 'device_not_found',
      device: 'Office Speaker',
    });
  });

  it('waits out a short Retry-After, but answers "busy" at once when it does not fit the turn', async () => {
    const short = setup();
    short.api.script.transfer = [new SpotifyApiError('rate_limited', 429, undefined, 1)];
    await expect(short.move('office speaker')).resolves.toMatchObject({ kind: 'moved' });

    const long = setup();
    long.api.script.transfer = [new SpotifyApiError('rate_limited', 429, undefined, 30)];
    await expect(long.move('office speaker')).resolves.toEqual({
      kind: 'failed',
      failure: 'rate_limited',
      device: 'Office Speaker',
    });
    expect(long.clock.t).toBeLessThan(1000);
  });

  it('retries a 5xx once, then reports the failure', async () => {
    const once = setup();
    once.api.script.transfer = [new SpotifyApiError('server_error', 502, undefined)];
    await expect(once.move('office speaker')).resolves.toMatchObject({ kind: 'moved' });

    const twice = setup();
    const error = () => new SpotifyApiError('server_error', 503, undefined);
    twice.api.script.transfer = [error(), error()];
    await expect(twice.move('office speaker')).resolves.toMatchObject({
      kind: 'failed',
      failure: 'server_error',
    });
    expect(twice.api.transfers.length).toBe(0);
  });

  it('after a timed-out transfer, looks at the playback state before sending it again', async () => {
    const { api, move } = setup();
    // The transfer happened, but its answer was lost.
    api.transferPlayback = async (_t, id, _p, options) => {
      api.calls.push('transfer');
      api.clock.t += options.timeoutMs;
      api.activeId = id;
      throw new SpotifyApiError('timeout', undefined, undefined);
    };
    await expect(move('office speaker')).resolves.toEqual({ kind: 'moved', device: 'Office Speaker' });
    expect(api.calls.filter((c) => c === 'transfer')).toHaveLength(1);
  });

  it.each([
    ['premium_required', 403, 'PREMIUM_REQUIRED'],
    ['not_allowed', 403, undefined],
    ['unauthorized', 401, undefined],
    ['quota_exceeded', 429, 'QUOTA_EXCEEDED'],
  ] as const)('reports %s without retrying', async (kind, status, reason) => {
    const { api, move } = setup();
    api.script.transfer = [new SpotifyApiError(kind, status, reason)];
    await expect(move('office speaker')).resolves.toMatchObject({ kind: 'failed', failure: kind });
    expect(api.calls.filter((c) => c === 'transfer')).toHaveLength(1);
  });

  it('names a restricted device as uncontrollable instead of "not found", and never sends to it', async () => {
    const { api, move } = setup();
    await expect(move('sonos move')).resolves.toEqual({
      kind: 'failed',
      failure: 'restricted',
      device: 'Sonos Move',
    });
    expect(api.transfers).toEqual([]);
  });

  it('asks which when the name fits several, and lists the choices when it fits none', async () => {
    const { move } = setup([...DEVICES, { name: 'Kitchen Speaker' }]);
    await expect(move('kitchen')).resolves.toEqual({
      kind: 'choose',
      candidates: ['Kitchen Echo', 'Kitchen Speaker'],
      thisEcho: false,
    });
    await expect(move('garage')).resolves.toEqual({
      kind: 'noMatch',
      available: ['Kitchen Echo', 'Office Speaker', 'Living Room TV', 'Kitchen Speaker'],
    });
  });

  it('says so when there is no device it may control', async () => {
    const { move } = setup([{ name: 'Phone', id: null, isRestricted: true }]);
    await expect(move('office')).resolves.toEqual({ kind: 'noDevices' });
  });

  it('finds "this Echo" when the user has one Echo, and asks which when several', async () => {
    const one = setup();
    await expect(one.handoff.move('token', { kind: 'thisEcho' }, BUDGET)).resolves.toEqual({
      kind: 'moved',
      device: 'Kitchen Echo',
    });
    const two = setup([...DEVICES, { name: 'Bedroom Echo', id: 'def_amzn_1' }]);
    await expect(two.handoff.move('token', { kind: 'thisEcho' }, BUDGET)).resolves.toEqual({
      kind: 'choose',
      candidates: ['Kitchen Echo', 'Bedroom Echo'],
      thisEcho: true,
    });
  });

  it('stops starting calls when the deadline is near, even if Spotify is slow on every call', async () => {
    const clock = { t: 0 };
    const api = new FakeSpotify(clock, DEVICES, 2500);
    api.script.transfer = [202, 202];
    api.applyAfterReads = Number.POSITIVE_INFINITY;
    const handoff = new SpotifyHandoff({
      api,
      now: () => clock.t,
      sleep: async (ms) => void (clock.t += ms),
      random: () => 0,
    });
    const result = await handoff.move('token', { kind: 'named', name: 'office speaker' }, BUDGET);
    expect(['unconfirmed', 'failed']).toContain(result.kind);
    expect(clock.t).toBeLessThanOrEqual(BUDGET);
  });
});

describe("Spotify's 202 on any call, and a slow Spotify", () => {
  const notReady = () => new SpotifyApiError('not_ready', 202, undefined);

  function production(latencyMs: number) {
    const clock = { t: 0 };
    const api = new FakeSpotify(clock, DEVICES, latencyMs, true);
    const pauses: number[] = [];
    const handoff = new SpotifyHandoff({
      api,
      now: () => clock.t,
      sleep: async (ms) => {
        pauses.push(ms);
        clock.t += ms;
      },
      random: () => 0.5,
    });
    const move = (name: string) => handoff.move('token', { kind: 'named', name }, SPOTIFY_BUDGET_MS);
    return { clock, api, handoff, move, pauses };
  }

  it('a 202 on the device list (first use) is paused for and asked again, then the move goes on', async () => {
    const { api, move, pauses, clock } = production(100);
    api.script.devices = [notReady(), notReady()];
    await expect(move('office speaker')).resolves.toEqual({ kind: 'moved', device: 'Office Speaker' });
    expect(api.calls).toEqual(['devices', 'devices', 'devices', 'transfer', 'state']);
    expect(pauses).toHaveLength(2);
    for (const pause of pauses) expect(pause).toBeLessThanOrEqual(DEFAULT_TIMING.acceptedPauseMs);
    expect(clock.t).toBeLessThanOrEqual(SPOTIFY_BUDGET_MS);
  });

  it('a 202 that persists is asked a bounded number of times, then reported as "not ready", never as a timeout', async () => {
    const { api, move, handoff, clock } = production(100);
    api.script.devices = Array.from({ length: 20 }, notReady);
    await expect(move('office speaker')).resolves.toEqual({ kind: 'failed', failure: 'not_ready' });
    expect(api.calls.filter((c) => c === 'devices')).toHaveLength(DEFAULT_TIMING.acceptedTries);
    expect(api.transfers).toEqual([]);
    expect(clock.t).toBeLessThanOrEqual(SPOTIFY_BUDGET_MS);

    api.script.devices = Array.from({ length: 20 }, notReady);
    await expect(handoff.listDevices('token', clock.t + SPOTIFY_BUDGET_MS)).resolves.toEqual({
      kind: 'failed',
      failure: 'not_ready',
    });
  });

  it('a Spotify taking 2.5 s a call still gets the list and the transfer made in the budget, and does not claim it plays', async () => {
    const { api, move, clock } = production(2500);
    const result = await move('office speaker');
    // Confirming would not fit: Spotify was asked, and the reply says only that.
    expect(result).toEqual({ kind: 'unconfirmed', device: 'Office Speaker' });
    expect(api.transfers).toEqual([{ id: 'id-1', play: true }]);
    expect(api.activeId).toBe('id-1');
    expect(api.calls).toEqual(['devices', 'transfer']);
    expect(clock.t).toBeLessThanOrEqual(SPOTIFY_BUDGET_MS);
  });

  it('when Spotify is slow but confirming fits, the move is confirmed from the playback state', async () => {
    const { api, move, clock } = production(1500);
    await expect(move('office speaker')).resolves.toEqual({ kind: 'moved', device: 'Office Speaker' });
    expect(api.calls).toEqual(['devices', 'transfer', 'state']);
    // Confirming stops before the part of the budget only the list and the transfer may use.
    expect(clock.t).toBeLessThanOrEqual(SPOTIFY_BUDGET_MS - DEFAULT_TIMING.essentialOnlyMs);
  });
});

describe('listing devices', () => {
  it('lists the devices that can be controlled, and apart from them those Spotify lets nobody control', async () => {
    const { handoff } = setup();
    await expect(handoff.listDevices('token', BUDGET)).resolves.toEqual({
      kind: 'devices',
      names: ['Kitchen Echo', 'Office Speaker', 'Living Room TV'],
      unavailable: ['Phone', 'Sonos Move'],
    });
  });

  it('retries a passing fault once', async () => {
    const { api, handoff } = setup();
    api.script.devices = [new SpotifyApiError('network', undefined, undefined)];
    await expect(handoff.listDevices('token', BUDGET)).resolves.toMatchObject({ kind: 'devices' });
    expect(api.calls).toEqual(['devices', 'devices']);
  });
});
