import { readFileSync } from 'fs';
import { join } from 'path';
import { MODEL_PATH } from '../../scripts/local/virtual-echo';

/** The en-US interaction model deployed with the skill (ASK CLI v2 layout); the same file `npm start` uses. */
export { MODEL_PATH };

/** The skill manifest (ASK CLI v2 layout). */
export const MANIFEST_PATH = join(__dirname, '..', '..', 'skill-package', 'skill.json');

/* Loose typings: just what tests read, plus an index signature for everything else in the file. */

export interface ModelSlot {
  name: string;
  type: string;
  [key: string]: unknown;
}

export interface ModelIntent {
  name: string;
  slots?: ModelSlot[];
  samples?: string[];
  [key: string]: unknown;
}

export interface ModelSlotValue {
  id?: string;
  name: { value: string; synonyms?: string[] };
}

export interface ModelSlotType {
  name: string;
  values?: ModelSlotValue[];
  [key: string]: unknown;
}

export interface LanguageModel {
  invocationName: string;
  intents: ModelIntent[];
  types?: ModelSlotType[];
  [key: string]: unknown;
}

export interface InteractionModelFile {
  interactionModel: {
    languageModel: LanguageModel;
    [key: string]: unknown;
  };
}

/** Parses the en-US model afresh on every call, so a test may change its copy freely. */
export function loadModel(): InteractionModelFile {
  return JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as InteractionModelFile;
}
