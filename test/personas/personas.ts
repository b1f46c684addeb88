/**
 * Simulated users for `simulate.ts`: each has ONE hidden cause, a few facts about their home, and answers
 * only from those facts and from what the skill asked. Nothing here knows the flow's edges: a persona reacts
 * to the step the skill is at (`c.step`), never to where the skill is going next.
 *
 * The world model is deliberately small. Each step the skill can hand off to does what its instruction and
 * card (`steps.<id>.instruction` / `detail` in en-US.json) tell the user to do: it removes the causes that
 * instruction fixes, and pairs or connects the speaker when the instruction says to. Music plays through the
 * speaker when no cause is left and the speaker is connected to the Echo the user wants it on.
 */
import type { StepId } from '../../lambda/src/conversation/types';
import type { Hazard, Reply, Speaker, Symptom } from './phrases';

/** The hidden causes a persona can have; a persona has exactly one (or a hazard, for the safety personas). */
export const CAUSES = [
  /** The user's phone grabs the speaker, so it is never free for the Echo. */
  'phoneHoldsSpeaker',
  /** The speaker only enters pairing mode when switched off and on first. */
  'pairingNeedsRestartFromOff',
  /** The Echo keeps a stale pairing with the speaker: connecting fails until it is forgotten. */
  'staleEchoPairing',
  /** The speaker is in party or stereo mode and takes no new connection. */
  'specialModeOn',
  /** The speaker is two rooms away, with a baby monitor and a microwave in between. */
  'farAndInterference',
  /** The speaker is connected, but the Echo keeps the sound. */
  'soundStuckOnEcho',
  /** The speaker's firmware is too old to pair with the Echo. */
  'speakerFirmwareOld',
  /** The speaker switches itself off after a quiet spell. */
  'idleAutoOff',
  /** The Echo the speaker should play from is offline, so another Echo answers. */
  'wantedEchoOffline',
  /** The Alexa app is signed in to another Amazon account: this Echo is not in it. */
  'appOnOtherAccount',
  /** Several Echos: the nearest one answers, and it is not the one the speaker belongs with. */
  'nearestEchoIsNotTheWantedOne',
  /** The Echo's Bluetooth is broken in a way only a factory reset clears. */
  'echoBluetoothBroken',
] as const;
export type Cause = (typeof CAUSES)[number];

export interface World extends Record<Cause, boolean> {
  /** A fact, not a cause: the household has more than one Echo. */
  severalEchos: boolean;
  /** The Echo the speaker should play from remembers it (the app lists it as saved or connected). */
  savedOnEcho: boolean;
  /** That Echo is connected to the speaker. */
  connected: boolean;
}

/** Music plays through the speaker, from the Echo the user wants: connected, and no cause left. */
export function playing(world: World): boolean {
  return world.connected && CAUSES.every((cause) => !world[cause]);
}

/** Causes that keep the speaker from linking at all (the others let it link, then spoil the sound). */
const SPOILS_ONLY: readonly Cause[] = ['soundStuckOnEcho', 'idleAutoOff'];
/** Pairing mode from on is a pairing problem only: a saved speaker connects by voice without it. */
const PAIRING_ONLY: readonly Cause[] = ['pairingNeedsRestartFromOff'];

const blocked = (world: World, except: readonly Cause[]): boolean =>
  CAUSES.some((cause) => world[cause] && !except.includes(cause));

/** Things a real person reports instead of yes or no (meanings: `phrases.ts` has each locale's words). */
export type Observation = Extract<Reply, 'echoNotInApp' | 'echoOffline' | 'severalEchos'>;

/** What the user does for a handoff step, read from the step's instruction and card. */
export interface StepAction {
  /** Causes the instruction removes. */
  clears: readonly Cause[];
  /** It has the user forget the speaker on the Echo first. */
  forgets?: true;
  /** It ends by pairing the speaker in the Alexa app (holding its Bluetooth button), or by connecting it. */
  link?: 'pair' | 'connect';
  /** It happens in this Echo's page of the Alexa app. */
  inApp?: true;
  /** Whether the step's own question ("is that Echo online now?") is a yes; default: music plays. */
  worked?: (world: World) => boolean;
}

/**
 * Per handoff step, what its instruction (and card) fixes. Written from en-US.json:
 * - reconnect: phone's Bluetooth off, then "Alexa, connect to …".
 * - pair_new: phone's Bluetooth off, hold the Bluetooth button (from on, not from off), pair in the app.
 * - forget_repair: forget the speaker in the app, phone off, hold the button, pair again.
 * - sound_on_echo: "Alexa, disconnect", then "Alexa, connect to …".
 * - connect_saved: phone off, tap the saved speaker (or connect by voice).
 * - pairing_retry: speaker off, on, hold the button, pair in the app.
 * - restart: Echo unplugged, speaker off and on, pair in the app holding the button (a restart clears
 *   temporary glitches such as sound stuck on the Echo, and starts the speaker from off).
 * - switch_echo: go to the Echo the speaker belongs with (which only helps if that Echo answers).
 * - echo_offline: unplug that Echo, update its Wi-Fi; then it is the one answering.
 * - wrong_account: sign the app in to the Echo's account.
 * - special_modes: party/stereo/AUX off, pair again.
 * - clear_memory: clear the speaker's own list, pair again (none of our causes lives there).
 * - firmware: update the speaker, pair again.
 * - factory_reset: reset the Echo (no old pairings, no glitches), set it up, pair again.
 * - power_saving: charge it, turn off its automatic power-off.
 * - stay_close: phones' Bluetooth off, same room, charged, then "Alexa, connect to …".
 */
export const STEP_ACTIONS: Record<StepId, StepAction> = {
  reconnect: { clears: ['phoneHoldsSpeaker'], link: 'connect' },
  pair_new: { clears: ['phoneHoldsSpeaker'], link: 'pair', inApp: true },
  forget_repair: {
    clears: ['staleEchoPairing', 'phoneHoldsSpeaker'],
    forgets: true,
    link: 'pair',
    inApp: true,
  },
  sound_on_echo: { clears: ['soundStuckOnEcho'], link: 'connect' },
  connect_saved: { clears: ['phoneHoldsSpeaker'], link: 'connect' },
  pairing_retry: { clears: ['pairingNeedsRestartFromOff'], link: 'pair', inApp: true },
  restart: {
    clears: ['pairingNeedsRestartFromOff', 'soundStuckOnEcho', 'farAndInterference'],
    link: 'pair',
    inApp: true,
  },
  switch_echo: {
    clears: [],
    worked: (world) => !world.nearestEchoIsNotTheWantedOne && !world.wantedEchoOffline,
  },
  echo_offline: { clears: ['wantedEchoOffline'], worked: (world) => !world.wantedEchoOffline },
  wrong_account: { clears: ['appOnOtherAccount'], worked: (world) => !world.appOnOtherAccount },
  special_modes: { clears: ['specialModeOn'], link: 'pair', inApp: true },
  clear_memory: { clears: [], link: 'pair', inApp: true },
  firmware: { clears: ['speakerFirmwareOld'], link: 'pair', inApp: true },
  factory_reset: {
    clears: ['echoBluetoothBroken', 'staleEchoPairing', 'soundStuckOnEcho'],
    forgets: true,
    link: 'pair',
    inApp: true,
  },
  power_saving: { clears: ['idleAutoOff'] },
  stay_close: { clears: ['phoneHoldsSpeaker', 'farAndInterference'], link: 'connect' },
};

/** Steps whose instruction tells the user to pair the speaker in the Alexa app. */
export const PAIRING_STEPS: readonly StepId[] = Object.entries(STEP_ACTIONS)
  .filter(([, action]) => action.link === 'pair')
  .map(([id]) => id);

export interface Applied {
  world: World;
  /** Something the user noticed instead of a plain result, which they tell the skill. */
  observation?: Observation;
}

/**
 * The user carries out a handoff step: what they run into first, or else the causes it removes and the
 * pairing or connection it ends with. Unknown steps change nothing (`simulate` notes them).
 */
export function apply(stepId: StepId, before: World): Applied {
  const action = STEP_ACTIONS[stepId];
  if (!action) return { world: before };
  const world: World = { ...before };
  // Going to the other Echo: it either answers (and is the one from now on), or it doesn't.
  if (stepId === 'switch_echo') {
    if (world.wantedEchoOffline) return { world, observation: 'echoOffline' };
    world.nearestEchoIsNotTheWantedOne = false;
    return { world };
  }
  // Told to pick this Echo in the Alexa app, when the app is on another account.
  if (action.inApp && world.appOnOtherAccount) return { world, observation: 'echoNotInApp' };
  for (const cause of action.clears) world[cause] = false;
  if (action.forgets) {
    world.savedOnEcho = false;
    world.connected = false;
  }
  if (action.link === 'pair') {
    const ok = !blocked(world, SPOILS_ONLY);
    world.savedOnEcho ||= ok;
    world.connected = ok;
  } else if (action.link === 'connect') {
    world.connected = world.savedOnEcho && !blocked(world, [...SPOILS_ONLY, ...PAIRING_ONLY]);
  }
  return { world };
}

/** Whether the handoff's question is a yes after doing it. */
export function worked(stepId: StepId, world: World): boolean {
  return (STEP_ACTIONS[stepId]?.worked ?? playing)(world);
}

/** What the user means when a question step asks something, from their world (`phrases.ts` words it). */
export interface AnswerContext {
  world: World;
  persona: Persona;
  /** They already told the skill they have several Echos. */
  saidSeveralEchos: boolean;
}

/** A thing to say: a reply, or the persona's symptom. */
export type Answer = Reply | { symptom: Symptom };

export const QUESTION_ANSWERS: Record<StepId, (context: AnswerContext) => Answer> = {
  triage: ({ persona }) => ({ symptom: persona.opening }),
  worked_before: ({ world, persona, saidSeveralEchos }) => {
    const whichEcho = world.nearestEchoIsNotTheWantedOne || world.wantedEchoOffline;
    if (world.severalEchos && whichEcho && !saidSeveralEchos) return 'severalEchos';
    return persona.newSpeaker ? 'no' : 'yes';
  },
  app_state: ({ world }) => {
    if (world.appOnOtherAccount) return 'echoNotInApp';
    if (world.connected) return 'connected';
    if (world.savedOnEcho) return 'onlySaved';
    return 'notListed';
  },
  pairing_mode: ({ world }) => (world.pairingNeedsRestartFromOff ? 'no' : 'yes'),
  right_echo: ({ world }) => (world.nearestEchoIsNotTheWantedOne || world.wantedEchoOffline ? 'no' : 'yes'),
  echo_in_app: ({ world }) => (world.appOnOtherAccount ? 'no' : 'yes'),
  factory_reset_warning: () => 'yes',
  drop_pattern: ({ world }) => (world.idleAutoOff ? 'yes' : 'no'),
};

export type ExpectedOutcome = 'resolved' | 'safety';

export interface Persona {
  id: string;
  /** One line for the report. */
  hiddenCause: string;
  /** What they say after "open speaker helper": a symptom (`phrases.ts` words it per locale). */
  opening: Symptom;
  /** Their speaker (`phrases.ts` has its name as said in each locale). */
  speakerName: Speaker;
  /** The speaker has never played through the Echo it should play from. */
  newSpeaker: boolean;
  expected: ExpectedOutcome;
  world: World;
  /** Safety personas: the phrase they say, and at which step the skill asks them (1 is the first). */
  hazard?: { phrase: Hazard; atStep: 2 | 3 };
}

interface Spec {
  id: string;
  hiddenCause: string;
  cause?: Cause;
  symptom: Symptom;
  speakerName: Speaker;
  newSpeaker: boolean;
  severalEchos?: boolean;
  hazard?: Persona['hazard'];
}

/** A world with the one cause; a known speaker is saved on the Echo, and connected when it plays at all. */
function persona(spec: Spec): Persona {
  const causes = Object.fromEntries(CAUSES.map((cause) => [cause, cause === spec.cause])) as Record<
    Cause,
    boolean
  >;
  const plays = spec.symptom === 'no_sound' || spec.symptom === 'keeps_disconnecting';
  return {
    id: spec.id,
    hiddenCause: spec.hiddenCause,
    opening: spec.symptom,
    speakerName: spec.speakerName,
    newSpeaker: spec.newSpeaker,
    expected: spec.hazard ? 'safety' : 'resolved',
    world: {
      ...causes,
      severalEchos: spec.severalEchos ?? false,
      savedOnEcho: !spec.newSpeaker,
      connected: !spec.newSpeaker && plays,
    },
    ...(spec.hazard ? { hazard: spec.hazard } : {}),
  };
}

export const PERSONAS: readonly Persona[] = [
  persona({
    id: 'two-echos',
    hiddenCause: 'several Echos: the nearest one answers, not the one the speaker belongs with',
    cause: 'nearestEchoIsNotTheWantedOne',
    severalEchos: true,
    symptom: 'cant_find',
    speakerName: 'jblFlip5',
    newSpeaker: false,
  }),
  persona({
    id: 'phone-holds-it',
    hiddenCause: "the user's phone keeps grabbing the speaker",
    cause: 'phoneHoldsSpeaker',
    symptom: 'cant_find',
    speakerName: 'boseSoundlinkFlex',
    newSpeaker: true,
  }),
  persona({
    id: 'party-mode',
    hiddenCause: 'the speaker is in party (stereo) mode',
    cause: 'specialModeOn',
    symptom: 'wont_pair',
    speakerName: 'jblCharge5',
    newSpeaker: true,
  }),
  persona({
    id: 'echo-offline',
    hiddenCause: 'the Echo the speaker should play from is offline',
    cause: 'wantedEchoOffline',
    severalEchos: true,
    symptom: 'cant_find',
    speakerName: 'ueBoom3',
    newSpeaker: false,
  }),
  persona({
    id: 'other-account',
    hiddenCause: 'the Alexa app is signed in to another Amazon account',
    cause: 'appOnOtherAccount',
    symptom: 'cant_find',
    speakerName: 'ankerSoundcoreMotion',
    newSpeaker: true,
  }),
  persona({
    id: 'stale-pairing',
    hiddenCause: 'the Echo keeps a stale pairing with the speaker',
    cause: 'staleEchoPairing',
    symptom: 'wont_pair',
    speakerName: 'marshallEmberton',
    newSpeaker: false,
  }),
  persona({
    id: 'not-in-pairing-mode',
    hiddenCause: 'the speaker enters pairing mode only when started from off',
    cause: 'pairingNeedsRestartFromOff',
    symptom: 'cant_find',
    speakerName: 'sonyExtraBass',
    newSpeaker: true,
  }),
  persona({
    id: 'range-interference',
    hiddenCause: 'the speaker is too far away, with gadgets in between',
    cause: 'farAndInterference',
    symptom: 'keeps_disconnecting',
    speakerName: 'tribitStormbox',
    newSpeaker: false,
  }),
  persona({
    id: 'sound-on-echo',
    hiddenCause: 'connected, but the Echo keeps the sound',
    cause: 'soundStuckOnEcho',
    symptom: 'no_sound',
    speakerName: 'beatsPillPlus',
    newSpeaker: false,
  }),
  persona({
    id: 'old-firmware',
    hiddenCause: "the speaker's firmware is out of date",
    cause: 'speakerFirmwareOld',
    symptom: 'wont_pair',
    speakerName: 'harmanKardonOnyx',
    newSpeaker: true,
  }),
  persona({
    id: 'idle-auto-off',
    hiddenCause: 'the speaker switches itself off when idle',
    cause: 'idleAutoOff',
    symptom: 'keeps_disconnecting',
    speakerName: 'jblGo3',
    newSpeaker: false,
  }),
  persona({
    id: 'needs-factory-reset',
    hiddenCause: "the Echo's Bluetooth is stuck: nothing but a factory reset helps",
    cause: 'echoBluetoothBroken',
    symptom: 'cant_find',
    speakerName: 'sonosRoam',
    newSpeaker: false,
  }),
  // Safety: normal users who notice a hazard at the second or third step.
  persona({
    id: 'safety-really-hot',
    hiddenCause: 'safety: the speaker gets really hot',
    symptom: 'wont_pair',
    speakerName: 'jblFlip5',
    newSpeaker: true,
    hazard: { phrase: 'reallyHot', atStep: 2 },
  }),
  persona({
    id: 'safety-echo-hot',
    hiddenCause: 'safety: the Echo gets really hot',
    symptom: 'cant_find',
    speakerName: 'boseSoundlinkFlex',
    newSpeaker: true,
    hazard: { phrase: 'echoHot', atStep: 3 },
  }),
  persona({
    id: 'safety-burning-smell',
    hiddenCause: 'safety: a burning smell',
    symptom: 'keeps_disconnecting',
    speakerName: 'ueBoom3',
    newSpeaker: false,
    hazard: { phrase: 'burningSmell', atStep: 2 },
  }),
  persona({
    id: 'safety-bulging-battery',
    hiddenCause: "safety: the speaker's battery is bulging",
    symptom: 'no_sound',
    speakerName: 'jblCharge5',
    newSpeaker: false,
    hazard: { phrase: 'bulgingBattery', atStep: 2 },
  }),
  persona({
    id: 'safety-crackling',
    hiddenCause: 'safety: the speaker crackles',
    symptom: 'keeps_disconnecting',
    speakerName: 'marshallEmberton',
    newSpeaker: false,
    hazard: { phrase: 'crackling', atStep: 3 },
  }),
  persona({
    id: 'safety-on-fire',
    hiddenCause: 'safety: the speaker is on fire',
    symptom: 'wont_pair',
    speakerName: 'ankerSoundcoreMotion',
    newSpeaker: false,
    hazard: { phrase: 'onFire', atStep: 3 },
  }),
  persona({
    id: 'safety-smoke',
    hiddenCause: 'safety: smoke from the speaker',
    symptom: 'cant_find',
    speakerName: 'tribitStormbox',
    newSpeaker: true,
    hazard: { phrase: 'smoke', atStep: 2 },
  }),
];
