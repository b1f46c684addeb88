import { shortRetryStrategy, SHORT_RETRY_DEFAULTS } from '../../lambda/src/state/retry-strategy';

type Strategy = ReturnType<typeof shortRetryStrategy>;
type ErrorType = 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';

/** The delays the strategy grants for a run of failures of one type, until it refuses. */
async function delays(strategy: Strategy, errorType: ErrorType): Promise<number[]> {
  const granted: number[] = [];
  let token = await strategy.acquireInitialRetryToken('');
  for (;;) {
    try {
      token = await strategy.refreshRetryTokenForRetry(token, {
        errorType,
        error: new Error(errorType),
      } as never);
    } catch {
      return granted;
    }
    granted.push(token.getRetryDelay());
    expect(token.getRetryCount()).toBe(granted.length);
  }
}

describe('the DynamoDB retry strategy', () => {
  it('retries throttles and transient errors up to maxAttempts, never client errors', async () => {
    const strategy = shortRetryStrategy({ maxAttempts: 3, random: () => 0.5 });
    expect(await delays(strategy, 'THROTTLING')).toHaveLength(2);
    expect(await delays(strategy, 'TRANSIENT')).toHaveLength(2);
    expect(await delays(strategy, 'CLIENT_ERROR')).toHaveLength(0);
    expect(await delays(shortRetryStrategy({ maxAttempts: 1 }), 'THROTTLING')).toHaveLength(0);
  });

  it('backs off with full jitter, doubling up to the cap, so the worst draw still fits a short budget', async () => {
    const worst = await delays(shortRetryStrategy({ maxAttempts: 6, random: () => 0.999999 }), 'THROTTLING');
    const { baseMs, capMs } = SHORT_RETRY_DEFAULTS;
    expect(worst[0]).toBeLessThan(baseMs);
    expect(worst[1]).toBeGreaterThanOrEqual(baseMs);
    expect(Math.max(...worst)).toBeLessThan(capMs);
    expect(worst.reduce((a, b) => a + b, 0)).toBeLessThan(5 * capMs);
    const best = await delays(shortRetryStrategy({ maxAttempts: 6, random: () => 0 }), 'THROTTLING');
    expect(best.every((ms) => ms === 0)).toBe(true);
  });
});
