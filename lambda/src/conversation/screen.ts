import type { MusicEvent, MusicPending } from './music';
import type { ConversationEvent, Flow, Line, Progress, Reply, Step, SpeakerState, Symptom } from './types';
import { PAUSE, SPEAKER_STATES } from './types';

/**
 * What a screen (Echo Show, Echo Spot, Fire TV) shows after a turn, and what a touch on it means. Pure like
 * the transition: it names the words as Lines and the buttons as the conversation events they stand for;
 * the handler turns it into an APL directive. A touch is the same conversation as voice: each button maps
 * to the event of its spoken answer, and only the buttons the current state offers are accepted.
 */

/** What a button press sends back (APL `SendEvent` arguments), and the only touches the skill accepts. */
export type Touch = readonly [kind: string, value: string];

export const BUTTON_IDS = [
  'yes',
  'no',
  'unsure',
  'worked',
  'failed',
  'done',
  'skip',
  'back',
  'startOver',
  'connected',
  'saved',
  'not_listed',
  'cant_find',
  'wont_pair',
  'no_sound',
  'keeps_disconnecting',
] as const;
export type ButtonId = (typeof BUTTON_IDS)[number];

export interface Button {
  /** Its label is the i18n key `screen.buttons.<id>`; a device button is labelled with the device's name. */
  id: ButtonId | 'device';
  touch: Touch;
  /** For a device button: the device's name as Spotify lists it. */
  name?: string;
}

export type ScreenKind = 'step' | 'safety' | 'resolved' | 'unresolved' | 'devices' | 'message';

export interface ScreenDevice {
  name: string;
  /** Spotify lists it but lets nobody control it (docs/facts.md F29). */
  available: boolean;
}

export interface Screen {
  kind: ScreenKind;
  /** The RenderDocument token; a touch must come back with the token of the state it was offered in. */
  token: string;
  title: Line;
  /** The body: a step's numbered actions, an end's advice and steps tried, a message's sentences. */
  lines: Line[];
  /** The question waiting for an answer, shown apart from the body (absent when the session ends). */
  question?: Line;
  /** Where the user is: the number of the step in this journey. */
  position?: number;
  /** A returning user sees where they left off. */
  welcomeBack?: true;
  buttons: Button[];
  devices?: ScreenDevice[];
}

/** The state a screen is drawn from and a touch is checked against: the user's progress and any music question. */
export interface ScreenState {
  progress: Progress | undefined;
  pending: MusicPending | undefined;
}

export interface ScreenFacts {
  /** The session stays open after this answer (a touch can be answered in it). */
  sessionOpen: boolean;
  /** The answer came from the Spotify hand-off, not the troubleshooting flow. */
  music: boolean;
  /** A returning user's first turn, on the step they left. */
  welcomeBack: boolean;
  /** Devices Spotify listed this turn, usable or not. */
  devices?: ScreenDevice[];
}

const line = (key: string, params?: Line['params']): Line => (params ? { key, params } : { key });
const button = (id: ButtonId, kind: string, value: string = id): Button => ({ id, touch: [kind, value] });

const ANSWERS = {
  yes: button('yes', 'answer'),
  no: button('no', 'answer'),
  unsure: button('unsure', 'answer'),
};
const SKIP = button('skip', 'nav');
const BACK = button('back', 'nav');
const START_OVER = button('startOver', 'nav');
/** The four problems people open with; the others are said, not tapped. */
const OPENING_SYMPTOMS: Array<Symptom & ButtonId> = [
  'cant_find',
  'wont_pair',
  'no_sound',
  'keeps_disconnecting',
];

/** The token of a state: a touch made on an older screen (another step, a finished journey) is stale. */
export function tokenOf(state: ScreenState): string {
  const { progress, pending } = state;
  if (pending?.kind === 'choose') return 'devices';
  if (pending?.kind === 'offer') return 'offer';
  if (progress?.status === 'active') return `step:${progress.stepId}${progress.awaitingName ? ':name' : ''}`;
  return 'done';
}

function stepButtons(step: Step, progress: Progress): Button[] {
  const back = progress.history.length > 0 ? [BACK] : [];
  // "I don't know the name" goes on without one, as "not sure" said aloud does.
  if (progress.awaitingName) return [ANSWERS.unsure, ...back];
  switch (step.kind) {
    case 'choice':
      return [...OPENING_SYMPTOMS.map((s) => button(s, 'symptom')), ANSWERS.unsure];
    case 'check':
      return [ANSWERS.yes, ANSWERS.no, ANSWERS.unsure, SKIP, ...back];
    case 'state':
      return [...SPEAKER_STATES.map((s: SpeakerState) => button(s, 'state')), ANSWERS.unsure, ...back];
    case 'action':
      return [button('done', 'answer', 'yes'), SKIP, ...back];
    case 'handoff':
      return [
        button('worked', 'answer', 'yes'),
        button('failed', 'answer', 'no'),
        ANSWERS.unsure,
        SKIP,
        ...back,
      ];
    case 'end':
      return [];
  }
}

/** The buttons a state offers, whether or not they are on the screen (a closed session shows none). */
export function buttonsOf(flow: Flow, state: ScreenState): Button[] {
  const { progress, pending } = state;
  if (pending?.kind === 'choose') {
    return pending.candidates.map((name) => ({ id: 'device', touch: ['device', name], name }));
  }
  if (pending?.kind === 'offer') return [ANSWERS.yes, ANSWERS.no];
  if (progress?.status !== 'active') return [];
  const step = flow.steps[progress.stepId];
  return step ? stepButtons(step, progress) : [];
}

const sameTouch = (a: Touch, b: readonly unknown[]) => b.length === 2 && a[0] === b[0] && a[1] === b[1];

/**
 * The event a touch stands for, or `unknown` (answered like speech the skill did not understand) when
 * its token is not the current state's or its arguments are not one of the buttons that state offers.
 */
export function touchEvent(
  flow: Flow,
  state: ScreenState,
  token: unknown,
  args: unknown,
): ConversationEvent | MusicEvent {
  if (token !== tokenOf(state) || !Array.isArray(args)) return { type: 'unknown' };
  // "Start over" is offered to a returning user, and accepted wherever a journey is under way.
  const offered = buttonsOf(flow, state);
  const accepted = state.progress?.status === 'active' && !state.pending ? [...offered, START_OVER] : offered;
  const pressed = accepted.find((b) => sameTouch(b.touch, args));
  if (!pressed) return { type: 'unknown' };
  const [kind, value] = pressed.touch;
  switch (kind) {
    case 'answer':
      // "It worked" tapped means what "it worked" said means.
      return pressed.id === 'worked'
        ? { type: 'answer', answer: 'yes', fixed: true }
        : { type: 'answer', answer: value as 'yes' | 'no' | 'unsure' };
    case 'state':
      return { type: 'state', state: value as SpeakerState };
    case 'symptom':
      return { type: 'symptom', symptom: value as Symptom };
    case 'device':
      return { type: 'moveMusic', device: value };
    default:
      return { type: value as 'skip' | 'back' | 'startOver' };
  }
}

const withoutPauses = (lines: Line[]) => lines.filter((l) => l.key !== PAUSE.key);
/** The reply's question (the last reprompt line), which the screen shows apart from the body. */
const questionOf = (reply: Reply) => reply.reprompt?.[reply.reprompt.length - 1];

/** What the screen shows after a turn: the state it leaves, the reply's words, and the turn's facts. */
export function screenOf(flow: Flow, state: ScreenState, reply: Reply, facts: ScreenFacts): Screen {
  const token = tokenOf(state);
  const question = facts.sessionOpen ? questionOf(reply) : undefined;
  const buttons = facts.sessionOpen ? buttonsOf(flow, state) : [];
  const asked = question ? { question } : {};
  const { progress, pending } = state;
  if (pending?.kind === 'choose' || facts.devices) {
    const candidates = pending?.kind === 'choose' ? pending.candidates : [];
    const listed = facts.devices ?? candidates.map((name) => ({ name, available: true }));
    return {
      kind: 'devices',
      token,
      title: line('screen.devicesTitle'),
      lines: [],
      ...asked,
      buttons,
      devices: listed,
    };
  }
  const card = reply.card;
  if (facts.music || !card || !progress) {
    const lines = withoutPauses(reply.speech).filter((l) => l !== question);
    return { kind: 'message', token, title: line('screen.title'), lines, ...asked, buttons };
  }
  const lines = card.body.filter((l) => l !== question);
  if (progress.status !== 'active') {
    return { kind: progress.status, token, title: card.title, lines, ...asked, buttons };
  }
  return {
    kind: 'step',
    token,
    title: card.title,
    lines,
    ...asked,
    position: progress.history.length + 1,
    ...(facts.welcomeBack ? { welcomeBack: true as const } : {}),
    buttons: facts.welcomeBack && facts.sessionOpen ? [...buttons, START_OVER] : buttons,
  };
}
