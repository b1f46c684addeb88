/**
 * Near misses for `npm start`: Alexa's language understanding takes "my speakers keep cutting out" as the
 * model's "the speaker keeps cutting out", while the local Echo (virtual-alexa) matches samples exactly. This
 * module lists every concrete phrase the interaction model holds and finds the one nearest to some words,
 * if it is near enough. Only `npm start` uses it; tests keep exact matching.
 */
import { readFileSync } from 'node:fs';

interface ModelFile {
  interactionModel: {
    languageModel: {
      intents: Array<{ name: string; slots?: Array<{ name: string; type: string }>; samples?: string[] }>;
      types?: Array<{
        name: string;
        values?: Array<{ id?: string; name: { value: string; synonyms?: string[] } }>;
      }>;
    };
  };
}

/** One concrete thing a user can say that the model matches exactly. */
export interface SamplePhrase {
  /** The words, slots filled in, e.g. "the problem is it keeps cutting out". */
  text: string;
  intent: string;
  /** The model's sample it comes from, e.g. "the problem is {symptom}". */
  sample: string;
  /** Per slot: the words in the phrase and what they resolve to (the slot value's id, else its name). */
  slots: Record<string, { spoken: string; resolved: string }>;
}

export interface SamplePhraseOptions {
  /**
   * Slot types of free names, whose values are only examples: a bare "{device}" would take any name at all,
   * so expanding it would make every short word near some example name. Default: `isFreeNameType`.
   */
  isFreeNameType?: (type: string) => boolean;
  /** At most this many phrases from one sample (its slots' values multiplied out). */
  maxPerSample?: number;
}

export const DEFAULT_MAX_PER_SAMPLE = 200;

/**
 * The model's slot types of free names: its `…NameType` types (speaker and device names, whose values only
 * teach Alexa what names sound like) and Amazon's built-in types.
 */
export const isFreeNameType = (type: string): boolean =>
  /Name(Type)?$/.test(type) || type.startsWith('AMAZON.');

const SLOT = /\{([^}]+)\}/g;
// Words before a noun: two in a row read badly, and "the speaker" asks for what "my speaker" does.
const DETERMINERS = new Set(['the', 'a', 'an', 'my', 'your', 'our', 'this']);

/**
 * Whether a slot value reads well after the sample's words before it. "play it on the {device}" with "this
 * echo" is valid for the model, but no one says "the this echo"; "it's an {speakerName}" with "jbl" has its
 * better twin in "it's a {speakerName}".
 */
function readsWell(before: string, value: string): boolean {
  const last = before.trim().split(/\s+/).at(-1) ?? '';
  const first = value.trim().split(/\s+/)[0] ?? '';
  if (DETERMINERS.has(last) && DETERMINERS.has(first)) return false;
  if (last === 'an') return /^[aeiou]/.test(first);
  if (last === 'a') return !/^[aeiou]/.test(first);
  return true;
}

/** Every concrete phrase of the model's samples, slots expanded with their types' values and synonyms. */
export function samplePhrases(modelPath: string, options: SamplePhraseOptions = {}): SamplePhrase[] {
  const isFreeName = options.isFreeNameType ?? isFreeNameType;
  const maxPerSample = options.maxPerSample ?? DEFAULT_MAX_PER_SAMPLE;
  const language = (JSON.parse(readFileSync(modelPath, 'utf8')) as ModelFile).interactionModel.languageModel;
  const valuesOf = new Map<string, Array<{ spoken: string; resolved: string }>>();
  for (const type of language.types ?? []) {
    const values = type.values ?? [];
    const resolved = (v: (typeof values)[number]) => v.id ?? v.name.value;
    // Canonical values first, so a capped expansion still has every one of them.
    const all = [
      ...values.map((v) => ({ spoken: v.name.value, resolved: resolved(v) })),
      ...values.flatMap((v) => (v.name.synonyms ?? []).map((s) => ({ spoken: s, resolved: resolved(v) }))),
    ];
    const seen = new Set<string>();
    valuesOf.set(
      type.name,
      all.filter((v) => {
        const key = v.spoken.toLowerCase().trim();
        if (!key || seen.has(key)) return false;
        seen.add(key);
        return true;
      }),
    );
  }

  const phrases: SamplePhrase[] = [];
  for (const intent of language.intents) {
    const typeOf = new Map((intent.slots ?? []).map((slot) => [slot.name, slot.type]));
    for (const raw of intent.samples ?? []) {
      // Slot names keep their case: they are looked up in the intent's slots.
      const sample = raw
        .trim()
        .split(/(\{[^}]+\})/)
        .map((part) => (part.startsWith('{') ? part : part.toLowerCase()))
        .join('');
      const names = [...sample.matchAll(SLOT)].map((m) => m[1] ?? '');
      if (names.length === 0) {
        phrases.push({ text: sample, intent: intent.name, sample, slots: {} });
        continue;
      }
      const types = names.map((name) => typeOf.get(name) ?? '');
      if (names.length === 1 && sample === `{${names[0]}}` && isFreeName(types[0] ?? '')) continue;
      const lists = types.map((type) => valuesOf.get(type) ?? []);
      // A slot without values (a built-in type) has no words to offer.
      if (lists.some((list) => list.length === 0)) continue;
      // The same share of each slot's values, so the product stays under the cap.
      const each = Math.max(1, Math.floor(maxPerSample ** (1 / lists.length)));
      let combos: Array<Array<{ spoken: string; resolved: string }>> = [[]];
      for (const list of lists) combos = combos.flatMap((c) => list.slice(0, each).map((v) => [...c, v]));
      for (const combo of combos.slice(0, maxPerSample)) {
        let i = 0;
        let well = true;
        const text = sample.replace(SLOT, (_slot, _name: string, offset: number) => {
          const spoken = combo[i++]?.spoken.toLowerCase() ?? '';
          well &&= readsWell(sample.slice(0, offset), spoken);
          return spoken;
        });
        if (!well) continue;
        const slots: SamplePhrase['slots'] = {};
        names.forEach((name, k) => {
          const value = combo[k];
          if (value) slots[name] = { spoken: value.spoken.toLowerCase(), resolved: value.resolved };
        });
        phrases.push({ text: text.replace(/\s+/g, ' ').trim(), intent: intent.name, sample, slots });
      }
    }
  }
  return phrases;
}

// ---------------------------------------------------------------------------------------------------------
// Similarity: a weighted overlap of words (Dice), where rare words weigh more than "the" or "my", words
// match on a rough stem ("speakers" ~ "speaker", "coming" ~ "comes"), and a one-letter typo in a long word
// still counts. Phrases that differ in negation never match: "it's not connected" is no "it's connected".

/**
 * The least similarity (0–1) a near miss needs. Measured on the model (one phrase of every sample and every
 * symptom, each changed once): a changed article, a plural or a typo scores 0.87–1, an added "please"
 * 0.66–1 (median 0.85); "my speakers keep cutting out" 0.95, "the sounds still coming out of alexa" 0.71
 * against "the sound comes out of the echo". Requests meant for other skills score at most about 0.59
 * ("what is bluetooth", "play music", "turn off the lights"; "what's the weather" 0.5), and words the
 * model does not have 0. A near miss with a word the model lacks ("the battery looks swollen", 0.64) is
 * about the limit.
 */
export const NEAR_MISS_THRESHOLD = 0.62;

const FILLERS = new Set(['um', 'umm', 'uh', 'uhm', 'er', 'erm', 'hmm', 'mm']);
const NEGATIONS = new Set(['not', 'no', 'never', 'nothing', 'nope', 'nah', 'none']);

// Contractions spelt out, with or without their apostrophe, so "will not" meets "won't" and "what is" meets
// "what's". "its" is taken as "it's": people say that to an Echo far more often than the possessive.
const CONTRACTIONS: Record<string, string> = {
  wont: 'will not',
  cant: 'can not',
  cannot: 'can not',
  aint: 'is not',
  im: 'i am',
  ive: 'i have',
  its: 'it is',
  whats: 'what is',
  thats: 'that is',
  theres: 'there is',
  wheres: 'where is',
  hows: 'how is',
  heres: 'here is',
};
const NOT_CONTRACTED = /^(do|does|did|is|are|was|were|have|has|had|could|would|should|must|need)nt$/;
const NUMBERS = 'zero one two three four five six seven eight nine ten eleven twelve'.split(' ');

/** Words without apostrophes, case or punctuation; contractions spelt out, small numbers in words. */
export function wordsOf(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .replace(/[\u2018\u2019\u02bc'`]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.flatMap((word) => {
    const spelt = CONTRACTIONS[word] ?? word.replace(NOT_CONTRACTED, '$1 not');
    return spelt.split(' ').map((w) => NUMBERS[Number(w)] ?? w);
  });
}

/** A rough English stem, the same on both sides of a comparison, which is all that matters here. */
export function stemOf(word: string): string {
  let stem = word;
  if (stem.length >= 5) {
    const suffix = /(?:ing|ed|es|s)$/.exec(stem)?.[0];
    if (suffix && !stem.endsWith('ss') && stem.length - suffix.length >= 3) {
      stem = stem.slice(0, -suffix.length);
      // "cutting" → "cutt" → "cut"
      if (/([b-df-hj-np-tv-z])\1$/.test(stem)) stem = stem.slice(0, -1);
    }
  }
  // "come" and "coming" → "com"
  if (stem.length >= 4 && stem.endsWith('e')) stem = stem.slice(0, -1);
  return stem;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * 1 for the same letters; above 0.8 for one wrong letter in six or more ("speker", "conect"); else 0. One
 * letter in five is too much: "light" is no typo of "right".
 */
function spellingSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (Math.min(a.length, b.length) < 5 || Math.abs(a.length - b.length) > 2) return 0;
  const similarity = 1 - editDistance(a, b) / Math.max(a.length, b.length);
  return similarity > 0.8 ? similarity : 0;
}

const ORDER_WEIGHT = 0.1;

/** The length of the longest increasing subsequence: how many matched words keep their order. */
function longestIncreasing(sequence: readonly number[]): number {
  const tails: number[] = [];
  for (const value of sequence) {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((tails[middle] ?? 0) < value) low = middle + 1;
      else high = middle;
    }
    tails[low] = value;
  }
  return tails.length;
}

interface Weighted {
  word: string;
  stem: string;
  weight: number;
}

/**
 * How alike two words are: 1 for the same word, a little less for another form of it ("speakers") or
 * another determiner ("the" for "my"), less for a typo, judged on the stems or on the words themselves for
 * a typo the stems hide ("smoing").
 */
function wordSimilarity(a: Weighted, b: Weighted): number {
  if (a.word === b.word) return 1;
  if (a.stem === b.stem) return 0.9;
  // "the speaker" and "my speaker" ask for the same thing.
  if (DETERMINERS.has(a.word) && DETERMINERS.has(b.word)) return 0.8;
  return 0.9 * Math.max(spellingSimilarity(a.stem, b.stem), spellingSimilarity(a.word, b.word));
}

export interface NearestSample {
  phrase: SamplePhrase;
  /** 0–1, 1 for the same words. */
  score: number;
}

/**
 * Returns a function giving the phrase nearest to some words, or undefined when none reaches `threshold`.
 * A word weighs its inverse document frequency over the model's own samples and slot values, so words
 * every sample has count little, and a word the model never uses counts as much as its rarest.
 */
export function createNearestSample(
  phrases: readonly SamplePhrase[],
  options: { threshold?: number } = {},
): (text: string) => NearestSample | undefined {
  const threshold = options.threshold ?? NEAR_MISS_THRESHOLD;
  // The documents are the samples and slot values themselves, not their expansions, which would make the
  // words around a slot look as common as "the".
  const documents = new Set<string>();
  for (const phrase of phrases) {
    documents.add(phrase.sample.replace(SLOT, ' '));
    for (const slot of Object.values(phrase.slots)) documents.add(slot.spoken);
  }
  const frequency = new Map<string, number>();
  for (const document of documents) {
    for (const stem of new Set(wordsOf(document).map(stemOf))) {
      frequency.set(stem, (frequency.get(stem) ?? 0) + 1);
    }
  }
  const idf = (count: number) => Math.log((documents.size + 1) / (count + 0.5));
  // A word the model never uses says the words are about something else ("turn off the lights" is not "it
  // keeps turning off"): it weighs half as much again as the model's rarest.
  const unknownWeight = 1.5 * idf(0);

  const indexed = phrases.map((phrase) => {
    const words = wordsOf(phrase.text);
    const tokens = words.map((word): Weighted => {
      const stem = stemOf(word);
      return { word, stem, weight: idf(frequency.get(stem) ?? 0) };
    });
    const weight = tokens.reduce((sum, t) => sum + t.weight, 0);
    return { phrase, negated: words.some((w) => NEGATIONS.has(w)), tokens, weight };
  });
  // Where each word occurs, so a query looks only at phrases sharing a word with it. Every word of every
  // phrase has a number (`slot`), for marking it in typed arrays rather than sets.
  const vocabulary = new Map<string, Weighted>();
  const occurrences = new Map<string, Array<{ phrase: number; slot: number }>>();
  const slotWeight: number[] = [];
  indexed.forEach((candidate, phrase) =>
    candidate.tokens.forEach((token) => {
      vocabulary.set(token.word, token);
      let list = occurrences.get(token.word);
      if (!list) occurrences.set(token.word, (list = []));
      list.push({ phrase, slot: slotWeight.length });
      slotWeight.push(token.weight);
    }),
  );
  const reachable = new Float64Array(indexed.length);
  const queryMarks = new Int32Array(indexed.length).fill(-1);
  const slotMarked = new Uint8Array(slotWeight.length);
  // The model's words like a typed word, and how much: the same words come back turn after turn.
  const alikeCache = new Map<string, Map<string, number>>();
  const alikeTo = (word: string): Map<string, number> => {
    let alike = alikeCache.get(word);
    if (alike) return alike;
    alike = new Map();
    const token = { word, stem: stemOf(word), weight: 0 };
    for (const known of vocabulary.values()) {
      const similarity = wordSimilarity(token, known);
      if (similarity > 0) alike.set(known.word, similarity);
    }
    alikeCache.set(word, alike);
    return alike;
  };

  /** The best pairing of the query's words with a phrase's words, and its score. */
  const score = (query: Weighted[], similar: Array<Map<string, number>>, queryWeight: number, c: number) => {
    const candidate = indexed[c];
    if (!candidate) return 0;
    const pairs: Array<{ i: number; j: number; gain: number }> = [];
    query.forEach((q, i) =>
      candidate.tokens.forEach((p, j) => {
        const s = similar[i]?.get(p.word) ?? 0;
        if (s > 0) pairs.push({ i, j, gain: s * (q.weight + p.weight) });
      }),
    );
    // Each word pairs with at most one word of the other side, best pairs first.
    pairs.sort((a, b) => b.gain - a.gain);
    const usedQ = new Set<number>();
    const usedP = new Set<number>();
    const kept: Array<{ i: number; j: number }> = [];
    let shared = 0;
    for (const { i, j, gain } of pairs) {
      if (usedQ.has(i) || usedP.has(j)) continue;
      usedQ.add(i);
      usedP.add(j);
      kept.push({ i, j });
      shared += gain;
    }
    if (kept.length === 0) return 0;
    // Word order counts a little: "my speaker won't pair with my echo" is nearer itself than "my echo
    // won't pair with my speaker", though both have the same words.
    const order = kept.sort((a, b) => a.i - b.i).map((pair) => pair.j);
    const disorder = 1 - longestIncreasing(order) / order.length;
    // Sums in another order can pass 1 by a rounding error.
    return Math.min(1, (shared / (queryWeight + candidate.weight)) * (1 - ORDER_WEIGHT * disorder));
  };

  return (text) => {
    // Speech recognition leaves out "um" and "uh"; so does this, unless the model has the word ("uh huh").
    const words = wordsOf(text).filter((w) => !FILLERS.has(w) || frequency.has(stemOf(w)));
    if (words.length === 0) return undefined;
    const negated = words.some((w) => NEGATIONS.has(w));
    const similar = words.map(alikeTo);
    const query = words.map((word, i): Weighted => {
      const stem = stemOf(word);
      const known = frequency.get(stem);
      if (known !== undefined) return { word, stem, weight: idf(known) };
      // A misspelt word weighs what the word it resembles most weighs.
      let best: { similarity: number; weight: number } | undefined;
      for (const [alike, similarity] of similar[i] ?? []) {
        if (similarity > (best?.similarity ?? 0)) {
          best = { similarity, weight: vocabulary.get(alike)?.weight ?? unknownWeight };
        }
      }
      return { word, stem, weight: best?.weight ?? unknownWeight };
    });
    const queryWeight = query.reduce((sum, t) => sum + t.weight, 0);

    // An upper bound per phrase: the weight of every word, on either side, with a like word on the other
    // side, as if fully alike. Phrases are then scored best bound first, until no bound can beat the best
    // score so far.
    const touched: number[] = [];
    const slots: number[] = [];
    similar.forEach((alike, i) => {
      const weight = query[i]?.weight ?? 0;
      for (const word of alike.keys()) {
        for (const { phrase, slot } of occurrences.get(word) ?? []) {
          if (indexed[phrase]?.negated !== negated) continue;
          if (queryMarks[phrase] === -1) touched.push(phrase);
          // Each query word counts once per phrase.
          if (queryMarks[phrase] !== i) {
            queryMarks[phrase] = i;
            reachable[phrase] = (reachable[phrase] ?? 0) + weight;
          }
          if (!slotMarked[slot]) {
            slotMarked[slot] = 1;
            slots.push(slot);
            reachable[phrase] = (reachable[phrase] ?? 0) + (slotWeight[slot] ?? 0);
          }
        }
      }
    });
    const bounds = touched.map((phrase) => ({
      phrase,
      bound: (reachable[phrase] ?? 0) / (queryWeight + (indexed[phrase]?.weight ?? 0)),
    }));
    for (const phrase of touched) {
      reachable[phrase] = 0;
      queryMarks[phrase] = -1;
    }
    for (const slot of slots) slotMarked[slot] = 0;
    // Ties keep the model's order, so the first of equal phrases wins.
    bounds.sort((a, b) => b.bound - a.bound || a.phrase - b.phrase);

    let best: NearestSample | undefined;
    let bestIndex = Infinity;
    for (const { phrase, bound } of bounds) {
      if (best && bound < best.score) break;
      const value = score(query, similar, queryWeight, phrase);
      const candidate = indexed[phrase];
      if (!candidate || value === 0) continue;
      if (!best || value > best.score || (value === best.score && phrase < bestIndex)) {
        best = { phrase: candidate.phrase, score: value };
        bestIndex = phrase;
      }
    }
    return best && best.score >= threshold ? best : undefined;
  };
}
