/** Bounded, redacted copies of log fields: what every logger writes, whatever a request or an error holds. */
export type LogFields = Record<string, unknown>;

/**
 * How much of a log field is kept. Fields may hold values from a request (an Alexa error's `cause`, an
 * exception's `cause` chain), so they can be nested 10,000 levels deep, circular, or megabytes long;
 * serialising them as they are overflows the stack or writes a line CloudWatch cuts (256 KB).
 */
export const LOG_LIMITS = {
  /** Objects and arrays deeper than this (a field itself is depth 1) become "[Object]"/"[Array]". */
  depth: 8,
  /** Longer strings are cut, with their length noted. */
  stringChars: 4096,
  /** Longer keys are cut. */
  keyChars: 200,
  /** Keys kept per object, items per array. */
  entries: 50,
  /** Values (of any kind) kept in one log line's fields, all levels together. */
  values: 2000,
  /** Characters of strings and keys kept in one log line's fields, all levels together. */
  chars: 64 * 1024,
} as const;

/** Keys whose values are credentials or raw Alexa user ids: logged as "[redacted]", whatever they hold. */
const SECRET_KEY = new RegExp(
  [
    '^(?:[a-z]*_?)?(?:access|refresh|id|session|auth|bearer)_?token$',
    '^token$',
    '^authorization$',
    '^cookie$',
    '^(?:client_?)?secret$',
    '^password$',
    '^(?:[a-z]*_?)?user_?id$',
    '^person_?id$',
  ].join('|'),
  'i',
);
/**
 * Credentials and personal ids inside any text (an error message, a cause, Alexa's own error text). It runs
 * on every string of every log line, so it is built to be cheap: pre-compiled regexes, each alternative
 * starting at a fixed prefix or at the start of a run of token characters, none able to match the same text
 * two ways (so no backtracking blow-up), and each regex run only when a cheap test finds a candidate.
 *
 * Found by a prefix (PREFIXED):
 * 1. Alexa ids of a person or a device (`amzn1.ask.account.…`, `.person.`, `.device.`, `.unit.`, and Login
 *    with Amazon's `amzn1.account.…`): the kind is kept, the id goes. A skill id (`amzn1.ask.skill.…`), a
 *    request or session id (`amzn1.echo-api.request.…`) name no person and are kept: they are what a log
 *    is searched by.
 * 2. `Bearer …`: the credential after it, of any length, unless it is a lowercase word ("bearer of").
 * 3. Login with Amazon tokens (`Atza|…`, `Atzr|…`: account linking's access and refresh tokens).
 * 4. JWTs (Alexa's apiAccessToken): `eyJ…` (base64url of `{"`) and at least one dot, so a JWT the cut split
 *    is still caught.
 *
 * Found as a run of 40 or more base64url or hex characters (LONG_RUN, see `replaceRun`):
 * 5. Spotify's tokens: runs starting `BQ` (access) or `AQ` (refresh); a run starting `eyJ` (a JWT's part).
 * 6. Any other run with a letter and a digit: an opaque token. Kept: UUIDs (36 characters) and shorter
 *    ids, words and names (no digit: ItemCollectionSizeLimitExceededException), numbers (no letter), hosts
 *    and paths (dots and slashes end a run).
 */
const PREFIXED = new RegExp(
  [
    String.raw`\b(amzn1\.(?:ask\.)?(?:account|person|device|unit))\.[\w-]+(?:\.[\w-]+)*`,
    String.raw`\b([Bb]earer|BEARER)\s+(?=[a-z]*[A-Z\d_.~+/-])[\w.~+/-]+=*`,
    String.raw`\b(Atz[ar])\|[\w.~+/|-]+=*`,
    String.raw`(?<![\w-])eyJ[\w-]*(?:\.[\w-]+)+`,
  ].join('|'),
  'g',
);
/** Whether PREFIXED can match at all: its prefixes only (a literal search, much faster than PREFIXED). */
const PREFIX_HINT = /amzn1\.(?:ask\.)?(?:account|person|device|unit)\.|[Bb]earer|BEARER|Atz[ar]\||eyJ/;
const LONG_RUN_CHARS = 40;
const LONG_RUN = new RegExp(String.raw`(?<![\w-])[\w-]{${LONG_RUN_CHARS},}`, 'g');
const HAS_LETTER = /[A-Za-z]/;
const HAS_DIGIT = /\d/;
/** The shortest text PREFIXED can match ("Atza|x"). */
const SHORTEST_SECRET = 6;

export const REDACTED = '[redacted]';

function replacePrefixed(match: string, id?: string, scheme?: string, lwa?: string): string {
  if (id !== undefined) return `${id}.${REDACTED}`;
  if (scheme !== undefined) return `${scheme} ${REDACTED}`;
  if (lwa !== undefined) return `${lwa}|${REDACTED}`;
  return REDACTED;
}

function replaceRun(run: string): string {
  if (run.startsWith('BQ') || run.startsWith('AQ') || run.startsWith('eyJ')) return REDACTED;
  return HAS_LETTER.test(run) && HAS_DIGIT.test(run) ? REDACTED : run;
}

/** [A-Za-z0-9_-] by char code: LONG_RUN's characters. */
const RUN_CHAR = new Uint8Array(128);
for (const [from, to] of [
  [48, 57],
  [65, 90],
  [97, 122],
  [45, 45],
  [95, 95],
] as const) {
  for (let code = from; code <= to; code += 1) RUN_CHAR[code] = 1;
}
const isRunChar = (code: number) => code < 128 && RUN_CHAR[code] === 1;

/**
 * Whether `text` has `min` run characters in a row. It looks at every `min`-th character and reads back
 * only from one that could end a run, so most text is skimmed, not read (a few hundred ns for a stack).
 */
function hasRun(text: string, min: number): boolean {
  let end = min - 1;
  while (end < text.length) {
    if (!isRunChar(text.charCodeAt(end))) {
      end += min;
      continue;
    }
    let start = end - 1;
    while (end - start < min && isRunChar(text.charCodeAt(start))) start -= 1;
    if (end - start >= min) return true;
    // text[start] ends every run through `end`: the next run of `min` ends `min` after it at the earliest.
    end = start + min;
  }
  return false;
}

/** `text` with every credential and personal id (see PREFIXED and LONG_RUN) replaced. */
export function redactText(text: string): string {
  if (text.length < SHORTEST_SECRET) return text;
  let out = text;
  if (PREFIX_HINT.test(out)) out = out.replace(PREFIXED, replacePrefixed);
  if (out.length >= LONG_RUN_CHARS && hasRun(out, LONG_RUN_CHARS)) out = out.replace(LONG_RUN, replaceRun);
  return out;
}

/** Characters a token or an id is made of: where a cut text's last, possibly split, one starts. */
function isTokenChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    code === 45 || // -
    code === 46 || // .
    code === 95 || // _
    code === 126 || // ~
    code === 43 || // +
    code === 47 || // /
    code === 61 || // =
    code === 124 // |
  );
}

function tokenTailStart(text: string): number {
  let i = text.length;
  while (i > 0 && isTokenChar(text.charCodeAt(i - 1))) i -= 1;
  return i;
}

interface Budget {
  values: number;
  chars: number;
}

/**
 * `text` redacted and cut to `keep` characters. Only a little more than is kept is searched; a token the cut
 * splits is still redacted (a prefix or a long enough run matches) when it starts where it is kept.
 */
function redactAndCut(text: string, keep: number): { text: string; cut: boolean } {
  const sliced = text.length > keep + 256;
  let source = sliced ? text.slice(0, keep + 256) : text;
  let redacted = redactText(source);
  if (sliced && redacted.length < source.length) {
    // Redaction shortened the text, so its end comes into what is kept: the token the cut split there may
    // be too short now to be recognised, so it is dropped.
    source = source.slice(0, tokenTailStart(source));
    redacted = redactText(source);
  }
  return sliced || redacted.length > keep
    ? { text: redacted.slice(0, keep), cut: true }
    : { text: redacted, cut: false };
}

/** Redacted, then cut to LOG_LIMITS.stringChars (and what is left of the line's budget). */
function boundString(text: string, budget: Budget): string {
  const keep = Math.max(0, Math.min(LOG_LIMITS.stringChars, budget.chars));
  const { text: kept, cut } = redactAndCut(text, keep);
  const out = cut ? `${kept}…(${text.length} chars)` : kept;
  budget.chars -= out.length;
  return out;
}

/** A plain object with no prototype, so a `__proto__` key from a request is kept as an ordinary key. */
const record = (): Record<string, unknown> => Object.create(null) as Record<string, unknown>;
const own = (value: object, key: string) => Object.prototype.hasOwnProperty.call(value, key);

function errorFields(error: Error): Record<string, unknown> {
  const fields = record();
  fields.name = error.name;
  fields.message = error.message;
  if (error.stack !== undefined) fields.stack = error.stack;
  for (const key of Object.keys(error))
    if (!own(fields, key)) fields[key] = (error as unknown as LogFields)[key];
  // `cause` is usually not enumerable: an exception chain is followed like nested objects, within the limits.
  if (error.cause !== undefined) fields.cause = error.cause;
  return fields;
}

/** The first `limit + 1` items of an iterable (a Set or Map may be huge). */
function firstOf<T>(items: Iterable<T>, limit: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    out.push(item);
    if (out.length > limit) break;
  }
  return out;
}

function boundObject(value: object, depth: number, ancestors: object[], budget: Budget): unknown {
  if (ancestors.includes(value)) return '[Circular]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return `[${value.constructor?.name ?? 'binary'}: ${value.byteLength} bytes]`;
  }
  if (depth > LOG_LIMITS.depth) return Array.isArray(value) || value instanceof Set ? '[Array]' : '[Object]';
  ancestors.push(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      const items = Array.isArray(value)
        ? value.slice(0, LOG_LIMITS.entries + 1)
        : firstOf(value, LOG_LIMITS.entries);
      const size = Array.isArray(value) ? value.length : value.size;
      const out = items.slice(0, LOG_LIMITS.entries).map((item) => bound(item, depth + 1, ancestors, budget));
      if (size > LOG_LIMITS.entries) out.push(`…(${size} items)`);
      return out;
    }
    let source: Record<string, unknown>;
    let count: number | undefined;
    if (value instanceof Error) source = errorFields(value);
    else if (value instanceof Map) {
      source = record();
      for (const [k, v] of firstOf(value, LOG_LIMITS.entries)) source[String(k)] = v;
      count = value.size;
    } else if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      // A value that says how it serialises (a URL, a Decimal): its own JSON form, bounded the same way.
      return bound((value as { toJSON: () => unknown }).toJSON(), depth + 1, ancestors, budget);
    } else source = value as Record<string, unknown>;
    const keys = Object.keys(source);
    const out = record();
    for (const key of keys.slice(0, LOG_LIMITS.entries)) {
      if (budget.values <= 0 || budget.chars <= 0) {
        out['…'] = 'log size limit reached';
        return out;
      }
      // A key may come from a request too (a map keyed by user id): redacted like any text.
      const { text: kept, cut } = redactAndCut(key, LOG_LIMITS.keyChars);
      const name = cut ? `${kept}…` : kept;
      budget.chars -= name.length;
      out[name] = SECRET_KEY.test(key) ? REDACTED : bound(source[key], depth + 1, ancestors, budget);
    }
    const total = count ?? keys.length;
    if (total > LOG_LIMITS.entries) out['…'] = `${total} keys`;
    return out;
  } finally {
    ancestors.pop();
  }
}

function bound(value: unknown, depth: number, ancestors: object[], budget: Budget): unknown {
  budget.values -= 1;
  if (budget.values < 0) return '[log size limit reached]';
  try {
    switch (typeof value) {
      case 'string':
        return boundString(value, budget);
      case 'number':
        // JSON has no NaN or Infinity (it writes null); the text keeps what the value was.
        return Number.isFinite(value) ? value : String(value);
      case 'boolean':
      case 'undefined':
        return value;
      case 'bigint':
        return value.toString();
      case 'symbol':
        return boundString(value.toString(), budget);
      case 'function':
        return '[Function]';
      default:
        return value === null ? null : boundObject(value as object, depth, ancestors, budget);
    }
  } catch {
    // A getter or proxy that throws, a toJSON that fails: the field is marked, the line still written.
    return '[unserialisable]';
  }
}

/**
 * A copy of `fields` that is safe to serialise and to keep: at most LOG_LIMITS.depth levels, no cycles,
 * strings and lists cut short, Errors (with their `cause` chains) as plain objects, and no secrets: fields
 * named like credentials are "[redacted]", and tokens, JWTs and Alexa person and device ids are cut out
 * of every string and key (`redactText`). Never throws.
 */
export function boundLogFields(fields: unknown): LogFields {
  if (fields === undefined || fields === null) return {};
  const budget: Budget = { values: LOG_LIMITS.values, chars: LOG_LIMITS.chars };
  const copy = bound(fields, 1, [], budget);
  return typeof copy === 'object' && copy !== null && !Array.isArray(copy)
    ? (copy as LogFields)
    : { fields: copy };
}

/** The message, redacted and cut like a field's text. */
export function boundMessage(message: unknown): string {
  let text: string;
  try {
    text = typeof message === 'string' ? message : String(message);
  } catch {
    text = '[unserialisable]';
  }
  return boundString(text, { values: 1, chars: LOG_LIMITS.stringChars });
}
