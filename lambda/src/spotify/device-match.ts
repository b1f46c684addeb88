import Fuse from 'fuse.js';

export type Match<T> = { kind: 'one'; item: T } | { kind: 'several'; items: T[] } | { kind: 'none' };

/** Spoken words that say nothing about which device: "the kitchen echo", "my office speaker". */
const FILLER = /^(?:the|my|our|a|to|on)\s+/;
const normalise = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(FILLER, '');

/** Fuse scores run from 0 (exact) to 1; beyond this nothing counts as a match. */
const MAX_SCORE = 0.45;
/** Two results this close in score are equally good: the user must choose. */
const TIE = 0.1;

/**
 * Finds what the user named among the device names, with fuse.js's fuzzy matching (speech recognition
 * mangles names: "kichen echo"). An exact name wins outright; otherwise the best result wins only when
 * clearly better than the next, so "kitchen" with a Kitchen Echo and a Kitchen Speaker asks which.
 */
export function matchByName<T>(items: readonly T[], spoken: string, nameOf: (item: T) => string): Match<T> {
  const wanted = normalise(spoken);
  if (!wanted) return { kind: 'none' };
  const exact = items.filter((item) => normalise(nameOf(item)) === wanted);
  if (exact.length === 1) return { kind: 'one', item: exact[0] as T };
  if (exact.length > 1) return { kind: 'several', items: exact };

  const fuse = new Fuse(
    items.map((item) => ({ item, name: normalise(nameOf(item)) })),
    { keys: ['name'], includeScore: true, ignoreLocation: true, threshold: MAX_SCORE },
  );
  const results = fuse.search(wanted).filter((r) => (r.score ?? 1) <= MAX_SCORE);
  const best = results[0];
  if (!best) return { kind: 'none' };
  const close = results.filter((r) => (r.score ?? 1) - (best.score ?? 0) < TIE).map((r) => r.item.item);
  return close.length === 1 ? { kind: 'one', item: best.item.item } : { kind: 'several', items: close };
}
