import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import type { Progress } from '../../lambda/src/conversation/types';
import type { ProgressStore } from '../../lambda/src/handlers/turn';
import { createTranslators } from '../../lambda/src/i18n/translators';
import { silentLogger } from '../../lambda/src/platform/logger';
import { buildSkill } from '../../lambda/src/skill';
import type { StoredProgress } from '../../lambda/src/state/dynamo-progress-store';

/** A request's locale comes from outside: whatever it holds, the skill answers in the default locale. */
const SKILL_ID = 'amzn1.ask.skill.malformed-locale';

const store: ProgressStore = {
  load: async () => undefined,
  save: async (_userId: string, progress: Progress, expectedVersion: number): Promise<StoredProgress> => ({
    progress,
    version: expectedVersion + 1,
    updatedAt: '',
    expiresAt: 0,
  }),
  delete: async () => {},
};
const skill = buildSkill({ store, logger: silentLogger, skillId: SKILL_ID });
const welcome = createTranslators().get('en-US')?.t('welcome.new') ?? '';

function launch(locale: unknown): RequestEnvelope {
  const user = { userId: 'amzn1.ask.account.LOCALE' };
  const application = { applicationId: SKILL_ID };
  return {
    version: '1.0',
    session: { new: true, sessionId: 's', application, user, attributes: {} },
    context: { System: { application, user, apiEndpoint: 'https://api.amazonalexa.com' } },
    request: { type: 'LaunchRequest', requestId: 'r', timestamp: new Date().toISOString(), locale },
  } as unknown as RequestEnvelope;
}

describe('a LaunchRequest whose locale is not a string', () => {
  it.each<[string, unknown]>([
    ['a number', 42],
    ['an object', { language: 'en' }],
    ['null', null],
    ['an array', ['en-US']],
    ['missing', undefined],
  ])('is answered in the default locale when the locale is %s', async (_, locale) => {
    const response = (await skill.invoke(launch(locale))) as ResponseEnvelope;
    expect(welcome.length).toBeGreaterThan(0);
    expect(response.response.outputSpeech).toMatchObject({ type: 'SSML' });
    const speech = (response.response.outputSpeech as { ssml: string }).ssml;
    expect(speech).toContain(welcome.replace(/'/g, '&apos;'));
  });
});
