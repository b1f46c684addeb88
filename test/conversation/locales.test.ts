/**
 * Every locale the skill speaks, through its own interaction model: a journey from launch to a fixed
 * speaker with help on the way, stop and resume, a safety phrase, a Spotify move, and a mid-session change
 * of language (an Echo in multilingual mode). What the user says is taken from that locale's model, and
 * what they hear from that locale's words, so the test holds for every language added.
 */
import { readFileSync } from 'node:fs';
import { SUPPORTED_LOCALES } from '../../lambda/src/i18n/translators';
import { defaultDevices } from '../../scripts/local/spotify-simulator';
import { modelPathFor, openPhrase } from '../../scripts/local/virtual-echo';
import type { InteractionModelFile } from '../support/model';
import type { Conversation } from '../support/conversation';
import {
  conversationTable,
  FLOW,
  sentences,
  startConversation,
  stepOf,
  wordsIn,
} from '../support/conversation';

const table = conversationTable('locales');

function phrasesOf(locale: string) {
  const model = (JSON.parse(readFileSync(modelPathFor(locale), 'utf8')) as InteractionModelFile)
    .interactionModel.languageModel;
  const plain = (intent: string) => {
    const sample = model.intents.find((i) => i.name === intent)?.samples?.find((s) => !s.includes('{'));
    if (!sample) throw new Error(`${locale}: ${intent} has no plain sample`);
    return sample;
  };
  const value = (type: string, id: string) => {
    const found = model.types?.find((t) => t.name === type)?.values?.find((v) => v.id === id)?.name.value;
    if (!found) throw new Error(`${locale}: ${type} has no value ${id}`);
    return found;
  };
  const moveSample = model.intents
    .find((i) => i.name === 'MoveMusicIntent')
    ?.samples?.find((s) => s.includes('{device}')) as string;
  const open = openPhrase(locale, model.invocationName);
  return { plain, value, open, moveSample };
}

const start = (locale: string, extra: Parameters<typeof startConversation>[0] = {}) =>
  startConversation({ table: table(), locale, ...extra });

describe.each([...SUPPORTED_LOCALES])('%s, through its own model', (locale) => {
  const say = phrasesOf(locale);
  const w = (key: string, params?: Record<string, string | number | readonly string[]>) =>
    wordsIn(locale, key, params);
  const entry = FLOW.symptomEntry.cant_find;
  const handoff = (stepOf(entry) as { no: string }).no;

  it('from launch to a fixed speaker, with help on the way', async () => {
    const c = await start(locale);
    await c.say(say.open);
    expect(c.heard).toBe('LaunchRequest');
    expect(c.speech).toBe(sentences(w('welcome.new'), w(`steps.${FLOW.start}.question`)));

    await c.say(say.plain('AMAZON.HelpIntent'));
    expect(c.heard).toBe('AMAZON.HelpIntent');
    expect(c.speech.startsWith(w(`steps.${FLOW.start}.help`))).toBe(true);

    await c.say(say.value('SymptomType', 'cant_find'));
    expect(c.heard).toBe('SymptomIntent');
    expect(c.step).toBe(entry);
    expect(c.speech.endsWith(w(`steps.${entry}.question`))).toBe(true);

    await c.say(say.plain('AMAZON.NoIntent'));
    expect(c.step).toBe(handoff);
    expect(c.sessionOpen).toBe(false);
    expect(c.speech).toContain(w(`steps.${handoff}.instruction`));

    await c.say(say.open);
    expect(c.speech.endsWith(w(`steps.${handoff}.question`))).toBe(true);
    await c.say(say.plain('ItWorkedIntent'));
    expect((await c.stored())?.progress.status).toBe('resolved');
    expect(c.speech).toBe(w('steps.resolved.say'));
  });

  it('stop keeps the place, and the next launch picks it up', async () => {
    const c = await start(locale);
    await c.sayAll(say.open, say.value('SymptomType', 'cant_find'), say.plain('AMAZON.StopIntent'));
    expect(c.speech).toBe(w('stop.saved'));
    await c.say(say.open);
    expect(c.speech.startsWith(w('welcome.returning'))).toBe(true);
    expect(c.step).toBe(entry);
  });

  it('a safety phrase stops everything', async () => {
    const c = await start(locale);
    await c.sayAll(say.open, say.plain('SafetyIntent'));
    expect(c.heard).toBe('SafetyIntent');
    expect(c.speech).toBe(w(`steps.${FLOW.safety}.say`));
    expect((await c.stored())?.progress.status).toBe('safety');
  });

  it('moves Spotify music to a device named in that language', async () => {
    const kitchen = say.value('DeviceNameType', 'kitchen_echo');
    const name = kitchen.replace(/\b\p{L}/gu, (l) => l.toUpperCase());
    const devices = defaultDevices().map((d) => (d.name === 'Kitchen Echo' ? { ...d, name } : d));
    const c = await start(locale, { spotify: { devices }, linked: true });
    await c.say(say.open);
    await c.say(say.moveSample.replace('{device}', kitchen));
    expect(c.heard).toBe('MoveMusicIntent');
    expect(c.speech).toBe(w('music.moved', { device: name }));
    expect(c.simulator.state.active?.name).toBe(name);
  });
});

describe('one user, two languages (multilingual mode)', () => {
  it('each turn answers in its own language, and the progress carries on', async () => {
    const [first, second] = ['en-US', 'de-DE'] as const;
    const c: Conversation = await start(first);
    const english = phrasesOf(first);
    await c.sayAll(english.open, english.value('SymptomType', 'cant_find'));
    const at = c.step;
    // The next request comes in German; its words are still matched by the Echo's English model here.
    await c.speakNextIn(second).say('repeat');
    expect(c.speech).toBe(wordsIn(second, `steps.${at}.question`));
    expect(c.step).toBe(at);
    await c.say('no');
    expect(c.speech).toContain(
      wordsIn(first, `steps.${(stepOf(at as string) as { no: string }).no}.instruction`),
    );
  });
});
