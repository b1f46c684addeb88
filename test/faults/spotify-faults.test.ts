/**
 * Spotify faults (slow, 429, 5xx, dropped connections) on real HTTP — the Spotify Connect simulator — in the
 * same turns as DynamoDB faults on the wire (the fault proxy in front of dynalite), through the fault harness
 * (fault-conversation.ts): the production DynamoDB client and store, the real SpotifyClient with the short
 * test timings (`TEST_SPOTIFY_TIMING`). On every turn the harness checks a certifiable answer that is never the
 * generic error words, DynamoDB requests within the SDK's attempts per store call, Spotify requests within the
 * hand-off's rules and bound with the progressive response sent, and nothing reaching either server after
 * the answer.
 *
 * Spotify faults alone are covered by test/conversation/music-faults.test.ts; here each test pairs one with a
 * DynamoDB fault. Tests run one after another, since some pin Math.random (the SDK's throttling backoff and
 * the hand-off's jitter draw from it); each has its own simulator, as slow faults leave requests in flight.
 * No test measures time.
 */
import { FLOW, spotifyCalls, TEST_SPOTIFY_TIMING, words } from '../support/conversation';
import { startSpotifySimulator } from '../../scripts/local/spotify-simulator';
import type { SpotifySimulator } from '../../scripts/local/spotify-simulator';
import type { HandoffTiming } from '../../lambda/src/spotify/handoff';
import { createTestTable, testEndpoint } from '../support/test-table';
import type { TestTable } from '../support/test-table';
import { CANT_FIND, FaultRig, OPEN, SECOND, THIRD, TO_THIRD } from './fault-conversation';
import type { FaultConversation } from './fault-conversation';

const MOVE = 'ask speaker helper to move the music to the kitchen echo';
const LIST = 'ask speaker helper to list my devices';
const MOVE_REMEMBERED = 'ask speaker helper to move the music';
const STORAGE_DOWN = words('errors.storageDown');
const GET_DEVICES = 'GET /v1/me/player/devices';
const TRANSFER = 'PUT /v1/me/player';
const STATE = 'GET /v1/me/player';
const LONG = 10_000;

let table: TestTable;
let sim: SpotifySimulator;
let r: FaultRig;

beforeAll(async () => {
  table = await createTestTable('faults-spotify');
});
afterEach(async () => {
  jest.restoreAllMocks();
  await r?.close();
  await sim?.close();
});
afterAll(() => table.dispose());

/** A linked user's skill on its own simulator and fault proxy; `timing` overrides TEST_SPOTIFY_TIMING. */
async function rig(
  timing: Partial<HandoffTiming> & { budgetMs?: number } = {},
  maxRequestsPerTurn?: number,
): Promise<FaultRig> {
  sim = await startSpotifySimulator();
  r = await FaultRig.start({
    upstream: testEndpoint(),
    tableName: table.tableName,
    observerClient: table.client,
    spotify: {
      simulator: sim,
      timing: { ...TEST_SPOTIFY_TIMING, ...timing },
      ...(maxRequestsPerTurn ? { maxRequestsPerTurn } : {}),
    },
    linked: true,
  });
  return r;
}

/** The SDK's backoff and the hand-off's jitter draw 0.5 (mid-range) from here on. */
const pinJitter = () => jest.spyOn(Math, 'random').mockReturnValue(0.5);

const moved = (device: string) => words('music.moved', { device });

async function remembered(c: FaultConversation): Promise<string | undefined> {
  return (await c.stored())?.progress.musicDevice;
}

describe('one-shot moves with a DynamoDB fault in the same turn', () => {
  it('202, then a playback state too slow to answer, while the save is throttled once: moved and remembered', async () => {
    await rig();
    pinJitter();
    const c = await r.conversation();
    sim.fault('transferPlayback', { kind: 'accepted', applyAfterPolls: 2 });
    sim.fault('getPlaybackState', { kind: 'slow', delayMs: LONG });
    r.proxy.fault('PutItem', { kind: 'throttled' });
    await c.say(MOVE);
    expect(c.speech).toBe(moved('Kitchen Echo'));
    expect(sim.state.active?.name).toBe('Kitchen Echo');
    const calls = spotifyCalls(c.turn.spotify);
    expect(calls.slice(0, 3)).toEqual([GET_DEVICES, TRANSFER, STATE]);
    expect(calls.filter((call) => call === TRANSFER).length).toBeLessThanOrEqual(2);
    expect(c.turn.storeCalls).toEqual(['load', 'save']);
    expect(c.turn.dynamo.filter((q) => q.operation === 'PutItem').map((q) => q.status)).toEqual([400, 200]);
    expect(await remembered(c)).toBe('Kitchen Echo');
  });

  it('429 with Retry-After 1 on the transfer, while the save meets a 500 and a dropped connection: moved and remembered', async () => {
    await rig({ budgetMs: 3500 });
    pinJitter();
    const c = await r.conversation();
    sim.fault('transferPlayback', { kind: 'rateLimited', retryAfter: 1 });
    r.proxy.fault('PutItem', { kind: 'serverError' });
    r.proxy.fault('PutItem', { kind: 'drop' });
    await c.say(MOVE);
    expect(c.speech).toBe(moved('Kitchen Echo'));
    expect(spotifyCalls(c.turn.spotify)).toEqual([GET_DEVICES, TRANSFER, TRANSFER, STATE]);
    expect(c.turn.dynamo.filter((q) => q.operation === 'PutItem').length).toBe(3);
    expect(await remembered(c)).toBe('Kitchen Echo');
  });

  it('a 503 on the device list while the read at session start hangs once: the read is retried inside the Spotify budget, moved', async () => {
    await rig({ budgetMs: 3000 });
    pinJitter();
    const c = await r.conversation();
    sim.fault('getDevices', { kind: 'serverError', status: 503, body: 'html' });
    r.proxy.fault('GetItem', { kind: 'hang' });
    await c.say(MOVE);
    expect(c.speech).toBe(moved('Kitchen Echo'));
    expect(spotifyCalls(c.turn.spotify)).toEqual([GET_DEVICES, GET_DEVICES, TRANSFER, STATE]);
    expect(c.turn.dynamo.map((q) => `${q.operation} ${q.outcome}`)).toEqual([
      'GetItem abandoned',
      'GetItem answered',
      'PutItem answered',
    ]);
    expect(await remembered(c)).toBe('Kitchen Echo');
  });

  it('a dropped transfer while DynamoDB is unreachable: moved, the user is told it may not be remembered, and nothing is pretended later', async () => {
    await rig();
    const c = await r.conversation();
    await r.proxy.offline();
    sim.fault('transferPlayback', { kind: 'drop' });
    await c.say(MOVE);
    expect(c.speech).toBe(`${STORAGE_DOWN} ${moved('Kitchen Echo')}`);
    expect(c.sessionOpen).toBe(false);
    expect(spotifyCalls(c.turn.spotify)).toEqual([GET_DEVICES, TRANSFER, STATE, TRANSFER, STATE]);
    expect(await c.stored()).toBeUndefined();

    // DynamoDB is back: "move the music" has nothing remembered, so the skill asks rather than guesses.
    await r.heal();
    sim.state.active = undefined;
    await c.say(MOVE_REMEMBERED);
    expect(c.speech).not.toContain(STORAGE_DOWN);
    expect(c.speech).toContain(words('music.whichDevice'));
    expect(spotifyCalls(c.turn.spotify)).toEqual([GET_DEVICES]);
  });

  it('a device list slower than the budget twice while every read is throttled: "unavailable", nothing to save, both bounded', async () => {
    await rig();
    const c = await r.conversation();
    sim.fault('getDevices', { kind: 'slow', delayMs: LONG }, 3);
    r.proxy.fault('GetItem', { kind: 'throttled', exception: 'ThrottlingException' }, { times: Infinity });
    await c.say(MOVE);
    expect(c.speech).toBe(words('music.failed.unavailable'));
    expect(c.turn.storeCalls).toEqual(['load']);
    expect(spotifyCalls(c.turn.spotify).every((call) => call === GET_DEVICES)).toBe(true);
    expect(c.turn.spotify.length).toBeLessThanOrEqual(2);
  });

  it('429 with Retry-After 30 on the device list while the read is never answered: "busy" at once, no retry of either', async () => {
    await rig();
    const c = await r.conversation();
    sim.fault('getDevices', { kind: 'rateLimited', retryAfter: 30 });
    r.proxy.fault('GetItem', { kind: 'hang' }, { times: Infinity });
    await c.say(MOVE);
    expect(c.speech).toBe(words('music.failed.rate_limited'));
    expect(spotifyCalls(c.turn.spotify)).toEqual([GET_DEVICES]);
    expect(c.turn.dynamo.length).toBeLessThanOrEqual(c.maxAttempts);
  });
});

describe('"Which one?" across turns while DynamoDB comes and goes', () => {
  it('the read fails at the list, DynamoDB recovers before the answer: the device is remembered, and used next time', async () => {
    // The failed read takes its whole 1 s budget out of the turn's Spotify budget, which counts from the start.
    await rig({ budgetMs: 3000 });
    const c = await r.conversation();
    r.proxy.fault('GetItem', { kind: 'slow', delayMs: 2000, phase: 'request' }, { times: Infinity });
    sim.fault('getDevices', { kind: 'slow', delayMs: LONG });
    await c.say(LIST);
    expect(c.sessionOpen).toBe(true);
    expect(c.speech).toContain(words('music.whichDevice'));
    // Nothing needed saving yet, so nothing was said about storage.
    expect(c.speech).not.toContain(STORAGE_DOWN);
    expect(spotifyCalls(c.turn.spotify)).toEqual([GET_DEVICES, GET_DEVICES]);

    await r.heal();
    sim.fault('transferPlayback', { kind: 'serverError', status: 503 });
    await c.say('the office speaker');
    expect(c.speech).toBe(moved('Office Speaker'));
    expect(c.turn.storeCalls).toEqual(['load', 'save']);
    expect(await remembered(c)).toBe('Office Speaker');

    const next = await r.restart(c);
    sim.state.active = undefined;
    await next.say(MOVE_REMEMBERED);
    expect(next.speech).toBe(moved('Office Speaker'));
    expect(spotifyCalls(next.turn.spotify)).toEqual([GET_DEVICES, TRANSFER, STATE]);
  });

  it('DynamoDB fails the whole session: told once, when there is something to keep, and nothing is stored', async () => {
    await rig();
    const c = await r.conversation();
    r.proxy.fault('*', { kind: 'serverError' }, { times: Infinity });
    sim.fault('getDevices', { kind: 'drop' });
    await c.say(LIST);
    expect(c.speech).not.toContain(STORAGE_DOWN);
    sim.fault('transferPlayback', { kind: 'accepted', applyAfterPolls: 1 });
    await c.say('the office speaker');
    expect(c.speech).toBe(`${STORAGE_DOWN} ${moved('Office Speaker')}`);
    expect(c.sessionOpen).toBe(false);
    expect(await c.stored()).toBeUndefined();
  });
});

describe('music in the middle of troubleshooting', () => {
  async function midJourney(): Promise<FaultConversation> {
    const c = await r.conversation();
    await c.sayAll(OPEN, CANT_FIND, 'yes');
    expect((await c.stored())?.progress.stepId).toBe(SECOND);
    return c;
  }

  it('a step made while writes failed is saved with the device when the music moves after DynamoDB recovers', async () => {
    await rig();
    const c = await midJourney();
    r.proxy.fault('PutItem', { kind: 'drop' }, { times: Infinity });
    await c.say(TO_THIRD);
    expect(c.speech.startsWith(STORAGE_DOWN)).toBe(true);
    expect(c.step).toBe(THIRD);

    await r.heal();
    sim.fault('transferPlayback', { kind: 'slow', delayMs: LONG });
    await c.say('move the music to the kitchen echo');
    expect(c.speech).toBe(moved('Kitchen Echo'));
    expect(spotifyCalls(c.turn.spotify)).toEqual([GET_DEVICES, TRANSFER, STATE, TRANSFER, STATE]);
    const stored = await c.stored();
    expect(stored?.progress).toMatchObject({
      stepId: THIRD,
      history: [FLOW.start, FLOW.symptomEntry.cant_find, SECOND],
      musicDevice: 'Kitchen Echo',
    });

    const next = await r.restart(c);
    await next.say(OPEN);
    expect(next.step).toBe(THIRD);
  });

  it('writes still failing when the music moves: not warned twice, and the next session resumes at the last saved step', async () => {
    await rig();
    const c = await midJourney();
    r.proxy.fault('PutItem', { kind: 'hang' }, { times: Infinity });
    await c.say(TO_THIRD);
    expect(c.speech.startsWith(STORAGE_DOWN)).toBe(true);
    sim.fault('getDevices', { kind: 'serverError', status: 502 });
    await c.say('move the music to the kitchen echo');
    expect(c.speech).toBe(moved('Kitchen Echo'));
    expect(c.turn.storeCalls).toEqual(['save']);

    await r.heal();
    const next = await r.restart(c);
    await next.say(OPEN);
    expect(next.step).toBe(SECOND);
    expect(await remembered(next)).toBeUndefined();
  });
});
