import { readFileSync } from 'node:fs';

interface ModelFile {
  interactionModel: {
    languageModel: {
      invocationName?: string;
      intents: Array<{ samples?: string[] }>;
      types?: Array<{ values: Array<{ name: { value: string; synonyms?: string[] } }> }>;
    };
  };
}

/** Every phrase the model holds: intent samples, slot values and their synonyms. */
export function modelPhrases(modelPath: string): string[] {
  const model = JSON.parse(readFileSync(modelPath, 'utf8')) as ModelFile;
  const language = model.interactionModel.languageModel;
  const phrases = language.intents.flatMap((intent) => intent.samples ?? []);
  for (const type of language.types ?? []) {
    for (const value of type.values) phrases.push(value.name.value, ...(value.name.synonyms ?? []));
  }
  if (language.invocationName) phrases.push(language.invocationName);
  return phrases;
}

/**
 * Turns typed words into what Alexa would have heard. People typing in `npm start` leave out apostrophes
 * ("cant find"), type curly ones or add punctuation; speech recognition never sends those, and the
 * model-based matching of the local Echo is exact. Contractions are restored only where the model spells
 * the word with an apostrophe and never without one (so "its" stays "its" if the model uses it).
 */
export function createTypedWords(phrases: readonly string[]): (typed: string) => string {
  const words = new Set(phrases.flatMap((phrase) => phrase.toLowerCase().match(/[a-z0-9'{}]+/g) ?? []));
  const contractions = new Map<string, string>();
  for (const word of words) {
    const bare = word.replace(/'/g, '');
    if (bare !== word && !words.has(bare)) contractions.set(bare, word);
  }
  return (typed) =>
    typed
      .toLowerCase()
      .replace(/[\u2018\u2019\u02bc`]/g, "'")
      // Speech has no punctuation; a hyphen or slash between words is a pause.
      .replace(/[^\p{L}\p{N}'\s-]+/gu, ' ')
      .replace(/(\s-|-\s|^-|-$)/g, ' ')
      .split(/\s+/)
      .filter(Boolean)
      .map((word) => contractions.get(word) ?? word)
      .join(' ');
}
