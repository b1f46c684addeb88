/**
 * The skill package as the ASK CLI uploads it (skill-package/), the account-linking request
 * (accountLinking.json) and the ASK CLI project file (ask-resources.json): what Alexa's package import,
 * build or certification would reject. The interaction model's own rules (samples, slots, duplicates,
 * resolution) are in interaction-model.test.ts; here the model is only read for its locales, its
 * invocation name and its samples.
 *
 * Sources: ../shared/reference/alexa-platform.md §4 (account linking), §5.1 (package layout and manifest
 * fields), §5.3 (invocation name); the SMAPI definitions `v1.skill.Manifest.*` and
 * `v1.skill.accountLinking.AccountLinkingRequestPayload` (ask-smapi-model spec.json).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import OpenAPIBackend from 'openapi-backend';
import type { Progress } from '../../lambda/src/conversation/types';
import type { ProgressStore } from '../../lambda/src/handlers/turn';
import type { LogFields, Logger } from '../../lambda/src/platform/logger';
import { buildSkill } from '../../lambda/src/skill';
import type { StoredProgress } from '../../lambda/src/state/dynamo-progress-store';
import { MANIFEST_PATH, MODEL_PATH, type InteractionModelFile } from '../support/model';

const ROOT = resolve(__dirname, '..', '..');
const PACKAGE_DIR = dirname(MANIFEST_PATH);
const MODELS_DIR = join(PACKAGE_DIR, 'interactionModels', 'custom');
/** Outside skill-package/ on purpose: `ask deploy` zips and uploads that whole folder (see the test below). */
const ACCOUNT_LINKING_PATH = join(ROOT, 'accountLinking.json');
const ASK_RESOURCES_PATH = join(ROOT, 'ask-resources.json');
const SPOTIFY_CLIENT_PATH = join(ROOT, 'lambda', 'src', 'spotify', 'client.ts');
const SPOTIFY_SPEC_PATH = join(ROOT, 'lambda', 'src', 'spotify', 'openapi', 'fixed-spotify-open-api.yml');

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

// ---------------------------------------------------------------------------------------------------------
// What is read

interface LocaleInfo {
  name?: string;
  summary?: string;
  description?: string;
  examplePhrases?: string[];
  keywords?: string[];
  [key: string]: unknown;
}
interface Endpoint {
  uri?: string;
  [key: string]: unknown;
}
interface Manifest {
  manifestVersion?: string;
  publishingInformation?: {
    locales?: Record<string, LocaleInfo>;
    isAvailableWorldwide?: boolean;
    distributionCountries?: string[];
    testingInstructions?: string;
    category?: string;
    [key: string]: unknown;
  };
  privacyAndCompliance?: Record<string, unknown> & {
    locales?: Record<string, Record<string, unknown>>;
  };
  permissions?: unknown[];
  apis?: Record<string, { endpoint?: Endpoint; interfaces?: unknown[]; [key: string]: unknown }>;
  events?: { endpoint?: Endpoint; subscriptions?: Array<{ eventName?: string }>; [key: string]: unknown };
  [key: string]: unknown;
}

const manifest = (readJson(MANIFEST_PATH) as { manifest: Manifest }).manifest;
const publishing = manifest.publishingInformation ?? {};
const manifestLocales = Object.keys(publishing.locales ?? {});

/** Every interaction model in the package: file name → model. */
const modelFiles = readdirSync(MODELS_DIR).sort();
const models = new Map(
  modelFiles.map((file) => [file, readJson(join(MODELS_DIR, file)) as InteractionModelFile]),
);
const enUS = models.get('en-US.json');

/** All files under a folder, as paths relative to it with '/' separators. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path).map((child) => `${name}/${child}`) : [name];
  });
}

// ---------------------------------------------------------------------------------------------------------
// skill-package/ layout

/**
 * Paths Amazon's skill-package structure schema allows (what SMAPI's resource schema
 * `skillPackageStructure` returns; alexa-platform.md §5.1), limited to the kinds a custom skill like this
 * one could use. Names are at most 64 characters from [a-zA-Z0-9-_.].
 */
const NAME = '[a-zA-Z0-9_.-]{1,64}';
const LOCALE = '[a-z]{2}-[A-Z]{2}';
const ALLOWED_PACKAGE_PATHS = [
  /^skill\.json$/,
  new RegExp(`^interactionModels/custom/${LOCALE}\\.json$`),
  new RegExp(`^assets/images/${NAME}\\.(png|jpg|jpeg)$`, 'i'),
  new RegExp(`^response/display/${NAME}/(document\\.json|(datasources|sources)/${NAME}\\.json)$`),
  new RegExp(`^response/prompts/${NAME}/(document\\.json|datasources/${NAME}\\.json)$`),
  new RegExp(`^isps/(${NAME}/)*${NAME}\\.json$`),
  new RegExp(`^_lexicon/${LOCALE}/definitions\\.json$`),
];

describe('skill-package/: what the package import would reject', () => {
  test('holds only paths the skill-package structure schema allows', () => {
    const unexpected = filesUnder(PACKAGE_DIR).filter(
      (path) => !ALLOWED_PACKAGE_PATHS.some((pattern) => pattern.test(path)),
    );
    expect(unexpected).toEqual([]);
  });

  test('every interaction model is interactionModels/custom/ll-CC.json for a locale the manifest publishes', () => {
    for (const file of modelFiles) expect(file).toMatch(new RegExp(`^${LOCALE}\\.json$`));
    expect(modelFiles.map((file) => file.replace(/\.json$/, '')).sort()).toEqual([...manifestLocales].sort());
    expect(join(MODELS_DIR, 'en-US.json')).toBe(MODEL_PATH);
  });

  test('every file:// reference in the manifest names a file in the package', () => {
    const references: string[] = [];
    const walk = (value: unknown): void => {
      if (typeof value === 'string' && value.startsWith('file://')) references.push(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(manifest);
    const missing = references.filter(
      (ref) => !existsSync(join(PACKAGE_DIR, ...ref.slice('file://'.length).split('/'))),
    );
    expect(missing).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// skill.json

/** The SMAPI skill category enum (`publishingInformation.category`). */
const CATEGORIES = `ALARMS_AND_CLOCKS ASTROLOGY BUSINESS_AND_FINANCE CALCULATORS CALENDARS_AND_REMINDERS
  CHILDRENS_EDUCATION_AND_REFERENCE CHILDRENS_GAMES CHILDRENS_MUSIC_AND_AUDIO CHILDRENS_NOVELTY_AND_HUMOR
  COMMUNICATION CONNECTED_CAR COOKING_AND_RECIPE CURRENCY_GUIDES_AND_CONVERTERS DATING DELIVERY_AND_TAKEOUT
  DEVICE_TRACKING EDUCATION_AND_REFERENCE EVENT_FINDERS EXERCISE_AND_WORKOUT FASHION_AND_STYLE FLIGHT_FINDERS
  FRIENDS_AND_FAMILY GAME_INFO_AND_ACCESSORY GAMES HEALTH_AND_FITNESS HOTEL_FINDERS KNOWLEDGE_AND_TRIVIA
  MOVIE_AND_TV_KNOWLEDGE_AND_TRIVIA MOVIE_INFO_AND_REVIEWS MOVIE_SHOWTIMES MUSIC_AND_AUDIO_ACCESSORIES
  MUSIC_AND_AUDIO_KNOWLEDGE_AND_TRIVIA MUSIC_INFO_REVIEWS_AND_RECOGNITION_SERVICE NAVIGATION_AND_TRIP_PLANNER
  NEWS NOVELTY ORGANIZERS_AND_ASSISTANTS PETS_AND_ANIMAL PODCAST PUBLIC_TRANSPORTATION RELIGION_AND_SPIRITUALITY
  RESTAURANT_BOOKING_INFO_AND_REVIEW SCHOOLS SCORE_KEEPING SELF_IMPROVEMENT SHOPPING SMART_HOME
  SOCIAL_NETWORKING SPORTS_GAMES SPORTS_NEWS STREAMING_SERVICE TAXI_AND_RIDESHARING TO_DO_LISTS_AND_NOTES
  TRANSLATORS TV_GUIDES UNIT_CONVERTERS WEATHER WINE_AND_BEVERAGE ZIP_CODE_LOOKUP`.split(/\s+/);

/** Regions where AWS Lambda has the Alexa Skills Kit trigger; a custom skill's ARN must be in one of them. */
const ALEXA_LAMBDA_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'];
const LAMBDA_ARN = /^arn:aws:lambda:([a-z0-9-]+):\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/;

const PRIVACY_FLAGS = [
  'allowsPurchases',
  'usesPersonalInfo',
  'isChildDirected',
  'isExportCompliant',
  'containsAds',
] as const;

describe('skill.json: what the manifest update and certification would reject', () => {
  test('manifestVersion is "1.0"', () => {
    expect(manifest.manifestVersion).toBe('1.0');
  });

  test.each(manifestLocales)(
    '%s: name, summary and description are present and within their limits',
    (locale) => {
      const info = publishing.locales?.[locale] ?? {};
      // minLength 2 in SMAPI; 50 is the developer console's limit for the public name.
      expect(info.name?.trim().length).toBeGreaterThanOrEqual(2);
      expect(info.name?.length).toBeLessThanOrEqual(50);
      expect(info.summary?.trim()).toBeTruthy();
      expect(info.summary?.length).toBeLessThanOrEqual(160);
      expect(info.description?.trim()).toBeTruthy();
      expect(info.description?.length).toBeLessThanOrEqual(4000);
    },
  );

  test('en-US is published as "Speaker Helper"', () => {
    expect(publishing.locales?.['en-US']?.name).toBe('Speaker Helper');
  });

  test.each(manifestLocales)('%s: at most 30 keywords, each at most 150 characters, no repeats', (locale) => {
    const keywords = publishing.locales?.[locale]?.keywords ?? [];
    expect(keywords.length).toBeLessThanOrEqual(30);
    for (const keyword of keywords) {
      expect(keyword.trim().length).toBeGreaterThan(0);
      expect(keyword.length).toBeLessThanOrEqual(150);
    }
    expect(new Set(keywords.map((k) => k.toLowerCase())).size).toBe(keywords.length);
  });

  /** "Alexa, open …" and "Alexa, ask … to …" in each language the skill speaks. */
  const LAUNCH_PHRASES: Record<string, { open: string; ask: string }> = {
    en: { open: 'open', ask: 'ask' },
    de: { open: 'öffne', ask: 'frage' },
    fr: { open: 'ouvre', ask: 'demande à' },
    es: { open: 'abre', ask: 'pide a' },
    it: { open: 'apri', ask: 'chiedi a' },
    pt: { open: 'abra', ask: 'peça para' },
    ja: { open: 'を開いて', ask: 'で' },
  };

  test.each(manifestLocales)(
    '%s: at most 3 example phrases: "Alexa, open …", then one-shots that are literal slot-free samples',
    (locale) => {
      const phrases = publishing.locales?.[locale]?.examplePhrases ?? [];
      const languageModel = models.get(`${locale}.json`)?.interactionModel.languageModel;
      const invocation = languageModel?.invocationName ?? '';
      // "These phrases must come directly from your sample utterances": a custom intent's sample, with
      // no slot (certification tries the phrase as written).
      const samples = (languageModel?.intents ?? [])
        .filter((intent) => !intent.name.startsWith('AMAZON.'))
        .flatMap((intent) => intent.samples ?? [])
        .filter((sample) => !sample.includes('{'));
      expect(phrases.length).toBeGreaterThanOrEqual(1);
      expect(phrases.length).toBeLessThanOrEqual(3);
      for (const phrase of phrases) expect(phrase.length).toBeLessThanOrEqual(200);
      // How a user opens and asks a skill in that language (Alexa's own launch phrases).
      const language = locale.split('-')[0] as string;
      const { open, ask } = LAUNCH_PHRASES[language] ?? { open: '', ask: '' };
      expect(open).not.toBe('');
      // Japanese puts the skill's name first: 「アレクサ、…を開いて」.
      expect(phrases[0]).toBe(
        language === 'ja' ? `アレクサ、${invocation}${open}` : `Alexa, ${open} ${invocation}`,
      );
      const oneShot = `Alexa, ${ask} ${invocation} `;
      for (const phrase of phrases.slice(1)) {
        expect(phrase.startsWith(oneShot)).toBe(true);
        // English joins with "to" ("ask speaker helper to help me pair my speaker").
        const request = phrase.slice(oneShot.length).replace(/^to /, '');
        expect(samples).toContain(request);
      }
      expect(new Set(phrases).size).toBe(phrases.length);
    },
  );

  test('distribution: not worldwide, and every published locale’s country is listed', () => {
    expect(publishing.isAvailableWorldwide).toBe(false);
    const countries = publishing.distributionCountries ?? [];
    for (const country of countries) expect(country).toMatch(/^[A-Z]{2}$/);
    const localeCountries = [...new Set(manifestLocales.map((locale) => locale.slice(3)))].sort();
    // Only the countries whose locale the skill speaks: a country without its language model hears nothing.
    expect([...countries].sort()).toEqual(localeCountries);
  });

  test('category is a SMAPI category; a children’s category would need isChildDirected', () => {
    expect(CATEGORIES).toContain(publishing.category);
    if (publishing.category?.startsWith('CHILDRENS_')) {
      expect(manifest.privacyAndCompliance?.isChildDirected).toBe(true);
    }
  });

  test('testing instructions are present, within 4000 characters, and explain account linking', () => {
    const instructions = publishing.testingInstructions ?? '';
    expect(instructions.trim()).toBeTruthy();
    expect(instructions.length).toBeLessThanOrEqual(4000);
    expect(instructions).toMatch(/account linking/i);
    expect(instructions).toMatch(/spotify/i);
    expect(instructions).toMatch(/development mode/i);
  });

  test('privacyAndCompliance answers every question with a boolean', () => {
    const privacy = manifest.privacyAndCompliance ?? {};
    for (const flag of PRIVACY_FLAGS) expect(typeof privacy[flag]).toBe('boolean');
  });

  test('privacyAndCompliance answers match what the skill does', () => {
    const privacy = manifest.privacyAndCompliance ?? {};
    // No in-skill products (no isps/), no ads, not for children.
    expect(privacy.allowsPurchases).toBe(false);
    expect(privacy.containsAds).toBe(false);
    expect(privacy.isChildDirected).toBe(false);
    expect(privacy.isExportCompliant).toBe(true);
    // Account linking to Spotify, and a stored device name that may be a person's ("Sam's iPhone"):
    // docs/skill-package.md explains the answer.
    expect(existsSync(ACCOUNT_LINKING_PATH)).toBe(true);
    expect(privacy.usesPersonalInfo).toBe(true);
  });

  test('privacy URLs, if any, are https and for published locales', () => {
    const locales = manifest.privacyAndCompliance?.locales ?? {};
    for (const [locale, urls] of Object.entries(locales)) {
      expect(manifestLocales).toContain(locale);
      for (const url of Object.values(urls)) expect(url).toMatch(/^https:\/\//);
    }
  });

  test('one API, custom: the ASK CLI only enables a single-domain skill after `ask deploy`', () => {
    expect(Object.keys(manifest.apis ?? {})).toEqual(['custom']);
  });

  test('the custom endpoint is a Lambda ARN (or https) in a region with the Alexa trigger', () => {
    const uri = manifest.apis?.custom?.endpoint?.uri ?? '';
    expect(uri).toMatch(/^(arn|https:\/\/)/);
    if (uri.startsWith('arn')) {
      const region = LAMBDA_ARN.exec(uri)?.[1];
      expect(ALEXA_LAMBDA_REGIONS).toContain(region);
    }
  });

  test('the only interface is APL, for the screens the documents are laid out for', () => {
    // Echo Show and Spot screens (touch) and Fire TV (no touch); any other interface declared would have
    // to be handled. Fixed sizes: min and max alike.
    const viewport = (mode: string, shape: string, width: number, height: number) => ({
      mode,
      shape,
      minWidth: width,
      maxWidth: width,
      minHeight: height,
      maxHeight: height,
    });
    expect(manifest.apis?.custom?.interfaces).toEqual([
      {
        type: 'ALEXA_PRESENTATION_APL',
        supportedViewports: [
          viewport('HUB', 'ROUND', 480, 480),
          viewport('HUB', 'RECTANGLE', 960, 480),
          viewport('HUB', 'RECTANGLE', 1024, 600),
          viewport('HUB', 'RECTANGLE', 1280, 800),
          viewport('HUB', 'RECTANGLE', 1920, 1080),
          viewport('TV', 'RECTANGLE', 960, 540),
        ],
      },
    ]);
  });

  test('no permissions are requested: the skill reads nothing through Alexa permission APIs', () => {
    expect(manifest.permissions ?? []).toEqual([]);
  });

  test('events go to the same endpoint, and include SKILL_DISABLED and SKILL_ACCOUNT_LINKED', () => {
    expect(manifest.events?.endpoint?.uri).toBe(manifest.apis?.custom?.endpoint?.uri);
    const names = (manifest.events?.subscriptions ?? []).map((s) => s.eventName);
    expect(names).toEqual(expect.arrayContaining(['SKILL_DISABLED', 'SKILL_ACCOUNT_LINKED']));
    expect(new Set(names).size).toBe(names.length);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Skill events: every subscription is answered by the real skill

/** SMAPI event names (`v1.skill.Manifest.EventNameType`) and the request type Alexa then sends. */
const EVENT_REQUEST_TYPES: Record<string, string> = {
  SKILL_ENABLED: 'AlexaSkillEvent.SkillEnabled',
  SKILL_DISABLED: 'AlexaSkillEvent.SkillDisabled',
  SKILL_PERMISSION_ACCEPTED: 'AlexaSkillEvent.SkillPermissionAccepted',
  SKILL_PERMISSION_CHANGED: 'AlexaSkillEvent.SkillPermissionChanged',
  SKILL_ACCOUNT_LINKED: 'AlexaSkillEvent.SkillAccountLinked',
};

const SKILL_ID = 'amzn1.ask.skill.skill-package-test';
const USER_ID = 'amzn1.ask.account.SKILL-PACKAGE-TEST';
const LINKED_TOKEN = 'spotify-access-token-from-the-event';

class RecordingStore implements ProgressStore {
  readonly calls: string[] = [];
  async load(userId: string) {
    this.calls.push(`load ${userId}`);
    return undefined;
  }
  async save(userId: string, progress: Progress, expectedVersion: number): Promise<StoredProgress> {
    this.calls.push(`save ${userId}`);
    return { progress, version: expectedVersion + 1, updatedAt: '', expiresAt: 0 };
  }
  async delete(userId: string) {
    this.calls.push(`delete ${userId}`);
  }
}

function recordingLogger(lines: string[]): Logger {
  const record = (level: string) => (message: string, fields?: LogFields) =>
    lines.push(JSON.stringify({ level, message, ...fields }));
  return { info: record('info'), warn: record('warn'), error: record('error') };
}

/** A skill event as Alexa sends it: no session, the user in context.System, a body for some events. */
function skillEvent(type: string, body: Record<string, unknown> | undefined, accessToken?: string) {
  const now = new Date().toISOString();
  return {
    version: '1.0',
    context: {
      System: {
        application: { applicationId: SKILL_ID },
        user: { userId: USER_ID, ...(accessToken ? { accessToken } : {}) },
        apiEndpoint: 'https://api.amazonalexa.com',
      },
    },
    request: {
      type,
      requestId: 'amzn1.echo-api.request.skill-event',
      timestamp: now,
      eventCreationTime: now,
      eventPublishingTime: now,
      ...(body ? { body } : {}),
    },
  } as unknown as RequestEnvelope;
}

interface EventRun {
  response: ResponseEnvelope;
  store: RecordingStore;
  logs: string[];
}

async function runEvent(event: RequestEnvelope): Promise<EventRun> {
  const store = new RecordingStore();
  const logs: string[] = [];
  const skill = buildSkill({ store, logger: recordingLogger(logs), skillId: SKILL_ID });
  return { response: await skill.invoke(event), store, logs };
}

/** What each subscribed event must do. A new subscription needs its request here, and a check. */
const EVENT_EXPECTATIONS: Record<string, { event: RequestEnvelope; check: (run: EventRun) => void }> = {
  SKILL_DISABLED: {
    event: skillEvent(EVENT_REQUEST_TYPES.SKILL_DISABLED ?? '', {
      userInformationPersistenceStatus: 'NOT_PERSISTED',
    }),
    // Everything stored about the user is deleted, and nothing else is touched.
    check: ({ store }) => expect(store.calls).toEqual([`delete ${USER_ID}`]),
  },
  SKILL_ACCOUNT_LINKED: {
    event: skillEvent(
      EVENT_REQUEST_TYPES.SKILL_ACCOUNT_LINKED ?? '',
      { accessToken: LINKED_TOKEN },
      LINKED_TOKEN,
    ),
    // Nothing to do: the token arrives with every later request. It must not end up in the logs.
    check: ({ store, logs }) => {
      expect(store.calls).toEqual([]);
      expect(logs.join('\n')).not.toContain(LINKED_TOKEN);
    },
  },
};

const subscribed = (manifest.events?.subscriptions ?? []).map((s) => s.eventName ?? '');

describe('skill events: every subscribed event is handled by the skill (lambda/src/skill.ts)', () => {
  test('every subscribed event is a known event with an expected behaviour here', () => {
    for (const name of subscribed) {
      expect(Object.keys(EVENT_REQUEST_TYPES)).toContain(name);
      expect(Object.keys(EVENT_EXPECTATIONS)).toContain(name);
    }
  });

  test.each(subscribed)('%s: handled, with an empty response', async (name) => {
    const expectation = EVENT_EXPECTATIONS[name];
    if (!expectation) throw new Error(`no expectation for ${name}`);
    const run = await runEvent(expectation.event);
    // An event gets no speech, card, reprompt or directive; Alexa ignores the body, but it must be valid.
    expect(run.response.version).toBe('1.0');
    expect(run.response.response).toEqual({});
    expect(run.response.sessionAttributes).toBeUndefined();
    expect(run.logs.join('\n')).not.toMatch(/unhandled error/);
    expectation.check(run);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Invocation name (alexa-platform.md §5.3)

const LAUNCH_WORDS = [
  'launch',
  'ask',
  'tell',
  'load',
  'begin',
  'enable',
  'open',
  'start',
  'play',
  'resume',
  'run',
  'use',
];
const CONNECTING_WORDS = ['to', 'from', 'by', 'if', 'and', 'whether'];
const WAKE_WORDS = ['alexa', 'amazon', 'echo', 'computer', 'skill', 'app'];
const ARTICLES_AND_PREPOSITIONS = ['the', 'a', 'an', 'for', 'to', 'of', 'on', 'in', 'at', 'with'];
/** A lower-case word, a possessive ("sam's", "kids'"), or one letter of an abbreviation ("a."). */
const INVOCATION_WORD = /^(?:[a-z]+(?:'s|')?|[a-z]\.)$/;

describe('invocation name: Amazon’s rules', () => {
  const invocations = [...models].map(([file, model]): [string, string] => [
    file,
    model.interactionModel.languageModel.invocationName,
  ]);

  test.each(invocations)('%s: "%s" follows the rules', (file, name) => {
    expect(name).toBe(name.trim());
    expect(name).not.toMatch(/\s{2}/);
    if (file.startsWith('ja-')) {
      // Japanese is written without spaces: kana and kanji only, and none of Alexa's launch words.
      expect(name).toMatch(/^[\p{Script=Katakana}\p{Script=Hiragana}\p{Script=Han}ー]{4,}$/u);
      expect(name).not.toMatch(/アレクサ|開いて|起動/);
      return;
    }
    const words = name.split(' ');
    expect(words.length).toBeGreaterThanOrEqual(2);
    for (const word of words) {
      expect(word).toMatch(INVOCATION_WORD);
      const bare = word.replace(/'s?$|\.$/, '');
      expect([...LAUNCH_WORDS, ...CONNECTING_WORDS, ...WAKE_WORDS]).not.toContain(bare);
    }
    if (words.length === 2) {
      for (const word of words) expect(ARTICLES_AND_PREPOSITIONS).not.toContain(word);
    }
  });

  test('every locale’s model is read (en-US at least)', () => {
    expect(enUS).toBeDefined();
  });
});

// ---------------------------------------------------------------------------------------------------------
// accountLinking.json

/** The properties of SMAPI `v1.skill.accountLinking.AccountLinkingRequestPayload`. */
const ACCOUNT_LINKING_FIELDS = [
  'type',
  'authorizationUrl',
  'domains',
  'clientId',
  'scopes',
  'accessTokenUrl',
  'clientSecret',
  'accessTokenScheme',
  'defaultTokenExpirationInSeconds',
  'reciprocalAccessTokenUrl',
  'redirectUrls',
  'authorizationUrlsByPlatform',
  'skipOnEnablement',
];

/**
 * The scopes the Spotify operations the client calls require, from the vendored OpenAPI description
 * (each operation's `security`). The calls are read from the client's source: `this.call(op, token,
 * 'METHOD', '/path…'`.
 */
async function scopesTheClientNeeds(): Promise<{ calls: string[]; scopes: string[] }> {
  const source = readFileSync(SPOTIFY_CLIENT_PATH, 'utf8');
  const calls = [...source.matchAll(/this\.call\(\s*'\w+',\s*\w+,\s*'([A-Z]+)',\s*[`'](\/[^`'?]*)/g)].map(
    (m) => `${(m[1] ?? '').toLowerCase()} ${m[2] ?? ''}`,
  );
  const api = new OpenAPIBackend({ definition: SPOTIFY_SPEC_PATH, apiRoot: '/v1', quick: true });
  await api.init();
  const scopes = new Set<string>();
  for (const call of calls) {
    const operation = api.getOperations().find((op) => `${op.method} ${op.path}` === call);
    if (!operation) throw new Error(`${call} is not in the Spotify OpenAPI description`);
    for (const requirement of operation.security ?? []) {
      for (const list of Object.values(requirement)) list.forEach((scope) => scopes.add(scope));
    }
  }
  return { calls, scopes: [...scopes].sort() };
}

describe('accountLinking.json: the Spotify account-linking request', () => {
  const text = readFileSync(ACCOUNT_LINKING_PATH, 'utf8');
  const file = JSON.parse(text) as { accountLinkingRequest?: Record<string, unknown> };
  const request = file.accountLinkingRequest ?? {};

  test('is kept outside skill-package/, which `ask deploy` uploads whole', () => {
    expect(relative(PACKAGE_DIR, ACCOUNT_LINKING_PATH).startsWith(`..${sep}`)).toBe(true);
  });

  test('is an accountLinkingRequest with only SMAPI fields', () => {
    expect(Object.keys(file)).toEqual(['accountLinkingRequest']);
    for (const key of Object.keys(request)) expect(ACCOUNT_LINKING_FIELDS).toContain(key);
  });

  test("uses the authorization code grant against Spotify's https endpoints, with HTTP Basic", () => {
    expect(request.type).toBe('AUTH_CODE');
    expect(request.authorizationUrl).toBe('https://accounts.spotify.com/authorize');
    expect(request.accessTokenUrl).toBe('https://accounts.spotify.com/api/token');
    expect(request.accessTokenScheme).toBe('HTTP_BASIC');
    for (const domain of (request.domains as unknown[]) ?? []) expect(domain).toMatch(/^[a-z0-9.-]+$/);
  });

  test('users can enable the skill without linking: the troubleshooting needs no Spotify', () => {
    expect(request.skipOnEnablement).toBe(true);
  });

  test('the default token lifetime is a positive whole number of seconds', () => {
    expect(Number.isInteger(request.defaultTokenExpirationInSeconds)).toBe(true);
    expect(request.defaultTokenExpirationInSeconds as number).toBeGreaterThan(0);
  });

  test('client id and secret are obvious placeholders, never real credentials', () => {
    expect(request.clientId).toBe('<YOUR_SPOTIFY_CLIENT_ID>');
    expect(request.clientSecret).toBe('<YOUR_SPOTIFY_CLIENT_SECRET>');
    // Spotify client ids and secrets are 32 hex characters.
    expect(text).not.toMatch(/[0-9a-f]{32}/i);
  });

  test('asks for exactly the scopes the Spotify client needs', async () => {
    const { calls, scopes } = await scopesTheClientNeeds();
    expect(calls).toEqual(
      expect.arrayContaining(['get /me/player/devices', 'put /me/player', 'get /me/player']),
    );
    expect(scopes).toEqual(['user-modify-playback-state', 'user-read-playback-state']);
    expect([...((request.scopes as string[]) ?? [])].sort()).toEqual(scopes);
  });
});

// ---------------------------------------------------------------------------------------------------------
// ask-resources.json

describe('ask-resources.json: the ASK CLI v2 project', () => {
  const config = readJson(ASK_RESOURCES_PATH) as {
    askcliResourcesVersion?: string;
    profiles?: Record<string, Record<string, unknown> & { skillMetadata?: { src?: string } }>;
  };

  test('is the 2020-03-31 format with a default profile', () => {
    expect(config.askcliResourcesVersion).toBe('2020-03-31');
    expect(Object.keys(config.profiles ?? {})).toContain('default');
  });

  test('every profile uploads ./skill-package and nothing else: CDK deploys the Lambda', () => {
    for (const profile of Object.values(config.profiles ?? {})) {
      expect(resolve(ROOT, profile.skillMetadata?.src ?? '')).toBe(PACKAGE_DIR);
      // With no code and no skillInfrastructure, `ask deploy` stops after the skill metadata.
      expect(profile.code).toBeUndefined();
      expect(profile.skillInfrastructure).toBeUndefined();
      // The skill id is each operator's own; the CLI keeps it in .ask/ask-states.json.
      expect(profile.skillId).toBeUndefined();
    }
  });
});
