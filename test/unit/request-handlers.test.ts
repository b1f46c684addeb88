import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { FLOW } from '../../lambda/src/conversation/flow';
import type { Progress } from '../../lambda/src/conversation/types';
import {
  FALLBACK_APOLOGY,
  sessionAfterFailure,
  sessionProblem,
} from '../../lambda/src/handlers/request-handlers';
import type { ProgressStore } from '../../lambda/src/handlers/turn';
import { emptySession } from '../../lambda/src/handlers/turn';
import { createTranslators } from '../../lambda/src/i18n/translators';
import type { Translator } from '../../lambda/src/i18n/translators';
import type { LogFields, Logger } from '../../lambda/src/platform/logger';
import { buildSkill } from '../../lambda/src/skill';
import type { StoredProgress } from '../../lambda/src/state/dynamo-progress-store';
import { assertCertifiable, plainReprompt, plainSpeech } from '../support/certification';
import { keepsDisconnectingRequest } from '../support/conversation';

/**
 * The last-resort error handler, through the real skill (`buildSkill`) with an in-memory store: what a user
 * hears when a turn fails, what the session carries into the next turn, and that the handler itself never
 * throws, whatever the request holds.
 */
const SKILL_ID = 'amzn1.ask.skill.request-handlers';
const EN_US = createTranslators().get('en-US') as Translator;
const GENERIC = EN_US.t('errors.generic');

class MemoryStore implements ProgressStore {
  readonly items = new Map<string, StoredProgress>();
  saves = 0;
  async load(userId: string) {
    return this.items.get(userId);
  }
  async save(userId: string, progress: Progress, expectedVersion: number) {
    this.saves += 1;
    const stored = { progress, version: expectedVersion + 1, updatedAt: '', expiresAt: 0 };
    this.items.set(userId, stored);
    return stored;
  }
  async delete(userId: string) {
    this.items.delete(userId);
  }
}

/**
 * A store that checks what it is asked to write more strictly than the session guard checks what it reads:
 * a version it never gave out is a TypeError (as DynamoProgressStore.save's was for a session version past
 * Number.MAX_SAFE_INTEGER), not a conflict. Whatever the next such gap is, the turn ends in the error handler.
 */
class StrictStore extends MemoryStore {
  override async save(userId: string, progress: Progress, expectedVersion: number) {
    const current = this.items.get(userId)?.version ?? 0;
    if (expectedVersion !== current) throw new TypeError(`save: version ${expectedVersion} was never stored`);
    return super.save(userId, progress, expectedVersion);
  }
}

/** A store with a bug: every read throws something that is not a StoreUnavailableError. */
class BrokenStore extends MemoryStore {
  override async load(): Promise<StoredProgress | undefined> {
    throw new Error('a bug in the store');
  }
}

interface LogLine {
  level: string;
  message: string;
  fields?: LogFields;
}

function recordingLogger(): { logger: Logger; logs: LogLine[] } {
  const logs: LogLine[] = [];
  return {
    logs,
    logger: {
      info: (message, fields) => logs.push({ level: 'info', message, fields }),
      warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
      error: (message, fields) => logs.push({ level: 'error', message, fields }),
    },
  };
}

const USER = 'amzn1.ask.account.REQUEST-HANDLERS';
const START: Progress = { stepId: FLOW.start, history: [], tried: [], status: 'active' };

function envelope(
  request: Record<string, unknown>,
  options: { attributes?: unknown; locale?: unknown; session?: boolean; newSession?: boolean } = {},
): RequestEnvelope {
  const application = { applicationId: SKILL_ID };
  const user = { userId: USER };
  const session =
    options.session === false
      ? {}
      : {
          session: {
            new: options.newSession ?? false,
            sessionId: 'amzn1.echo-api.session.REQUEST-HANDLERS',
            application,
            user,
            ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
          },
        };
  return {
    version: '1.0',
    ...session,
    context: { System: { application, user, apiEndpoint: 'https://api.amazonalexa.com' } },
    request: {
      requestId: 'amzn1.echo-api.request.REQUEST-HANDLERS',
      timestamp: new Date().toISOString(),
      locale: 'locale' in options ? options.locale : 'en-US',
      ...request,
    },
  } as unknown as RequestEnvelope;
}

/** "It keeps disconnecting": an answer that moves the journey on, so the turn saves. */
const KEEPS_DISCONNECTING = {
  ...keepsDisconnectingRequest(`amzn1.er-authority.echo-sdk.${SKILL_ID}.SymptomType`),
  dialogState: 'STARTED',
};
const LAUNCH = { type: 'LaunchRequest' };

/** The apology: the generic sentence as speech and reprompt, the session left open, certifiable. */
function expectApology(response: ResponseEnvelope, sentence = GENERIC): void {
  assertCertifiable(response);
  expect(plainSpeech(response)).toBe(sentence);
  expect(plainReprompt(response)).toBe(sentence);
  expect(response.response.shouldEndSession).toBe(false);
}

describe('a turn that fails with malformed session attributes', () => {
  // Attributes the skill never wrote: a version the store never gave out, a counter that is not a number, a
  // "which one?" naming no device, and a key the skill does not use.
  const MALFORMED = {
    loaded: true,
    version: 41,
    progress: START,
    misunderstood: 'many',
    musicPending: { kind: 'choose', candidates: [], thisEcho: false },
    leftover: { from: 'another release' },
  };

  it('is answered with a sentence, and the next turn of the same session gets a normal answer', async () => {
    const store = new StrictStore();
    const { logger, logs } = recordingLogger();
    const skill = buildSkill({ store, logger, skillId: SKILL_ID });

    const failed = await skill.invoke(envelope(KEEPS_DISCONNECTING, { attributes: MALFORMED }));
    expectApology(failed);
    expect(logs.filter((l) => l.message === 'unhandled error')).toHaveLength(1);
    // Nothing of the bad attributes goes back to Alexa: the next turn starts clean and reads the store.
    expect(failed.sessionAttributes).toEqual(emptySession());
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'session attributes reset after an error',
        fields: expect.objectContaining({ malformedField: 'leftover' }),
      }),
    );

    // Alexa sends back what the failed turn sent; the user says it again.
    const again = await skill.invoke(envelope(KEEPS_DISCONNECTING, { attributes: failed.sessionAttributes }));
    assertCertifiable(again);
    expect(plainSpeech(again)).not.toContain(GENERIC);
    expect(logs.filter((l) => l.message === 'unhandled error')).toHaveLength(1);
    const progress = (again.sessionAttributes as { progress: Progress }).progress;
    expect(progress.stepId).toBe(FLOW.symptomEntry.keeps_disconnecting);
    expect(store.items.get(USER)?.progress).toEqual(progress);
  });

  it('keeps progress the store does not have yet when the attributes are as the skill writes them', () => {
    const unsaved = { ...emptySession(), loaded: true, progress: START, version: 3, unsaved: true };
    expect(sessionAfterFailure(unsaved, FLOW)).toEqual({
      session: { ...emptySession(), progress: START, version: 3, unsaved: true },
    });
    // Saved progress is read again from the store; a malformed session keeps nothing.
    expect(sessionAfterFailure({ ...unsaved, unsaved: false }, FLOW)).toEqual({ session: emptySession() });
    expect(sessionAfterFailure({ ...unsaved, version: -1 }, FLOW)).toEqual({
      session: emptySession(),
      problem: 'version',
    });
  });
});

describe('sessionProblem', () => {
  it.each<[string, unknown]>([
    ['attributes', 'a string'],
    ['attributes', [1, 2]],
    ['extra', { loaded: true, extra: 1 }],
    ['loaded', { loaded: 'yes' }],
    ['version', { version: -1 }],
    ['version', { version: 1e16 }],
    ['version', { version: 1.5 }],
    ['unsaved', { unsaved: 1 }],
    ['warnedStorage', { warnedStorage: null }],
    ['misunderstood', { misunderstood: -1 }],
    ['misunderstood', { misunderstood: 1e308 }],
    ['progress', { progress: { ...START, stepId: 'a-step-from-another-release' } }],
    ['progress', { progress: { ...START, history: 'triage' } }],
    ['musicPending', { musicPending: { kind: 'choose', candidates: 'Kitchen Echo', thisEcho: false } }],
    ['musicPending', { musicPending: { kind: 'choose', candidates: [], thisEcho: false } }],
  ])('names %s in %j', (field, attrs) => {
    expect(sessionProblem(attrs, FLOW)).toBe(field);
  });

  it.each<[unknown]>([
    [undefined],
    [{}],
    [emptySession()],
    [{ loaded: true, version: 0, progress: START }],
    [{ ...emptySession(), musicPending: { kind: 'offer' } }],
    [{ ...emptySession(), musicPending: { kind: 'choose', candidates: ['Kitchen Echo'], thisEcho: true } }],
  ])('finds nothing wrong in %j', (attrs) => {
    expect(sessionProblem(attrs, FLOW)).toBeUndefined();
  });
});

describe('the error handler never throws', () => {
  it.each<[string, unknown]>([
    ['a number', 42],
    ['null', null],
    ['an object', { language: 'en' }],
    ['an array', ['en-US']],
  ])('for a request whose locale is %s', async (_what, locale) => {
    const skill = buildSkill({
      store: new BrokenStore(),
      logger: recordingLogger().logger,
      skillId: SKILL_ID,
    });
    expectApology(await skill.invoke(envelope(LAUNCH, { locale })));
    expectApology(
      await skill.invoke(envelope(KEEPS_DISCONNECTING, { locale, attributes: { version: 'x' } })),
    );
  });

  it('and a turn with a locale that is not a string is answered in the default language', async () => {
    const skill = buildSkill({
      store: new MemoryStore(),
      logger: recordingLogger().logger,
      skillId: SKILL_ID,
    });
    const response = await skill.invoke(envelope(LAUNCH, { locale: 42, newSession: true }));
    assertCertifiable(response);
    expect(plainSpeech(response)).not.toContain(GENERIC);
  });

  it('for a request outside a session', async () => {
    const skill = buildSkill({
      store: new BrokenStore(),
      logger: recordingLogger().logger,
      skillId: SKILL_ID,
    });
    const response = await skill.invoke(envelope(KEEPS_DISCONNECTING, { session: false }));
    expectApology(response);
    expect(response.sessionAttributes).toBeUndefined();
  });

  it('when the apology cannot be translated: it is said in plain English', async () => {
    const translators = createTranslators();
    const broken: Translator = {
      locale: EN_US.locale,
      voiceCommands: true,
      has: (key) => EN_US.has(key),
      t: (key, params) => {
        if (key === 'errors.generic') throw new Error('missing resource');
        return EN_US.t(key, params);
      },
    };
    translators.set(EN_US.locale, broken);
    const skill = buildSkill({
      store: new BrokenStore(),
      logger: recordingLogger().logger,
      skillId: SKILL_ID,
      translators,
    });
    expectApology(await skill.invoke(envelope(LAUNCH)), FALLBACK_APOLOGY);
  });

  it('when the logger throws', async () => {
    const throwing: Logger = {
      info: () => undefined,
      warn: () => undefined,
      error: () => {
        throw new Error('log sink down');
      },
    };
    const skill = buildSkill({ store: new BrokenStore(), logger: throwing, skillId: SKILL_ID });
    const response = await skill.invoke(envelope(LAUNCH, { attributes: { version: 'x' } }));
    expectApology(response);
    expect(response.sessionAttributes).toEqual(emptySession());
  });
});
