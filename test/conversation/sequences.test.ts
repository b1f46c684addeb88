/**
 * The real skill with its DynamoDB store on dynalite, driven by ask-sdk-test's request builders and
 * sequences (through test/support/ask-sdk-test-shim.ts): its `says`/`reprompts`/`repromptsNothing`/
 * `shouldEndSession`/`hasAttributes`/card validators, plus `assertCertifiable` on every response.
 */
import { escapeXmlCharacters } from 'ask-sdk-core';
import type { Skill } from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';
import type { Progress } from '../../lambda/src/conversation/types';
import { silentLogger } from '../../lambda/src/platform/logger';
import { buildSkill } from '../../lambda/src/skill';
import {
  alexaTest,
  IntentRequestBuilder,
  LaunchRequestBuilder,
  SessionEndedRequestBuilder,
  settingsFor,
} from '../support/ask-sdk-test-shim';
import {
  arriving,
  FLOW,
  newUserId,
  questionOf,
  sentences,
  stepWords,
  TEST_SKILL_ID,
  words,
} from '../support/conversation';
import { createTestTable } from '../support/test-table';
import type { TestTable } from '../support/test-table';

let table: TestTable | undefined;
let skill: Skill | undefined;

beforeAll(async () => {
  table = await createTestTable('sequences');
  skill = buildSkill({ store: table.store(), logger: silentLogger, skillId: TEST_SKILL_ID });
});
afterAll(() => table?.dispose());

/** The skill, built once the table exists (sequences are declared before `beforeAll` runs). */
const lazySkill = {
  invoke: (request: RequestEnvelope, context?: unknown) => {
    if (!skill) throw new Error('the skill is built in beforeAll');
    return skill.invoke(request, context);
  },
};

/** Speech as ask-sdk-test compares it: the SSML between <speak> and </speak>, escaped as the skill sends it. */
const spoken = (...parts: string[]): string => escapeXmlCharacters(sentences(...parts));
const atStep = (stepId: string) => (progress: Progress | undefined) => progress?.stepId === stepId;

const CANT_FIND = FLOW.symptomEntry.cant_find;
const afterCantFind = (FLOW.steps[CANT_FIND] as { yes: string }).yes;

describe('a newcomer, then the same user coming back', () => {
  const settings = settingsFor(TEST_SKILL_ID, newUserId());
  const tester = alexaTest(lazySkill, settings);
  const symptom = () =>
    new IntentRequestBuilder(settings, 'SymptomIntent')
      .withSlotResolution('symptom', "alexa can't find my speaker", 'SymptomType', 'cant_find')
      .build();

  tester.test(
    [
      {
        request: new LaunchRequestBuilder(settings).build(),
        says: spoken(words('welcome.new'), questionOf(FLOW.start)),
        reprompts: spoken(questionOf(FLOW.start)),
        shouldEndSession: false,
        hasCardTitle: stepWords(FLOW.start).title,
        hasCardText: questionOf(FLOW.start),
        hasAttributes: { loaded: true, version: 1, progress: atStep(FLOW.start) },
      },
      {
        request: symptom(),
        says: spoken(
          words('symptom.ack', { symptom: words('symptoms.cant_find') }),
          arriving(CANT_FIND).speech,
        ),
        reprompts: spoken(questionOf(CANT_FIND)),
        shouldEndSession: false,
        hasAttributes: { version: 2, progress: atStep(CANT_FIND) },
      },
      {
        request: new IntentRequestBuilder(settings, 'AMAZON.RepeatIntent').build(),
        says: spoken(arriving(CANT_FIND).speech),
        shouldEndSession: false,
        hasAttributes: { version: 2 },
      },
      {
        request: new IntentRequestBuilder(settings, 'AMAZON.StopIntent').build(),
        says: spoken(words('stop.saved')),
        repromptsNothing: true,
        shouldEndSession: true,
      },
    ],
    'launch, symptom, repeat, stop',
  );

  tester.test(
    [
      {
        request: new LaunchRequestBuilder(settings).build(),
        says: spoken(
          words('welcome.returning'),
          words('resume.intro', { title: stepWords(CANT_FIND).title }),
          arriving(CANT_FIND).speech,
        ),
        reprompts: spoken(questionOf(CANT_FIND)),
        shouldEndSession: false,
        hasAttributes: { version: 2, progress: atStep(CANT_FIND) },
      },
      {
        request: new IntentRequestBuilder(settings, 'DoneIntent').build(),
        says: spoken(words('answer.ok'), arriving(afterCantFind).speech),
        shouldEndSession: false,
        hasAttributes: { version: 3, progress: atStep(afterCantFind) },
      },
      {
        request: new SessionEndedRequestBuilder(settings, 'USER_INITIATED').build(),
        saysNothing: true,
        repromptsNothing: true,
        shouldEndSession: undefined,
      },
    ],
    'coming back: welcomed back at the same step, then walks away',
  );
});

describe('safety from the first question', () => {
  const settings = settingsFor(TEST_SKILL_ID, newUserId());
  alexaTest(lazySkill, settings).test(
    [
      {
        request: new LaunchRequestBuilder(settings).build(),
        saysLike: escapeXmlCharacters(questionOf(FLOW.start)),
        shouldEndSession: false,
      },
      {
        request: new IntentRequestBuilder(settings, 'SafetyIntent').build(),
        says: spoken(arriving(FLOW.safety).speech),
        repromptsNothing: true,
        shouldEndSession: true,
        hasCardTitle: stepWords(FLOW.safety).title,
        hasAttributes: { progress: (p: Progress | undefined) => p?.status === 'safety' },
      },
    ],
    'the battery is swollen: the safety stop ends the session',
  );
});

describe('a symptom value the model does not know', () => {
  const settings = settingsFor(TEST_SKILL_ID, newUserId());
  alexaTest(lazySkill, settings).test(
    [
      { request: new LaunchRequestBuilder(settings).build(), shouldEndSession: false },
      {
        request: new IntentRequestBuilder(settings, 'SymptomIntent')
          .withSlotResolutionNoMatch('symptom', 'the cat sat on it', 'SymptomType')
          .build(),
        says: spoken(words('symptom.unknown'), questionOf(FLOW.start)),
        reprompts: spoken(questionOf(FLOW.start)),
        shouldEndSession: false,
        hasAttributes: { progress: atStep(FLOW.start) },
      },
    ],
    'is answered with the list of problems, session open',
  );
});
