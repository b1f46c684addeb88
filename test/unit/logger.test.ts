import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { createEmfMetrics } from '../../lambda/src/platform/metrics';
import { DIMENSION, METRIC, METRICS_SERVICE } from '../../lambda/src/platform/metric-names';
import type { Logger } from '../../lambda/src/platform/logger';
import {
  LOG_LIMITS,
  REDACTED,
  boundLogFields,
  createJsonLogger,
  createLambdaLogger,
} from '../../lambda/src/platform/logger';

/**
 * Both loggers take fields that may hold a request's own values (an Alexa error's `cause`) or an exception
 * with a `cause` chain: whatever they hold, logging must not throw, and the line must be bounded JSON with no
 * credentials or raw user ids in it.
 */

/** `depth` levels of `{ a: … }` (or arrays), built without recursion. */
function deep(depth: number, array = false): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = array ? [value] : { a: value };
  return value;
}

function causeChain(length: number): Error {
  let error = new Error('root cause');
  for (let i = 0; i < length; i += 1) error = new Error(`failure ${i}`, { cause: error });
  return error;
}

/** An exception whose `reason` is another exception, 10,000 times (as some libraries nest them). */
function reasonChain(length: number): Error {
  let error: Error & { reason?: unknown } = new Error('root');
  for (let i = 0; i < length; i += 1) error = Object.assign(new Error(`wrapped ${i}`), { reason: error });
  return error;
}

function circular(): unknown {
  const a: Record<string, unknown> = { name: 'a' };
  const b: Record<string, unknown> = { name: 'b', a, list: [a] };
  a.b = b;
  a.self = a;
  return a;
}

const throwingGetter = Object.defineProperty({ ok: 1 }, 'boom', {
  enumerable: true,
  get() {
    throw new Error('getter failed');
  },
});
const hostileProxy = new Proxy(
  {},
  {
    ownKeys() {
      throw new Error('no keys for you');
    },
  },
);

const HOSTILE: Array<[string, unknown]> = [
  ['an object nested 10,000 levels', deep(10_000)],
  ['an array nested 10,000 levels', deep(10_000, true)],
  ['an error `cause` chain 10,000 long', causeChain(10_000)],
  ['an error `reason` chain 10,000 long', reasonChain(10_000)],
  ['a circular object', circular()],
  ['a 1 MB string', 'x'.repeat(1 << 20)],
  [
    'an object with 100,000 keys',
    Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])),
  ],
  ['an array of 100,000 long strings', Array.from({ length: 100_000 }, () => 'y'.repeat(5000))],
  ['a bigint', 10n ** 30n],
  ['a Map and a Set', { map: new Map([[1, { deep: deep(50) }]]), set: new Set([1, 2, 3]) }],
  ['a throwing getter', throwingGetter],
  ['a proxy that throws', hostileProxy],
  ['NaN and Infinity', { nan: NaN, inf: Infinity }],
];

/** Depth of a parsed JSON value (a scalar is 0). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    max = Math.max(max, d);
    if (typeof v === 'object' && v !== null) for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** The bound on one line: the fields' text budget, plus room for markers, keys and JSON punctuation. */
const MAX_LINE = LOG_LIMITS.chars + 64 * 1024;

function checkLine(line: string): Record<string, unknown> {
  expect(line.length).toBeLessThan(MAX_LINE);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  // The line's object, a field (depth 1), and LOG_LIMITS.depth levels under it at most.
  expect(depthOf(parsed)).toBeLessThanOrEqual(LOG_LIMITS.depth + 1);
  return parsed;
}

interface Captured {
  logger: Logger;
  lines: string[];
}

function jsonLogger(): Captured {
  const lines: string[] = [];
  return { logger: createJsonLogger('info', (line) => lines.push(line)), lines };
}

function lambdaLogger(): Captured {
  const lines: string[] = [];
  return { logger: createLambdaLogger('info', { write: (line) => lines.push(line), env: {} }), lines };
}

describe.each([
  ['the JSON logger', jsonLogger],
  ['the Lambda logger', lambdaLogger],
])('%s', (_name, make) => {
  let captured: Captured;
  beforeEach(() => {
    captured = make();
  });

  it.each(HOSTILE)('logs a field holding %s without throwing, as bounded JSON', (_what, value) => {
    expect(() =>
      captured.logger.error('unhandled error', { requestType: 'IntentRequest', cause: value }),
    ).not.toThrow();
    expect(() => captured.logger.warn('as the whole fields', value as Record<string, unknown>)).not.toThrow();
    // (Powertools adds a line of its own for a field it reserves, such as an Error's `message`.)
    const parsed = captured.lines.map(checkLine);
    expect(
      parsed.filter((line) => /^(unhandled error|as the whole fields)$/.test(String(line.message))),
    ).toEqual([
      expect.objectContaining({ message: 'unhandled error', requestType: 'IntentRequest' }),
      expect.objectContaining({ message: 'as the whole fields' }),
    ]);
  });

  it('keeps ordinary fields as they are', () => {
    const fields = { requestId: 'amzn1.echo-api.request.1', latencyMs: 12, saved: true, step: 'triage' };
    captured.logger.info('turn', fields);
    expect(checkLine(captured.lines[0] as string)).toMatchObject({ message: 'turn', ...fields });
  });

  it('writes a turn’s metrics on the same line, as an EMF document, with no other line', () => {
    const metrics = createEmfMetrics({ write: (line) => captured.lines.push(line) });
    metrics.count(METRIC.turns);
    metrics.count(METRIC.stepOutcome, { [DIMENSION.step]: 'pair_new', [DIMENSION.outcome]: 'no' });
    captured.logger.info('turn', { step: 'app_state', outcome: 'no' }, metrics.flush());
    expect(captured.lines).toHaveLength(1);
    const line = checkLine(captured.lines[0] as string) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> };
    };
    // The log fields as they were, and beside them what CloudWatch reads the metrics from.
    expect(line).toMatchObject({ message: 'turn', step: 'app_state', outcome: 'no' });
    expect(line).toMatchObject({ service: METRICS_SERVICE, Step: 'pair_new', Outcome: 'no', Turns: 1 });
    expect(line._aws.CloudWatchMetrics.map((d) => d.Dimensions)).toEqual([
      [['service']],
      [['service', 'Step', 'Outcome']],
    ]);
  });

  it('keeps the first levels of an exception chain: names, messages and causes', () => {
    captured.logger.error('failed', { error: causeChain(3) });
    const { error } = checkLine(captured.lines[0] as string) as { error: Record<string, unknown> };
    expect(error).toMatchObject({
      name: 'Error',
      message: 'failure 2',
      cause: { message: 'failure 1', cause: { message: 'failure 0', cause: { message: 'root cause' } } },
    });
  });

  it('never writes access tokens or raw user ids', () => {
    const userId = 'amzn1.ask.account.AGF7SECRETUSERID0123456789';
    captured.logger.error('failed', {
      accessToken: 'spotify-token-value',
      apiAccessToken: 'alexa-api-token-value',
      userId,
      context: { System: { user: { userId, accessToken: 'nested-token-value' } } },
      errorMessage: `no item for ${userId}`,
      header: 'Authorization: Bearer abc.def-ghi',
      error: new Error(`lookup failed for ${userId}`, { cause: { token: 'cause-token-value' } }),
    });
    const line = captured.lines[0] as string;
    for (const secret of [
      'spotify-token-value',
      'alexa-api-token-value',
      'nested-token-value',
      'cause-token-value',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).not.toContain('AGF7SECRETUSERID');
    expect(line).not.toContain('abc.def-ghi');
    const parsed = checkLine(line);
    expect(parsed.accessToken).toBe(REDACTED);
    expect(parsed.userId).toBe(REDACTED);
    expect(parsed.errorMessage).toBe('no item for amzn1.ask.account.[redacted]');
  });
});

describe('the JSON logger', () => {
  it("keeps the line's own level, message and time when a field has the same name", () => {
    const { logger, lines } = jsonLogger();
    logger.error('unhandled error', { level: 'debug', message: 'from the request', time: 0 });
    expect(checkLine(lines[0] as string)).toMatchObject({
      level: 'error',
      message: 'unhandled error',
      field_level: 'debug',
      field_message: 'from the request',
      field_time: 0,
    });
  });
});

describe('boundLogFields', () => {
  it('cuts at the depth limit and marks what it cut', () => {
    const bounded = boundLogFields({ field: deep(20) });
    let level: unknown = bounded.field;
    let depth = 1;
    while (typeof level === 'object' && level !== null) {
      level = (level as { a: unknown }).a;
      depth += 1;
    }
    expect(depth).toBe(LOG_LIMITS.depth);
    expect(level).toBe('[Object]');
  });

  it('marks cycles, cuts long strings and long lists', () => {
    const bounded = boundLogFields({
      loop: circular(),
      text: 'z'.repeat(LOG_LIMITS.stringChars + 10),
      list: Array.from({ length: LOG_LIMITS.entries + 5 }, (_, i) => i),
    }) as { loop: Record<string, unknown>; text: string; list: unknown[] };
    expect(bounded.loop.self).toBe('[Circular]');
    expect((bounded.loop.b as Record<string, unknown>).a).toBe('[Circular]');
    expect(bounded.text).toBe(`${'z'.repeat(LOG_LIMITS.stringChars)}…(${LOG_LIMITS.stringChars + 10} chars)`);
    expect(bounded.list).toHaveLength(LOG_LIMITS.entries + 1);
    expect(bounded.list[LOG_LIMITS.entries]).toBe(`…(${LOG_LIMITS.entries + 5} items)`);
  });

  it('keeps a key named __proto__ as an ordinary key, and pollutes nothing', () => {
    const bounded = boundLogFields(JSON.parse('{"__proto__": {"polluted": "yes"}}'));
    expect(JSON.stringify(bounded)).toBe('{"__proto__":{"polluted":"yes"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns an empty object for no fields, and wraps fields that are not an object', () => {
    expect(boundLogFields(undefined)).toEqual({});
    expect(boundLogFields('text')).toEqual({ fields: 'text' });
  });
});

describe('the Lambda logger writes the lines Powertools Logger wrote', () => {
  const context = {
    functionName: 'speaker-helper',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:speaker-helper',
    memoryLimitInMB: '512',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/speaker-helper',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 5000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  const ENV = {
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
  };

  /** What each logger writes for the same calls, as parsed lines without the clock. */
  function both(calls: (logger: Logger, addContext: () => void) => void): {
    ours: unknown[];
    theirs: unknown[];
  } {
    const saved = { ...process.env };
    Object.assign(process.env, ENV);
    delete process.env.POWERTOOLS_DEV;
    delete process.env.TZ;
    try {
      const theirs: string[] = [];
      const powertools = new PowertoolsLogger({ serviceName: METRICS_SERVICE, logLevel: 'INFO' });
      const record = (line: unknown) => theirs.push(String(line));
      Object.assign(powertools, { console: { info: record, warn: record, error: record, log: record } });
      const wrapped: Logger = {
        info: (message, fields, metrics) => powertools.info(message, { ...fields, ...metrics }),
        warn: (message, fields) => powertools.warn(message, { ...fields }),
        error: (message, fields) => powertools.error(message, { ...fields }),
      };
      calls(wrapped, () => powertools.addContext(context));
      const ours: string[] = [];
      const lambda = createLambdaLogger('info', { write: (line) => ours.push(line), env: { ...ENV } });
      calls(lambda, () => lambda.addContext(context));
      const parse = (line: string) => {
        const { timestamp, ...rest } = JSON.parse(line) as Record<string, unknown>;
        expect(typeof timestamp).toBe('string');
        return rest;
      };
      return { ours: ours.map(parse), theirs: theirs.map(parse) };
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  it('with the same keys, in the same order, before and after the invocation context', () => {
    const { ours, theirs } = both((logger, addContext) => {
      const metrics = createEmfMetrics({ clock: () => 1 });
      metrics.count(METRIC.turns);
      logger.info('before the context', { requestType: 'LaunchRequest' });
      addContext();
      logger.info('turn', { step: 'triage', outcome: undefined, intent: '', saved: false, latencyMs: 3 });
      logger.warn('progress save failed; kept in the session', { cause: 'timeout' });
      logger.error('unhandled error', { errorName: 'TypeError', error: 'boom' });
      addContext();
      const fields = metrics.flush() as Record<string, unknown>;
      // Powertools writes `service` itself and drops (with a warning) a field of that name.
      const withoutService = Object.fromEntries(Object.entries(fields).filter(([key]) => key !== 'service'));
      logger.info('turn', { step: 'pair_new' }, withoutService);
    });
    expect(ours).toHaveLength(5);
    expect(ours).toEqual(theirs);
    expect(ours.map((line) => Object.keys(line as object))).toEqual(
      theirs.map((line) => Object.keys(line as object)),
    );
    // A cold start is counted once per process.
    expect(ours.map((line) => (line as { cold_start?: boolean }).cold_start)).toEqual([
      undefined,
      true,
      true,
      true,
      false,
    ]);
  });
});
