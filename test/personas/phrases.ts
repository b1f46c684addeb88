/**
 * What a persona says, per locale. A persona's utterances are meanings (`Meaning`), never English strings:
 * this phrasebook turns each into words the locale's interaction model has, so a persona can run in any
 * locale listed here. Every phrase is a sample of that locale's model (or a sample with one of its slot
 * values filled in), copied from `skill-package/interactionModels/custom/<locale>.json`, never invented:
 * `personas.test.ts` fails a run whose words the model did not understand.
 */

export const LOCALES = ['en-US', 'de-DE'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

export type Symptom = 'cant_find' | 'wont_pair' | 'no_sound' | 'keeps_disconnecting';
export type Hazard =
  'reallyHot' | 'echoHot' | 'burningSmell' | 'bulgingBattery' | 'crackling' | 'onFire' | 'smoke';
export type Speaker =
  | 'jblFlip5'
  | 'boseSoundlinkFlex'
  | 'jblCharge5'
  | 'ueBoom3'
  | 'ankerSoundcoreMotion'
  | 'marshallEmberton'
  | 'sonyExtraBass'
  | 'tribitStormbox'
  | 'beatsPillPlus'
  | 'harmanKardonOnyx'
  | 'jblGo3'
  | 'sonosRoam';

/** Things a persona says that are neither a symptom nor a hazard nor a name. */
export type Reply =
  | 'yes'
  | 'no'
  | 'done'
  | 'itWorked'
  | 'itDidNotWork'
  | 'notSure'
  /** Asked about "this Echo", with more than one in the house. */
  | 'severalEchos'
  /** Went to the other Echo, and it does not answer. */
  | 'echoOffline'
  /** Told to pick this Echo in the Alexa app, and it is not there (the app is on another account). */
  | 'echoNotInApp'
  /** The app's Bluetooth list: the speaker is not there, only saved, or connected. */
  | 'notListed'
  | 'onlySaved'
  | 'connected';

export interface Phrasebook {
  /** Opens the skill by its invocation name. */
  open: string;
  /** The one-shot prefix ("tell speaker helper"), when the locale's come-back words use one. */
  tell?: string;
  symptoms: Record<Symptom, string>;
  replies: Record<Reply, string>;
  hazards: Record<Hazard, string>;
  /** The speaker's name as said in the locale (a value or synonym of its SpeakerNameType). */
  speakers: Record<Speaker, string>;
  /** Answers "what is the speaker called?". */
  nameAnswer: (name: string) => string;
}

export const PHRASES: Record<Locale, Phrasebook> = {
  'en-US': {
    open: 'open speaker helper',
    tell: 'tell speaker helper',
    symptoms: {
      cant_find: "alexa can't find my speaker",
      wont_pair: "it won't pair",
      no_sound: "it's connected but no sound",
      keeps_disconnecting: 'it keeps cutting out',
    },
    replies: {
      yes: 'yes',
      no: 'no',
      done: 'done',
      itWorked: 'it worked',
      itDidNotWork: "it didn't work",
      notSure: "i'm not sure",
      severalEchos: 'i have two echos',
      echoOffline: 'the echo is offline',
      echoNotInApp: "i can't find my echo in the app",
      notListed: "it's not there",
      onlySaved: "it's only saved",
      connected: "it's connected",
    },
    hazards: {
      reallyHot: "it's really hot",
      echoHot: 'my echo is really hot',
      burningSmell: 'it smells like burning',
      bulgingBattery: 'the battery is bulging',
      crackling: "it's crackling",
      onFire: "it's on fire",
      smoke: 'smoke',
    },
    speakers: {
      jblFlip5: 'jbl flip five',
      boseSoundlinkFlex: 'bose soundlink flex',
      jblCharge5: 'jbl charge five',
      ueBoom3: 'ue boom three',
      ankerSoundcoreMotion: 'anker soundcore motion',
      marshallEmberton: 'marshall emberton',
      sonyExtraBass: 'sony extra bass',
      tribitStormbox: 'tribit stormbox',
      beatsPillPlus: 'beats pill plus',
      harmanKardonOnyx: 'harman kardon onyx',
      jblGo3: 'jbl go three',
      sonosRoam: 'sonos roam',
    },
    nameAnswer: (name) => `it's called ${name}`,
  },
  // From de-DE.json: samples of its intents, SymptomType / SpeakerStateType / SpeakerNameType values.
  'de-DE': {
    open: 'öffne lautsprecher hilfe',
    // No `tell`: the German come-back words say "Alexa, öffne Lautsprecher-Hilfe", no one-shot.
    symptoms: {
      cant_find: 'alexa findet meinen lautsprecher nicht',
      wont_pair: 'er lässt sich nicht koppeln',
      no_sound: 'er ist verbunden aber kein ton',
      keeps_disconnecting: 'die verbindung bricht immer wieder ab',
    },
    replies: {
      yes: 'ja',
      no: 'nein',
      done: 'fertig',
      itWorked: 'es hat geklappt',
      itDidNotWork: 'es hat nicht geklappt',
      notSure: 'ich bin nicht sicher',
      severalEchos: 'ich habe zwei echos',
      echoOffline: 'der echo ist offline',
      echoNotInApp: 'ich finde meinen echo nicht in der app',
      notListed: 'er ist nicht da',
      onlySaved: 'er ist nur gespeichert',
      connected: 'er ist verbunden',
    },
    hazards: {
      reallyHot: 'es ist richtig heiß',
      echoHot: 'mein echo ist sehr heiß',
      burningSmell: 'es riecht verbrannt',
      bulgingBattery: 'der akku ist aufgebläht',
      crackling: 'es knistert',
      onFire: 'der lautsprecher brennt',
      smoke: 'rauch',
    },
    speakers: {
      jblFlip5: 'jbl flip fünf',
      boseSoundlinkFlex: 'bose soundlink flex',
      jblCharge5: 'jbl charge fünf',
      ueBoom3: 'ue boom drei',
      ankerSoundcoreMotion: 'anker soundcore motion',
      marshallEmberton: 'marshall emberton',
      sonyExtraBass: 'sony extra bass',
      tribitStormbox: 'tribit stormbox',
      beatsPillPlus: 'beats pill plus',
      harmanKardonOnyx: 'harman kardon onyx',
      jblGo3: 'jbl go drei',
      sonosRoam: 'sonos roam',
    },
    nameAnswer: (name) => `er heißt ${name}`,
  },
};
