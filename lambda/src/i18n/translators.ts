import i18next from 'i18next';

/**
 * The words per language, and each locale's thin regional override of them (spelling, units): a locale
 * speaks its language's words with its own differences laid over them. Loaded on first use with
 * `require`, which the bundler wraps in a function: a cold start builds only the words of the locales it
 * meets (one, usually), not all fourteen.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const LANGUAGES: Record<string, () => object> = {
  en: () => require('./locales/en.json') as object,
  de: () => require('./locales/de.json') as object,
  it: () => require('./locales/it.json') as object,
  fr: () => require('./locales/fr.json') as object,
  pt: () => require('./locales/pt.json') as object,
  es: () => require('./locales/es.json') as object,
  ja: () => require('./locales/ja.json') as object,
};
const REGIONAL: Record<string, () => object> = {
  'en-US': () => require('./locales/en-US.json') as object,
  'en-GB': () => require('./locales/en-GB.json') as object,
  'en-CA': () => require('./locales/en-CA.json') as object,
  'en-AU': () => require('./locales/en-AU.json') as object,
  'en-IN': () => require('./locales/en-IN.json') as object,
  'de-DE': () => require('./locales/de-DE.json') as object,
  'it-IT': () => require('./locales/it-IT.json') as object,
  'fr-FR': () => require('./locales/fr-FR.json') as object,
  'fr-CA': () => require('./locales/fr-CA.json') as object,
  'pt-BR': () => require('./locales/pt-BR.json') as object,
  'es-ES': () => require('./locales/es-ES.json') as object,
  'es-MX': () => require('./locales/es-MX.json') as object,
  'es-US': () => require('./locales/es-US.json') as object,
  'ja-JP': () => require('./locales/ja-JP.json') as object,
};
/* eslint-enable @typescript-eslint/no-require-imports */

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

/** Every locale the skill speaks (its words are bundled into the Lambda). */
export const SUPPORTED_LOCALES = Object.keys(REGIONAL);

/** A locale's words: its language's, with its regional differences laid over them. */
export function resourcesOf(locale: string): object {
  const over = REGIONAL[locale];
  const base = LANGUAGES[locale.split('-')[0] as string];
  if (!over || !base) throw new Error(`No words for ${locale}`);
  return overlay(base(), over());
}

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

export interface TranslatorOptions {
  /** Runs once when a locale's words are first loaded, e.g. to check the flow has all its sentences. */
  onLoad?: (translator: Translator) => void;
}

/**
 * One i18next instance per locale, created once (on the locale's first sentence) and passed in. A global
 * i18next re-initialised per request can answer one user in another user's language under concurrency.
 * `resources` replaces the bundled words (tests); by default each locale's are loaded when first needed.
 */
export function createTranslators(
  resources?: Record<string, object>,
  options: TranslatorOptions = {},
): Map<string, Translator> {
  const translators = new Map<string, Translator>();
  const locales = resources ? Object.keys(resources) : SUPPORTED_LOCALES;
  for (const locale of locales) {
    const words = resources ? () => resources[locale] as object : () => resourcesOf(locale);
    translators.set(locale, lazyTranslator(locale, words, options.onLoad));
  }
  return translators;
}

interface Loaded {
  t: Translator['t'];
  has: Translator['has'];
}

/** A translator whose i18next instance is made on first use, then kept. */
function lazyTranslator(
  locale: string,
  words: () => object,
  onLoad: ((translator: Translator) => void) | undefined,
): Translator {
  let loaded: Loaded | undefined;
  const load = (): Loaded => {
    if (loaded) return loaded;
    const made = loadTranslator(locale, words());
    loaded = made;
    try {
      onLoad?.(translator);
    } catch (error) {
      // A locale that fails its check is not used half-checked: the next use checks it again.
      loaded = undefined;
      throw error;
    }
    return made;
  };
  const translator: Translator = {
    locale,
    voiceCommands: VOICE_COMMANDS[locale.split('-')[0] as string] === true,
    t: (key, params) => load().t(key, params),
    has: (key) => load().has(key),
  };
  return translator;
}

function loadTranslator(locale: string, translation: object): Loaded {
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
  return {
    t: (key, given) => {
      const params = given ?? {};
      if (!cacheable(params)) return translate(key, params);
      const id = cacheId(key, params);
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
  };
}

/**
 * The cache's id of a sentence: its key and its parameters in order. Parameters are mostly one or two plain
 * strings, joined here without JSON.stringify (which showed in the turn's profile); lists go through JSON.
 * No key or parameter name has a NUL or a SOH, and JSON escapes both, so the separators keep the parts apart.
 */
function cacheId(key: string, params: Record<string, string | number | string[]>): string {
  let id = key;
  for (const name in params) {
    const value = params[name];
    // Tagged, so a string that looks like JSON cannot pass for a list; a string with a separator goes as JSON.
    const plain = typeof value === 'string' && !value.includes('\u0000') && !value.includes('\u0001');
    id += `\u0000${name}\u0001${plain ? `s${value}` : `j${JSON.stringify(value)}`}`;
  }
  return id;
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
