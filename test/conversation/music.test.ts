/**
 * Moving Spotify music, spoken through the en-US model: the hand-off against the Spotify Connect simulator
 * (real HTTP on 127.0.0.1) and the user's progress on dynalite. The harness checks every turn's Spotify
 * requests (the linked bearer token, exactly one device id and `play: true` on each transfer, a bounded
 * number) and that a turn calling Spotify sent its progressive response first; the faults Spotify can
 * answer with are in music-faults.test.ts.
 */
import type { SimulatedDevice } from '../../scripts/local/spotify-simulator';
import { defaultDevices } from '../../scripts/local/spotify-simulator';
import type { StepId } from '../../lambda/src/conversation/types';
import type { Conversation, ConversationOptions } from '../support/conversation';
import {
  arriving,
  conversationTable,
  fileSpotifySimulator,
  LINKED_TOKEN,
  sentences,
  spotifyCalls,
  startConversation,
  stepOf,
  transferIds,
  words,
} from '../support/conversation';

const table = conversationTable('music');

/** A linked user whose skill talks to a simulator of their own (default devices unless given). */
const start = (
  devices?: SimulatedDevice[],
  options: Partial<ConversationOptions> = {},
): Promise<Conversation> =>
  startConversation({ table: table(), spotify: devices ? { devices } : true, linked: true, ...options });

const OPEN = 'open speaker helper';
const CANT_FIND = "alexa can't find my speaker";

const idOf = (c: Conversation, name: string): string => {
  const id = c.simulator.state.devices.find((d) => d.name === name)?.id;
  if (!id) throw new Error(`the simulator has no device ${name} with an id`);
  return id;
};
const device = (id: string, name: string, extra: Partial<SimulatedDevice> = {}): SimulatedDevice => ({
  id,
  name,
  type: 'Speaker',
  is_restricted: false,
  is_private_session: false,
  volume_percent: 50,
  supports_volume: true,
  ...extra,
});
/** What the default devices offer: every one with an id that is not restricted (not the Phone). */
const CONTROLLABLE = defaultDevices()
  .filter((d) => d.id !== null && !d.is_restricted)
  .map((d) => d.name);
const MOVE_DONE = ['GET /v1/me/player/devices', 'PUT /v1/me/player', 'GET /v1/me/player'];

/** Spotify now plays on `name`, and the user heard so, with the session closed. */
function expectMovedTo(c: Conversation, name: string): void {
  expect(c.speech).toBe(words('music.moved', { device: name }));
  expect(c.sessionOpen).toBe(false);
  expect(c.simulator.state.active?.name).toBe(name);
  expect(c.simulator.state.isPlaying).toBe(true);
  const transfers = transferIds(c.turnSpotify);
  expect(transfers[transfers.length - 1]).toBe(idOf(c, name));
  // Confirmed from the playback state before saying so.
  expect(spotifyCalls(c.turnSpotify).slice(-1)).toEqual(['GET /v1/me/player']);
}

/** The troubleshooting flow to a working speaker: a new speaker's pairing handoff, then "it worked". */
async function fixTheSpeaker(c: Conversation): Promise<StepId> {
  await c.sayAll(OPEN, CANT_FIND, 'no');
  const handoff = c.step as StepId;
  expect(stepOf(handoff).kind).toBe('handoff');
  await c.sayAll(OPEN, 'it worked');
  const end = (stepOf(handoff) as { yes: StepId }).yes;
  expect(stepOf(end)).toEqual({ kind: 'end', outcome: 'resolved' });
  return end;
}

describe('moving the music to a named device', () => {
  it('"ask speaker helper to move the music to the kitchen echo": one id, play, confirmed, remembered', async () => {
    const c = await start();
    await c.say('ask speaker helper to move the music to the kitchen echo');
    expect(c.heard).toBe('MoveMusicIntent');
    expectMovedTo(c, 'Kitchen Echo');

    // What Spotify received, in order: the list, exactly one transfer, the confirmation.
    expect(spotifyCalls(c.turnSpotify)).toEqual(MOVE_DONE);
    const [list, transfer, confirm] = c.turnSpotify;
    expect(transfer?.body).toEqual({ device_ids: [idOf(c, 'Kitchen Echo')], play: true });
    expect(transfer?.headers['content-type']).toMatch(/^application\/json/);
    for (const request of [list, transfer, confirm]) {
      expect(request?.headers.authorization).toBe(`Bearer ${LINKED_TOKEN}`);
      expect(request?.response?.status).toBeLessThan(300);
    }

    // "One moment…" went to Alexa's API for this request before the first Spotify call, and arrived.
    expect(c.turnProgressive).toHaveLength(1);
    const post = c.turnProgressive[0];
    expect(post?.path).toBe('/v1/directives');
    expect(post?.authorization).toBe(`Bearer ${c.lastRequest?.context.System.apiAccessToken}`);
    expect(post?.body).toEqual({
      header: { requestId: c.lastRequest?.request.requestId },
      directive: { type: 'VoicePlayer.Speak', speech: `<speak>${words('music.working')}</speak>` },
    });
    const kinds = c.turnWire.map((event) => event.kind);
    expect(kinds.indexOf('progressive.sent')).toBeLessThan(kinds.indexOf('spotify.sent'));
    expect(kinds[0]).toBe('progressive.sent');

    // The device is remembered by name in the stored progress, not by its id.
    expect((await c.stored())?.progress.musicDevice).toBe('Kitchen Echo');
  });

  it.each([
    ['play on the office speaker', 'Office Speaker'],
    ['move spotify to the bedroom echo', 'Bedroom Echo'],
    ['move the music to living room tv', 'Living Room TV'],
  ])('"%s" in a session moves there', async (said, name) => {
    const c = await start();
    await c.say(OPEN);
    await c.say(said);
    expect(c.heard).toBe('MoveMusicIntent');
    expectMovedTo(c, name);
    expect(spotifyCalls(c.turnSpotify)).toEqual(MOVE_DONE);
  });

  it('a restricted device named ("the phone") is said to be uncontrollable, and nothing is sent to it', async () => {
    const c = await start();
    await c.say('ask speaker helper to move the music to the phone');
    expect(c.speech).toBe(words('music.failed.restricted', { device: 'Phone' }));
    expect(c.sessionOpen).toBe(false);
    expect(spotifyCalls(c.turnSpotify)).toEqual(['GET /v1/me/player/devices']);
    expect((await c.stored())?.progress.musicDevice).toBeUndefined();
  });
});

describe('choosing a device', () => {
  it.each(['list my devices', 'what devices can i use'])(
    '"%s" names only controllable devices, and the name alone answers',
    async (said) => {
      const c = await start();
      await c.say(`ask speaker helper ${said}`);
      expect(c.heard).toBe('ListDevicesIntent');
      expect(c.speech).toBe(
        sentences(words('music.devices', { devices: CONTROLLABLE }), words('music.whichDevice')),
      );
      expect(c.speech).not.toContain('Phone');
      expect(c.reprompt).toBe(words('music.whichDevice'));
      expect(c.sessionOpen).toBe(true);
      expect(spotifyCalls(c.turnSpotify)).toEqual(['GET /v1/me/player/devices']);

      await c.say('office speaker');
      expect(c.heard).toBe('ChooseDeviceIntent');
      expectMovedTo(c, 'Office Speaker');
      expect(transferIds(c.turnSpotify)).toEqual([idOf(c, 'Office Speaker')]);
    },
  );

  it('restricted devices are left out of the list, and ids are never spoken', async () => {
    const devices = [device('aa11', 'Den Speaker'), device('bb22', 'Garage', { is_restricted: true })];
    const c = await start(devices);
    await c.say('ask speaker helper to list my devices');
    expect(c.speech).toBe(
      sentences(words('music.devices', { devices: ['Den Speaker'] }), words('music.whichDevice')),
    );
    expect(c.speech).not.toContain('aa11');
  });

  it('two devices match ("kitchen"): asks which, naming both; "kitchen speaker" then moves there', async () => {
    const c = await start([
      device('0d6b4f1e-8c2a-4e7b-9f3d-2a5c7e9b1f40_amzn_1', 'Kitchen Echo'),
      device('c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00', 'Kitchen Speaker'),
    ]);
    await c.say('ask speaker helper to move the music to kitchen');
    const question = words('music.chooseAmong', { candidates: ['Kitchen Echo', 'Kitchen Speaker'] });
    expect(c.speech).toBe(question);
    expect(c.reprompt).toBe(question);
    expect(c.sessionOpen).toBe(true);
    expect(transferIds(c.turnSpotify)).toEqual([]);

    await c.say('kitchen speaker');
    expectMovedTo(c, 'Kitchen Speaker');
    // A fresh list (and so a fresh id) before the command.
    expect(spotifyCalls(c.turnSpotify)).toEqual(MOVE_DONE);
  });

  it('two devices with the same name never give a one-choice "which one" question', async () => {
    const c = await start([device('aa_amzn_1', 'Echo Dot'), device('bb_amzn_1', 'Echo Dot')]);
    await c.say('ask speaker helper to move the music to echo dot');
    expect(c.speech).not.toBe(words('music.chooseAmong', { candidates: ['Echo Dot'] }));
    if (c.sessionOpen) {
      await c.say('echo dot');
      expect(c.speech).not.toBe(words('music.chooseAmong', { candidates: ['Echo Dot'] }));
    }
  });

  it('an answer that is not a device re-asks the same question', async () => {
    const c = await start([device('aa_amzn_1', 'Kitchen Echo'), device('bb', 'Kitchen Speaker')]);
    await c.say('ask speaker helper to move the music to kitchen');
    await c.say('yes');
    expect(c.heard).toBe('AMAZON.YesIntent');
    expect(c.speech).toBe(words('music.chooseAmong', { candidates: ['Kitchen Echo', 'Kitchen Speaker'] }));
    expect(c.sessionOpen).toBe(true);
    expect(c.turnSpotify).toEqual([]);
  });

  it('no device matches: names the available ones and asks which', async () => {
    const c = await start();
    await c.say('ask speaker helper to move the music to the garage');
    expect(c.speech).toBe(
      sentences(words('music.noMatch', { devices: CONTROLLABLE }), words('music.whichDevice')),
    );
    expect(c.reprompt).toBe(words('music.whichDevice'));
    expect(c.sessionOpen).toBe(true);
    expect(spotifyCalls(c.turnSpotify)).toEqual(['GET /v1/me/player/devices']);

    await c.say('bedroom echo');
    expectMovedTo(c, 'Bedroom Echo');
  });

  it('"no" to "which one" leaves the music where it is', async () => {
    const c = await start();
    await c.say('ask speaker helper to list my devices');
    await c.say('no');
    expect(c.speech).toBe(words('music.declined'));
    expect(c.sessionOpen).toBe(false);
    expect(c.turnSpotify).toEqual([]);
  });
});

describe('the remembered device', () => {
  it('"move the music" later moves to the device chosen before, by name, with its new id', async () => {
    const c = await start();
    await c.say('ask speaker helper to move the music to the kitchen echo');
    const before = idOf(c, 'Kitchen Echo');
    const rotated = c.simulator.rotateDeviceId('Kitchen Echo');
    expect(rotated).not.toBe(before);
    c.simulator.state.active = c.simulator.state.devices.find((d) => d.name === 'Office Speaker');

    // A new container: the name can only come from DynamoDB.
    const later = await c.restart();
    await later.say('ask speaker helper to move the music');
    expect(later.heard).toBe('MoveMusicIntent');
    expectMovedTo(later, 'Kitchen Echo');
    expect(spotifyCalls(later.turnSpotify)).toEqual(MOVE_DONE);
    expect(transferIds(later.turnSpotify)).toEqual([rotated]);
  });

  it('without a remembered device, "move the music" lists the devices and asks which', async () => {
    const c = await start();
    await c.say('ask speaker helper to move the music');
    expect(c.speech).toBe(
      sentences(words('music.devices', { devices: CONTROLLABLE }), words('music.whichDevice')),
    );
    expect(c.sessionOpen).toBe(true);
  });
});

describe('the offer after a fix', () => {
  it('a linked user hears the fix and the offer; "yes" with one Echo moves the music to it', async () => {
    const c = await start([
      device('0d6b4f1e-8c2a-4e7b-9f3d-2a5c7e9b1f40_amzn_1', 'Kitchen Echo'),
      device('a3f9c2d47e1b8f6059d2c4e7b1a8f3d6c9e0b2a4', 'Office Speaker'),
    ]);
    const end = await fixTheSpeaker(c);
    expect(c.speech).toBe(sentences(arriving(end).speech, words('music.offer')));
    expect(c.reprompt).toBe(words('music.offer'));
    expect(c.sessionOpen).toBe(true);
    // The offer itself asks Spotify nothing.
    expect(c.spotifyRequests()).toEqual([]);
    expect((await c.stored())?.progress.status).toBe('resolved');

    await c.say('yes');
    expectMovedTo(c, 'Kitchen Echo');
    expect(spotifyCalls(c.turnSpotify)).toEqual(MOVE_DONE);
    expect((await c.stored())?.progress).toMatchObject({ status: 'resolved', musicDevice: 'Kitchen Echo' });
  });

  it('"yes" with two Echos asks which Echo this is, and the name alone answers', async () => {
    const c = await start();
    await fixTheSpeaker(c);
    await c.say('yes');
    const question = words('music.chooseEcho', { candidates: ['Kitchen Echo', 'Bedroom Echo'] });
    expect(c.speech).toBe(question);
    expect(c.reprompt).toBe(question);
    expect(c.sessionOpen).toBe(true);
    expect(transferIds(c.turnSpotify)).toEqual([]);

    await c.say('bedroom echo');
    expectMovedTo(c, 'Bedroom Echo');
  });

  it('"repeat" at the offer repeats the offer', async () => {
    const c = await start();
    await fixTheSpeaker(c);
    await c.say('repeat');
    expect(c.speech).toContain(words('music.offer'));
    expect(c.speech).not.toContain(words('welcome.afterFinish'));
    expect(c.reprompt).toBe(words('music.offer'));
    expect(c.sessionOpen).toBe(true);
  });

  it('"no" leaves the music where it is and ends', async () => {
    const c = await start();
    await fixTheSpeaker(c);
    await c.say('no');
    expect(c.speech).toBe(words('music.declined'));
    expect(c.sessionOpen).toBe(false);
    expect(c.spotifyRequests()).toEqual([]);
  });

  it('an unlinked user gets no offer', async () => {
    const c = await start(undefined, { linked: false });
    const end = await fixTheSpeaker(c);
    expect(c.speech).toBe(arriving(end).speech);
    expect(c.speech).not.toContain(words('music.offer'));
    expect(c.sessionOpen).toBe(false);
  });
});

describe('a device name alone, when the skill did not ask for one', () => {
  it.each([true, false])(
    'at a troubleshooting step (linked: %s), "the kitchen echo" keeps the flow',
    async (linked) => {
      const c = await start(undefined, { linked });
      await c.sayAll(OPEN, CANT_FIND);
      const here = c.step;
      await c.say('the kitchen echo');
      expect(c.spotifyRequests()).toEqual([]);
      expect(c.cardType).not.toBe('LinkAccount');
      expect(c.sessionOpen).toBe(true);
      expect(c.step).toBe(here);
    },
  );
});

describe('account linking', () => {
  // One simulator for these tests, reset before each (none leaves a request in flight).
  const simulator = fileSpotifySimulator();
  const linking = (linked: boolean | string = true) =>
    startConversation({ table: table(), spotify: { simulator: simulator() }, linked });

  it.each([
    'ask speaker helper to move the music to the kitchen echo',
    'ask speaker helper to list my devices',
    'ask speaker helper to play on the office speaker',
  ])('unlinked, "%s" says how to link and sends a LinkAccount card', async (said) => {
    const c = await linking(false);
    await c.say(said);
    expect(c.speech).toBe(words('music.linkNeeded'));
    expect(c.cardType).toBe('LinkAccount');
    expect(c.sessionOpen).toBe(false);
    expect(c.spotifyRequests()).toEqual([]);
    expect(c.progressivePosts).toEqual([]);
  });

  it('a token Spotify refuses (401) gets the same answer, with one request and no refresh', async () => {
    const c = await linking('revoked-token');
    await c.say('ask speaker helper to move the music to the kitchen echo');
    expect(c.speech).toBe(words('music.linkNeeded'));
    expect(c.cardType).toBe('LinkAccount');
    expect(c.sessionOpen).toBe(false);
    expect(spotifyCalls(c.turnSpotify)).toEqual(['GET /v1/me/player/devices']);
    expect(c.turnSpotify[0]?.response?.status).toBe(401);
    expect(c.turnSpotify[0]?.headers.authorization).toBe('Bearer revoked-token');
    // Only the simulator was called: no token endpoint, no second try.
    expect(c.turnWire.filter((e) => e.kind === 'spotify.sent')).toHaveLength(1);
  });

  it('a 401 on the transfer itself gets the same answer', async () => {
    const c = await linking();
    c.simulator.fault('transferPlayback', { kind: 'unauthorized' });
    await c.say('ask speaker helper to move the music to the kitchen echo');
    expect(c.speech).toBe(words('music.linkNeeded'));
    expect(c.cardType).toBe('LinkAccount');
    expect(spotifyCalls(c.turnSpotify)).toEqual(['GET /v1/me/player/devices', 'PUT /v1/me/player']);
  });

  it('after linking, the same request works', async () => {
    const c = await linking(false);
    await c.say('ask speaker helper to move the music to the kitchen echo');
    expect(c.cardType).toBe('LinkAccount');
    c.link();
    await c.say('ask speaker helper to move the music to the kitchen echo');
    expectMovedTo(c, 'Kitchen Echo');
  });
});
