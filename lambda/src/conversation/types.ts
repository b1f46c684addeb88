/**
 * Types of the conversation core. Nothing here imports ask-sdk, AWS or HTTP code: the conversation is a
 * pure function from (progress, session, event) to (progress, session, reply).
 */

/**
 * What users say is wrong, used to jump straight to the relevant branch of the flow, at the start or at
 * any step: the four problems people open with, and the facts they mention on the way ("I have two
 * Echos", "the app says my Echo is offline", "my Echo isn't in the app", "the speaker isn't in the list").
 */
export const SYMPTOMS = [
  'cant_find',
  'wont_pair',
  'no_sound',
  'keeps_disconnecting',
  'several_echos',
  'echo_offline',
  'echo_not_in_app',
  'not_listed',
] as const;
export type Symptom = (typeof SYMPTOMS)[number];

/** The states the Alexa app shows a speaker in, for this Echo (docs/facts.md F16). */
export const SPEAKER_STATES = ['connected', 'saved', 'not_listed'] as const;
export type SpeakerState = (typeof SPEAKER_STATES)[number];

/** Things a user may ask about mid-step that have a short answer of their own. */
export const TOPICS = ['pairing_mode'] as const;
export type Topic = (typeof TOPICS)[number];

export type StepId = string;

/**
 * How a step behaves:
 * - choice: the opening triage; answered with a symptom (global), "not sure" or skip.
 * - check: a yes/no question whose answers lead to different steps.
 * - state: "connected, only saved, or not there?" about the speaker in the Alexa app: one edge per state.
 * - action: something short to do in the room; "done" moves on, "no" keeps the user on the step.
 * - handoff: the user must leave the skill (a built-in Alexa command, the Alexa app, or anything that takes
 *   minutes). Entering it saves progress and ends the session; the next "open speaker helper" (or "tell
 *   speaker helper it worked") answers the step's question.
 * - end: a terminal step (fixed, safety stop, or out of fixes); it ends the session.
 *
 * Every step that asks has an `unsure` edge or takes `skip` for it: "I'm not sure" twice, or three answers
 * that don't fit, move the user on rather than trap them.
 */
export type StepKind = 'choice' | 'check' | 'state' | 'action' | 'handoff' | 'end';

export interface ChoiceStep {
  kind: 'choice';
  unsure: StepId;
  skip: StepId;
}
export interface CheckStep {
  kind: 'check';
  yes: StepId;
  no: StepId;
  /** Taken at once on "not sure"; without it, help first and `skip` the second time. */
  unsure?: StepId;
  skip: StepId;
}
export interface StateStep {
  kind: 'state';
  states: Record<SpeakerState, StepId>;
  unsure?: StepId;
  skip: StepId;
}
export interface ActionStep {
  kind: 'action';
  done: StepId;
  skip: StepId;
}
export interface HandoffStep {
  kind: 'handoff';
  yes: StepId;
  no: StepId;
  unsure?: StepId;
  skip: StepId;
  /** Its instruction quotes "Alexa, connect to {{target}}": the speaker's name is asked first, once. */
  command?: true;
  /**
   * "Yes" here means the user is now on the right Echo or account: the fixes tried before were tried in
   * the wrong place, so they may be offered again.
   */
  resets?: true;
  /** Its instruction says how to come back itself (e.g. "open Speaker Helper on that Echo"). */
  ownComeBack?: true;
}
export type EndOutcome = 'resolved' | 'safety' | 'unresolved';
export interface EndStep {
  kind: 'end';
  outcome: EndOutcome;
}
export type Step = ChoiceStep | CheckStep | StateStep | ActionStep | HandoffStep | EndStep;

export interface Flow {
  /**
   * Whether Alexa's "connect to …" command can be quoted in this turn's language. Where it cannot, the
   * steps' words guide through the Alexa app instead, and the speaker's name is never asked. Set per turn
   * by `transition` from `TurnInput.voiceCommands`.
   */
  voiceCommands?: boolean;
  start: StepId;
  safety: StepId;
  /** Where "it's working now" leads from a step that did not ask whether it works. */
  resolved: StepId;
  symptomEntry: Record<Symptom, StepId>;
  steps: Record<StepId, Step>;
}

export type Outcome = 'yes' | 'no' | 'unsure' | 'done' | 'skipped' | 'safety' | SpeakerState;
export interface TriedStep {
  step: StepId;
  outcome: Outcome;
}

export type ProgressStatus = 'active' | EndOutcome;

/** What is remembered about a user between sessions (persisted by the state layer). */
export interface Progress {
  stepId: StepId;
  /** Steps visited before the current one, for "go back"; bounded. */
  history: StepId[];
  /** Steps answered and how; bounded. */
  tried: TriedStep[];
  status: ProgressStatus;
  symptom?: Symptom;
  /** The speaker's name as the Alexa app's Bluetooth list shows it, for "Alexa, connect to …". */
  speakerName?: string;
  /** The user was asked the speaker's name (and may have had none to give): not asked again. */
  nameAsked?: true;
  /** The current step is waiting for the speaker's name before its instruction. */
  awaitingName?: true;
  /** The Spotify device the user last moved their music to, by name (Spotify ids change). */
  musicDevice?: string;
}

/** Scratch kept only for one session (Alexa session attributes), never persisted. */
export interface SessionScratch {
  /** Consecutive turns at this step the skill could not use, to escalate and then move on. */
  misunderstood: number;
  /** Consecutive "I'm not sure" at this step. */
  unsure?: number;
}

export type Answer = 'yes' | 'no' | 'unsure';

export type ConversationEvent =
  | { type: 'launch' }
  | { type: 'start' }
  | {
      type: 'answer';
      answer: Answer;
      /** "It's working now": yes, and fixed wherever it is said. */ fixed?: true;
    }
  | { type: 'state'; state?: SpeakerState }
  | { type: 'skip' }
  | { type: 'back' }
  | { type: 'repeat'; slow?: boolean }
  | { type: 'startOver' }
  | { type: 'why' }
  | { type: 'whereAmI' }
  | { type: 'help' }
  | { type: 'stop' }
  | { type: 'wait' }
  | { type: 'thanks' }
  | { type: 'ok' }
  | { type: 'explain'; topic: Topic }
  | { type: 'symptom'; symptom?: Symptom }
  | { type: 'safety' }
  | {
      type: 'speakerName';
      name?: string;
      /** Only a brand ("an old sony"), not the name the app shows. */ brandOnly?: true;
    }
  | { type: 'unknown' };

/** A sentence to say, as an i18n key and its parameters; the renderer turns it into words. */
export interface Line {
  key: string;
  /** A parameter that is itself a Line is translated first (e.g. a step's title inside a sentence). */
  params?: Record<string, string | number | string[] | Line>;
}

/** A short pause in speech (an SSML break); nothing on the card. */
export const PAUSE: Line = { key: '@pause' };

export interface Reply {
  speech: Line[];
  /** Present exactly when the session stays open. */
  reprompt?: Line[];
  card?: { title: Line; body: Line[] };
  /** Spoken slowly ("say that again slower"). */
  slow?: true;
}

export interface TurnInput {
  /** undefined for a user the skill has never seen (or whose progress expired). */
  progress: Progress | undefined;
  session: SessionScratch;
  /** true on the first turn of an Alexa session, so a returning user is welcomed back once. */
  newSession: boolean;
  /** Whether this turn's language has Alexa's voice commands for Bluetooth (default true). */
  voiceCommands?: boolean;
}

export interface TurnOutput {
  progress: Progress | undefined;
  session: SessionScratch;
  reply: Reply;
  /** true when `progress` differs from the input and must be saved. */
  progressChanged: boolean;
  /** The answer this turn recorded for a step, if any (for metrics: which steps fix speakers). */
  recorded?: TriedStep;
}
