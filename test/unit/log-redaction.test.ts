import fc from 'fast-check';
import { LOG_LIMITS, REDACTED, boundLogFields, redactText } from '../../lambda/src/platform/log-fields';
import { createJsonLogger, createLambdaLogger } from '../../lambda/src/platform/logger';
import { fuzzSettings } from '../fuzz/fuzz-params';

/**
 * Log lines hold free text the skill does not write itself: Alexa's error messages, an exception's
 * message and `cause`, a request's own values. Credentials and personal ids in that text (a bare JWT, a
 * Spotify token, an Alexa user or device id) are cut out of every string, while the words, ids and numbers
 * a log is read for stay as they are.
 */

/** Deterministic "random" text, so a failure is the same on every run. */
function pseudoRandom(length: number, alphabet: string, seed: number): string {
  let state = seed >>> 0 || 1;
  let out = '';
  for (let i = 0; i < length; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out += alphabet[(state >>> 0) % alphabet.length];
  }
  return out;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** Shaped like Alexa's apiAccessToken: an RS256 JWT of about 1,000 characters. */
const ALEXA_JWT = [
  base64url('{"typ":"JWT","alg":"RS256","kid":"1"}'),
  base64url(
    JSON.stringify({
      aud: 'https://api.amazonalexa.com',
      iss: 'AlexaSkillKit',
      sub: 'amzn1.ask.skill.1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d',
      exp: 1_790_000_000,
      privateClaims: { context: pseudoRandom(300, BASE64URL, 1), user: pseudoRandom(200, BASE32, 2) },
    }),
  ),
  pseudoRandom(342, BASE64URL, 3),
].join('.');
const SHORT_JWT = `${base64url('{"alg":"HS256"}')}.${base64url('{"sub":"1"}')}.${pseudoRandom(43, BASE64URL, 4)}`;
const UNSIGNED_JWT = `${base64url('{"alg":"none"}')}.${base64url('{"sub":"1"}')}.`;
const SPOTIFY_TOKEN = `BQ${pseudoRandom(200, BASE64URL, 5)}`;
const SPOTIFY_TOKEN_NO_DIGITS = `BQ${pseudoRandom(60, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_', 6)}`;
const SPOTIFY_REFRESH = `AQ${pseudoRandom(130, BASE64URL, 7)}`;
const LWA_TOKEN = `Atza|${pseudoRandom(300, BASE64URL, 8)}`;
const LWA_REFRESH = `Atzr|${pseudoRandom(300, BASE64URL, 9)}`;
const USER_ID = `amzn1.ask.account.${pseudoRandom(200, BASE32, 10)}`;
const DEVICE_ID = `amzn1.ask.device.${pseudoRandom(200, BASE32, 11)}`;
const PERSON_ID = `amzn1.ask.person.${pseudoRandom(200, BASE32, 12)}`;
const LWA_USER_ID = `amzn1.account.${pseudoRandom(28, BASE32, 13)}`;
const HEX_40 = pseudoRandom(40, '0123456789abcdef', 14);
const HEX_64 = pseudoRandom(64, '0123456789ABCDEF', 15);
const OPAQUE_43 = pseudoRandom(43, BASE64URL, 16);

/** Each secret, and a piece of it that must not survive (ids keep their `amzn1.ask.account.` kind). */
const SECRETS: Array<[string, string, string]> = [
  ["Alexa's apiAccessToken (a JWT)", ALEXA_JWT, ALEXA_JWT.slice(0, 20)],
  ["the JWT's signature", ALEXA_JWT, ALEXA_JWT.slice(-30)],
  ['a short JWT', SHORT_JWT, SHORT_JWT.slice(0, 12)],
  ['an unsigned JWT', UNSIGNED_JWT, UNSIGNED_JWT.slice(0, 12)],
  ['a Spotify access token', SPOTIFY_TOKEN, SPOTIFY_TOKEN.slice(0, 12)],
  ['a Spotify access token without digits', SPOTIFY_TOKEN_NO_DIGITS, SPOTIFY_TOKEN_NO_DIGITS.slice(0, 12)],
  ['a Spotify refresh token', SPOTIFY_REFRESH, SPOTIFY_REFRESH.slice(0, 12)],
  ['a Login with Amazon access token', LWA_TOKEN, LWA_TOKEN.slice(5, 17)],
  ['a Login with Amazon refresh token', LWA_REFRESH, LWA_REFRESH.slice(5, 17)],
  ['an Alexa user id', USER_ID, USER_ID.slice(18, 30)],
  ['an Alexa device id', DEVICE_ID, DEVICE_ID.slice(17, 29)],
  ['an Alexa person id', PERSON_ID, PERSON_ID.slice(17, 29)],
  ['a Login with Amazon user id', LWA_USER_ID, LWA_USER_ID.slice(14, 26)],
  ['40 hex characters', HEX_40, HEX_40],
  ['64 hex characters', HEX_64, HEX_64],
  ['an opaque base64url token', OPAQUE_43, OPAQUE_43],
];

/** Free text as it arrives: Alexa's and Spotify's error messages, a header, JSON in a message. */
const CONTEXTS: Array<(secret: string) => string> = [
  (s) => s,
  (s) => `Invalid access token: ${s}`,
  (s) => `The token ${s}, sent by the skill, has expired.`,
  (s) => `{"error":{"status":401,"message":"The access token expired","token":"${s}"}}`,
  (s) => `Authorization: Bearer ${s}`,
  (s) => `no item for (${s}) in table speaker-helper`,
  (s) => `first line\n\t${s}\nlast line`,
  (s) => `url=https://api.example.com/callback?code=${s}&state=1`,
];

describe('redactText', () => {
  describe.each(SECRETS)('removes %s', (_what, secret, piece) => {
    it.each(CONTEXTS.map((context, i) => [i, context(secret)]))('in free text (form %i)', (_i, text) => {
      const out = redactText(text as string);
      expect(out).not.toContain(piece);
      expect(out).toContain(REDACTED);
    });
  });

  it('keeps the kind of an Alexa id and the words around it', () => {
    expect(redactText(`no item for ${USER_ID}.`)).toBe('no item for amzn1.ask.account.[redacted].');
    expect(redactText(`device ${DEVICE_ID} offline`)).toBe('device amzn1.ask.device.[redacted] offline');
    expect(redactText(`person=${PERSON_ID}`)).toBe('person=amzn1.ask.person.[redacted]');
    expect(redactText(`Token ${ALEXA_JWT} expired`)).toBe('Token [redacted] expired');
    expect(redactText(`bearer ${SPOTIFY_TOKEN}`)).toBe('bearer [redacted]');
    expect(redactText(`Authorization: Bearer abc.def-ghi`)).toBe('Authorization: Bearer [redacted]');
    expect(redactText(`linked with ${LWA_TOKEN}`)).toBe('linked with Atza|[redacted]');
    expect(redactText(`"access_token":"${SPOTIFY_TOKEN}","expires_in":3600`)).toBe(
      '"access_token":"[redacted]","expires_in":3600',
    );
  });

  it('removes every secret of a text at once, and redacting again changes nothing', () => {
    const text = SECRETS.map(([what, secret]) => `${what}: ${secret}`).join('; ');
    const out = redactText(text);
    for (const [, , piece] of SECRETS) expect(out).not.toContain(piece);
    expect(redactText(out)).toBe(out);
  });

  const KEPT: Array<[string, string]> = [
    ['a sentence', 'The speaker is paired, but the sound still comes out of the Echo.'],
    ['a request id', 'amzn1.echo-api.request.5d6a7f6e-8d1c-4c58-9b54-7f7c0d0b9e3a'],
    ['a session id', 'amzn1.echo-api.session.0f6d2a3b-4c5d-6e7f-8a9b-0c1d2e3f4a5b'],
    ['a skill id', 'request for amzn1.ask.skill.1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d refused'],
    ['a UUID', 'writer 3f2504e0-4f89-41d3-9a0c-0305e82c3301 saved version 12'],
    [
      'URLs',
      'POST https://api.eu.amazonalexa.com/v1/directives then GET https://api.spotify.com/v1/me/player',
    ],
    ['a long host', 'https://abcdefghij1234567890.execute-api.us-east-1.amazonaws.com/prod/skill'],
    ['numbers', '12345678901234567890123456789012345678901234567890 and 3.14159 and -42'],
    ['a timestamp', '2026-11-22T10:00:00.000Z'],
    ['a long exception name', 'ItemCollectionSizeLimitExceededException: collection too large'],
    ['a long word', 'Lautsprecherverbindungsproblembehandlungsassistentenfenster'],
    ['a stack trace', new Error('progress store call failed').stack as string],
    ['a path', '/var/task/node_modules/@aws-sdk/client-dynamodb/dist-cjs/index.js:1234:56'],
    ['short ids', 'step=triage op=transferPlayback user=a1b2c3d4e5f6 device=Kitchen Echo'],
    ['an i18n key', 'steps.pair_from_app.instruction'],
    [
      'text that only looks like a start',
      'eyJ is how JSON starts in base64; BQ and AQ; bearer of good news;',
    ],
    ['non-ASCII text', 'Lautsprecher „JBL Flip 5“ verbunden — ✓'],
    ['empty', ''],
  ];

  it.each(KEPT)('keeps %s as it is', (_what, text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe('every string of a log line', () => {
  it('redacts field values at any depth, error messages and causes, list items and keys', () => {
    const bounded = boundLogFields({
      errorMessage: `Alexa: invalid token ${ALEXA_JWT}`,
      nested: { deeper: [`spotify said ${SPOTIFY_TOKEN}`] },
      error: new Error(`lookup failed for ${DEVICE_ID}`, { cause: `refresh ${SPOTIFY_REFRESH}` }),
      byUser: { [USER_ID]: 1 },
      requestId: 'amzn1.echo-api.request.5d6a7f6e-8d1c-4c58-9b54-7f7c0d0b9e3a',
    });
    const text = JSON.stringify(bounded);
    for (const [, , piece] of SECRETS) expect(text).not.toContain(piece);
    expect(bounded).toMatchObject({
      errorMessage: `Alexa: invalid token ${REDACTED}`,
      nested: { deeper: [`spotify said ${REDACTED}`] },
      error: { message: `lookup failed for amzn1.ask.device.${REDACTED}`, cause: `refresh ${REDACTED}` },
      byUser: { [`amzn1.ask.account.${REDACTED}`]: 1 },
      requestId: 'amzn1.echo-api.request.5d6a7f6e-8d1c-4c58-9b54-7f7c0d0b9e3a',
    });
  });

  it('drops a token the length cut splits, even when redaction before it pulls it into view', () => {
    // Redacted JWTs shorten the text by far more than the 256 characters searched past the cut, so what
    // the cut left of the token (too short to be recognised) would land inside what is kept.
    const cutAt = LOG_LIMITS.stringChars + 256;
    const head = Array.from(
      { length: Math.floor((cutAt - 100) / (ALEXA_JWT.length + 1)) },
      () => ALEXA_JWT,
    ).join(' ');
    expect(head.length).toBeGreaterThan(1000);
    const text = `${head}${' '.repeat(cutAt - head.length - 20)}${SPOTIFY_TOKEN}`;
    expect(text.length).toBeGreaterThan(cutAt);
    const out = boundLogFields({ text }).text as string;
    expect(out).toMatch(/…\(\d+ chars\)$/);
    expect(out).not.toContain(SPOTIFY_TOKEN.slice(0, 12));
    expect(out).not.toContain(ALEXA_JWT.slice(0, 12));
  });

  it('keeps the length cut as it was when there is nothing to redact', () => {
    const text = 'x'.repeat(1 << 20);
    expect(boundLogFields({ text }).text).toBe(`${'x'.repeat(LOG_LIMITS.stringChars)}…(${1 << 20} chars)`);
  });

  it.each([
    ['the JSON logger', 'json'],
    ['the Lambda logger', 'lambda'],
  ])('%s writes no secret from a message or a field', (_name, kind) => {
    const lines: string[] = [];
    const logger =
      kind === 'json'
        ? createJsonLogger('info', (line) => lines.push(line))
        : createLambdaLogger('info', { write: (line) => lines.push(line) });
    logger.warn(`Alexa refused the progressive response for ${USER_ID}: token ${ALEXA_JWT}`, {
      errorMessage: `Spotify: invalid token ${SPOTIFY_TOKEN}`,
      header: `Authorization: Bearer ${LWA_TOKEN}`,
      device: DEVICE_ID,
      requestId: 'amzn1.echo-api.request.5d6a7f6e-8d1c-4c58-9b54-7f7c0d0b9e3a',
    });
    const [line] = lines as [string];
    for (const [, , piece] of SECRETS.slice(0, 13)) expect(line).not.toContain(piece);
    expect(line).toContain('amzn1.echo-api.request.5d6a7f6e-8d1c-4c58-9b54-7f7c0d0b9e3a');
    expect(JSON.parse(line)).toMatchObject({
      message: `Alexa refused the progressive response for amzn1.ask.account.${REDACTED}: token ${REDACTED}`,
    });
  });
});

describe('redactText on any text', () => {
  const { params } = fuzzSettings(300);
  /** Text made of runs of token characters and the characters that end them, of lengths around 40. */
  const tokenish = fc
    .array(
      fc.oneof(
        fc.string({ unit: fc.constantFrom(...'aZ09-_'.split('')), minLength: 30, maxLength: 50 }),
        fc.string({ unit: fc.constantFrom(...BASE64URL.split('')), minLength: 1, maxLength: 60 }),
        fc.constantFrom(
          ' ',
          '.',
          '/',
          ':',
          '|',
          '"',
          '\n',
          'é',
          'eyJ',
          'BQ',
          'AQ',
          'amzn1.ask.account.',
          'Bearer ',
        ),
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join(''));

  /** Maximal runs of base64url characters. */
  const runs = (text: string) => text.match(/[\w-]+/g) ?? [];

  it('leaves no long run with a letter and a digit, or starting BQ, AQ or eyJ, and is idempotent', () => {
    fc.assert(
      fc.property(tokenish, (text) => {
        const out = redactText(text);
        for (const run of runs(out)) {
          if (run.length < 40) continue;
          expect(/^(BQ|AQ|eyJ)/.test(run)).toBe(false);
          expect(/[A-Za-z]/.test(run) && /\d/.test(run)).toBe(false);
        }
        expect(redactText(out)).toBe(out);
      }),
      params(300),
    );
  });

  it('changes no text of short words, numbers and punctuation', () => {
    const plain = fc
      .array(
        fc.oneof(
          fc.string({ unit: fc.constantFrom(...'abcXYZ0123-_'.split('')), maxLength: 39 }),
          fc.constantFrom(' ', '. ', ', ', '/', ':', '"', '\n', '(', ')', '—'),
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join(''))
      .filter((text) => runs(text).every((run) => run.length < 40));
    fc.assert(
      fc.property(plain, (text) => {
        expect(redactText(text)).toBe(text);
      }),
      params(300),
    );
  });
});
