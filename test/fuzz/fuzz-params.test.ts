import { DEFAULT_FUZZ_SEED, fuzzSettings } from './fuzz-params';

describe('fuzz settings', () => {
  it('use a fixed seed and the file default by default, so CI runs the same cases every time', () => {
    const settings = fuzzSettings(400, {});
    expect(settings).toMatchObject({ seed: DEFAULT_FUZZ_SEED, runs: 400 });
    expect(settings.params(200)).toEqual({ seed: DEFAULT_FUZZ_SEED, numRuns: 200 });
    expect(fuzzSettings(400, { FUZZ_SEED: '', FUZZ_RUNS: ' ' })).toMatchObject({
      seed: DEFAULT_FUZZ_SEED,
      runs: 400,
    });
  });

  it('take FUZZ_SEED and FUZZ_RUNS from the environment', () => {
    const settings = fuzzSettings(400, { FUZZ_SEED: '-1234', FUZZ_RUNS: '5000' });
    expect(settings).toMatchObject({ seed: -1234, runs: 5000 });
    expect(settings.params(10)).toEqual({ seed: -1234, numRuns: 10 });
  });

  it('draw a seed for FUZZ_SEED=random', () => {
    const { seed } = fuzzSettings(10, { FUZZ_SEED: 'random' });
    expect(Number.isInteger(seed)).toBe(true);
  });

  it.each([
    [{ FUZZ_SEED: 'abc' }, /FUZZ_SEED must be an integer/],
    [{ FUZZ_SEED: '1.5' }, /FUZZ_SEED must be an integer/],
    [{ FUZZ_RUNS: 'lots' }, /FUZZ_RUNS must be an integer/],
    [{ FUZZ_RUNS: '0' }, /FUZZ_RUNS must be at least 1/],
  ])('refuse %j rather than silently fuzz something else', (env, message) => {
    expect(() => fuzzSettings(10, env)).toThrow(message);
  });
});
