/**
 * How many cases the fuzz properties run, and from which seed. CI runs a fixed seed, so every run checks
 * the same cases and a red build is red again on a rerun; the environment overrides both:
 *
 * - FUZZ_SEED=<integer> replays a seed (fast-check prints the failing one, with the counterexample's path);
 *   FUZZ_SEED=random draws a new seed each run, for exploring.
 * - FUZZ_RUNS=<n> sets the base number of runs (each property runs it, or a fixed share of it).
 */
import type { Parameters } from 'fast-check';

/** The seed CI uses. Change it to explore other cases; any seed must pass. */
export const DEFAULT_FUZZ_SEED = 20_261_122;

export interface FuzzSettings {
  seed: number;
  /** The base number of runs: FUZZ_RUNS, or the file's default. */
  runs: number;
  /** fast-check parameters for a property that runs `numRuns` cases. */
  params(numRuns: number): Parameters<unknown> & { seed: number; numRuns: number };
}

function integerFrom(name: string, text: string): number {
  const value = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(value)) {
    throw new Error(`${name} must be an integer, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** The seed and run count for a fuzz file whose properties run `defaultRuns` by default. */
export function fuzzSettings(defaultRuns: number, env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const seedText = env.FUZZ_SEED?.trim();
  const seed = !seedText
    ? DEFAULT_FUZZ_SEED
    : seedText === 'random'
      ? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0
      : integerFrom('FUZZ_SEED', seedText);
  const runsText = env.FUZZ_RUNS?.trim();
  const runs = runsText ? integerFrom('FUZZ_RUNS', runsText) : defaultRuns;
  if (runs < 1) throw new Error(`FUZZ_RUNS must be at least 1, not ${runs}`);
  return { seed, runs, params: (numRuns) => ({ seed, numRuns }) };
}
