import type { ErrorHandler, HandlerInput, Skill } from 'ask-sdk-core';
import { AttributesManagerFactory, ResponseFactory, SkillBuilders } from 'ask-sdk-core';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { assertFlow } from './conversation/flow-check';
import { MUSIC_KEYS } from './conversation/music';
import { FLOW } from './conversation/flow';
import type { Flow } from './conversation/types';
import { createTranslators, DEFAULT_LOCALE, translatorFor } from './i18n/translators';
import type { Translator } from './i18n/translators';
import type { Logger } from './platform/logger';
import { noMetrics } from './platform/metrics';
import type { SkillMetrics } from './platform/metrics';
import { createProgressiveSender } from './platform/progressive-response';
import type { ProgressiveSender } from './platform/progressive-response';
import { SpotifyHandoff } from './spotify/handoff';
import type { HandoffTiming } from './spotify/handoff';
import type { SpotifyApi } from './spotify/types';
import {
  conversationHandler,
  errorHandler,
  quietHandler,
  skillDisabledHandler,
} from './handlers/request-handlers';
import type { HandlerDeps } from './handlers/request-handlers';
import type { ProgressStore } from './handlers/turn';

/** Keys the handlers use outside the conversation; checked with the flow at start-up. */
export const HANDLER_KEYS = [
  ...MUSIC_KEYS,
  'errors.storageDown',
  'errors.storageBack',
  'errors.conflict',
  'errors.generic',
  'common.bluetooth',
];

export interface SkillOptions {
  store: ProgressStore;
  logger: Logger;
  /** Requests for any other skill id are rejected; undefined only in tests of the handlers themselves. */
  skillId: string | undefined;
  /** The Spotify Web API (or the simulator); without it, music requests get an honest apology. */
  spotify?: SpotifyApi;
  /** Overrides for tests: shorter polls, a smaller budget. */
  spotifyTiming?: Partial<HandoffTiming> & { budgetMs?: number };
  /** CloudWatch metrics; default: none (the Lambda entry point passes embedded-metric-format ones). */
  metrics?: SkillMetrics;
  /** Sends progressive responses; default: Alexa's API through the global fetch. */
  progressive?: ProgressiveSender;
  flow?: Flow;
  translators?: Map<string, Translator>;
  now?: () => number;
}

/**
 * Spotify may use this much of a turn, counted from the turn's start. Alexa allows about 8 s for the
 * whole answer; the worst case around it is a DynamoDB read before (inside these 5.6 s) and a save after,
 * each bounded at 1 s (DEFAULT_CALL_BUDGET_MS), plus a re-read on a version conflict: about 7.6 s. Only the
 * device list and the transfer may use the last `essentialOnlyMs` (0.6 s); confirming stops at 5 s, so a
 * Spotify taking 2.5 s a call still gets its list and transfer made.
 */
export const SPOTIFY_BUDGET_MS = 5600;

/**
 * Why ask-sdk-core cannot even look at an envelope, or undefined when it can. Before dispatching, its skill
 * id check reads `context.System.application.applicationId`; when `context`, `System` or `application` is
 * missing (or null, or a value without them) that read throws a TypeError out of `skill.invoke`, and so out
 * of the Lambda handler: Alexa then says "There was a problem with the requested skill's response" instead of
 * the skill's own apology. Only those envelopes are caught here. Every envelope the check can read, a missing
 * or wrong `applicationId` included, is left to it and refused as before.
 */
export function undispatchableEnvelope(envelope: unknown): string | undefined {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return undefined;
  const context: unknown = (envelope as { context?: unknown }).context;
  if (context === undefined || context === null) return 'no context';
  const system: unknown = (context as { System?: unknown }).System;
  if (system === undefined || system === null) return 'no context.System';
  const application: unknown = (system as { application?: unknown }).application;
  if (application === undefined || application === null) return 'no context.System.application';
  return undefined;
}

/**
 * The envelope guard, on the skill ask-sdk-core built: an envelope the SDK would crash on
 * (`undispatchableEnvelope`) is answered by the skill's own error handler, as any other malformed request is
 * (the apology and an open session for a launch or an intent, nothing to say otherwise), and is never
 * dispatched: no handler runs, the store is not read, no user id is taken from it. Every other envelope goes to
 * the SDK's `invoke` unchanged, its skill id check first (a refusal is still ask-sdk-core's own "CustomSkill ID
 * verification failed!" error, thrown by the SDK's own class).
 */
function guardEnvelopes(skill: Skill, onMalformed: ErrorHandler): Skill {
  const dispatch = skill.invoke.bind(skill);
  skill.invoke = async (requestEnvelope: RequestEnvelope, context?: unknown): Promise<ResponseEnvelope> => {
    const problem = undispatchableEnvelope(requestEnvelope);
    if (problem === undefined) return dispatch(requestEnvelope, context);
    const error = new Error(`request envelope with ${problem}: answered without dispatch`);
    error.name = 'MalformedEnvelope';
    const input: HandlerInput = {
      requestEnvelope,
      context,
      attributesManager: attributesManagerFor(requestEnvelope),
      responseBuilder: ResponseFactory.init(),
    };
    const response = await onMalformed.handle(input, error);
    let sessionAttributes: Record<string, unknown> | undefined;
    try {
      sessionAttributes = requestEnvelope.session
        ? input.attributesManager.getSessionAttributes()
        : undefined;
    } catch {
      sessionAttributes = undefined;
    }
    return { version: '1.0', response, sessionAttributes };
  };
  return skill;
}

/** ask-sdk-core's attributes manager; without the session when its attributes cannot even be copied. */
function attributesManagerFor(requestEnvelope: RequestEnvelope): HandlerInput['attributesManager'] {
  try {
    return AttributesManagerFactory.init({ requestEnvelope });
  } catch {
    return AttributesManagerFactory.init({ requestEnvelope: { ...requestEnvelope, session: undefined } });
  }
}

/**
 * Builds the skill once per process (a Lambda container or the local runner). The flow and the default
 * locale's words are checked here, so a broken flow fails at start-up, not in a user's conversation; every
 * other locale is checked when its words are first loaded (a cold start loads only the locales it meets),
 * and every locale in a test. Translators passed in are all checked here.
 */
export function buildSkill(options: SkillOptions): Skill {
  const flow = options.flow ?? FLOW;
  const check = (translator: Translator) => {
    assertFlow(flow, (key) => translator.has(key), translator.locale);
    const missing = HANDLER_KEYS.filter((key) => !translator.has(key));
    if (missing.length > 0) throw new Error(`Missing text for ${translator.locale}: ${missing.join(', ')}`);
  };
  const translators = options.translators ?? createTranslators(undefined, { onLoad: check });
  if (options.translators) for (const translator of translators.values()) check(translator);
  // Loading the default locale's words runs `check` on them now, at start-up.
  else translatorFor(translators, DEFAULT_LOCALE).has('welcome.new');
  const now = options.now ?? Date.now;
  const { budgetMs = SPOTIFY_BUDGET_MS, ...timing } = options.spotifyTiming ?? {};
  const music = options.spotify
    ? {
        handoff: new SpotifyHandoff({
          api: options.spotify,
          now,
          sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
          random: Math.random,
          timing,
        }),
        budgetMs,
      }
    : undefined;
  const deps: HandlerDeps = {
    flow,
    store: options.store,
    logger: options.logger,
    translators,
    now,
    music,
    progressive: options.progressive ?? createProgressiveSender(fetch, options.logger),
    metrics: options.metrics ?? noMetrics,
  };
  const onError = errorHandler(deps);
  const builder = SkillBuilders.custom()
    .addRequestHandlers(conversationHandler(deps), skillDisabledHandler(deps), quietHandler(deps))
    .addErrorHandlers(onError)
    .withCustomUserAgent('speaker-helper');
  if (options.skillId) builder.withSkillId(options.skillId);
  return guardEnvelopes(builder.create(), onError);
}
