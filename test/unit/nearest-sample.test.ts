/**
 * Near misses in `npm start` (scripts/local/nearest-sample.ts): the concrete phrases of the en-US model, and
 * the nearest one to some typed words. Every phrase typed here comes from the model as it is when the test
 * runs (the model is edited often), except the far-off words, which must stay far from any model.
 */
import {
  createNearestSample,
  isFreeNameType,
  NEAR_MISS_THRESHOLD,
  samplePhrases,
  wordsOf,
} from '../../scripts/local/nearest-sample';
import type { SamplePhrase } from '../../scripts/local/nearest-sample';
import { MODEL_PATH, VirtualEcho } from '../../scripts/local/virtual-echo';
import { loadModel } from '../support/model';

const phrases = samplePhrases(MODEL_PATH);
const nearest = createNearestSample(phrases);
const exact = new Set(phrases.map((p) => p.text));
const language = loadModel().interactionModel.languageModel;

/** What a phrase means to the skill: its intent and what each slot resolves to. */
const meaning = (p: SamplePhrase) =>
  `${p.intent} ${JSON.stringify(Object.entries(p.slots).map(([name, slot]) => [name, slot.resolved]))}`;

const NEGATION = /\b(not|no|never|nothing|nope|nah|none)\b|n't\b/;

describe('the model as concrete phrases', () => {
  it('has every sample without slots as it is', () => {
    const plain = language.intents.flatMap((i) =>
      (i.samples ?? []).filter((s) => !s.includes('{')).map((s) => s.trim().toLowerCase()),
    );
    expect(plain.length).toBeGreaterThan(0);
    for (const sample of plain) expect(exact.has(sample)).toBe(true);
  });

  it('fills slots with their type’s values and synonyms', () => {
    const slotted = phrases.filter((p) => Object.keys(p.slots).length > 0);
    expect(slotted.length).toBeGreaterThan(0);
    for (const phrase of slotted) {
      const intent = language.intents.find((i) => i.name === phrase.intent);
      for (const [name, slot] of Object.entries(phrase.slots)) {
        const type = language.types?.find(
          (t) => t.name === intent?.slots?.find((s) => s.name === name)?.type,
        );
        const spoken = (type?.values ?? []).flatMap((v) => [v.name.value, ...(v.name.synonyms ?? [])]);
        expect(spoken.map((s) => s.toLowerCase())).toContain(slot.spoken);
        expect(phrase.text).toContain(slot.spoken);
      }
    }
  });

  it('leaves out a bare slot of free names, and expands a bare slot of other types into its values', () => {
    const bare = language.intents.flatMap((intent) =>
      (intent.samples ?? [])
        .map((sample) => ({ intent: intent.name, sample, name: /^\{([^}]+)\}$/.exec(sample.trim())?.[1] }))
        .filter((s) => s.name !== undefined)
        .map((s) => ({ ...s, type: intent.slots?.find((slot) => slot.name === s.name)?.type ?? '' })),
    );
    for (const { intent, sample, type } of bare) {
      const given = phrases.filter((p) => p.intent === intent && p.sample === sample);
      if (isFreeNameType(type)) expect(given).toEqual([]);
      else {
        const values = language.types?.find((t) => t.name === type)?.values ?? [];
        const spoken = values.flatMap((v) => [v.name.value, ...(v.name.synonyms ?? [])]);
        expect(given.map((p) => p.text).sort()).toEqual(
          [...new Set(spoken.map((s) => s.toLowerCase()))].sort(),
        );
      }
    }
  });

  it('caps the phrases one sample gives', () => {
    const capped = samplePhrases(MODEL_PATH, { maxPerSample: 3 });
    const perSample = new Map<string, number>();
    for (const p of capped)
      perSample.set(`${p.intent} ${p.sample}`, (perSample.get(`${p.intent} ${p.sample}`) ?? 0) + 1);
    expect(Math.max(...perSample.values())).toBeLessThanOrEqual(3);
    expect(capped.length).toBeLessThan(phrases.length);
  });

  it('gives only phrases the local Echo matches exactly, as their own intent and slot values', () => {
    const echo = new VirtualEcho({
      handler: async () => ({ version: '1.0', response: {} }),
      skillId: 'amzn1.ask.skill.nearest-sample-test',
      userId: 'amzn1.ask.account.NEAREST-SAMPLE-TEST',
    });
    const spokenSlots = (p: SamplePhrase) =>
      JSON.stringify(Object.fromEntries(Object.entries(p.slots).map(([name, slot]) => [name, slot.spoken])));
    const wrong = phrases.filter((p) => {
      const understood = echo.understand(p.text);
      if (understood.kind !== 'intent') return true;
      // Two samples can give the same words ("it's a {name}" with "jbl speaker", "it's a {name} speaker"
      // with "jbl"): the Echo's reading must be one of them.
      return !phrases.some(
        (other) =>
          other.text === p.text &&
          other.intent === understood.intent &&
          spokenSlots(other) === JSON.stringify(understood.slots),
      );
    });
    expect(wrong.map((p) => `${p.text} (${p.intent})`)).toEqual([]);
  });
});

describe('the nearest sample', () => {
  it('is the phrase itself, or one with the same words, for every phrase of the model', () => {
    // "it won't pair" and "it will not pair" have the same words, as far as near misses go.
    const same = (a: string, b: string) => wordsOf(a).join(' ') === wordsOf(b).join(' ');
    const missed = phrases.filter((p) => {
      const found = nearest(p.text);
      return !found || found.score < 1 - 1e-9 || !same(found.phrase.text, p.text);
    });
    expect(missed.map((p) => p.text)).toEqual([]);
  });

  /**
   * Near misses made from the model's own phrases (one per sample, and each value of a bare slot), the way
   * people type or say them differently.
   */
  const variants: Record<string, (words: string[]) => string | undefined> = {
    // One letter left out of a long word.
    typo: (words) => {
      const longest = words
        .filter((w) => /^[a-z]{8,}$/.test(w))
        .reduce((a, b) => (b.length > a.length ? b : a), '');
      if (!longest) return undefined;
      const middle = Math.floor(longest.length / 2);
      return words.map((w) => (w === longest ? w.slice(0, middle) + w.slice(middle + 1) : w)).join(' ');
    },
    plural: (words) =>
      words.includes('speaker') ? words.map((w) => (w === 'speaker' ? 'speakers' : w)).join(' ') : undefined,
    article: (words) => {
      const [from, to] = words.includes('the') ? ['the', 'my'] : ['my', 'the'];
      return words.includes(from) ? words.map((w) => (w === from ? to : w)).join(' ') : undefined;
    },
    filler: (words) => `um ${words.join(' ')}`,
    please: (words) => `${words.join(' ')} please`,
  };
  const seen = new Set<string>();
  const originals = phrases.filter((p) => {
    if (p.text.split(' ').length < 3) return false;
    const key = /^\{[^}]+\}$/.test(p.sample) ? p.text : p.sample;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const cases = originals.flatMap((original) =>
    Object.entries(variants).flatMap(([kind, make]) => {
      const typed = make(original.text.split(' '));
      return typed && !exact.has(typed) ? [{ kind, typed, original }] : [];
    }),
  );

  it('is the phrase a near miss came from, or one meaning the same, for nearly all near misses', () => {
    expect(cases.length).toBeGreaterThan(50);
    const misses = cases.filter(({ typed, original }) => {
      const found = nearest(typed);
      return !found || meaning(found.phrase) !== meaning(original);
    });
    const report = misses.map(({ kind, typed, original }) => {
      const found = nearest(typed);
      return `${kind}: "${typed}" → ${found ? `"${found.phrase.text}" (${found.score.toFixed(2)})` : 'nothing'}, from "${original.text}"`;
    });
    // A few are truly ambiguous in the model ("skip this one please" has the words of "this one please").
    const tooMany = (some: unknown[], of: unknown[]) => some.length > Math.max(1, of.length * 0.03);
    if (tooMany(misses, cases))
      throw new Error(`${misses.length} of ${cases.length} missed:\n${report.join('\n')}`);
    for (const kind of Object.keys(variants)) {
      const ofKind = cases.filter((c) => c.kind === kind);
      const missed = misses.filter((c) => c.kind === kind);
      if (tooMany(missed, ofKind)) throw new Error(`${kind}: ${missed.length} of ${ofKind.length} missed`);
    }
  });

  it('takes the usual near misses as the samples they mean, when the model has those', () => {
    const examples = [
      { typed: 'my speakers keep cutting out', means: /\bcutting out\b/ },
      { typed: 'the sounds still coming out of alexa', means: /\bsound\b.*\b(comes|coming) out of\b/ },
    ];
    for (const { typed, means } of examples) {
      const expected = new Set(phrases.filter((p) => means.test(p.text)).map(meaning));
      if (expected.size !== 1 || exact.has(typed)) continue;
      const found = nearest(typed);
      expect({ typed, heard: found && meaning(found.phrase) }).toEqual({ typed, heard: [...expected][0] });
    }
  });

  it('never turns a negated phrase into one without the negation, or the reverse', () => {
    const negated = phrases.filter((p) => NEGATION.test(p.text));
    expect(negated.length).toBeGreaterThan(0);
    for (const phrase of negated) {
      const without = phrase.text
        .replace(/\b(do|does|did|is|was|are|were|have|could|would)n't\b/g, '$1')
        .replace(/\bwon't\b/g, 'will')
        .replace(/\bcan't\b/g, 'can')
        .replace(/\bnot\b\s*/g, '')
        .trim();
      const found = without && !NEGATION.test(without) ? nearest(without) : undefined;
      if (found)
        expect({ without, negated: NEGATION.test(found.phrase.text) }).toEqual({ without, negated: false });
    }
  });

  it('is nothing for words far from anything the skill handles', () => {
    const farOff = [
      "what's the weather",
      'what time is it',
      'blah blah',
      'set a timer for ten minutes',
      'tell me a joke',
      'order a pizza',
      'how old are you',
      'add milk to my shopping list',
      'who won the game',
      'play some jazz',
      'good morning',
      'zorblax quintessence',
    ].filter((typed) => !exact.has(wordsOf(typed).join(' ')));
    const heard = farOff.map((typed) => ({ typed, heard: nearest(typed)?.phrase.text }));
    expect(heard).toEqual(farOff.map((typed) => ({ typed, heard: undefined })));
  });

  it('is nothing for no words at all, and always scores between the threshold and 1', () => {
    expect(nearest('')).toBeUndefined();
    expect(nearest(' ,.! ')).toBeUndefined();
    for (const { typed } of cases.slice(0, 100)) {
      const found = nearest(typed);
      if (found) {
        expect(found.score).toBeGreaterThanOrEqual(NEAR_MISS_THRESHOLD);
        expect(found.score).toBeLessThanOrEqual(1);
      }
    }
  });
});
