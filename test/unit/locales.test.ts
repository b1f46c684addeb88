/**
 * Every language the skill speaks is whole: each locale has a model and words, the models agree on
 * intents, slots and value ids, invocation names follow Alexa's rules, no sample belongs to two intents, no
 * English is left in another language's model or speech, and every key and plural form is translated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import en from '../../lambda/src/i18n/locales/en.json';
import { createTranslators, resourcesOf, SUPPORTED_LOCALES } from '../../lambda/src/i18n/translators';
import type { InteractionModelFile } from '../support/model';
import { MANIFEST_PATH, MODEL_PATH } from '../support/model';

const MODELS_DIR = join(MODEL_PATH, '..');
const modelOf = (locale: string) =>
  JSON.parse(readFileSync(join(MODELS_DIR, `${locale}.json`), 'utf8')) as InteractionModelFile;
const modelLocales = readdirSync(MODELS_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort();
const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as {
  manifest: { publishingInformation: { locales: Record<string, unknown> } };
};
const translators = createTranslators();
const language = (locale: string) => locale.split('-')[0] as string;

/** Every leaf of a resource tree: [key, text]. */
function leaves(tree: unknown, prefix = ''): Array<[string, string]> {
  if (typeof tree === 'string') return [[prefix, tree]];
  if (typeof tree !== 'object' || tree === null) return [];
  return Object.entries(tree).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([a-zA-Z]+)/g)].map((m) => m[1]).sort();

describe('the locales agree', () => {
  it('every published locale has a model and words, and every model and every set of words is published', () => {
    const published = Object.keys(manifest.manifest.publishingInformation.locales).sort();
    expect(modelLocales).toEqual(published);
    expect([...SUPPORTED_LOCALES].sort()).toEqual(published);
  });

  const reference = modelOf('en-US').interactionModel.languageModel;
  const shape = (locale: string) => {
    const model = modelOf(locale).interactionModel.languageModel;
    return {
      intents: model.intents
        .map((i) => `${i.name}(${(i.slots ?? []).map((s) => `${s.name}:${s.type}`).join(',')})`)
        .sort(),
      types: (model.types ?? [])
        .map((t) => `${t.name}[${(t.values ?? []).map((v) => v.id).join(',')}]`)
        .sort(),
    };
  };

  it.each(modelLocales)('%s: the same intents, slots, slot types and value ids as en-US', (locale) => {
    expect(shape(locale)).toEqual(shape('en-US'));
  });

  it.each(modelLocales)('%s: an invocation name Alexa accepts', (locale) => {
    const name = modelOf(locale).interactionModel.languageModel.invocationName;
    if (locale.startsWith('ja')) {
      // Japanese names are written in kana and kanji, without spaces between words.
      expect(name).toMatch(/^[\p{Script=Katakana}\p{Script=Hiragana}\p{Script=Han}ー]{4,}$/u);
      return;
    }
    expect(name.split(' ').length).toBeGreaterThanOrEqual(2);
    expect(name).toMatch(/^[\p{Ll} .']+$/u);
    expect(name).not.toMatch(/\b(alexa|echo|skill|app|open|launch|start|ask|tell|öffne|starte|frage)\b/);
  });

  it.each(modelLocales)('%s: no sample is claimed by two intents', (locale) => {
    const owner = new Map<string, string>();
    const twice: string[] = [];
    for (const intent of modelOf(locale).interactionModel.languageModel.intents) {
      for (const sample of intent.samples ?? []) {
        const seen = owner.get(sample);
        if (seen && seen !== intent.name) twice.push(`"${sample}": ${seen} and ${intent.name}`);
        owner.set(sample, intent.name);
      }
    }
    expect(twice).toEqual([]);
  });

  /** Words other languages say as English does ("no" in Spanish and Italian). */
  const SHARED = new Set(['ok', 'okay', 'no']);
  const english = new Set(
    reference.intents.flatMap((i) => i.samples ?? []).filter((s) => !/^\{\w+\}$/.test(s) && !SHARED.has(s)),
  );
  it.each(modelLocales.filter((l) => language(l) !== 'en'))('%s: no English samples left', (locale) => {
    const left = modelOf(locale)
      .interactionModel.languageModel.intents.flatMap((i) => i.samples ?? [])
      .filter((s) => english.has(s));
    expect(left).toEqual([]);
  });
});

describe('the words agree', () => {
  const keys = leaves(en).map(([k]) => k.replace(/_(zero|one|two|few|many|other)$/, ''));

  it.each([...SUPPORTED_LOCALES])('%s: every key and every plural form this language has', (locale) => {
    const t = translators.get(locale)!;
    expect([...new Set(keys)].filter((key) => !t.has(key))).toEqual([]);
  });

  it.each([...SUPPORTED_LOCALES])(
    '%s: no key the English does not have, and the same placeholders',
    (locale) => {
      const exact = new Map(leaves(en));
      const base = new Map(leaves(en).map(([k, v]) => [k.replace(/_(zero|one|two|few|many|other)$/, ''), v]));
      const problems: string[] = [];
      for (const [key, text] of leaves(resourcesOf(locale))) {
        const stem = key.replace(/_(zero|one|two|few|many|other)$/, '');
        // A plural form the English has ("one step") is compared with it; another language's own forms with "other".
        const english = exact.get(key) ?? base.get(stem) ?? exact.get(`${stem}_other`);
        if (english === undefined) problems.push(`extra key ${key}`);
        // A language without Alexa's voice commands drops {{target}}, the speaker's name in them.
        else {
          const want = placeholders(english).filter(
            (p) => translators.get(locale)!.voiceCommands || p !== 'target',
          );
          const have = placeholders(text).filter(
            (p) => translators.get(locale)!.voiceCommands || p !== 'target',
          );
          if (want.join() !== have.join()) problems.push(`${key}: {{${have}}} instead of {{${want}}}`);
        }
      }
      expect(problems).toEqual([]);
    },
  );

  const ENGLISH_WORDS = /\b(the|your|you|please|with|and|speaker|again|working|when|what)\b/i;
  it.each([...SUPPORTED_LOCALES].filter((l) => language(l) !== 'en'))(
    '%s: no English left in what the skill says',
    (locale) => {
      const leaking = leaves(resourcesOf(locale))
        .filter(([key]) => !key.startsWith('music.') || key !== 'music.devices')
        .filter(([, text]) =>
          ENGLISH_WORDS.test(text.replace(/Speaker Helper|Spotify|Echo|Bluetooth|JBL Flip \d/g, '')),
        )
        .map(([key, text]) => `${key}: ${text}`);
      expect(leaking).toEqual([]);
    },
  );
});
