import i18next from 'i18next';
import en from './locales/en.json';
import enAU from './locales/en-AU.json';
import enCA from './locales/en-CA.json';
import enGB from './locales/en-GB.json';
import enIN from './locales/en-IN.json';
import enUS from './locales/en-US.json';
import de from './locales/de.json';
import deDE from './locales/de-DE.json';
import it from './locales/it.json';
import itIT from './locales/it-IT.json';
import fr from './locales/fr.json';
import frFR from './locales/fr-FR.json';
import frCA from './locales/fr-CA.json';
import pt from './locales/pt.json';
import ptBR from './locales/pt-BR.json';
import es from './locales/es.json';
import esES from './locales/es-ES.json';
import esMX from './locales/es-MX.json';
import esUS from './locales/es-US.json';
import ja from './locales/ja.json';
import jaJP from './locales/ja-JP.json';

/**
 * The words per language, and each locale's thin regional override of them (spelling, units): a locale
 * speaks its language's words with its own differences laid over them.
 */
const LANGUAGES: Record<string, object> = { en, de, it, fr, pt, es, ja };
const REGIONAL: Record<string, object> = {
  'en-US': enUS,
  'en-GB': enGB,
  'en-CA': enCA,
  'en-AU': enAU,
  'en-IN': enIN,
  'de-DE': deDE,
  'it-IT': itIT,
  'fr-FR': frFR,
  'fr-CA': frCA,
  'pt-BR': ptBR,
  'es-ES': esES,
  'es-MX': esMX,
  'es-US': esUS,
  'ja-JP': jaJP,
};

/** Deep merge of plain objects: `over` wins, its strings replace, its objects merge. */
function overlay(base: object, over: object): object {
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) {
    const under = merged[key];
    merged[key] =
      typeof value === 'object' && value !== null && typeof under === 'object' && under !== null
        ? overlay(under, value as object)
        : value;
  }
  return merged;
}

/** Every locale the skill speaks, with its resources bundled into the Lambda. */
export const RESOURCES: Record<string, object> = Object.fromEntries(
  Object.entries(REGIONAL).map(([locale, over]) => {
    const base = LANGUAGES[locale.split('-')[0] as string];
    if (!base) throw new Error(`No words for the language of ${locale}`);
    return [locale, overlay(base, over)];
  }),
);
export const SUPPORTED_LOCALES = Object.keys(RESOURCES);

/**
 * Languages in which Alexa's Bluetooth voice commands ("Alexa, connect to …", "Alexa, disconnect") are
 * confirmed (docs/facts.md, "Commands per language"). Elsewhere the words guide through the Alexa app,
 * which works in every language, and the speaker's name is not asked.
 */
const VOICE_COMMANDS: Record<string, boolean> = { en: true };
export const DEFAULT_LOCALE = 'en-US';

/** Sentences remembered per translator before its cache starts over (user-given names vary without end). */
export const TRANSLATION_CACHE_LIMIT = 2000;

export interface Translator {
  readonly locale: string;
  /** Whether Alexa's Bluetooth voice commands may be quoted in this language. */
  readonly voiceCommands: boolean;
  t(key: string, params?: Record<string, string | number | string[]>): string;
  has(key: string): boolean;
}

/**
 * One i18next instance per locale, created once at start-up and passed in. A global i18next
 * re-initialised per request can answer one user in another user's language under concurrency.
 */
export function createTranslators(resources: Record<string, object> = RESOURCES): Map<string, Translator> {
  const translators = new Map<string, Translator>();
  for (const [locale, translation] of Object.entries(resources)) {
    const pluralCategories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    const instance = i18next.createInstance();
    void instance.init({
      lng: locale,
      fallbackLng: false,
      resources: { [locale]: { translation } },
      initAsync: false,
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    // i18next's lookup, nesting scan and interpolation showed in the warm profile, for the same few sentences
    // turn after turn: remember each result. The cache is per translator, so locales never share an entry.
    const cache = new Map<string, string>();
    const translate = (key: string, params: Record<string, string | number | string[]>) =>
      instance.t(key, params) as string;
    translators.set(locale, {
      locale,
      voiceCommands: VOICE_COMMANDS[locale.split('-')[0] as string] === true,
      t: (key, given) => {
        const params = given ?? {};
        if (!cacheable(params)) return translate(key, params);
        // No key has a NUL, and JSON escapes it, so the separator keeps key and params apart.
        const id = `${key}\u0000${JSON.stringify(params)}`;
        let text = cache.get(id);
        if (text === undefined) {
          text = translate(key, params);
          if (cache.size >= TRANSLATION_CACHE_LIMIT) cache.clear();
          cache.set(id, text);
        }
        return text;
      },
      // Only plain strings count: a key that names an object or an empty string is not translated text.
      has: (key) => {
        const text = (k: string) => {
          const value: unknown = instance.getResource(locale, 'translation', k);
          return typeof value === 'string' && value.trim().length > 0;
        };
        // A sentence that depends on a count is translated as plural forms: every form this language has
        // (French and Portuguese add "many", Japanese has only "other"), or i18next answers with the key.
        return text(key) || pluralCategories.every((category) => text(`${key}_${category}`));
      },
    });
  }
  return translators;
}

/**
 * JSON.stringify writes NaN and ±Infinity all as null, so params holding them would share a cache entry
 * though i18next words them differently: those are translated each time.
 */
function cacheable(params: Record<string, unknown>): boolean {
  for (const value of Object.values(params))
    if (typeof value === 'number' && !Number.isFinite(value)) return false;
  return true;
}

/**
 * The translator for a request's locale: exact match, else the same language, else the default.
 * `locale` is whatever the request carried: anything but a string (a malformed request) gets the default.
 */
export function translatorFor(translators: Map<string, Translator>, locale: unknown): Translator {
  const requested = typeof locale === 'string' && locale.length > 0 ? locale : undefined;
  const exact = requested ? translators.get(requested) : undefined;
  if (exact) return exact;
  const language = requested?.split('-')[0];
  for (const [key, translator] of translators) if (key.split('-')[0] === language) return translator;
  const fallback = translators.get(DEFAULT_LOCALE);
  if (!fallback) throw new Error(`No translator for the default locale ${DEFAULT_LOCALE}`);
  return fallback;
}
