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

/** A full envelope for `utterance` at `place`, with everything Alexa puts in context.System. */
export function envelope(
  utterance: Utterance,
  place: SessionPlace,
  skillId = BENCH_SKILL_ID,
): RequestEnvelope {
  const application = { applicationId: skillId };
  const user = { userId: place.userId };
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
        device: { deviceId: `amzn1.ask.device.BENCH${place.userId.slice(-12)}`, supportedInterfaces: {} },
        apiEndpoint: REFUSING_API_ENDPOINT,
        apiAccessToken: 'bench-api-access-token',
      },
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
