import i18next from 'i18next';
import type { i18n } from 'i18next';
import { render, translateLine } from '../../lambda/src/i18n/render';
import enUS from '../../lambda/src/i18n/locales/en.json';
import {
  DEFAULT_LOCALE,
  TRANSLATION_CACHE_LIMIT,
  createTranslators,
  translatorFor,
} from '../../lambda/src/i18n/translators';
import type { Translator } from '../../lambda/src/i18n/translators';

const TWO_LOCALES = {
  'en-US': {
    common: { bluetooth: 'Bluetooth' },
    greet: 'Hello, {{name}}.',
    connect: 'Say: Alexa, connect to {{target}}.',
    value: 'The value is {{n}}.',
    answered_one: 'You answered one step.',
    answered_other: 'You answered {{count}} steps.',
  },
  'de-DE': {
    common: { bluetooth: 'Bluetooth-Gerät' },
    greet: 'Hallo, {{name}}.',
    connect: 'Sag: Alexa, verbinde mit {{target}}.',
    value: 'Der Wert ist {{n}}.',
    answered_one: 'Du hast einen Schritt beantwortet.',
    answered_other: 'Du hast {{count}} Schritte beantwortet.',
  },
};

/** createTranslators, with the i18next instance behind each locale, to count how often it really translates. */
function translatorsWithInstances(resources: Record<string, object>) {
  const instances: i18n[] = [];
  const create = i18next.createInstance.bind(i18next);
  const spy = jest.spyOn(i18next, 'createInstance').mockImplementation((...args) => {
    const instance = create(...args);
    instances.push(instance);
    return instance;
  });
  try {
    const translators = createTranslators(resources);
    // Each locale's i18next instance is made on its first use: use them all while the spy is on.
    for (const translator of translators.values()) translator.has('welcome');
    const calls = instances.map((instance) => jest.spyOn(instance, 't'));
    return { translators, calls };
  } finally {
    spy.mockRestore();
  }
}

const get = (translators: Map<string, Translator>, locale: string) => {
  const translator = translators.get(locale);
  if (!translator) throw new Error(`no translator for ${locale}`);
  return translator;
};

describe('createTranslators: remembered translations', () => {
  it('gives the same key with different params different words, and each again from the cache', () => {
    const { translators, calls } = translatorsWithInstances(TWO_LOCALES);
    const en = get(translators, 'en-US');

    expect(en.t('greet', { name: 'Ana' })).toBe('Hello, Ana.');
    expect(en.t('greet', { name: 'Bo' })).toBe('Hello, Bo.');
    expect(en.t('greet', { name: 'Ana' })).toBe('Hello, Ana.');
    expect(en.t('greet', { name: 'Bo' })).toBe('Hello, Bo.');
    expect(en.t('answered', { count: 1 })).toBe('You answered one step.');
    expect(en.t('answered', { count: 3 })).toBe('You answered 3 steps.');
    expect(en.t('answered', { count: 1 })).toBe('You answered one step.');
    // A number and the same digits as a string are different params.
    expect(en.t('greet', { name: 7 })).toBe('Hello, 7.');
    expect(en.t('greet', { name: '7' })).toBe('Hello, 7.');
    expect(en.t('greet', { name: ['a', 'b'] })).toBe(en.t('greet', { name: ['a', 'b'] }));

    // Each distinct (key, params) went to i18next once.
    expect(calls[0]).toHaveBeenCalledTimes(7);
  });

  it('keeps each locale’s words apart for the same key and params', () => {
    const { translators, calls } = translatorsWithInstances(TWO_LOCALES);
    const en = get(translators, 'en-US');
    const de = get(translators, 'de-DE');

    for (let round = 0; round < 2; round += 1) {
      expect(en.t('greet', { name: 'Ana' })).toBe('Hello, Ana.');
      expect(de.t('greet', { name: 'Ana' })).toBe('Hallo, Ana.');
      expect(de.t('answered', { count: 2 })).toBe('Du hast 2 Schritte beantwortet.');
      expect(en.t('answered', { count: 2 })).toBe('You answered 2 steps.');
      expect(en.t('common.bluetooth')).toBe('Bluetooth');
      expect(de.t('common.bluetooth')).toBe('Bluetooth-Gerät');
    }
    expect(calls[0]).toHaveBeenCalledTimes(3);
    expect(calls[1]).toHaveBeenCalledTimes(3);
  });

  it('words params JSON cannot tell apart (NaN, Infinity) each as i18next does', () => {
    const en = get(createTranslators(TWO_LOCALES), 'en-US');
    expect(en.t('value', { n: Number.NaN })).toBe('The value is NaN.');
    expect(en.t('value', { n: Number.POSITIVE_INFINITY })).toBe('The value is Infinity.');
    expect(en.t('value', { n: Number.NEGATIVE_INFINITY })).toBe('The value is -Infinity.');
  });

  it(`starts over at ${TRANSLATION_CACHE_LIMIT} entries and still answers right`, () => {
    const { translators, calls } = translatorsWithInstances(TWO_LOCALES);
    const en = get(translators, 'en-US');
    for (let n = 0; n < TRANSLATION_CACHE_LIMIT; n += 1) en.t('greet', { name: `user${n}` });
    expect(en.t('greet', { name: 'user0' })).toBe('Hello, user0.');
    expect(calls[0]).toHaveBeenCalledTimes(TRANSLATION_CACHE_LIMIT); // still cached

    expect(en.t('greet', { name: 'one more' })).toBe('Hello, one more.'); // full: cleared, then stored
    expect(en.t('greet', { name: 'user0' })).toBe('Hello, user0.'); // translated again
    expect(calls[0]).toHaveBeenCalledTimes(TRANSLATION_CACHE_LIMIT + 2);
  });

  it('words the bundled en-US sentences as i18next does directly', () => {
    const en = get(createTranslators(), 'en-US');
    const direct = i18next.createInstance();
    void direct.init({
      lng: 'en-US',
      fallbackLng: false,
      resources: { 'en-US': { translation: enUS } },
      initAsync: false,
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    for (const count of [1, 2, 1, 5]) {
      expect(en.t('whereAmI.tried', { count })).toBe(direct.t('whereAmI.tried', { count }));
    }
    expect(en.t('whereAmI.tried', { count: 1 })).toBe("So far you've answered one step.");
    expect(en.t('symptom.ack', { symptom: 'x' })).toBe(direct.t('symptom.ack', { symptom: 'x' }));
  });
});

describe('translateLine and render: the no-name target per translator', () => {
  it('uses each translator’s own words for the target, or the speaker’s name', () => {
    const translators = createTranslators(TWO_LOCALES);
    const en = get(translators, 'en-US');
    const de = get(translators, 'de-DE');
    const line = { key: 'connect' };

    for (let round = 0; round < 2; round += 1) {
      expect(translateLine(line, en, {})).toBe('Say: Alexa, connect to Bluetooth.');
      expect(translateLine(line, de, {})).toBe('Sag: Alexa, verbinde mit Bluetooth-Gerät.');
      expect(translateLine(line, en, { speakerName: 'Boom' })).toBe('Say: Alexa, connect to Boom.');
      expect(translateLine(line, de, { speakerName: 'Boom' })).toBe('Sag: Alexa, verbinde mit Boom.');
    }
    const nested = { key: 'greet', params: { name: { key: 'connect' } } };
    expect(translateLine(nested, de, {})).toBe('Hallo, Sag: Alexa, verbinde mit Bluetooth-Gerät..');
    expect(render({ speech: [line] }, en, {}).speech).toBe('Say: Alexa, connect to Bluetooth.');
  });
});

describe('translatorFor', () => {
  const translators = createTranslators(TWO_LOCALES);

  it('picks the exact locale, else the same language, else the default', () => {
    expect(translatorFor(translators, 'de-DE').locale).toBe('de-DE');
    expect(translatorFor(translators, 'de-AT').locale).toBe('de-DE');
    expect(translatorFor(translators, 'fr-FR').locale).toBe(DEFAULT_LOCALE);
    expect(translatorFor(translators, undefined).locale).toBe(DEFAULT_LOCALE);
    expect(translatorFor(translators, '').locale).toBe(DEFAULT_LOCALE);
  });

  it.each<[string, unknown]>([
    ['a number', 42],
    ['an object', { locale: 'de-DE' }],
    ['null', null],
    ['an array', ['de-DE']],
    ['a boolean', true],
    ['a symbol', Symbol('de-DE')],
    ['a function', () => 'de-DE'],
  ])('falls back to the default locale for %s, without throwing', (_, locale) => {
    expect(translatorFor(translators, locale).locale).toBe(DEFAULT_LOCALE);
  });
});

describe('createTranslators: words loaded on first use', () => {
  it('makes no i18next instance until a locale is used, then one, checked once', () => {
    const made: string[] = [];
    const create = i18next.createInstance.bind(i18next);
    const spy = jest.spyOn(i18next, 'createInstance').mockImplementation((...args) => {
      made.push('instance');
      return create(...args);
    });
    try {
      const checked: string[] = [];
      const translators = createTranslators(undefined, { onLoad: (t) => checked.push(t.locale) });
      expect(made).toHaveLength(0);
      const de = get(translators, 'de-DE');
      expect(de.t('common.bluetooth')).toBe('Bluetooth');
      de.t('welcome.new');
      expect(made).toHaveLength(1);
      expect(checked).toEqual(['de-DE']);
    } finally {
      spy.mockRestore();
    }
  });

  it('a locale that fails its check is not used, and is checked again on its next use', () => {
    let fail = true;
    const translators = createTranslators(TWO_LOCALES, {
      onLoad: () => {
        if (fail) throw new Error('missing words');
      },
    });
    const en = get(translators, 'en-US');
    expect(() => en.t('greeting')).toThrow('missing words');
    expect(() => en.t('greeting')).toThrow('missing words');
    fail = false;
    expect(typeof en.t('greeting')).toBe('string');
  });
});
