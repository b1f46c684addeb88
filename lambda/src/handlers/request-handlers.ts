import type { ErrorHandler, HandlerInput, RequestHandler } from 'ask-sdk-core';
import {
  escapeXmlCharacters,
  getAccountLinkingAccessToken,
  getRequestType,
  getUserId,
  isNewSession,
} from 'ask-sdk-core';
import type { IntentRequest, interfaces, RequestEnvelope, Response } from 'ask-sdk-model';
import { screenOf } from '../conversation/screen';
import { isProgress } from '../conversation/progress-guard';
import type { MusicEvent, MusicPending } from '../conversation/music';
import { isMusicPending } from '../conversation/music';
import type { ConversationEvent, Flow } from '../conversation/types';
import type { RenderContext } from '../i18n/render';
import { render, translateLine } from '../i18n/render';
import type { Translator } from '../i18n/translators';
import { translatorFor } from '../i18n/translators';
import { DIMENSION, METRIC } from '../platform/metric-names';
import type { LogFields } from '../platform/logger';
import type { MetricFields, SkillMetrics } from '../platform/metrics';
import type { ProgressiveSender } from '../platform/progressive-response';
import { userKeyOf } from '../state/user-key';
import { intentToEvent } from './events';
import { renderDirective, supportsApl } from './screen-directive';
import type { SessionState, TouchEvent, TurnDeps, TurnFacts, TurnResult } from './turn';
import { emptySession, runTurn } from './turn';

export interface HandlerDeps extends TurnDeps {
  translators: Map<string, Translator>;
  progressive: ProgressiveSender;
  metrics: SkillMetrics;
}

/** Every key the skill keeps in session attributes; a record, so a new SessionState key must be listed. */
const SESSION_KEYS: Record<keyof SessionState, true> = {
  loaded: true,
  progress: true,
  version: true,
  unsaved: true,
  warnedStorage: true,
  misunderstood: true,
  unsure: true,
  musicPending: true,
  writerId: true,
  unconfirmedVersion: true,
  locale: true,
};
/** Writer ids are random UUIDs (36 characters); anything much longer was not written by the skill. */
const MAX_WRITER_ID = 100;

const isWriterId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_WRITER_ID;
/** Versions past this are not ones the skill wrote (it adds one per save). */
const MAX_VERSION = 1e9;

const isVersion = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) < MAX_VERSION;

/** A locale as Alexa sends them ("en-US"); kept for a touch that arrives without one. */
const isLocale = (value: unknown): value is string =>
  typeof value === 'string' && /^[a-z]{2,3}(-[A-Z]{2})?$/.test(value);

/** A pending question the skill could have asked ("Which one: …?" always names at least one device). */
const isPending = (value: unknown): value is MusicPending =>
  isMusicPending(value) && !(value.kind === 'choose' && value.candidates.length === 0);

/**
 * The first session attribute that is not as the skill writes it (a wrong type, a value out of range,
 * progress this flow cannot continue, a key the skill never writes), or undefined when they are all
 * usable. Missing keys are not a problem: `sessionOf` gives them their defaults.
 */
export function sessionProblem(attrs: unknown, flow: Flow): string | undefined {
  if (attrs === undefined || attrs === null) return undefined;
  if (typeof attrs !== 'object' || Array.isArray(attrs)) return 'attributes';
  const a = attrs as Record<string, unknown>;
  const unknownKey = Object.keys(a).find((key) => !Object.prototype.hasOwnProperty.call(SESSION_KEYS, key));
  if (unknownKey !== undefined) return unknownKey.slice(0, 40);
  const has = (key: keyof SessionState) => a[key] !== undefined;
  if (has('loaded') && typeof a.loaded !== 'boolean') return 'loaded';
  if (has('version') && !isVersion(a.version)) return 'version';
  if (has('unsaved') && typeof a.unsaved !== 'boolean') return 'unsaved';
  if (has('warnedStorage') && typeof a.warnedStorage !== 'boolean') return 'warnedStorage';
  if (has('misunderstood') && !(Number.isSafeInteger(a.misunderstood) && (a.misunderstood as number) >= 0))
    return 'misunderstood';
  if (has('unsure') && !(Number.isSafeInteger(a.unsure) && (a.unsure as number) >= 0)) return 'unsure';
  if (has('progress') && !isProgress(a.progress, flow)) return 'progress';
  if (has('musicPending') && !isPending(a.musicPending)) return 'musicPending';
  if (has('writerId') && !isWriterId(a.writerId)) return 'writerId';
  if (has('unconfirmedVersion') && !isVersion(a.unconfirmedVersion)) return 'unconfirmedVersion';
  if (has('locale') && !isLocale(a.locale)) return 'locale';
  return undefined;
}

/** Session attributes come back from Alexa as we sent them, but are checked anyway before use. */
function sessionOf(input: HandlerInput, deps: HandlerDeps): SessionState {
  const attrs = input.attributesManager.getSessionAttributes() as Partial<SessionState>;
  if (typeof attrs !== 'object' || attrs === null || Object.keys(attrs).length === 0) return emptySession();
  const problem = sessionProblem(attrs, deps.flow);
  // The usual case: every field was just checked, so each is used as it is (no second validation per turn).
  if (!problem) {
    const session: Record<string, unknown> = { ...emptySession() };
    for (const [key, value] of Object.entries(attrs)) if (value !== undefined) session[key] = value;
    return session as unknown as SessionState;
  }
  // What is usable is used (a bad field gets its default); the rest is replaced when the turn ends.
  deps.logger.warn('session attributes malformed; unusable fields ignored', { field: problem });
  return {
    // Not loaded yet when DynamoDB could not be read: what the session holds still counts.
    loaded: attrs.loaded === true,
    progress: isProgress(attrs.progress, deps.flow) ? attrs.progress : undefined,
    version: isVersion(attrs.version) ? attrs.version : 0,
    unsaved: attrs.unsaved === true,
    warnedStorage: attrs.warnedStorage === true,
    misunderstood: Number.isSafeInteger(attrs.misunderstood) ? Math.max(0, attrs.misunderstood as number) : 0,
    ...(Number.isSafeInteger(attrs.unsure) && (attrs.unsure as number) > 0 ? { unsure: attrs.unsure } : {}),
    musicPending: isPending(attrs.musicPending) ? attrs.musicPending : undefined,
    ...writerOf(attrs),
    ...(isLocale(attrs.locale) ? { locale: attrs.locale } : {}),
  };
}

/** This session's writer id and unconfirmed version, when the attributes hold usable ones. */
function writerOf(attrs: Partial<SessionState>): Pick<SessionState, 'writerId' | 'unconfirmedVersion'> {
  return {
    ...(isWriterId(attrs.writerId) ? { writerId: attrs.writerId } : {}),
    ...(isVersion(attrs.unconfirmedVersion) ? { unconfirmedVersion: attrs.unconfirmedVersion } : {}),
  };
}

/**
 * The session after a turn failed. Attributes that may have caused the failure are not sent back, or every
 * later turn of the session would fail the same way: the session starts clean and the next turn reads the
 * user's progress from the store again. Only progress the store does not have yet (made while DynamoDB was
 * down) is kept, and only from attributes that are exactly as the skill writes them.
 */
export function sessionAfterFailure(attrs: unknown, flow: Flow): { session: SessionState; problem?: string } {
  const problem = sessionProblem(attrs, flow);
  if (problem !== undefined) return { session: emptySession(), problem };
  const s = (attrs ?? {}) as Partial<SessionState>;
  // Who this session is (for its own lost writes) is kept: it cannot make a turn fail.
  if (s.unsaved !== true || s.progress === undefined)
    return { session: { ...emptySession(), ...writerOf(s) } };
  return {
    session: {
      ...emptySession(),
      ...writerOf(s),
      progress: s.progress,
      version: s.version ?? 0,
      unsaved: true,
      warnedStorage: s.warnedStorage === true,
    },
  };
}

/** The request's locale when it is a string (a malformed request may carry anything there). */
function localeOf(env: RequestEnvelope): string | undefined {
  const locale: unknown = env.request?.locale;
  return typeof locale === 'string' ? locale : undefined;
}

const USER_EVENT = 'Alexa.Presentation.APL.UserEvent';

function eventOf(input: HandlerInput): ConversationEvent | MusicEvent | TouchEvent {
  const request = input.requestEnvelope.request;
  if (request.type === 'LaunchRequest') return { type: 'launch' };
  if (request.type === USER_EVENT) {
    const touch = request as interfaces.alexa.presentation.apl.UserEvent;
    return { type: 'touch', token: touch.token, args: touch.arguments };
  }
  return intentToEvent(request as IntentRequest);
}

/** The turn's metrics, as EMF fields for the turn's log line. */
function recordTurn(metrics: SkillMetrics, facts: TurnFacts, ms: number): MetricFields | undefined {
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
  return metrics.flush();
}

/** Requests that are one turn of the conversation: what was said, or a button pressed on a screen. */
const TURN_REQUESTS = new Set(['LaunchRequest', 'IntentRequest', USER_EVENT]);

/** The screen after a turn, as an APL directive: only for devices that declare APL. */
function screenDirective(
  deps: HandlerDeps,
  turn: TurnResult,
  translator: Translator,
  context: RenderContext,
): interfaces.alexa.presentation.apl.RenderDocumentDirective {
  const state = { progress: turn.session.progress, pending: turn.session.musicPending };
  const screen = screenOf(deps.flow, state, turn.reply, {
    sessionOpen: turn.reply.reprompt !== undefined,
    music: turn.shown.music,
    welcomeBack: turn.shown.welcomeBack,
    ...(turn.shown.devices ? { devices: turn.shown.devices } : {}),
  });
  return renderDirective(screen, translator, context);
}

/** LaunchRequest, every IntentRequest and every touch on a screen: one conversation turn. */
export function conversationHandler(deps: HandlerDeps): RequestHandler {
  return {
    canHandle: (input) => TURN_REQUESTS.has(getRequestType(input.requestEnvelope)),
    handle: async (input) => {
      const started = deps.now();
      const env = input.requestEnvelope;
      const event = eventOf(input);
      const incoming = sessionOf(input, deps);
      // A touch may come without a locale: it answers in the session's language.
      const locale = localeOf(env) ?? incoming.locale;
      const translator = translatorFor(deps.translators, locale);
      const request = {
        userId: getUserId(env),
        newSession: isNewSession(env),
        event,
        voiceCommands: translator.voiceCommands,
        token: getAccountLinkingAccessToken(env),
        progressive: (line: Parameters<typeof translateLine>[0]) =>
          deps.progressive(env, escapeXmlCharacters(translateLine(line, translator, {}))),
        startedAt: started,
      };
      const turn = await runTurn(deps, request, incoming);
      const context = { speakerName: turn.session.progress?.speakerName };
      const words = render(turn.reply, translator, context);
      const session =
        isLocale(locale) && locale !== turn.session.locale ? { ...turn.session, locale } : turn.session;
      input.attributesManager.setSessionAttributes(session);
      const builder = input.responseBuilder.speak(words.speech);
      if (turn.linkAccount) builder.withLinkAccountCard();
      else if (words.card) builder.withStandardCard(words.card.title, words.card.text);
      if (supportsApl(env)) builder.addDirective(screenDirective(deps, turn, translator, context));
      if (words.reprompt) builder.reprompt(words.reprompt);
      else builder.withShouldEndSession(true);
      const ms = deps.now() - started;
      // One line per turn: the log fields and the turn's metrics together.
      const metrics = recordTurn(deps.metrics, turn.facts, ms);
      deps.logger.info(
        'turn',
        {
          requestId: env.request.requestId,
          requestType: env.request.type,
          intent: env.request.type === 'IntentRequest' ? env.request.intent.name : undefined,
          event: event.type === 'touch' ? `touch:${turn.shown.event.type}` : event.type,
          step: turn.stepId,
          outcome: turn.facts.answered?.outcome,
          answeredStep: turn.facts.answered?.step,
          fixed: turn.facts.fixedBy !== undefined,
          music: turn.facts.music,
          saved: turn.saved,
          storageTrouble: turn.facts.storageTrouble || undefined,
          user: userKeyOf(request.userId).slice(0, 12),
          latencyMs: ms,
        },
        metrics,
      );
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
      }
      const metrics = deps.metrics.flush();
      if (request.type === 'SessionEndedRequest' && request.reason === 'ERROR') {
        deps.logger.warn('session ended with an error', {
          ...fields,
          errorMessage: error?.message,
        });
      } else if (request.type === 'System.ExceptionEncountered') {
        deps.logger.error('Alexa reported an error with a response', { ...fields, cause: request.cause });
      } else {
        deps.logger.info('request without a spoken answer', fields, metrics);
      }
      return input.responseBuilder.getResponse();
    },
  };
}

/** Said when even the translated apology cannot be had (no translator, a broken resource). */
export const FALLBACK_APOLOGY = 'Sorry, something went wrong on my side. Could you say that again?';

function apologyFor(deps: HandlerDeps, locale: string | undefined): string {
  try {
    const text = translatorFor(deps.translators, locale).t('errors.generic');
    if (typeof text === 'string' && text.trim().length > 0 && text !== 'errors.generic') return text;
  } catch {
    // Falls through to the English sentence below.
  }
  return FALLBACK_APOLOGY;
}

/** What to log about an error: its name and message, whatever was thrown. */
function describeError(error: unknown): { errorName: string; error: string } {
  try {
    if (error instanceof Error) return { errorName: error.name, error: error.message };
    return { errorName: typeof error, error: String(error) };
  } catch {
    return { errorName: typeof error, error: 'unprintable' };
  }
}

/** The apology as a response, built by hand: the last resort when the response builder itself fails. */
function bareApology(text: string): Response {
  const speech = { type: 'SSML' as const, ssml: `<speak>${escapeXmlCharacters(text)}</speak>` };
  return { outputSpeech: speech, reprompt: { outputSpeech: speech }, shouldEndSession: false };
}

/**
 * Last resort: an honest sentence and an open session, never Alexa's "There was a problem with the
 * requested skill's response". Only request types that may carry speech get it. Session attributes that
 * may have caused the failure are replaced (`sessionAfterFailure`), so the next turn can succeed. Never
 * throws: a request with a locale, session or type of any shape still gets the sentence.
 */
export function errorHandler(deps: HandlerDeps): ErrorHandler {
  // A logger that fails must not stop the apology or the reset.
  const log = (level: 'warn' | 'error', message: string, fields: LogFields) => {
    try {
      deps.logger[level](message, fields);
    } catch {
      // Nothing to do: the answer matters more than the log line.
    }
  };
  return {
    canHandle: () => true,
    handle: (input, error): Response => {
      const env = input.requestEnvelope as RequestEnvelope | undefined;
      const type: unknown = (env?.request as { type?: unknown } | undefined)?.type;
      const speaks = type === 'LaunchRequest' || type === 'IntentRequest';
      log('error', 'unhandled error', { requestType: type, ...describeError(error) });
      let apology = FALLBACK_APOLOGY;
      try {
        if (!speaks) return input.responseBuilder.getResponse();
        if (env?.session) {
          let attrs: unknown;
          try {
            attrs = input.attributesManager.getSessionAttributes();
          } catch {
            attrs = undefined;
          }
          const { session, problem } = sessionAfterFailure(attrs, deps.flow);
          input.attributesManager.setSessionAttributes(session);
          log('warn', 'session attributes reset after an error', {
            malformedField: problem,
            keptUnsavedProgress: session.unsaved,
          });
        }
        apology = apologyFor(deps, env ? localeOf(env) : undefined);
        const words = escapeXmlCharacters(apology);
        return input.responseBuilder.speak(words).reprompt(words).getResponse();
      } catch {
        return speaks ? bareApology(apology) : {};
      }
    },
  };
}
