import type { IntentRequest, Slot } from 'ask-sdk-model';
import type { MusicEvent } from '../conversation/music';
import type { ConversationEvent } from '../conversation/types';
import type { BareEvent } from './intents';
import {
  DEVICE_SLOT,
  INTENT_EVENTS,
  CHOOSE_DEVICE_INTENT,
  LIST_DEVICES_INTENT,
  MOVE_MUSIC_INTENT,
  THIS_ECHO_ID,
  SPEAKER_NAME_INTENT,
  SPEAKER_NAME_SLOT,
  BRAND_ONLY_SUFFIX,
  SPEAKER_STATE_INTENT,
  SPEAKER_STATE_SLOT,
  SYMPTOM_INTENT,
  SYMPTOM_SLOT,
  toSpeakerState,
  toSymptom,
} from './intents';

/** The entity-resolution match for a slot, if Alexa found one in our slot type. */
function resolved(slot: Slot | undefined): { id?: string; name?: string } | undefined {
  for (const authority of slot?.resolutions?.resolutionsPerAuthority ?? []) {
    const value = authority.status?.code === 'ER_SUCCESS_MATCH' ? authority.values?.[0]?.value : undefined;
    if (value) return value;
  }
  return undefined;
}

/** What an intent means to the conversation; unknown intents are treated as not understood. */
export function intentToEvent(request: IntentRequest): ConversationEvent | MusicEvent {
  const { name, slots } = request.intent;
  if (name === LIST_DEVICES_INTENT) return { type: 'listDevices' };
  if (name === MOVE_MUSIC_INTENT || name === CHOOSE_DEVICE_INTENT) {
    const answer = name === CHOOSE_DEVICE_INTENT ? { answer: true } : {};
    const slot = slots?.[DEVICE_SLOT];
    if (resolved(slot)?.id === THIS_ECHO_ID) return { type: 'moveMusic', thisEcho: true, ...answer };
    // The words as said: Spotify device names are the user's own, matched fuzzily by the hand-off.
    return slot?.value
      ? { type: 'moveMusic', device: slot.value, ...answer }
      : { type: 'moveMusic', ...answer };
  }
  if (name === SYMPTOM_INTENT) {
    const slot = slots?.[SYMPTOM_SLOT];
    return { type: 'symptom', symptom: toSymptom(resolved(slot)?.id) };
  }
  if (name === SPEAKER_STATE_INTENT) {
    return { type: 'state', state: toSpeakerState(resolved(slots?.[SPEAKER_STATE_SLOT])?.id) };
  }
  if (name === SPEAKER_NAME_INTENT) {
    const slot = slots?.[SPEAKER_NAME_SLOT];
    // The words as said ("JBL Flip 5"), as the Alexa app's Bluetooth list shows the speaker, not the
    // brand the slot type resolved them to: they are quoted back in "Alexa, connect to …". A brand alone
    // ("an old sony") is not the name the list shows, so it is not quoted (docs/facts.md F3).
    const id = resolved(slot)?.id;
    const name = slot?.value ?? resolved(slot)?.name;
    const brandOnly = id?.endsWith(BRAND_ONLY_SUFFIX) === true && name?.trim().split(/\s+/).length === 1;
    return brandOnly ? { type: 'speakerName', brandOnly: true } : { type: 'speakerName', name };
  }
  // Own properties only: an intent named "toString" must not find Object.prototype's.
  const mapped = Object.prototype.hasOwnProperty.call(INTENT_EVENTS, name) ? INTENT_EVENTS[name] : undefined;
  if (!mapped) return { type: 'unknown' };
  return typeof mapped === 'string' ? ({ type: mapped } as BareEvent) : mapped;
}
