import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { METRICS_SERVICE, SERVICE_DIMENSION } from './metric-names';
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

const POWERTOOLS_LEVELS = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  silent: 'SILENT',
} as const;

/**
 * Powertools writes `service` on every line itself (the metrics' service dimension, same value) and drops,
 * with a warning line, an extra field of that name.
 */
function withoutService(metrics: LogFields): LogFields {
  const rest = { ...metrics };
  delete rest[SERVICE_DIMENSION];
  return rest;
}

/**
 * The Lambda's logger: Powertools Logger, JSON on stdout with the service name and, once
 * `addContext` has run for a request, the function's name, version and request id. Fields are bounded
 * and redacted first (`boundLogFields`), and a failure to log never fails the request.
 */
export function createPowertoolsLogger(level: Level = 'info'): Logger & { raw: PowertoolsLogger } {
  const raw = new PowertoolsLogger({ serviceName: METRICS_SERVICE, logLevel: POWERTOOLS_LEVELS[level] });
  const emit =
    (method: 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields, metrics?: LogFields): void => {
      try {
        const safe = boundLogFields(fields);
        raw[method](boundMessage(message), metrics ? { ...safe, ...withoutService(metrics) } : safe);
      } catch {
        try {
          raw[method](boundMessage(message), {
            logError: 'fields not serialisable',
            ...(metrics ? withoutService(metrics) : {}),
          });
        } catch {
          // Nothing left to try: logging must not end the request.
        }
      }
    };
  return { raw, info: emit('info'), warn: emit('warn'), error: emit('error') };
}
