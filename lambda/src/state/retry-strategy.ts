import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/** The SDK's token-based retry interface (RetryStrategyV2), named through the client's own config type. */
type RetryStrategyV2 = Extract<
  NonNullable<DynamoDBClientConfig['retryStrategy']>,
  { recordSuccess: unknown }
>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

export interface ShortRetryOptions {
  /** Attempts including the first. */
  maxAttempts: number;
  /** Upper bound of the first backoff; it doubles per retry up to `capMs`. */
  baseMs?: number;
  capMs?: number;
  /** A number in [0, 1); full jitter. */
  random?: () => number;
}

export const SHORT_RETRY_DEFAULTS = { baseMs: 40, capMs: 160 } as const;

/**
 * Retries throttles and transient errors (timeouts, 5xx, dropped connections) after a short full-jitter
 * backoff. The SDK's own strategy waits up to 1 s after a throttle, as long as the store's whole budget for a
 * call, so a single throttle could cost the user their save; a turn cannot wait that long anyway. The
 * middleware sleeps for the token's delay and stops sleeping when the call is aborted.
 */
export function shortRetryStrategy(options: ShortRetryOptions): RetryStrategyV2 {
  const { maxAttempts, baseMs = SHORT_RETRY_DEFAULTS.baseMs, capMs = SHORT_RETRY_DEFAULTS.capMs } = options;
  const random = options.random ?? Math.random;
  const token = (retryCount: number, delayMs: number): RetryToken => ({
    getRetryCount: () => retryCount,
    getRetryDelay: () => delayMs,
  });
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    refreshRetryTokenForRetry: async (previous: RetryToken, info: RetryErrorInfo) => {
      const retryable = info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT';
      const retries = previous.getRetryCount();
      // Thrown errors end the retries; the middleware then throws the request's own error.
      if (!retryable) throw new Error('not retryable');
      if (retries + 1 >= maxAttempts) throw new Error('no attempts left');
      const ceiling = Math.min(capMs, baseMs * 2 ** retries);
      return token(retries + 1, Math.floor(random() * ceiling));
    },
    recordSuccess: () => {},
  };
}
