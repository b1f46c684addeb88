/**
 * Types of the conversation core. Nothing here imports ask-sdk, AWS or HTTP code: the conversation is a
 * pure function from (progress, session, event) to (progress, session, reply).
 */

/** The four problems users describe, used to jump straight to the relevant branch of the flow. */
export const SYMPTOMS = ['cant_find', 'wont_pair', 'no_sound', 'keeps_disconnecting'] as const;
export type Symptom = (typeof SYMPTOMS)[number];

export type StepId = string;

/**
 * How a step behaves:
 * - choice: the opening triage; answered with a symptom (global), "not sure" or skip.
 * - check: a yes/no question whose answers lead to different steps.
 * - action: something to do in the room; "done" moves on, "no" keeps the user on the step.
 * - handoff: the user must leave the skill (a built-in Alexa command or the Alexa app). Entering it saves
 *   progress and ends the session; the next "open speaker helper" asks the step's question.
 * - end: a terminal step (fixed, safety stop, or out of fixes); it ends the session.
 */
export type StepKind = 'choice' | 'check' | 'action' | 'handoff' | 'end';

export interface ChoiceStep {
  kind: 'choice';
  unsure: StepId;
  skip: StepId;
}
export interface CheckStep {
  kind: 'check';
  yes: StepId;
  no: StepId;
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
  skip: StepId;
}
export type EndOutcome = 'resolved' | 'safety' | 'unresolved';
export interface EndStep {
  kind: 'end';
  outcome: EndOutcome;
}
export type Step = ChoiceStep | CheckStep | ActionStep | HandoffStep | EndStep;

export interface Flow {
  start: StepId;
  safety: StepId;
  symptomEntry: Record<Symptom, StepId>;
  steps: Record<StepId, Step>;
}

export type Outcome = 'yes' | 'no' | 'unsure' | 'done' | 'skipped' | 'safety';
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
  speakerName?: string;
  /** The Spotify device the user last moved their music to, by name (Spotify ids change). */
  musicDevice?: string;
}

/** Scratch kept only for one session (Alexa session attributes), never persisted. */
export interface SessionScratch {
  /** Consecutive turns the skill did not understand, to escalate the fallback. */
  misunderstood: number;
}

export type Answer = 'yes' | 'no' | 'unsure';

export type ConversationEvent =
  | { type: 'launch' }
  | { type: 'start' }
  | { type: 'answer'; answer: Answer }
  | { type: 'skip' }
  | { type: 'back' }
  | { type: 'repeat' }
  | { type: 'startOver' }
  | { type: 'why' }
  | { type: 'whereAmI' }
  | { type: 'help' }
  | { type: 'stop' }
  | { type: 'symptom'; symptom?: Symptom }
  | { type: 'safety' }
  | { type: 'speakerName'; name?: string }
  | { type: 'unknown' };

/** A sentence to say, as an i18n key and its parameters; the renderer turns it into words. */
export interface Line {
  key: string;
  /** A parameter that is itself a Line is translated first (e.g. a step's title inside a sentence). */
  params?: Record<string, string | number | string[] | Line>;
}

export interface Reply {
  speech: Line[];
  /** Present exactly when the session stays open. */
  reprompt?: Line[];
  card?: { title: Line; body: Line[] };
}

export interface TurnInput {
  /** undefined for a user the skill has never seen (or whose progress expired). */
  progress: Progress | undefined;
  session: SessionScratch;
  /** true on the first turn of an Alexa session, so a returning user is welcomed back once. */
  newSession: boolean;
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
