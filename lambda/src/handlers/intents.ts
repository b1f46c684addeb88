import type { ConversationEvent, SpeakerState, Symptom } from '../conversation/types';
import { SPEAKER_STATES, SYMPTOMS } from '../conversation/types';

/**
 * Intent names of the en-US interaction model (skill-package/interactionModels/custom/en-US.json) and the
 * conversation event each one means. Several intents share a meaning: "done", "it worked" and "yes" all
 * answer the current step positively.
 */
/** Events that carry nothing but their type, so an intent can name them by type alone. */
export type BareEvent = Exclude<
  ConversationEvent,
  { answer: unknown } | { symptom?: unknown } | { name?: unknown } | { state?: unknown } | { topic: unknown }
>;

export const INTENT_EVENTS: Record<string, BareEvent['type'] | ConversationEvent> = {
  StartTroubleshootingIntent: 'start',
  'AMAZON.YesIntent': { type: 'answer', answer: 'yes' },
  DoneIntent: { type: 'answer', answer: 'yes' },
  ItWorkedIntent: { type: 'answer', answer: 'yes', fixed: true },
  'AMAZON.NoIntent': { type: 'answer', answer: 'no' },
  DidNotWorkIntent: { type: 'answer', answer: 'no' },
  NotSureIntent: { type: 'answer', answer: 'unsure' },
  'AMAZON.NextIntent': 'skip',
  SkipIntent: 'skip',
  'AMAZON.PreviousIntent': 'back',
  'AMAZON.RepeatIntent': 'repeat',
  RepeatSlowlyIntent: { type: 'repeat', slow: true },
  WaitIntent: 'wait',
  ThanksIntent: 'thanks',
  OkIntent: 'ok',
  PairingModeHelpIntent: { type: 'explain', topic: 'pairing_mode' },
  'AMAZON.StartOverIntent': 'startOver',
  WhyIntent: 'why',
  WhereAmIIntent: 'whereAmI',
  'AMAZON.HelpIntent': 'help',
  'AMAZON.StopIntent': 'stop',
  'AMAZON.CancelIntent': 'stop',
  'AMAZON.NavigateHomeIntent': 'stop',
  'AMAZON.FallbackIntent': 'unknown',
  SafetyIntent: 'safety',
};

/** Slot names used by the intents that carry a value. */
export const SYMPTOM_INTENT = 'SymptomIntent';
export const SYMPTOM_SLOT = 'symptom';
export const SPEAKER_STATE_INTENT = 'SpeakerStateIntent';
export const SPEAKER_STATE_SLOT = 'state';
export const SPEAKER_NAME_INTENT = 'SpeakerNameIntent';
export const SPEAKER_NAME_SLOT = 'speakerName';
/** SpeakerNameType ids that stand for a brand rather than a model ("sony_speaker"). */
export const BRAND_ONLY_SUFFIX = '_speaker';
export const LIST_DEVICES_INTENT = 'ListDevicesIntent';
export const MOVE_MUSIC_INTENT = 'MoveMusicIntent';
/** A device name alone ("the kitchen echo"): an answer to "which one?". */
export const CHOOSE_DEVICE_INTENT = 'ChooseDeviceIntent';
export const DEVICE_SLOT = 'device';
/** The DeviceNameType value id for "this echo", "here", "this one". */
export const THIS_ECHO_ID = 'this_echo';

/** The slot's resolved value id, or undefined when it is not one of ours. */
export function toSymptom(id: string | undefined): Symptom | undefined {
  return SYMPTOMS.find((s) => s === id);
}

/** The SpeakerStateType value id as a speaker state, or undefined when it is not one of ours. */
export function toSpeakerState(id: string | undefined): SpeakerState | undefined {
  return SPEAKER_STATES.find((s) => s === id);
}
