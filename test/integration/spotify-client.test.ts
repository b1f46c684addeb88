import { request } from 'node:http';
import { inspect } from 'node:util';
import { SpotifyClient } from '../../lambda/src/spotify/client';
import { SpotifyApiError } from '../../lambda/src/spotify/types';
import type { SpotifyFailure } from '../../lambda/src/spotify/types';
import { startSpotifySimulator } from '../../scripts/local/spotify-simulator';
import type { SimulatorFault, SpotifySimulator } from '../../scripts/local/spotify-simulator';

const TOKEN = 'BQDsecret-access-token-4f9a2c';
const CALL = { timeoutMs: 2000 };

let sim: SpotifySimulator;
let client: SpotifyClient;
const logs: string[] = [];
/** Every error the client threw in this file, checked for the token at the end. */
const errors: unknown[] = [];

beforeAll(async () => {
  sim = await startSpotifySimulator({ tokens: [TOKEN] });
  client = new SpotifyClient({
    baseUrl: sim.baseUrl,
    fetch,
    logger: {
      warn: (message, fields) => logs.push(JSON.stringify({ message, fields })),
      error: (message, fields) => logs.push(JSON.stringify({ message, fields })),
    },
  });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

const idOf = (name: string): string => {
  const id = sim.state.devices.find((d) => d.name === name)?.id;
  if (!id) throw new Error(`no id for ${name}`);
  return id;
};

/** Runs one client call, expects one SpotifyApiError and exactly one HTTP request (no retries). */
async function failure(call: () => Promise<unknown>, requestsExpected = 1): Promise<SpotifyApiError> {
  const before = sim.requests().length;
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  errors.push(error);
  expect(error).toBeInstanceOf(SpotifyApiError);
  expect(sim.requests().length - before).toBe(requestsExpected);
  return error as SpotifyApiError;
}

const calls: Record<'getDevices' | 'transferPlayback' | 'getPlaybackState', () => Promise<unknown>> = {
  getDevices: () => client.getDevices(TOKEN, CALL),
  transferPlayback: () => client.transferPlayback(TOKEN, idOf('Kitchen Echo'), true, CALL),
  getPlaybackState: () => client.getPlaybackState(TOKEN, CALL),
};

describe('SpotifyClient against the Spotify Connect simulator', () => {
  it('lists devices, keeping restricted and id-less ones for the caller to filter', async () => {
    const devices = await client.getDevices(TOKEN, CALL);
    expect(devices.map((d) => d.name)).toEqual([
      'Kitchen Echo',
      'Office Speaker',
      'Living Room TV',
      'Phone',
      'Bedroom Echo',
    ]);
    expect(devices[0]).toEqual({
      id: idOf('Kitchen Echo'),
      name: 'Kitchen Echo',
      type: 'Speaker',
      isActive: false,
      isRestricted: false,
      volumePercent: 40,
      supportsVolume: true,
    });
    expect(devices.find((d) => d.name === 'Phone')).toMatchObject({ id: null, isRestricted: true });
    expect(devices.find((d) => d.name === 'Living Room TV')).toMatchObject({ volumePercent: null });
    const [req] = sim.requests();
    expect(req).toMatchObject({ method: 'GET', path: '/v1/me/player/devices', body: undefined });
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('answers undefined for GET /me/player 204 (nothing active)', async () => {
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toBeUndefined();
    expect(sim.requests().map((r) => r.response?.status)).toEqual([204]);
  });

  it('transfers with exactly one id, play: true and the bearer token, then reads the new state', async () => {
    const id = idOf('Kitchen Echo');
    await expect(client.transferPlayback(TOKEN, id, true, CALL)).resolves.toBe(204);
    const [req] = sim.requests();
    expect(req).toMatchObject({
      method: 'PUT',
      path: '/v1/me/player',
      body: { device_ids: [id], play: true },
    });
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['content-length']).toBe(String(Buffer.byteLength(req?.rawBody ?? '')));
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toEqual({
      deviceId: id,
      deviceName: 'Kitchen Echo',
      isPlaying: true,
    });
    const devices = await client.getDevices(TOKEN, CALL);
    expect(devices.filter((d) => d.isActive).map((d) => d.name)).toEqual(['Kitchen Echo']);
  });

  it('transfers without playing when play is false', async () => {
    await expect(client.transferPlayback(TOKEN, idOf('Office Speaker'), false, CALL)).resolves.toBe(204);
    expect(sim.requests()[0]?.body).toEqual({ device_ids: [idOf('Office Speaker')], play: false });
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toMatchObject({ isPlaying: false });
  });

  it('sends body-less commands with Content-Length: 0 and the device id in the query', async () => {
    const id = idOf('Bedroom Echo');
    await expect(client.startPlayback(TOKEN, id, CALL)).resolves.toBe(204);
    await expect(client.pausePlayback(TOKEN, id, CALL)).resolves.toBe(204);
    for (const req of sim.requests()) {
      expect(req.headers['content-length']).toBe('0');
      expect(req.query).toEqual({ device_id: id });
    }
    expect(sim.state).toMatchObject({ isPlaying: false });
    expect(sim.state.active?.name).toBe('Bedroom Echo');
  });

  it('accepts a 202 on transfer: applied only after the given number of polls', async () => {
    const id = idOf('Office Speaker');
    sim.fault('transferPlayback', { kind: 'accepted', applyAfterPolls: 2 });
    await expect(client.transferPlayback(TOKEN, id, true, CALL)).resolves.toBe(202);
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toBeUndefined();
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toBeUndefined();
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toMatchObject({
      deviceId: id,
      isPlaying: true,
    });
  });

  it('accepts a 202 that never takes effect', async () => {
    sim.fault('transferPlayback', { kind: 'accepted', applyAfterPolls: 'never' });
    await expect(client.transferPlayback(TOKEN, idOf('Office Speaker'), true, CALL)).resolves.toBe(202);
    for (let i = 0; i < 3; i += 1)
      await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toBeUndefined();
  });

  it('accepts a non-JSON success body on a command without parsing it', async () => {
    sim.fault('transferPlayback', { kind: 'textBody', text: 'kX9fQ2-not-json' });
    await expect(client.transferPlayback(TOKEN, idOf('Kitchen Echo'), true, CALL)).resolves.toBe(200);
    sim.fault('pausePlayback', { kind: 'textBody' });
    await expect(client.pausePlayback(TOKEN, idOf('Kitchen Echo'), CALL)).resolves.toBe(200);
    expect(sim.requests().map((r) => r.response?.headers['content-type'])).toEqual([
      'text/plain; charset=utf-8',
      'text/plain; charset=utf-8',
    ]);
  });

  it('maps 404 without reason to device_not_found; the device comes back under its name with a new id', async () => {
    const oldId = idOf('Kitchen Echo');
    sim.fault('transferPlayback', { kind: 'deviceNotFound' });
    const error = await failure(() => client.transferPlayback(TOKEN, oldId, true, CALL));
    expect(error).toMatchObject({ kind: 'device_not_found', status: 404, reason: undefined });
    const devices = await client.getDevices(TOKEN, CALL);
    const newId = devices.find((d) => d.name === 'Kitchen Echo')?.id;
    expect(newId).toMatch(/_amzn_1$/);
    expect(newId).not.toBe(oldId);
    // The old id is now unknown to the simulator as well, as it is to Spotify.
    expect(await failure(() => client.transferPlayback(TOKEN, oldId, true, CALL))).toMatchObject({
      kind: 'device_not_found',
    });
    await expect(client.transferPlayback(TOKEN, newId as string, true, CALL)).resolves.toBe(204);
  });

  it('maps a restricted device (403 with reason) to restricted', async () => {
    const office = sim.state.devices.find((d) => d.name === 'Office Speaker');
    if (office) office.is_restricted = true;
    const error = await failure(() => client.transferPlayback(TOKEN, idOf('Office Speaker'), true, CALL));
    expect(error).toMatchObject({ kind: 'restricted', status: 403, reason: 'UNKNOWN' });
  });

  it('maps an unknown token to unauthorized', async () => {
    const error = await failure(() => client.getDevices('some-other-token', CALL));
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
  });

  it('refuses a token that cannot be sent as a header, without a request', async () => {
    const error = await failure(() => client.getDevices(`${TOKEN}\r\nX-Injected: 1`, CALL), 0);
    expect(error).toMatchObject({ kind: 'unauthorized', status: undefined });
  });

  const mapped: [string, SimulatorFault, Partial<SpotifyApiError> & { kind: SpotifyFailure }][] = [
    [
      '403 PREMIUM_REQUIRED',
      { kind: 'premiumRequired' },
      { kind: 'premium_required', reason: 'PREMIUM_REQUIRED' },
    ],
    ['403 UNKNOWN', { kind: 'restricted' }, { kind: 'restricted', status: 403, reason: 'UNKNOWN' }],
    [
      '403 DEVICE_NOT_CONTROLLABLE',
      { kind: 'restricted', reason: 'DEVICE_NOT_CONTROLLABLE' },
      { kind: 'restricted', reason: 'DEVICE_NOT_CONTROLLABLE' },
    ],
    [
      '403 REMOTE_CONTROL_DISALLOW',
      { kind: 'restricted', reason: 'REMOTE_CONTROL_DISALLOW' },
      { kind: 'restricted', reason: 'REMOTE_CONTROL_DISALLOW' },
    ],
    ['403 without reason', { kind: 'forbidden' }, { kind: 'not_allowed', status: 403, reason: undefined }],
    ['401', { kind: 'unauthorized' }, { kind: 'unauthorized', status: 401 }],
    ['404 without reason', { kind: 'deviceNotFound' }, { kind: 'device_not_found', status: 404 }],
    [
      '404 NO_ACTIVE_DEVICE',
      { kind: 'noActiveDevice' },
      { kind: 'no_active_device', reason: 'NO_ACTIVE_DEVICE' },
    ],
    [
      '429 Retry-After: 7',
      { kind: 'rateLimited', retryAfter: 7 },
      { kind: 'rate_limited', status: 429, retryAfterSeconds: 7 },
    ],
    ['429 without Retry-After', { kind: 'rateLimited' }, { kind: 'rate_limited', retryAfterSeconds: 1 }],
    [
      '429 Retry-After: 0',
      { kind: 'rateLimited', retryAfter: 0 },
      { kind: 'rate_limited', retryAfterSeconds: 1 },
    ],
    [
      '429 Retry-After: 79892',
      { kind: 'rateLimited', retryAfter: 79892 },
      { kind: 'rate_limited', retryAfterSeconds: 79892 },
    ],
    ['429 QUOTA_EXCEEDED', { kind: 'quotaExceeded' }, { kind: 'quota_exceeded', reason: 'QUOTA_EXCEEDED' }],
    ['500 with body', { kind: 'serverError', status: 500 }, { kind: 'server_error', status: 500 }],
    [
      '502 HTML body',
      { kind: 'serverError', status: 502, body: 'html' },
      { kind: 'server_error', status: 502 },
    ],
    [
      '503 no body',
      { kind: 'serverError', status: 503, body: 'none' },
      { kind: 'server_error', status: 503 },
    ],
    ['a dropped connection', { kind: 'drop' }, { kind: 'network', status: undefined }],
  ];
  const operations: ('getDevices' | 'transferPlayback' | 'getPlaybackState')[] = [
    'getDevices',
    'transferPlayback',
    'getPlaybackState',
  ];
  describe.each(operations)('%s', (operation) => {
    it.each(mapped)('maps %s', async (_name, fault, expected) => {
      sim.fault(operation, fault);
      const error = await failure(calls[operation]);
      expect(error).toMatchObject(expected);
      // The next call is unaffected: faults are per response.
      await calls[operation]();
    });
  });

  it('reads Retry-After given as an HTTP-date', async () => {
    sim.fault('getDevices', {
      kind: 'rateLimited',
      retryAfter: new Date(Date.now() + 120_000).toUTCString(),
    });
    const error = await failure(calls.getDevices);
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(60);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(121);
  });

  it('maps a call slower than its timeout to timeout', async () => {
    sim.fault('getDevices', { kind: 'slow', delayMs: 400 });
    const error = await failure(() => client.getDevices(TOKEN, { timeoutMs: 40 }));
    expect(error.kind).toBe('timeout');
  });

  it('maps a 202 with no device list (first use of Connect) to not_ready, and a 202 playback state to nothing yet', async () => {
    sim.fault('getDevices', { kind: 'accepted' });
    expect(await failure(calls.getDevices)).toMatchObject({ kind: 'not_ready', status: 202 });
    await expect(client.getDevices(TOKEN, CALL)).resolves.not.toHaveLength(0);
    sim.fault('getPlaybackState', { kind: 'accepted' });
    sim.state.active = sim.state.devices.find((d) => d.name === 'Office Speaker');
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toBeUndefined();
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toMatchObject({
      deviceName: 'Office Speaker',
    });
    sim.state.active = undefined;
  });

  it('delays every answer by the latency it is given, and only Web API answers', async () => {
    sim.setLatency(150);
    try {
      const error = await failure(() => client.getDevices(TOKEN, { timeoutMs: 60 }));
      expect(error.kind).toBe('timeout');
      const started = Date.now();
      await expect(client.getDevices(TOKEN, CALL)).resolves.not.toHaveLength(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      sim.setLatency(0);
    }
  });

  it('answers a slow call within its timeout normally', async () => {
    sim.fault('getPlaybackState', { kind: 'slow', delayMs: 20 });
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toBeUndefined();
  });

  it('maps a refused connection to network', async () => {
    const closed = await startSpotifySimulator();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const offline = new SpotifyClient({ baseUrl, fetch });
    const error = await offline.getDevices(TOKEN, CALL).catch((e: unknown) => e);
    errors.push(error);
    expect(error).toMatchObject({ kind: 'network' });
  });

  it('maps an empty 200 devices body to unexpected, and an empty list to []', async () => {
    sim.fault('getDevices', { kind: 'emptyBody' });
    expect(await failure(calls.getDevices)).toMatchObject({ kind: 'unexpected', status: 200 });
    sim.fault('getDevices', { kind: 'noDevices' });
    await expect(client.getDevices(TOKEN, CALL)).resolves.toEqual([]);
  });

  it('answers undefined for an empty 200 playback body', async () => {
    sim.fault('getPlaybackState', { kind: 'emptyBody' });
    await expect(client.getPlaybackState(TOKEN, CALL)).resolves.toBeUndefined();
  });

  it('takes faults over the HTTP control endpoint too', async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${sim.controlUrl}/${path}`, {
        method: 'POST',
        body: body === undefined ? '' : JSON.stringify(body),
      });
    const bad = await post('faults', {
      operation: 'getDevices',
      fault: { kind: 'accepted', applyAfterPolls: 1 },
    });
    expect(bad.status).toBe(400);
    const ok = await post('faults', {
      operation: 'getDevices',
      fault: { kind: 'premiumRequired' },
      count: 2,
    });
    expect(ok.status).toBe(204);
    expect(await failure(calls.getDevices)).toMatchObject({ kind: 'premium_required' });
    expect(await failure(calls.getDevices)).toMatchObject({ kind: 'premium_required' });
    const recorded = (await (await fetch(`${sim.controlUrl}/requests`)).json()) as unknown[];
    expect(recorded).toHaveLength(2);
    expect((await post('reset')).status).toBe(204);
    await expect(client.getDevices(TOKEN, CALL)).resolves.toHaveLength(5);
  });

  it('answers a body-less PUT without Content-Length with 411, as Spotify does', async () => {
    // Chunked transfer encoding: no Content-Length header at all. (Options-only form of http.request:
    // virtual-alexa's old nock, patched in by other suites in the same worker, knows no other.)
    const url = new URL(`${sim.baseUrl}/me/player/pause`);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const options = {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: { authorization: `Bearer ${TOKEN}`, 'transfer-encoding': 'chunked' },
      };
      const req = request(options, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(411);
  });

  it('parses devices defensively: missing, null and unknown fields, odd types', async () => {
    const body = JSON.stringify({
      devices: [
        {
          id: 'a1',
          name: 'Cast Group',
          type: 'CastAudio',
          volume_percent: null,
          is_active: true,
          extra: { x: 1 },
        },
        { name: 'Bare' },
        { id: null, is_restricted: true, supports_volume: 'yes', volume_percent: 180 },
        null,
        'junk',
      ],
      unexpected: true,
    });
    const stub = new SpotifyClient({
      baseUrl: 'http://127.0.0.1:9/v1',
      fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
    });
    await expect(stub.getDevices(TOKEN, CALL)).resolves.toEqual([
      {
        id: 'a1',
        name: 'Cast Group',
        type: 'CastAudio',
        isActive: true,
        isRestricted: false,
        volumePercent: null,
        supportsVolume: null,
      },
      {
        id: null,
        name: 'Bare',
        type: '',
        isActive: false,
        isRestricted: false,
        volumePercent: null,
        supportsVolume: null,
      },
      {
        id: null,
        name: '',
        type: '',
        isActive: false,
        isRestricted: true,
        volumePercent: 100,
        supportsVolume: null,
      },
    ]);
  });

  it('never puts the token in an error or a log line', () => {
    expect(errors.length).toBeGreaterThan(40);
    for (const error of errors) {
      expect(error).toBeInstanceOf(SpotifyApiError);
      const e = error as SpotifyApiError;
      expect(`${e.message} ${String(e)} ${e.stack ?? ''}`).not.toContain(TOKEN);
      expect(inspect(e, { depth: 10 })).not.toContain(TOKEN);
      expect(JSON.stringify(e)).not.toContain(TOKEN);
    }
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(TOKEN);
  });
});
