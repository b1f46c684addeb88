import i18next from 'i18next';
import enUS from './locales/en-US.json';

/** Every locale the skill speaks, with its resources bundled into the Lambda. */
export const RESOURCES: Record<string, object> = { 'en-US': enUS };
export const DEFAULT_LOCALE = 'en-US';

/** Sentences remembered per translator before its cache starts over (user-given names vary without end). */
export const TRANSLATION_CACHE_LIMIT = 2000;

export interface Translator {
  readonly locale: string;
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
        // A sentence that depends on a count is translated as plural forms (`key_one`, `key_other`).
        return text(key) || text(`${key}_other`);
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
