import type { ErrorHandler, HandlerInput, RequestHandler } from 'ask-sdk-core';
import {
  escapeXmlCharacters,
  getAccountLinkingAccessToken,
  getLocale,
  getRequestType,
  getUserId,
  isNewSession,
} from 'ask-sdk-core';
import type { IntentRequest, Response } from 'ask-sdk-model';
import { isProgress } from '../conversation/progress-guard';
import type { MusicEvent } from '../conversation/music';
import { isMusicPending } from '../conversation/music';
import type { ConversationEvent } from '../conversation/types';
import { render, translateLine } from '../i18n/render';
import type { Translator } from '../i18n/translators';
import { translatorFor } from '../i18n/translators';
import { DIMENSION, METRIC } from '../platform/metric-names';
import type { SkillMetrics } from '../platform/metrics';
import type { ProgressiveSender } from '../platform/progressive-response';
import { userKeyOf } from '../state/user-key';
import { intentToEvent } from './events';
import type { SessionState, TurnDeps, TurnFacts } from './turn';
import { emptySession, runTurn } from './turn';

export interface HandlerDeps extends TurnDeps {
  translators: Map<string, Translator>;
  progressive: ProgressiveSender;
  metrics: SkillMetrics;
}

/** Session attributes come back from Alexa as we sent them, but are checked anyway before use. */
function sessionOf(input: HandlerInput, deps: HandlerDeps): SessionState {
  const attrs = input.attributesManager.getSessionAttributes() as Partial<SessionState>;
  if (typeof attrs !== 'object' || attrs === null || Object.keys(attrs).length === 0) return emptySession();
  return {
    // Not loaded yet when DynamoDB could not be read: what the session holds still counts.
    loaded: attrs.loaded === true,
    progress: isProgress(attrs.progress, deps.flow) ? attrs.progress : undefined,
    version:
      Number.isSafeInteger(attrs.version) && (attrs.version as number) >= 0 && (attrs.version as number) < 1e9
        ? (attrs.version as number)
        : 0,
    unsaved: attrs.unsaved === true,
    warnedStorage: attrs.warnedStorage === true,
    misunderstood: Number.isInteger(attrs.misunderstood) ? Math.max(0, attrs.misunderstood as number) : 0,
    musicPending: isMusicPending(attrs.musicPending) ? attrs.musicPending : undefined,
  };
}

function eventOf(input: HandlerInput): ConversationEvent | MusicEvent {
  const type = getRequestType(input.requestEnvelope);
  return type === 'LaunchRequest'
    ? { type: 'launch' }
    : intentToEvent(input.requestEnvelope.request as IntentRequest);
}

/** The turn's metrics: one EMF line for the turn, plus one per dimensioned count. */
function recordTurn(metrics: SkillMetrics, facts: TurnFacts, ms: number): void {
  metrics.count(METRIC.turns);
  metrics.milliseconds(METRIC.turnLatency, ms);
  const { answered, fixedBy, gaveUpAt, music } = facts;
  if (answered)
    metrics.count(METRIC.stepOutcome, {
      [DIMENSION.step]: answered.step,
      [DIMENSION.outcome]: answered.outcome,
    });
  if (fixedBy) metrics.count(METRIC.fixed, { [DIMENSION.step]: fixedBy });
  if (gaveUpAt) metrics.count(METRIC.gaveUp, { [DIMENSION.step]: gaveUpAt });
  if (facts.safetyStop) metrics.count(METRIC.safetyStops);
  if (music) metrics.count(METRIC.spotifyHandoff, { [DIMENSION.result]: music });
  if (facts.storageTrouble) metrics.count(METRIC.storageErrors);
  metrics.flush();
}

/** LaunchRequest and every IntentRequest: one conversation turn. */
export function conversationHandler(deps: HandlerDeps): RequestHandler {
  return {
    canHandle: (input) => ['LaunchRequest', 'IntentRequest'].includes(getRequestType(input.requestEnvelope)),
    handle: async (input) => {
      const started = deps.now();
      const env = input.requestEnvelope;
      const event = eventOf(input);
      const translator = translatorFor(deps.translators, getLocale(env));
      const request = {
        userId: getUserId(env),
        newSession: isNewSession(env),
        event,
        token: getAccountLinkingAccessToken(env),
        progressive: (line: Parameters<typeof translateLine>[0]) =>
          deps.progressive(env, escapeXmlCharacters(translateLine(line, translator, {}))),
        startedAt: started,
      };
      const turn = await runTurn(deps, request, sessionOf(input, deps));
      const words = render(turn.reply, translator, { speakerName: turn.session.progress?.speakerName });
      input.attributesManager.setSessionAttributes(turn.session);
      const builder = input.responseBuilder.speak(words.speech);
      if (turn.linkAccount) builder.withLinkAccountCard();
      else if (words.card) builder.withStandardCard(words.card.title, words.card.text);
      if (words.reprompt) builder.reprompt(words.reprompt);
      else builder.withShouldEndSession(true);
      const ms = deps.now() - started;
      recordTurn(deps.metrics, turn.facts, ms);
      deps.logger.info('turn', {
        requestId: env.request.requestId,
        requestType: env.request.type,
        intent: env.request.type === 'IntentRequest' ? env.request.intent.name : undefined,
        event: event.type,
        step: turn.stepId,
        outcome: turn.facts.answered?.outcome,
        answeredStep: turn.facts.answered?.step,
        fixed: turn.facts.fixedBy !== undefined,
        music: turn.facts.music,
        saved: turn.saved,
        storageTrouble: turn.facts.storageTrouble || undefined,
        user: userKeyOf(request.userId).slice(0, 12),
        latencyMs: ms,
      });
      return builder.getResponse();
    },
  };
}

/** The user disabled the skill: forget everything stored about them. */
export function skillDisabledHandler(deps: HandlerDeps): RequestHandler {
  return {
    canHandle: (input) => getRequestType(input.requestEnvelope) === 'AlexaSkillEvent.SkillDisabled',
    handle: async (input) => {
      const userId = input.requestEnvelope.context?.System?.user?.userId;
      if (userId) {
        await deps.store.delete(userId);
        deps.logger.info('skill disabled; progress deleted', { user: userKeyOf(userId).slice(0, 12) });
      }
      return input.responseBuilder.getResponse();
    },
  };
}

/** Requests that carry nothing to say back: session end, device-side errors, other skill events. */
export function quietHandler(deps: HandlerDeps): RequestHandler {
  return {
    canHandle: () => true,
    handle: (input) => {
      const request = input.requestEnvelope.request as unknown as Record<string, unknown>;
      const error = request.error as { type?: string; message?: string } | undefined;
      const fields = { requestType: request.type, reason: request.reason, errorType: error?.type };
      // Walking away mid-journey (no answer to the reprompt, or "exit") is giving up at that step.
      const progress = (input.requestEnvelope.session?.attributes as Partial<SessionState> | undefined)
        ?.progress;
      if (
        request.type === 'SessionEndedRequest' &&
        request.reason !== 'ERROR' &&
        isProgress(progress, deps.flow) &&
        progress.status === 'active'
      ) {
        deps.metrics.count(METRIC.gaveUp, { [DIMENSION.step]: progress.stepId });
        deps.metrics.flush();
      }
      if (request.type === 'SessionEndedRequest' && request.reason === 'ERROR') {
        deps.logger.warn('session ended with an error', { ...fields, errorMessage: error?.message });
      } else if (request.type === 'System.ExceptionEncountered') {
        deps.logger.error('Alexa reported an error with a response', { ...fields, cause: request.cause });
      } else {
        deps.logger.info('request without a spoken answer', fields);
      }
      return input.responseBuilder.getResponse();
    },
  };
}

/**
 * Last resort: an honest sentence and an open session, never Alexa's "There was a problem with the
 * requested skill's response". Only request types that may carry speech get it.
 */
export function errorHandler(deps: HandlerDeps): ErrorHandler {
  return {
    canHandle: () => true,
    handle: (input, error): Response => {
      const type = input.requestEnvelope.request?.type;
      deps.logger.error('unhandled error', { requestType: type, error: (error as Error)?.message });
      if (type !== 'LaunchRequest' && type !== 'IntentRequest') return input.responseBuilder.getResponse();
      const t = translatorFor(deps.translators, input.requestEnvelope.request.locale);
      const sorry = t.t('errors.generic');
      return input.responseBuilder.speak(sorry).reprompt(sorry).getResponse();
    },
  };
}
