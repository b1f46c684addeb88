/**
 * Every fault of shared/reference/spotify-connect.md §10 the hand-off meets while moving music, spoken
 * through the en-US model against the Spotify Connect simulator (faults on demand, real HTTP on
 * 127.0.0.1). Each test checks what the user hears and what Spotify received; the harness checks on every
 * turn that each transfer carries exactly one id and `play: true` with the linked bearer token, that a
 * turn makes a bounded number of Spotify requests, and that the progressive response went out first.
 * Timings are the harness's short test timings (`TEST_SPOTIFY_TIMING`); no test measures wall-clock time:
 * keeping to the budget shows as the answer given and the requests not made.
 */
import { SPOTIFY_BUDGET_MS } from '../../lambda/src/skill';
import { DEFAULT_TIMING } from '../../lambda/src/spotify/handoff';
import type { Conversation, ConversationOptions, SpotifyHarnessOptions } from '../support/conversation';
import {
  conversationTable,
  spotifyCalls,
  startConversation,
  TEST_SPOTIFY_TIMING,
  transferIds,
  words,
} from '../support/conversation';

const table = conversationTable('music-faults');

const start = (spotify: SpotifyHarnessOptions = {}, options: Partial<ConversationOptions> = {}) =>
  startConversation({ table: table(), spotify, linked: true, ...options });

const MOVE = 'ask speaker helper to move the music to the kitchen echo';
const LIST = 'GET /v1/me/player/devices';
const TRANSFER = 'PUT /v1/me/player';
const STATE = 'GET /v1/me/player';

const idOf = (c: Conversation, name: string): string => {
  const id = c.simulator.state.devices.find((d) => d.name === name)?.id;
  if (!id) throw new Error(`the simulator has no device ${name} with an id`);
  return id;
};
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function expectMoved(c: Conversation, name = 'Kitchen Echo'): void {
  expect(c.speech).toBe(words('music.moved', { device: name }));
  expect(c.sessionOpen).toBe(false);
  expect(c.simulator.state.active?.name).toBe(name);
  expect(spotifyCalls(c.turnSpotify).slice(-1)).toEqual([STATE]);
}

/** A closing answer that is not "moved", with nothing playing on the device. */
function expectTold(c: Conversation, key: string, params: Record<string, string> = {}): void {
  expect(c.speech).toBe(words(key, params));
  expect(c.sessionOpen).toBe(false);
  expect(c.simulator.state.active?.name).not.toBe('Kitchen Echo');
}

describe('202 Accepted: confirmed from the playback state, within the turn', () => {
  it('applied after two polls: moved, with at most two transfers', async () => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'accepted', applyAfterPolls: 2 }, 2);
    await c.say(MOVE);
    expectMoved(c);
    const transfers = transferIds(c.turnSpotify);
    expect(transfers.length).toBeGreaterThanOrEqual(1);
    expect(transfers.length).toBeLessThanOrEqual(2);
    expect(new Set(transfers)).toEqual(new Set([idOf(c, 'Kitchen Echo')]));
    expect(c.turnSpotify.some((r) => r.response?.status === 202)).toBe(true);
  });

  it('never applied: "accepted but not confirmed", one resend, polls bounded by the budget', async () => {
    const timing = { pollIntervalMs: 200 };
    const maxPolls = Math.ceil(TEST_SPOTIFY_TIMING.budgetMs / timing.pollIntervalMs);
    // Polling is bounded by time, not by count: the list, two transfers, and a poll per interval at most.
    const c = await start({ timing, maxRequestsPerTurn: 3 + maxPolls });
    c.simulator.fault('transferPlayback', { kind: 'accepted', applyAfterPolls: 'never' }, 3);
    await c.say(MOVE);
    expect(c.speech).toBe(words('music.unconfirmed', { device: 'Kitchen Echo' }));
    expect(c.sessionOpen).toBe(false);
    const calls = spotifyCalls(c.turnSpotify);
    expect(calls.filter((call) => call === TRANSFER)).toHaveLength(2);
    const polls = calls.filter((call) => call === STATE).length;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(maxPolls);
    // Remembered all the same: it is the device the user chose.
    expect((await c.stored())?.progress.musicDevice).toBe('Kitchen Echo');
  });

  it('a failing resend of a 202 does not hide the accepted transfer', async () => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'accepted', applyAfterPolls: 2 });
    c.simulator.fault('transferPlayback', { kind: 'serverError', status: 500 });
    await c.say(MOVE);
    expectMoved(c);
  });
});

describe('404: the device id is unknown now', () => {
  it('its id changed: the list is read again, the name resolved again, one retry with the new id', async () => {
    const c = await start();
    const before = idOf(c, 'Kitchen Echo');
    c.simulator.fault('transferPlayback', { kind: 'deviceNotFound' });
    await c.say(MOVE);
    expectMoved(c);
    const after = idOf(c, 'Kitchen Echo');
    expect(after).not.toBe(before);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, LIST, TRANSFER, STATE]);
    expect(transferIds(c.turnSpotify)).toEqual([before, after]);
  });

  it('the device is gone: "isn\'t reachable", after one re-list and no second transfer', async () => {
    const c = await start();
    // Between the list and the transfer the Echo leaves Spotify Connect; Spotify answers 404 on its own.
    c.beforeSpotifyRequest(({ method, path }) => {
      if (method === 'PUT' && path === '/v1/me/player') {
        c.simulator.state.devices = c.simulator.state.devices.filter((d) => d.name !== 'Kitchen Echo');
      }
    });
    await c.say(MOVE);
    expectTold(c, 'music.failed.device_not_found', { device: 'Kitchen Echo' });
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, LIST]);
    expect(c.turnSpotify[1]?.response?.status).toBe(404);
  });

  it('404 twice (the new id is unknown too): no third transfer', async () => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'deviceNotFound' }, 2);
    await c.say(MOVE);
    expectTold(c, 'music.failed.device_not_found', { device: 'Kitchen Echo' });
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, LIST, TRANSFER]);
  });
});

describe('403: refused, never retried', () => {
  it.each([
    [{ kind: 'premiumRequired' } as const, 'music.failed.premium_required', {}],
    [{ kind: 'restricted' } as const, 'music.failed.restricted', { device: 'Kitchen Echo' }],
    [
      { kind: 'restricted', reason: 'DEVICE_NOT_CONTROLLABLE' } as const,
      'music.failed.restricted',
      { device: 'Kitchen Echo' },
    ],
    [{ kind: 'forbidden' } as const, 'music.failed.not_allowed', {}],
  ])('transfer answered %j → %s', async (fault, key, params) => {
    const c = await start();
    c.simulator.fault('transferPlayback', fault);
    await c.say(MOVE);
    expectTold(c, key, params);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER]);
    expect(c.turnSpotify[1]?.response?.status).toBe(403);
  });

  it('403 without a reason on the device list (the account is not allowed): not_allowed, one request', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'forbidden' });
    await c.say('ask speaker helper to list my devices');
    expect(c.speech).toBe(words('music.failed.not_allowed'));
    expect(c.sessionOpen).toBe(false);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST]);
  });

  it('a restricted device named: restricted, and no transfer is sent', async () => {
    const c = await start();
    await c.say('ask speaker helper to move the music to the phone');
    expect(c.speech).toBe(words('music.failed.restricted', { device: 'Phone' }));
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST]);
  });
});

describe("202 on the device list: Spotify's answer to a user's first use of Connect", () => {
  it('twice, then the list: paused for, asked again, and the music moves', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'accepted' }, 2);
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, LIST, LIST, TRANSFER, STATE]);
  });

  it('without end: asked a bounded number of times, then "open Spotify on the device", not "didn\'t answer in time"', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'accepted' }, 50);
    await c.say(MOVE);
    expectTold(c, 'music.failed.not_ready');
    expect(c.speech).not.toBe(words('music.failed.unavailable'));
    const calls = spotifyCalls(c.turnSpotify);
    expect(calls.every((call) => call === LIST)).toBe(true);
    expect(calls.length).toBe(TEST_SPOTIFY_TIMING.acceptedTries);
  });

  it('on a list request too', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'accepted' }, 1);
    await c.say('ask speaker helper to list my devices');
    expect(c.speech.startsWith(words('music.devices', { devices: ['x'] }).split('x')[0] as string)).toBe(
      true,
    );
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, LIST]);
  });
});

describe('a slow Spotify: every call takes 2.5 s, with the production budget and timing', () => {
  it('the list and the transfer are made; the reply says Spotify was asked, never that it plays', async () => {
    // Production timing (DEFAULT_TIMING, SPOTIFY_BUDGET_MS) rather than the harness's short test one.
    const c = await start({ timing: { ...DEFAULT_TIMING, budgetMs: SPOTIFY_BUDGET_MS } });
    c.simulator.setLatency(2500);
    await c.say(MOVE);
    expect(c.speech).toBe(words('music.unconfirmed', { device: 'Kitchen Echo' }));
    expect(c.speech).not.toBe(words('music.moved', { device: 'Kitchen Echo' }));
    expect(c.sessionOpen).toBe(false);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER]);
    expect(c.simulator.state.active?.name).toBe('Kitchen Echo');
  }, 20_000);
});

describe('429: rate limits and quota', () => {
  it('Retry-After 1 with a budget that fits: waits once and moves', async () => {
    const c = await start({ timing: { budgetMs: 3500 } });
    c.simulator.fault('transferPlayback', { kind: 'rateLimited', retryAfter: 1 });
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, TRANSFER, STATE]);
    expect(c.turnSpotify[1]?.response?.status).toBe(429);
  });

  it('Retry-After 1 that does not fit the budget: "Spotify is busy" at once, no second transfer', async () => {
    // 1 s plus jitter cannot fit in what is left of 1.2 s with room for another call.
    const c = await start({ timing: { budgetMs: 1200 } });
    c.simulator.fault('transferPlayback', { kind: 'rateLimited', retryAfter: 1 });
    await c.say(MOVE);
    expectTold(c, 'music.failed.rate_limited');
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER]);
  });

  it('Retry-After 30: "Spotify is busy" at once, no second transfer', async () => {
    const c = await start({ timing: { budgetMs: 3500 } });
    c.simulator.fault('transferPlayback', { kind: 'rateLimited', retryAfter: 30 });
    await c.say(MOVE);
    expectTold(c, 'music.failed.rate_limited');
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER]);
    // Nothing was left running to try again after the answer.
    await pause(150);
    expect(spotifyCalls(c.spotifyRequests())).toEqual([LIST, TRANSFER]);
  });

  it('Retry-After 30 on the device list: busy, one request', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'rateLimited', retryAfter: 30 });
    await c.say(MOVE);
    expectTold(c, 'music.failed.rate_limited');
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST]);
  });

  it('QUOTA_EXCEEDED: "unavailable for Speaker Helper", never retried', async () => {
    const c = await start({ timing: { budgetMs: 3500 } });
    c.simulator.fault('transferPlayback', { kind: 'quotaExceeded' });
    await c.say(MOVE);
    expectTold(c, 'music.failed.quota_exceeded');
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER]);
  });
});

describe('5xx: one retry with jitter', () => {
  it.each([
    [500, 'json'],
    [502, 'html'],
    [503, 'none'],
  ] as const)('one %i (%s body) on the transfer: retried once, moved', async (status, body) => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'serverError', status, body });
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, TRANSFER, STATE]);
    expect(c.turnSpotify[1]?.response?.status).toBe(status);
  });

  it('5xx twice on the transfer: "didn\'t answer in time", no third transfer', async () => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'serverError', status: 503 }, 2);
    await c.say(MOVE);
    expectTold(c, 'music.failed.unavailable');
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, TRANSFER]);
  });

  it('one 5xx on the device list: listed again, moved', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'serverError', status: 502, body: 'html' });
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, LIST, TRANSFER, STATE]);
  });

  it('5xx twice on the device list: unavailable', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'serverError' }, 2);
    await c.say('ask speaker helper to list my devices');
    expect(c.speech).toBe(words('music.failed.unavailable'));
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, LIST]);
  });
});

describe('timeouts and dropped connections', () => {
  const LONG = 10 * TEST_SPOTIFY_TIMING.budgetMs;

  it('a device list slower than the budget, twice: unavailable, and no request starts after the timeouts', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'slow', delayMs: LONG }, 5);
    await c.say(MOVE);
    expectTold(c, 'music.failed.unavailable');
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, LIST]);
    // The turn has answered; nothing it started goes on asking Spotify.
    await pause(TEST_SPOTIFY_TIMING.callTimeoutMs);
    expect(c.spotifyRequests()).toHaveLength(2);
  });

  it('one slow device list: the call times out, is retried once, and the music moves', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'slow', delayMs: LONG });
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, LIST, TRANSFER, STATE]);
  });

  it('a transfer that times out: the state is checked before it is sent again once, then moved', async () => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'slow', delayMs: LONG });
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, STATE, TRANSFER, STATE]);
  });

  it('every transfer slower than the budget: unavailable, two transfers at most, nothing after', async () => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'slow', delayMs: LONG }, 5);
    await c.say(MOVE);
    expectTold(c, 'music.failed.unavailable');
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, STATE, TRANSFER]);
    await pause(TEST_SPOTIFY_TIMING.callTimeoutMs);
    expect(c.spotifyRequests()).toHaveLength(4);
  });

  it('a dropped transfer that did not take effect: checked, sent once more, moved', async () => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'drop' });
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, STATE, TRANSFER, STATE]);
    expect(c.turnSpotify[1]?.response).toBeUndefined();
  });

  it('a dropped transfer that took effect: the state shows it, moved without sending it again', async () => {
    const c = await start();
    c.beforeSpotifyRequest(({ method, path }) => {
      // Spotify applies the transfer, then the connection drops before its answer.
      if (method === 'PUT' && path === '/v1/me/player') {
        c.simulator.state.active = c.simulator.state.devices.find((d) => d.name === 'Kitchen Echo');
        c.simulator.state.isPlaying = true;
      }
    });
    c.simulator.fault('transferPlayback', { kind: 'drop' });
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, STATE]);
  });

  it('every transfer dropped: unavailable after two', async () => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'drop' }, 3);
    await c.say(MOVE);
    expectTold(c, 'music.failed.unavailable');
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, STATE, TRANSFER]);
  });

  it('the device list dropped twice: unavailable', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'drop' }, 2);
    await c.say('ask speaker helper to list my devices');
    expect(c.speech).toBe(words('music.failed.unavailable'));
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, LIST]);
  });
});

describe('odd bodies', () => {
  it('an empty body on the device list: an honest "didn\'t answer", not "no devices"', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'emptyBody' });
    await c.say('ask speaker helper to list my devices');
    expect(c.speech).toBe(words('music.failed.unavailable'));
    expect(c.speech).not.toBe(words('music.noDevices'));
    expect(c.sessionOpen).toBe(false);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST]);
  });

  it('an empty body on the device list while moving: unavailable, no transfer', async () => {
    const c = await start();
    c.simulator.fault('getDevices', { kind: 'emptyBody' });
    await c.say(MOVE);
    expectTold(c, 'music.failed.unavailable');
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST]);
  });

  it('a non-JSON text body on a successful transfer: moved', async () => {
    const c = await start();
    c.simulator.fault('transferPlayback', { kind: 'textBody', text: 'Yc2xJ9Uq0pQ' });
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, STATE]);
    expect(c.turnSpotify[1]?.response?.body).toBe('Yc2xJ9Uq0pQ');
  });

  it('an empty body on the playback state: not taken as confirmation, polled again, moved', async () => {
    const c = await start();
    c.simulator.fault('getPlaybackState', { kind: 'emptyBody' });
    await c.say(MOVE);
    expectMoved(c);
    expect(spotifyCalls(c.turnSpotify)).toEqual([LIST, TRANSFER, STATE, STATE]);
  });

  it.each([['ask speaker helper to list my devices'], [MOVE]])(
    'an empty device list: "%s" → open Spotify on the device first',
    async (said) => {
      const c = await start();
      c.simulator.fault('getDevices', { kind: 'noDevices' });
      await c.say(said);
      expect(c.speech).toBe(words('music.noDevices'));
      expect(c.sessionOpen).toBe(false);
      expect(spotifyCalls(c.turnSpotify)).toEqual([LIST]);
    },
  );
});
