/**
 * Alexa request envelopes built by hand, as Alexa sends them (session, context.System, request), and the
 * scripted conversation the warm run walks through. Both skills get the same envelopes turn by turn; only
 * the session attributes differ, each skill getting back what it set on its previous turn.
 */
import { randomUUID } from 'node:crypto';
import type { RequestEnvelope } from 'ask-sdk-model';

export const BENCH_SKILL_ID = 'amzn1.ask.skill.00000000-0000-4000-8000-0000000be7c4';
/** Progressive responses (only sent for Spotify) would go here: a loopback port that refuses at once. */
const REFUSING_API_ENDPOINT = 'http://127.0.0.1:1';

/** One thing the user does: open the skill, say something the model maps to an intent, or walk away. */
export type Utterance =
  | { kind: 'launch' }
  | { kind: 'intent'; name: string; slots?: Record<string, { value: string; id?: string }> }
  | { kind: 'walkAway' };

export const launch: Utterance = { kind: 'launch' };
export const intent = (name: string, slots?: Record<string, { value: string; id?: string }>): Utterance =>
  slots ? { kind: 'intent', name, slots } : { kind: 'intent', name };
export const walkAway: Utterance = { kind: 'walkAway' };

/** Where a request sits: who, which session, whether it opens the session, what the skill kept. */
export interface SessionPlace {
  userId: string;
  sessionId: string;
  isNew: boolean;
  attributes: Record<string, unknown>;
}

function slotsOf(slots: Record<string, { value: string; id?: string }> | undefined) {
  if (!slots) return undefined;
  return Object.fromEntries(
    Object.entries(slots).map(([name, slot]) => [
      name,
      {
        name,
        value: slot.value,
        confirmationStatus: 'NONE',
        source: 'USER',
        ...(slot.id
          ? {
              resolutions: {
                resolutionsPerAuthority: [
                  {
                    authority: `amzn1.er-authority.echo-sdk.${BENCH_SKILL_ID}.${name}`,
                    status: { code: 'ER_SUCCESS_MATCH' },
                    values: [{ value: { name: slot.value, id: slot.id } }],
                  },
                ],
              },
            }
          : {}),
      },
    ]),
  );
}

/** The request part of an envelope; `walkAway` is the SessionEndedRequest Alexa sends when nobody answers. */
function requestOf(utterance: Utterance) {
  const common = { requestId: `amzn1.echo-api.request.${randomUUID()}`, timestamp: new Date().toISOString() };
  const locale = 'en-US';
  if (utterance.kind === 'launch')
    return { type: 'LaunchRequest', ...common, locale, shouldLinkResultBeReturned: false };
  if (utterance.kind === 'walkAway')
    return { type: 'SessionEndedRequest', ...common, locale, reason: 'EXCEEDED_MAX_REPROMPTS' };
  const slots = slotsOf(utterance.slots);
  return {
    type: 'IntentRequest',
    ...common,
    locale,
    dialogState: 'COMPLETED',
    intent: { name: utterance.name, confirmationStatus: 'NONE', ...(slots ? { slots } : {}) },
  };
}

/** What the device declares: nothing (a voice-only Echo) or a screen (an Echo Show). */
export type Device = 'voice' | 'screen';

/**
 * What an Echo Show adds to every request: the APL interface in supportedInterfaces and its viewport, as
 * scripts/local/virtual-echo.ts `withScreen(request, 'hub')` builds them for the tests (1280×800, touch).
 */
const ECHO_SHOW = {
  supportedInterfaces: { 'Alexa.Presentation.APL': { runtime: { maxVersion: '2024.3' } } },
  viewport: {
    mode: 'HUB',
    shape: 'RECTANGLE',
    pixelWidth: 1280,
    pixelHeight: 800,
    dpi: 160,
    touch: ['SINGLE'],
    currentPixelWidth: 1280,
    currentPixelHeight: 800,
  },
};

/** A full envelope for `utterance` at `place`, with everything Alexa puts in context.System. */
export function envelope(
  utterance: Utterance,
  place: SessionPlace,
  skillId = BENCH_SKILL_ID,
  device: Device = 'voice',
): RequestEnvelope {
  const application = { applicationId: skillId };
  const user = { userId: place.userId };
  const screen = device === 'screen';
  const raw = {
    version: '1.0',
    session: {
      new: place.isNew,
      sessionId: place.sessionId,
      application,
      attributes: place.attributes,
      user,
    },
    context: {
      System: {
        application,
        user,
        device: {
          deviceId: `amzn1.ask.device.BENCH${place.userId.slice(-12)}`,
          supportedInterfaces: screen ? ECHO_SHOW.supportedInterfaces : {},
        },
        apiEndpoint: REFUSING_API_ENDPOINT,
        apiAccessToken: 'bench-api-access-token',
      },
      ...(screen ? { Viewport: ECHO_SHOW.viewport } : {}),
    },
    request: requestOf(utterance),
  };
  return raw as unknown as RequestEnvelope;
}

export const newSessionId = () => `amzn1.echo-api.session.${randomUUID()}`;
export const benchUserId = (n: number) => `amzn1.ask.account.BENCH${String(n).padStart(12, '0')}`;

const symptom = (id: string, value: string) => intent('SymptomIntent', { symptom: { value, id } });

/**
 * Journeys: what one user says over several visits. The driver follows Speaker Helper's responses: when
 * it ends the session (a step the user does outside the skill, or "stop"), the user's next words open a
 * new session ("Alexa, open speaker helper") before going on, for both skills alike. A journey is
 * launch, symptom, answers with why/repeat/help/where-am-I in between, a hand-off and resume, stop and
 * relaunch; the last one walks away mid-session (a SessionEndedRequest).
 */
export const JOURNEYS: Utterance[][] = [
  [
    launch,
    symptom('cant_find', "alexa can't find my speaker"),
    intent('AMAZON.YesIntent'),
    intent('WhyIntent'),
    intent('AMAZON.YesIntent'),
    intent('AMAZON.RepeatIntent'),
    intent('AMAZON.NoIntent'),
    intent('AMAZON.HelpIntent'),
    intent('DoneIntent'),
    intent('WhereAmIIntent'),
    intent('DoneIntent'),
    intent('AMAZON.YesIntent'),
    launch,
    intent('DidNotWorkIntent'),
    intent('AMAZON.RepeatIntent'),
    intent('AMAZON.StopIntent'),
    launch,
    intent('ItWorkedIntent'),
    launch,
    intent('AMAZON.StopIntent'),
  ],
  [
    launch,
    symptom('no_sound', 'it says connected but the sound comes from the echo'),
    intent('AMAZON.NoIntent'),
    intent('AMAZON.HelpIntent'),
    intent('AMAZON.YesIntent'),
    launch,
    intent('NotSureIntent'),
    intent('AMAZON.NextIntent'),
    intent('WhyIntent'),
    intent('DoneIntent'),
    walkAway,
  ],
  [
    launch,
    symptom('keeps_disconnecting', 'it keeps disconnecting'),
    intent('DoneIntent'),
    intent('AMAZON.PreviousIntent'),
    intent('DoneIntent'),
    intent('DoneIntent'),
    intent('AMAZON.FallbackIntent'),
    intent('AMAZON.NoIntent'),
    launch,
    intent('AMAZON.StartOverIntent'),
    intent('AMAZON.CancelIntent'),
  ],
];

/** The kinds of request the moving session is made of, as its per-turn-type figures name them. */
export const MOVING_TURN_KINDS = ['launch', 'symptom', 'yes', 'no', 'help', 'repeat'] as const;
export type MovingTurnKind = (typeof MOVING_TURN_KINDS)[number];

/** The symptom the moving session opens with (a slot resolved to its id, as Alexa sends it). */
export const MOVING_SYMPTOM = { id: 'cant_find', value: "alexa can't find my speaker" };

/**
 * The moving-session mix (issue 14): one real troubleshooting session that moves through the flow, ten
 * turns, each user once. On lambda/src/conversation/flow.ts with a new user it goes:
 *
 *  1. launch: welcome, triage (new user: nothing stored, first save)          changes
 *  2. "alexa can't find my speaker": worked_before                              changes
 *  3. yes: reconnect, which quotes a voice command, so the speaker's name is asked first   changes
 *  4. yes: taken as "no name"; reconnect's instruction, a hand-off: the session ends       changes
 *  5. help ("Alexa, ask Speaker Helper for help"): opens a session, asks whether it worked  unchanged
 *  6. no: forget_repair, a hand-off: the session ends                          changes
 *  7. repeat: opens a session, says forget_repair's instruction again, ends    unchanged
 *  8. yes ("…it worked"): opens a session, resolved, ends                      changes
 *  9. no: opens a session; the journey was finished, so a fresh one, at triage  changes
 * 10. repeat: triage's question again                                          unchanged
 *
 * No symptom keeps one session open through yes, yes: every check's "yes" leads to a hand-off (or to the
 * name question before one), and a hand-off ends the session. So the session is let end where the skill
 * ends it, and the user's next words reopen it the way the skill itself tells them to ("say: Alexa, tell
 * Speaker Helper it worked, or it didn't"): a one-shot, an IntentRequest that opens a new session. That
 * keeps the ten turns as ten measured turns (no extra LaunchRequests), and each reopening costs ours its
 * one read of the session. Seven of the ten change progress.
 */
export const MOVING_SESSION: ReadonlyArray<{ kind: MovingTurnKind; utterance: Utterance }> = [
  { kind: 'launch', utterance: launch },
  { kind: 'symptom', utterance: symptom(MOVING_SYMPTOM.id, MOVING_SYMPTOM.value) },
  { kind: 'yes', utterance: intent('AMAZON.YesIntent') },
  { kind: 'yes', utterance: intent('AMAZON.YesIntent') },
  { kind: 'help', utterance: intent('AMAZON.HelpIntent') },
  { kind: 'no', utterance: intent('AMAZON.NoIntent') },
  { kind: 'repeat', utterance: intent('AMAZON.RepeatIntent') },
  { kind: 'yes', utterance: intent('AMAZON.YesIntent') },
  { kind: 'no', utterance: intent('AMAZON.NoIntent') },
  { kind: 'repeat', utterance: intent('AMAZON.RepeatIntent') },
];
