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
/** Alexa user and person ids, and bearer credentials, inside any text (an error message, a cause). */
const SECRET_TEXT: Array<{ pattern: RegExp; replacement: string }> = [
  { pattern: /(amzn1\.ask\.(?:account|person))\.[\w.-]+/g, replacement: '$1.[redacted]' },
  { pattern: /\b(Bearer)\s+[\w.~+/=-]+/gi, replacement: '$1 [redacted]' },
];

export const REDACTED = '[redacted]';

function redactText(text: string): string {
  let out = text;
  for (const { pattern, replacement } of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

interface Budget {
  values: number;
  chars: number;
}

/** Redacted, then cut to LOG_LIMITS.stringChars (and what is left of the line's budget). */
function boundString(text: string, budget: Budget): string {
  const keep = Math.max(0, Math.min(LOG_LIMITS.stringChars, budget.chars));
  // Only a little more than is kept is searched; an id the cut splits is still redacted (its prefix matches).
  const sliced = text.length > keep + 256;
  const redacted = redactText(sliced ? text.slice(0, keep + 256) : text);
  const out =
    sliced || redacted.length > keep ? `${redacted.slice(0, keep)}…(${text.length} chars)` : redacted;
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
      const name = key.length > 200 ? `${key.slice(0, 200)}…` : key;
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
 * strings and lists cut short, Errors (with their `cause` chains) as plain objects, and no secrets (tokens,
 * raw Alexa user ids). Never throws.
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
