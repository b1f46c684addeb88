import { METRICS_SERVICE } from './metric-names';
import { boundLogFields, boundMessage } from './log-fields';
import type { LogFields } from './log-fields';

export type { LogFields };
export { boundLogFields, LOG_LIMITS, REDACTED } from './log-fields';

/**
 * Structured logging behind a small interface, so handlers never depend on a logging library. `metrics`
 * are a request's embedded-format metrics (platform/metrics.ts), written on the same line as they are:
 * built by the skill from fixed names, they are not bounded or redacted like fields.
 */
export interface Logger {
  info(message: string, fields?: LogFields, metrics?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

const RESERVED = ['level', 'message', 'time'] as const;

/** One JSON object per line, the shape CloudWatch Logs Insights queries best. */
export function createJsonLogger(
  level: Level = 'info',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const emit = (lvl: Level) => (message: string, fields?: LogFields, metrics?: LogFields) => {
    if (RANK[lvl] < RANK[level]) return;
    let line: string;
    try {
      const safe = metrics ? { ...boundLogFields(fields), ...metrics } : boundLogFields(fields);
      // The line's own level, message and time win; a field of the same name is kept beside them.
      for (const key of RESERVED) {
        if (Object.prototype.hasOwnProperty.call(safe, key)) {
          safe[`field_${key}`] = safe[key];
          delete safe[key];
        }
      }
      line = JSON.stringify({
        level: lvl,
        message: boundMessage(message),
        ...safe,
        time: new Date().toISOString(),
      });
    } catch {
      // Not expected with bounded fields; a log line without them still beats a failed request.
      line = JSON.stringify({
        level: lvl,
        message: boundMessage(message),
        logError: 'fields not serialisable',
        time: new Date().toISOString(),
      });
    }
    write(line);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export function parseLevel(value: string | undefined): Level {
  return value && value in RANK ? (value as Level) : 'info';
}

/** The Lambda context fields the log lines carry (a subset of aws-lambda's `Context`). */
export interface InvocationContext {
  functionName: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string | number;
  awsRequestId: string;
}

export interface LambdaLoggerOptions {
  /** Writes a line: info to stdout, warn and error to stderr, as the Lambda runtime collects both. */
  write?: (line: string, level: Exclude<Level, 'silent' | 'debug'>) => void;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** Where X-Ray puts the trace of the current invocation (newer runtimes keep it per invocation). */
interface LambdaGlobal {
  awslambda?: { InvokeStore?: { getXRayTraceId?: () => string | undefined } };
}

function traceIdFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = (globalThis as LambdaGlobal).awslambda?.InvokeStore?.getXRayTraceId?.() ?? env._X_AMZN_TRACE_ID;
  if (!raw) return undefined;
  if (!raw.includes('=')) return raw;
  for (const field of raw.split(';')) {
    const [key, value] = field.split('=');
    if (key === 'Root') return value;
  }
  return undefined;
}

/** Powertools Logger drops extra fields with these values; so do we, so lines stay the same. */
const isEmpty = (value: unknown) => value === undefined || value === null || value === '';

/**
 * The Lambda's logger: one JSON line per call with Powertools Logger's standard keys, in its order and
 * format (level, message, timestamp, service, the invocation's cold start, function ARN, memory, name and
 * request id once `addContext` ran, sampling rate, X-Ray trace id), then the fields, bounded and redacted
 * (`boundLogFields`), and a request's metrics. Powertools Logger itself showed in the changing turn's
 * profile (a JSON replacer over every value, a deep merge and environment reads per line), so this writes
 * the same lines directly; test/unit/logger.test.ts compares them with Powertools' own. A failure to log
 * never fails the request.
 */
export function createLambdaLogger(
  level: Level = 'info',
  options: LambdaLoggerOptions = {},
): Logger & { addContext(context: InvocationContext): void } {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const write =
    options.write ??
    ((line: string, lvl: string) => (lvl === 'info' ? process.stdout : process.stderr).write(`${line}\n`));
  // Powertools counts a cold start only for on-demand initialisation, and only on the first invocation.
  let coldStart = env.AWS_LAMBDA_INITIALIZATION_TYPE?.trim() === 'on-demand';
  const service = env.POWERTOOLS_SERVICE_NAME?.trim() || METRICS_SERVICE;
  /**
   * What every line of an invocation carries after its timestamp, serialised once per invocation (the
   * trace id changes only between invocations), and the keys a field may not take.
   */
  let tail = '';
  let taken = new Set<string>();
  const setInvocation = (invocation: Record<string, unknown>) => {
    const shared: Record<string, unknown> = { service, ...invocation, sampling_rate: 0 };
    const trace = traceIdFrom(env);
    if (trace) shared.xray_trace_id = trace;
    tail = JSON.stringify(shared).slice(1, -1);
    taken = new Set(['level', 'message', 'timestamp', ...Object.keys(shared)]);
  };
  let started = false;
  const emit =
    (lvl: 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields, metrics?: LogFields): void => {
      if (RANK[lvl] < RANK[level]) return;
      try {
        if (!started) {
          setInvocation({});
          started = true;
        }
        let extra: LogFields;
        try {
          extra = boundLogFields(fields);
        } catch {
          extra = { logError: 'fields not serialisable' };
        }
        let line = `{"level":"${lvl.toUpperCase()}","message":${JSON.stringify(boundMessage(message))},"timestamp":"${now().toISOString()}",${tail}`;
        for (const key in extra) {
          // The line's own keys win, as in Powertools (which drops the field and warns).
          if (!isEmpty(extra[key]) && !taken.has(key))
            line += `,${JSON.stringify(key)}:${JSON.stringify(extra[key])}`;
        }
        if (metrics)
          for (const key in metrics)
            if (!taken.has(key) && !Object.prototype.hasOwnProperty.call(extra, key))
              line += `,${JSON.stringify(key)}:${JSON.stringify(metrics[key])}`;
        write(`${line}}`, lvl);
      } catch {
        // Nothing left to try: logging must not end the request.
      }
    };
  return {
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    addContext: (context) => {
      setInvocation({
        cold_start: coldStart,
        function_arn: context.invokedFunctionArn,
        function_memory_size: context.memoryLimitInMB,
        function_name: context.functionName,
        function_request_id: context.awsRequestId,
      });
      started = true;
      coldStart = false;
    },
  };
}
