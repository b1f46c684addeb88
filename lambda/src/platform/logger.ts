import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { METRICS_SERVICE } from './metric-names';

/** Structured logging behind a small interface, so handlers never depend on a logging library. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** One JSON object per line, the shape CloudWatch Logs Insights queries best. */
export function createJsonLogger(
  level: Level = 'info',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const emit = (lvl: Level) => (message: string, fields?: LogFields) => {
    if (RANK[lvl] < RANK[level]) return;
    write(JSON.stringify({ level: lvl, message, ...fields, time: new Date().toISOString() }));
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
 * The Lambda's logger: Powertools Logger, JSON on stdout with the service name and, once
 * `addContext` has run for a request, the function's name, version and request id.
 */
export function createPowertoolsLogger(level: Level = 'info'): Logger & { raw: PowertoolsLogger } {
  const raw = new PowertoolsLogger({ serviceName: METRICS_SERVICE, logLevel: POWERTOOLS_LEVELS[level] });
  return {
    raw,
    info: (message, fields) => raw.info(message, fields ?? {}),
    warn: (message, fields) => raw.warn(message, fields ?? {}),
    error: (message, fields) => raw.error(message, fields ?? {}),
  };
}
