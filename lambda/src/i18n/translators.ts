import i18next from 'i18next';
import enUS from './locales/en-US.json';

/** Every locale the skill speaks, with its resources bundled into the Lambda. */
export const RESOURCES: Record<string, object> = { 'en-US': enUS };
export const DEFAULT_LOCALE = 'en-US';

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
    translators.set(locale, {
      locale,
      t: (key, params) => instance.t(key, params ?? {}) as string,
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

/** The translator for a request's locale: exact match, else the same language, else the default. */
export function translatorFor(translators: Map<string, Translator>, locale: string | undefined): Translator {
  const exact = locale ? translators.get(locale) : undefined;
  if (exact) return exact;
  const language = locale?.split('-')[0];
  for (const [key, translator] of translators) if (key.split('-')[0] === language) return translator;
  const fallback = translators.get(DEFAULT_LOCALE);
  if (!fallback) throw new Error(`No translator for the default locale ${DEFAULT_LOCALE}`);
  return fallback;
}
