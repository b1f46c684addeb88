/**
 * Certification checks that every conversation test runs on every response the skill returns.
 *
 * The rules come from the Alexa certification checklist and the platform's response limits:
 * - `session`: the session stays open exactly when the skill asks something
 *   (`shouldEndSession === false` ⇔ a reprompt is present).
 * - `question`: an open session's speech ends with a question (SSML tags and whitespace ignored).
 * - `ssml`: speech and reprompt are valid Alexa SSML (ssml-check-core, a single `<speak>` root, no bare `&`).
 * - `size`: speech/reprompt ≤ 8000 characters, card title + text ≤ 8000, whole response ≤ 24 KB.
 * - `leftover`: no raw i18n keys or template leftovers ("undefined", "null", "NaN", "[object Object]",
 *   `{{`, `}}`, dotted keys such as `steps.triage.question`) in speech, reprompt or card.
 * - `card`: a Simple/Standard card has a title and a body; LinkAccount/AskForPermissionsConsent need nothing.
 * - `empty-speech`: outputSpeech (and reprompt), when present, actually says something.
 */
import type { ResponseEnvelope, ui } from 'ask-sdk-model';
import { check as ssmlCheck, type ISSMLCheckError } from 'ssml-check-core';

export type CertificationRule =
  'session' | 'question' | 'ssml' | 'size' | 'leftover' | 'card' | 'empty-speech';

export interface CertificationOptions {
  /** Rules not to apply to this response, e.g. `['question']` for a turn where Alexa itself asks. */
  skip?: readonly CertificationRule[];
  /** Dotted tokens that are legitimately spoken or shown and must not be taken for i18n keys. */
  allowDotted?: readonly string[];
  /** Prefix for the thrown message, e.g. the turn's name, to tell responses apart in a long conversation. */
  label?: string;
}

export interface CertificationViolation {
  rule: CertificationRule;
  message: string;
}

/** Limits documented for custom skill responses. */
export const LIMITS = {
  speechChars: 8000,
  cardChars: 8000,
  responseBytes: 24 * 1024,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Reading speech

/** Tags that separate words when spoken; every other tag is inline and is removed without a gap. */
const SEPARATING_TAGS = new Set(['speak', 'p', 's', 'break', 'audio']);

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** What a listener hears as text: tags removed (block tags become a space), entities decoded, whitespace collapsed. */
export function ssmlToPlain(ssml: string): string {
  const withoutTags = ssml.replace(/<\/?\s*([a-zA-Z][\w:-]*)[^>]*>/g, (_tag, name: string) =>
    SEPARATING_TAGS.has(name.toLowerCase()) ? ' ' : '',
  );
  return decodeEntities(withoutTags).replace(/\s+/g, ' ').trim();
}

function speechSource(speech: ui.OutputSpeech | undefined): string | undefined {
  if (!speech) return undefined;
  return speech.type === 'SSML' ? speech.ssml : speech.text;
}

function toPlain(speech: ui.OutputSpeech | undefined): string {
  if (!speech) return '';
  return speech.type === 'SSML'
    ? ssmlToPlain(speech.ssml ?? '')
    : (speech.text ?? '').replace(/\s+/g, ' ').trim();
}

/** The response's speech as plain text (tags stripped, whitespace collapsed); '' when there is none. */
export function plainSpeech(response: ResponseEnvelope): string {
  return toPlain(response.response?.outputSpeech);
}

/** The response's reprompt as plain text (tags stripped, whitespace collapsed); '' when there is none. */
export function plainReprompt(response: ResponseEnvelope): string {
  return toPlain(response.response?.reprompt?.outputSpeech);
}

// ---------------------------------------------------------------------------------------------------------
// SSML validity

/**
 * ssml-check-core only exposes a Promise API, but its work is synchronous: `check()` computes the result and
 * hands it to `Promise.resolve` before returning. Capturing that value lets the checks stay synchronous, so a
 * test cannot silently skip them by forgetting an `await`. If a future version really becomes asynchronous
 * nothing is captured and this throws instead of passing unchecked SSML.
 */
function ssmlCheckSync(ssml: string): ISSMLCheckError[] {
  const realResolve = Promise.resolve;
  let captured: { value: unknown } | undefined;
  Promise.resolve = function (this: PromiseConstructor, value?: unknown) {
    captured ??= { value };
    return realResolve.call(this, value);
  } as typeof Promise.resolve;
  try {
    void ssmlCheck(ssml, { platform: 'amazon' });
  } finally {
    Promise.resolve = realResolve;
  }
  if (!captured) {
    throw new Error(
      'ssml-check-core no longer returns its result synchronously; certification.ts needs updating',
    );
  }
  const result = captured.value as { errors?: ISSMLCheckError[] } | undefined;
  return result?.errors ?? [];
}

function describeSsmlError(error: ISSMLCheckError): string {
  if (error.type !== 'tag') return error.type;
  if (error.attribute) {
    return `<${error.tag}> has an invalid ${error.attribute}${error.value === undefined ? '' : `="${error.value}"`}`;
  }
  return `<${error.tag}> is not a valid Alexa SSML tag here`;
}

const UNESCAPED_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

function ssmlProblems(what: string, ssml: string): string[] {
  const problems: string[] = [];
  const trimmed = ssml.trim();
  const openings = trimmed.match(/<speak[\s>/]/g)?.length ?? 0;
  const closings = trimmed.match(/<\/speak\s*>/g)?.length ?? 0;
  const singleRoot =
    /^<speak(\s[^>]*)?>[\s\S]*<\/speak\s*>$/.test(trimmed) && openings === 1 && closings === 1;
  if (!singleRoot) problems.push(`${what} is not wrapped in a single <speak> root element`);
  const ampersand = UNESCAPED_AMPERSAND.test(trimmed);
  if (ampersand) problems.push(`${what} contains an unescaped "&" (write &amp; or "and")`);
  for (const error of ssmlCheckSync(trimmed)) {
    // Already reported above in plainer words.
    if (ampersand && error.type === 'Invalid & character') continue;
    if (!singleRoot && error.type === 'tag' && error.tag === 'speak' && !error.attribute) continue;
    problems.push(`${what} is not valid Alexa SSML: ${describeSsmlError(error)}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// Template leftovers

const LITERAL_LEFTOVERS: ReadonlyArray<[RegExp, string]> = [
  [/\bundefined\b/, 'undefined'],
  [/\bnull\b/, 'null'],
  [/\bNaN\b/, 'NaN'],
  [/\[object Object\]/, '[object Object]'],
  [/\{\{|\}\}/, '{{ }}'],
];

/** Two or more dot-separated identifiers starting lowercase, e.g. `steps.triage.question`, `errors.storageDown`. */
const DOTTED_KEY = /(?<![\w.@/-])[a-z][A-Za-z0-9_]*(?:\.[a-z][A-Za-z0-9_]*)+(?![\w-])/g;
/** Last segments that make a dotted token a domain or file name rather than a key. */
const NON_KEY_ENDINGS = new Set('com net org io co uk de fr es jp ca au'.split(' '));

function dottedKeys(text: string, allowed: readonly string[]): string[] {
  const withoutLinks = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ').replace(/\S+@\S+/g, ' ');
  return [...withoutLinks.matchAll(DOTTED_KEY)]
    .map((match) => match[0])
    .filter((token) => {
      const segments = token.split('.');
      if (segments.every((segment) => segment.length === 1)) return false; // e.g., i.e., a.m.
      if (NON_KEY_ENDINGS.has(segments[segments.length - 1] ?? '')) return false; // amazon.com
      return !allowed.includes(token);
    });
}

function leftoverProblems(what: string, raw: string, plain: string, allowed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [pattern, name] of LITERAL_LEFTOVERS) {
    // Quote the words the user would hear; fall back to the markup when the leftover is in a tag's attribute.
    const text = pattern.test(plain) ? plain : pattern.test(raw) ? raw : undefined;
    if (text !== undefined)
      problems.push(`${what} contains template leftover "${name}": "${excerpt(text, pattern)}"`);
  }
  for (const key of dottedKeys(plain, allowed)) {
    problems.push(`${what} contains what looks like a raw i18n key "${key}"`);
  }
  return problems;
}

function excerpt(text: string, pattern: RegExp): string {
  const at = text.search(pattern);
  const start = Math.max(0, at - 30);
  const end = Math.min(text.length, at + 40);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// The checker

const QUESTION_AT_END = /[?\uFF1F\u061F\u055E]["'\u201D\u2019)\]]*$/;

/** Every certification rule the response breaks, each tagged with its rule. Empty when the response is fine. */
export function certificationViolations(
  envelope: ResponseEnvelope,
  opts: CertificationOptions = {},
): CertificationViolation[] {
  const skip = new Set(opts.skip ?? []);
  const allowed = opts.allowDotted ?? [];
  const violations: CertificationViolation[] = [];
  const add = (rule: CertificationRule, message: string): void => {
    if (!skip.has(rule)) violations.push({ rule, message });
  };

  const response = envelope.response ?? {};
  const speech = response.outputSpeech;
  const reprompt = response.reprompt?.outputSpeech;
  const open = response.shouldEndSession === false;
  const spoken: Array<{ what: string; output: ui.OutputSpeech }> = [];
  if (speech) spoken.push({ what: 'speech', output: speech });
  if (reprompt) spoken.push({ what: 'reprompt', output: reprompt });

  // session / question
  if (open && !response.reprompt) {
    add('session', 'the session is kept open (shouldEndSession: false) but there is no reprompt');
  }
  if (!open && response.reprompt) {
    add(
      'session',
      `there is a reprompt but the session is not kept open (shouldEndSession: ${response.shouldEndSession})`,
    );
  }
  if (open) {
    const plain = toPlain(speech);
    if (!plain) {
      add('question', 'the session is kept open but there is no speech asking the user anything');
    } else if (!QUESTION_AT_END.test(plain)) {
      add(
        'question',
        `the session is kept open but the speech does not end with a question: "…${plain.slice(-80)}"`,
      );
    }
  }

  for (const { what, output } of spoken) {
    const source = speechSource(output) ?? '';
    const plain = toPlain(output);
    // empty-speech
    if (!plain && !/<audio\b/.test(source)) add('empty-speech', `${what} is present but says nothing`);
    // ssml
    if (output.type === 'SSML') {
      for (const problem of ssmlProblems(what, source)) add('ssml', problem);
    }
    // size
    if (source.length > LIMITS.speechChars) {
      add('size', `${what} is ${source.length} characters, over the ${LIMITS.speechChars} character limit`);
    }
    // leftover
    for (const problem of leftoverProblems(what, source, plain, allowed)) add('leftover', problem);
  }

  // card
  const card = response.card;
  if (card) {
    if (card.type === 'Simple' || card.type === 'Standard') {
      const title = card.title ?? '';
      const body = (card.type === 'Simple' ? card.content : card.text) ?? '';
      const bodyName = card.type === 'Simple' ? 'content' : 'text';
      if (!title.trim()) add('card', `the ${card.type} card has no title`);
      if (!body.trim()) add('card', `the ${card.type} card has no ${bodyName}`);
      if (title.length + body.length > LIMITS.cardChars) {
        add(
          'size',
          `the card's title and ${bodyName} are ${title.length + body.length} characters, over ${LIMITS.cardChars}`,
        );
      }
      for (const [what, text] of [
        ['card title', title],
        [`card ${bodyName}`, body],
      ] as const) {
        for (const problem of leftoverProblems(what, text, text, allowed)) add('leftover', problem);
      }
    } else if (card.type !== 'LinkAccount' && card.type !== 'AskForPermissionsConsent') {
      add('card', `unknown card type "${(card as { type?: unknown }).type}"`);
    }
  }

  // size of the whole response
  const bytes = Buffer.byteLength(JSON.stringify(envelope), 'utf8');
  if (bytes > LIMITS.responseBytes) {
    add(
      'size',
      `the response is ${bytes} bytes of JSON, over the ${LIMITS.responseBytes} byte (24 KB) limit`,
    );
  }

  return violations;
}

/** Every certification rule the response breaks, as readable lines like `[session] …`. */
export function certificationProblems(response: ResponseEnvelope, opts?: CertificationOptions): string[] {
  return certificationViolations(response, opts).map(({ rule, message }) => `[${rule}] ${message}`);
}

/** Throws an Error listing every certification rule the response breaks. */
export function assertCertifiable(response: ResponseEnvelope, opts?: CertificationOptions): void {
  const problems = certificationProblems(response, opts);
  if (problems.length === 0) return;
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  const lines = [
    `${opts?.label ? `${opts.label}: ` : ''}response is not certifiable (${count}):`,
    ...problems.map((problem) => `  - ${problem}`),
    `  speech:           ${JSON.stringify(plainSpeech(response))}`,
    `  reprompt:         ${JSON.stringify(plainReprompt(response))}`,
    `  shouldEndSession: ${response.response?.shouldEndSession}`,
  ];
  throw new Error(lines.join('\n'));
}
