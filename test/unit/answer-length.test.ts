/**
 * A voice answer is heard once: every spoken answer the conversation can give stays at most 60 words,
 * however the user got there and whatever their speaker is called. Every step is met with every event that
 * speaks there, with no name, a short name and the longest name the model knows.
 */
import { FLOW } from '../../lambda/src/conversation/flow';
import { transition } from '../../lambda/src/conversation/transition';
import type { ConversationEvent, Progress, StepId } from '../../lambda/src/conversation/types';
import { SPEAKER_STATES, SYMPTOMS } from '../../lambda/src/conversation/types';
import { render } from '../../lambda/src/i18n/render';
import { createTranslators, SUPPORTED_LOCALES } from '../../lambda/src/i18n/translators';
import { ssmlToPlain } from '../support/certification';
import { loadModel } from '../support/model';

export const MAX_WORDS = 60;
const translators = createTranslators();

/** The longest speaker name the model's SpeakerNameType can hear. */
const longestName = (() => {
  const type = loadModel().interactionModel.languageModel.types?.find((t) => t.name === 'SpeakerNameType');
  const names = (type?.values ?? []).flatMap((v) => [v.name.value, ...(v.name.synonyms ?? [])]);
  return names.reduce((a, b) => (b.split(' ').length > a.split(' ').length ? b : a), '');
})();

const EVENTS: ConversationEvent[] = [
  { type: 'launch' },
  { type: 'start' },
  { type: 'answer', answer: 'yes' },
  { type: 'answer', answer: 'no' },
  { type: 'answer', answer: 'unsure' },
  { type: 'answer', answer: 'yes', fixed: true },
  ...SPEAKER_STATES.map((state): ConversationEvent => ({ type: 'state', state })),
  { type: 'skip' },
  { type: 'back' },
  { type: 'repeat' },
  { type: 'repeat', slow: true },
  { type: 'startOver' },
  { type: 'why' },
  { type: 'whereAmI' },
  { type: 'help' },
  { type: 'stop' },
  { type: 'wait' },
  { type: 'thanks' },
  { type: 'ok' },
  { type: 'explain', topic: 'pairing_mode' },
  ...SYMPTOMS.map((symptom): ConversationEvent => ({ type: 'symptom', symptom })),
  { type: 'symptom' },
  { type: 'safety' },
  { type: 'speakerName', name: longestName },
  { type: 'unknown' },
];

const words = (ssml: string) => ssmlToPlain(ssml).split(/\s+/).filter(Boolean).length;

const PLACES: Array<[StepId, Partial<Progress>]> = Object.keys(FLOW.steps).flatMap((id) => [
  [id, {}],
  [id, { speakerName: longestName, nameAsked: true }],
  [id, { awaitingName: true }],
  // Late in a journey: a handoff before, so the short way back is said.
  [id, { history: [FLOW.start, 'pair_new'], tried: [{ step: 'pair_new', outcome: 'no' }] }],
]);

describe('every spoken answer is voice-sized', () => {
  it(`the longest name the model knows is a real test ("${longestName}")`, () => {
    expect(longestName.split(' ').length).toBeGreaterThanOrEqual(3);
  });

  it.each(
    SUPPORTED_LOCALES.flatMap((locale) =>
      PLACES.map(([id, extra]) => [locale, id, JSON.stringify(extra), extra] as const),
    ),
  )('%s at %s (%s): at most 60 words for every event, new session or not', (locale, id, _label, extra) => {
    const t = translators.get(locale)!;
    const step = FLOW.steps[id]!;
    if (extra.awaitingName && !(step.kind === 'handoff' && step.command)) return;
    const status = step.kind === 'end' ? step.outcome : 'active';
    const progress: Progress = { stepId: id, history: [], tried: [], status, ...extra };
    const long: string[] = [];
    for (const newSession of [false, true]) {
      for (const event of EVENTS) {
        const out = transition(
          FLOW,
          { progress, session: { misunderstood: 2, unsure: 1 }, newSession, voiceCommands: t.voiceCommands },
          event,
        );
        const speakerName = out.progress?.speakerName;
        const spoken = render(out.reply, t, speakerName ? { speakerName } : {});
        const count = words(spoken.speech);
        if (count > MAX_WORDS)
          long.push(
            `${event.type}${newSession ? ' (new session)' : ''}: ${count} words: ${ssmlToPlain(spoken.speech)}`,
          );
      }
    }
    expect(long).toEqual([]);
  });
});
