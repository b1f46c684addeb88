import type { IntentRequest, RequestEnvelope, ResponseEnvelope, Slot } from 'ask-sdk-model';
import { FLOW } from '../../lambda/src/conversation/flow';
import type { Progress } from '../../lambda/src/conversation/types';
import { SYMPTOMS } from '../../lambda/src/conversation/types';
import type { ProgressStore } from '../../lambda/src/handlers/turn';
import { INTENT_EVENTS, SPEAKER_NAME_INTENT, SYMPTOM_INTENT } from '../../lambda/src/handlers/intents';
import { silentLogger } from '../../lambda/src/platform/logger';
import { buildSkill } from '../../lambda/src/skill';
import type { StoredProgress } from '../../lambda/src/state/dynamo-progress-store';
import { assertCertifiable } from '../support/certification';

/**
 * Every intent at every step, through the real skill and renderer, with a plain in-memory store: each
 * answer must be certifiable (open session iff a question with a reprompt, valid SSML, no raw keys).
 */
const SKILL_ID = 'amzn1.ask.skill.every-turn';

class MemoryStore implements ProgressStore {
  readonly items = new Map<string, StoredProgress>();
  async load(userId: string) {
    return this.items.get(userId);
  }
  async save(userId: string, progress: Progress, expectedVersion: number) {
    const stored = { progress, version: expectedVersion + 1, updatedAt: '', expiresAt: 0 };
    this.items.set(userId, stored);
    return stored;
  }
  async delete(userId: string) {
    this.items.delete(userId);
  }
}

const store = new MemoryStore();
const skill = buildSkill({ store, logger: silentLogger, skillId: SKILL_ID });

function request(progress: Progress, intent: IntentRequest['intent'] | undefined): RequestEnvelope {
  const user = { userId: 'amzn1.ask.account.EVERY' };
  const application = { applicationId: SKILL_ID };
  const base = { requestId: 'r', timestamp: new Date().toISOString(), locale: 'en-US' };
  return {
    version: '1.0',
    session: {
      new: false,
      sessionId: 's',
      application,
      user,
      attributes: {
        loaded: true,
        progress,
        version: 1,
        unsaved: false,
        warnedStorage: false,
        misunderstood: 0,
      },
    },
    context: { System: { application, user, apiEndpoint: 'https://api.amazonalexa.com' } },
    request: intent
      ? { ...base, type: 'IntentRequest', dialogState: 'STARTED', intent }
      : { ...base, type: 'LaunchRequest' },
  } as RequestEnvelope;
}

const slot = (name: string, value: string, id?: string): Slot => ({
  name,
  value,
  confirmationStatus: 'NONE',
  ...(id
    ? {
        resolutions: {
          resolutionsPerAuthority: [
            {
              authority: 'a',
              status: { code: 'ER_SUCCESS_MATCH' },
              values: [{ value: { name: value, id } }],
            },
          ],
        },
      }
    : {}),
});

const intents: IntentRequest['intent'][] = [
  ...Object.keys(INTENT_EVENTS).map((name) => ({ name, confirmationStatus: 'NONE' as const })),
  ...SYMPTOMS.map((s) => ({
    name: SYMPTOM_INTENT,
    confirmationStatus: 'NONE' as const,
    slots: { symptom: slot('symptom', s.replace('_', ' '), s) },
  })),
  { name: SYMPTOM_INTENT, confirmationStatus: 'NONE', slots: { symptom: slot('symptom', 'my cat ate it') } },
  {
    name: SPEAKER_NAME_INTENT,
    confirmationStatus: 'NONE',
    slots: { speakerName: slot('speakerName', 'jbl flip') },
  },
  { name: SPEAKER_NAME_INTENT, confirmationStatus: 'NONE', slots: {} },
  { name: 'SomeIntentFromTheFuture', confirmationStatus: 'NONE' },
];

const activeSteps = Object.keys(FLOW.steps).filter((id) => FLOW.steps[id]?.kind !== 'end');
const progressAt = (stepId: string, speakerName?: string): Progress => ({
  stepId,
  history: stepId === FLOW.start ? [] : [FLOW.start],
  tried: [],
  status: 'active',
  ...(speakerName ? { speakerName } : {}),
});

describe.each(activeSteps)('at step %s', (stepId) => {
  it.each([undefined, 'ue boom'])(
    'every intent gets a certifiable answer (speaker name: %s)',
    async (name) => {
      for (const intent of [undefined, ...intents]) {
        const response = (await skill.invoke(request(progressAt(stepId, name), intent))) as ResponseEnvelope;
        assertCertifiable(response, { label: `${stepId} / ${intent?.name ?? 'LaunchRequest'}` });
      }
    },
  );
});
