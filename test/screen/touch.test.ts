/**
 * Echo Show: a touch is the same conversation as voice. Twin users go through the skill side by side on
 * the same table, one tapping the buttons its screen shows and the other saying the same words through
 * the interaction model; they must reach the same steps, hear the same answers and store the same progress
 * with the same DynamoDB calls.
 */
import type { Conversation } from '../support/conversation';
import { seeded } from '../support/dynamo-fault-proxy';
import {
  closeConversations,
  conversationTable,
  newUserId,
  startConversation,
  words,
  wordsIn,
} from '../support/conversation';

const table = conversationTable('screen-touch');
afterAll(closeConversations);

interface Twins {
  touch: Conversation;
  voice: Conversation;
}

async function twins(options: Parameters<typeof startConversation>[0] = {}): Promise<Twins> {
  const touch = await startConversation({ table: table(), screen: 'hub', ...options });
  const voice = await startConversation({ table: table(), screen: 'hub', ...options });
  return { touch, voice };
}

/** What one twin noticed of a turn: where it is, what it heard, what the screen shows and what was stored. */
async function seen(c: Conversation) {
  const last = c.turns[c.turns.length - 1];
  return {
    step: c.step,
    speech: c.speech,
    sessionOpen: c.sessionOpen,
    screen: c.screen,
    stored: (await c.stored())?.progress,
    operations: last?.operations,
  };
}

async function expectSame(t: Twins, what: string): Promise<void> {
  const [touched, spoken] = await Promise.all([seen(t.touch), seen(t.voice)]);
  try {
    expect(touched).toEqual(spoken);
  } catch (error) {
    throw new Error(
      `${what}\n--- touch\n${t.touch.transcript()}\n--- voice\n${t.voice.transcript()}\n${String(error)}`,
      { cause: error },
    );
  }
}

describe('a touch and the matching spoken answer', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'lead to the same steps, words and stored progress (random walk %i)',
    async (seed) => {
      // Seeded, so a failing walk can be replayed.
      const next = seeded(seed);
      const t = await twins();
      await Promise.all([t.touch.launch(), t.voice.launch()]);
      let pressed = 0;
      for (let turn = 0; turn < 24 && pressed < 14; turn += 1) {
        const buttons = t.touch.screen?.buttons ?? [];
        if (buttons.length === 0 || !t.touch.sessionOpen) {
          // A hand-off or an end closed the session: the user comes back to the Echo.
          if (t.touch.sessionProgress?.status !== 'active') break;
          await Promise.all([t.touch.launch(), t.voice.launch()]);
          await expectSame(t, `reopening (seed ${seed})`);
          continue;
        }
        const label = buttons[Math.floor(next() * buttons.length)]?.label as string;
        await t.touch.tap(label);
        await t.voice.say(label);
        pressed += 1;
        expect(t.voice.heard).not.toBe('AMAZON.FallbackIntent');
        await expectSame(t, `"${label}" (seed ${seed})`);
      }
      expect(pressed).toBeGreaterThan(3);
    },
  );

  it('cover every kind of button the flow offers', async () => {
    // The walks above are random: this one presses each answer kind at least once, on a fixed route.
    const t = await twins();
    await Promise.all([t.touch.launch(), t.voice.launch()]);
    const route = [
      words('screen.buttons.wont_pair'),
      words('screen.buttons.back'),
      words('screen.buttons.keeps_disconnecting'),
      words('screen.buttons.skip'),
      words('screen.buttons.unsure'),
      words('screen.buttons.no'),
      words('screen.buttons.yes'),
    ];
    const kinds = new Set<string>();
    for (const label of route) {
      if (!t.touch.sessionOpen) break;
      const button = t.touch.screen?.buttons.find((b) => b.label === label);
      if (!button) continue;
      kinds.add(button.arguments[0] as string);
      await t.touch.tap(label);
      await t.voice.say(label);
      await expectSame(t, `"${label}"`);
    }
    expect([...kinds].sort()).toEqual(['answer', 'nav', 'symptom']);
  });

  it('agree at the Alexa app question (connected, only saved, not there)', async () => {
    for (const state of ['connected', 'saved', 'not_listed']) {
      const t = await twins();
      // A new speaker that did not pair from the app leads to the app question.
      for (const c of [t.touch, t.voice]) {
        await c.launch();
        await c.say("it won't pair");
        await c.say('no');
        await c.launch();
        await c.say("it didn't work");
      }
      expect(t.touch.step).toBe('app_state');
      const label = words(`screen.buttons.${state}`);
      await t.touch.tap(label);
      await t.voice.say(label);
      await expectSame(t, `"${label}" at app_state`);
    }
  });

  it('agree on a returning user’s "It worked" after a hand-off, in a new session', async () => {
    const t = await twins();
    for (const c of [t.touch, t.voice]) {
      await c.launch();
      await c.say("it won't pair");
      await c.say('no');
    }
    expect(t.touch.sessionOpen).toBe(false);
    // The user comes back and is asked whether it worked; the screen shows the answers.
    await Promise.all([t.touch.launch(), t.voice.launch()]);
    expect(t.touch.screen?.banner).toBe(words('screen.welcomeBack'));
    const worked = words('screen.buttons.worked');
    await t.touch.tap(worked);
    await t.voice.say(worked);
    await expectSame(t, 'It worked');
    expect(t.touch.sessionProgress?.status).toBe('resolved');
  });
});

describe('touches the skill does not accept', () => {
  async function atSecondStep(options: Parameters<typeof startConversation>[0] = {}) {
    const c = await startConversation({ table: table(), screen: 'hub', ...options });
    await c.launch();
    await c.tap(words('screen.buttons.wont_pair'));
    return c;
  }

  it.each([
    ['a token from an earlier screen', 'step:triage', ['symptom', 'cant_find']],
    ['a token the skill never sends', 'something-else', ['answer', 'yes']],
    ['an answer the screen does not offer', 'CURRENT', ['state', 'saved']],
    ['a device when no device list is shown', 'CURRENT', ['device', 'Kitchen Echo']],
    ['extra arguments', 'CURRENT', ['answer', 'yes', 'now']],
    ['arguments of the wrong type', 'CURRENT', ['answer', 1]],
    ['no arguments', 'CURRENT', []],
  ])('%s is answered like words the skill did not understand', async (_what, token, args) => {
    const touched = await atSecondStep();
    const spoken = await atSecondStep();
    const before = touched.step;
    await touched.touch(token === 'CURRENT' ? (touched.directive?.token ?? '') : token, args);
    await spoken.say('purple elephants');
    expect(spoken.heard).toBe('AMAZON.FallbackIntent');
    expect(touched.speech).toBe(spoken.speech);
    expect(touched.step).toBe(before);
    expect((await touched.stored())?.progress).toEqual((await spoken.stored())?.progress);
  });

  it('a touch without a locale answers in the session’s language', async () => {
    const c = await startConversation({ table: table(), screen: 'hub', locale: 'de-DE' });
    await c.launch();
    const label = wordsIn('de-DE', 'screen.buttons.wont_pair');
    await c.tap(label, { withoutLocale: true });
    expect(c.lastRequest?.request.locale).toBeUndefined();
    expect(c.step).toBe('worked_before');
    expect(c.speech).toContain(wordsIn('de-DE', 'steps.worked_before.question'));
    expect(c.screen?.title).toBe(wordsIn('de-DE', 'steps.worked_before.title'));
  });
});

describe('screens', () => {
  it('a device without a screen never gets an APL directive, with the same words as before', async () => {
    // The harness rejects any APL directive sent to a device that does not declare APL; this compares too.
    const plain = await startConversation({ table: table() });
    const show = await startConversation({ table: table(), screen: 'hub' });
    for (const said of ['(launch)', "it won't pair", 'no']) {
      for (const c of [plain, show]) await (said === '(launch)' ? c.launch() : c.say(said));
      expect(plain.directive).toBeUndefined();
      expect(show.directive?.type).toBe('Alexa.Presentation.APL.RenderDocument');
      expect(plain.speech).toBe(show.speech);
      expect(plain.card).toEqual(show.card);
    }
  });

  it('a step shows its title, where the user is, the numbered actions and no buttons when the session ends', async () => {
    const c = await startConversation({ table: table(), screen: 'hub' });
    await c.launch();
    await c.say("it won't pair");
    await c.say('no');
    const screen = c.screen;
    expect(c.sessionOpen).toBe(false);
    expect(screen?.title).toBe(words(`steps.${c.step as string}.title`));
    expect(screen?.position).toBe(words('screen.position', { number: 3 }));
    expect(screen?.lines.filter((l) => /^\d+\. /.test(l)).length).toBeGreaterThan(2);
    expect(screen?.buttons).toEqual([]);
    expect(screen?.question).toBe('');
  });

  it('the safety stop is its own screen, at any step, with no buttons', async () => {
    const c = await startConversation({ table: table(), screen: 'hub' });
    await c.launch();
    await c.tap(words('screen.buttons.wont_pair'));
    await c.say('the speaker is smoking');
    expect(c.directive?.document).toEqual({
      type: 'Link',
      src: 'doc://alexa/apl/documents/speakerHelperEnd',
    });
    expect(c.screen?.kind).toBe('safety');
    expect(c.screen?.title).toBe(words('steps.safety_stop.title'));
    expect(c.screen?.buttons).toEqual([]);
  });

  it('a Fire TV gets the same screen with what to say instead of touching', async () => {
    const c = await startConversation({ table: table(), screen: 'tv' });
    await c.launch();
    const screen = c.screen;
    expect(screen?.hint).toContain(words('screen.quote', { text: words('screen.buttons.wont_pair') }));
    // The hint is sayable: the first option, said aloud, moves the journey on.
    await c.say(words('screen.buttons.wont_pair'));
    expect(c.step).toBe('worked_before');
  });

  it('a screen response stays far under Alexa’s response size limit at its largest', async () => {
    // The unresolved end lists every step tried: the largest screen a journey can produce.
    const c = await startConversation({ table: table(), screen: 'hub', userId: newUserId() });
    await c.launch();
    await c.tap(words('screen.buttons.keeps_disconnecting'));
    for (let i = 0; i < 40 && c.sessionProgress?.status === 'active'; i += 1) {
      if (!c.sessionOpen) {
        await c.launch();
        continue;
      }
      const labels = (c.screen?.buttons ?? []).map((b) => b.label);
      const no = ['failed', 'no', 'skip', 'unsure']
        .map((id) => words(`screen.buttons.${id}`))
        .find((l) => labels.includes(l));
      if (!no) throw new Error(`nothing to answer "no" with: ${labels.join(', ')}`);
      await c.tap(no);
    }
    expect(c.screen?.kind).toBe('unresolved');
    expect(c.screen?.lines.length).toBeGreaterThan(4);
    expect(c.responseBytes).toBeLessThan(12 * 1024);
  });
});

describe('the Spotify device list', () => {
  it('shows every device, lets the user tap one to move the music there, and shows restricted ones as unavailable', async () => {
    const c = await startConversation({ table: table(), screen: 'hub', spotify: true, linked: true });
    await c.launch();
    await c.say('list my spotify devices');
    const screen = c.screen;
    expect(screen?.kind).toBe('devices');
    const listed = c.simulator.state.devices;
    expect(screen?.devices.map((d) => d.name).sort()).toEqual(listed.map((d) => d.name).sort());
    const restricted = listed.filter((d) => d.is_restricted || d.id === null).map((d) => d.name);
    expect(restricted.length).toBeGreaterThan(0);
    for (const d of screen?.devices ?? []) {
      expect(d.available).toBe(!restricted.includes(d.name));
      expect(d.note).toBe(d.available ? '' : words('screen.unavailable'));
    }
    await c.tap('Office Speaker');
    expect(c.simulator.state.active?.name).toBe('Office Speaker');
    expect(c.speech).toBe(words('music.moved', { device: 'Office Speaker' }));
  });

  it('a tap on a restricted device is not taken', async () => {
    const c = await startConversation({ table: table(), screen: 'hub', spotify: true, linked: true });
    await c.launch();
    await c.say('list my spotify devices');
    const before = c.simulator.state.active?.name;
    await c.touch(c.directive?.token ?? '', ['device', 'Phone']);
    expect(c.simulator.state.active?.name).toBe(before);
    expect(c.screen?.kind).toBe('devices');
  });
});

describe('the music offer after a fix', () => {
  it('shows Yes and No on the fixed screen, and Yes moves the music to this Echo', async () => {
    const c = await startConversation({ table: table(), screen: 'hub', spotify: true, linked: true });
    await c.launch();
    await c.say("it won't pair");
    await c.say('no');
    await c.launch();
    await c.tap(words('screen.buttons.worked'));
    expect(c.screen?.kind).toBe('resolved');
    expect(c.screen?.question).toBe(words('music.offer'));
    expect(c.screen?.buttons.map((b) => b.label)).toEqual([
      words('screen.buttons.yes'),
      words('screen.buttons.no'),
    ]);
    await c.tap(words('screen.buttons.yes'));
    // Two Echos on the account: the screen asks which one is this, as speech does, with both to tap.
    expect(c.screen?.kind).toBe('devices');
    const echos = (c.screen?.devices ?? []).map((d) => d.name);
    expect(echos.length).toBeGreaterThan(1);
    expect(echos.every((name) => /Echo/.test(name))).toBe(true);
    await c.tap(echos[1] as string);
    expect(c.simulator.state.active?.name).toBe(echos[1]);
    expect(c.speech).toBe(words('music.moved', { device: echos[1] as string }));
  });
});
