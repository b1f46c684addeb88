import { createTypedWords, modelPhrases } from '../../scripts/local/typed-words';
import { MODEL_PATH } from '../../scripts/local/virtual-echo';

const phrases = modelPhrases(MODEL_PATH);
const asSpoken = createTypedWords(phrases);
/** Phrases without slots, as Alexa would hear them. */
const plain = phrases.filter((p) => !p.includes('{')).map((p) => p.toLowerCase().trim());
const modelWords = new Set(phrases.flatMap((p) => p.toLowerCase().match(/[a-z0-9'{}]+/g) ?? []));
/**
 * Phrases whose apostrophes can come back: a word like "it's" is restored from "its" only when the model
 * never has "its" as a word of its own ("i don't know its name").
 */
const withApostrophes = plain.filter(
  (p) =>
    p.includes("'") &&
    p
      .split(' ')
      .filter((w) => w.includes("'"))
      .every((w) => !modelWords.has(w.replace(/'/g, ''))),
);

describe('typed words in npm start', () => {
  it('leaves every phrase of the model as it is', () => {
    for (const phrase of plain) expect(asSpoken(phrase)).toBe(phrase);
  });

  it('gives back the model phrase when the apostrophes are left out, curled or shouted', () => {
    expect(withApostrophes.length).toBeGreaterThan(0);
    for (const phrase of withApostrophes) {
      expect(asSpoken(phrase.replace(/'/g, ''))).toBe(phrase);
      expect(asSpoken(`${phrase.replace(/'/g, '\u2019').toUpperCase()}!`)).toBe(phrase);
    }
  });

  it('drops punctuation speech never has, and keeps names with digits and hyphens', () => {
    const phrase = plain.find((p) => p.split(' ').length > 2) ?? '';
    const [first, ...rest] = phrase.split(' ');
    expect(asSpoken(`${first}, ${rest.join(' ')}?`)).toBe(phrase);
    expect(asSpoken('move the music to the JBL Flip-5.')).toBe('move the music to the jbl flip-5');
  });
});
