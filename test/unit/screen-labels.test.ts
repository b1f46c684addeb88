/**
 * The screen's buttons can be said. A Fire TV has no touch, so its screen says "Say “Yes”, “No”, or “Not
 * sure”": in every locale each button's label, said as it stands, must be understood by that locale's model
 * as the conversation event the button sends when touched. The labels are said through the virtual Echo
 * (the locale's own model, inside a session), the request Alexa would send goes through `intentToEvent`, and
 * the event is held against `touchEvent` at a state that offers the button, so the test holds for any label
 * or model change. It also keeps the labels short, tells apart the buttons shown together, and renders the
 * Fire TV hint in every language.
 */
import type { IntentRequest, RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { isDeepStrictEqual } from 'node:util';
import { FLOW } from '../../lambda/src/conversation/flow';
import type { MusicEvent } from '../../lambda/src/conversation/music';
import type { Button, ButtonId, ScreenState } from '../../lambda/src/conversation/screen';
import { BUTTON_IDS, screenOf, tokenOf, touchEvent } from '../../lambda/src/conversation/screen';
import { transition } from '../../lambda/src/conversation/transition';
import type {
  ConversationEvent,
  Flow,
  Progress,
  Reply,
  Step,
  StepId,
} from '../../lambda/src/conversation/types';
import { intentToEvent } from '../../lambda/src/handlers/events';
import type { Translator } from '../../lambda/src/i18n/translators';
import { createTranslators, SUPPORTED_LOCALES } from '../../lambda/src/i18n/translators';
import { VirtualEcho } from '../../scripts/local/virtual-echo';

type Event = ConversationEvent | MusicEvent;

const translators = createTranslators();
const translatorOf = (locale: string): Translator => {
  const translator = translators.get(locale);
  if (!translator) throw new Error(`no translator for ${locale}`);
  return translator;
};

const firstOfKind = (flow: Flow, kind: Step['kind']): StepId | undefined =>
  Object.keys(flow.steps).find((id) => flow.steps[id]?.kind === kind);

/** The flow, with an action step of its own when it has none, so the "done" button is offered somewhere. */
const ACTION_ID = 'screen_labels_action';
const flow: Flow = firstOfKind(FLOW, 'action')
  ? FLOW
  : {
      ...FLOW,
      steps: { ...FLOW.steps, [ACTION_ID]: { kind: 'action', done: FLOW.resolved, skip: FLOW.resolved } },
    };

const stepOfKind = (kind: Step['kind']): StepId => {
  const id = firstOfKind(flow, kind);
  if (!id) throw new Error(`the flow has no ${kind} step`);
  return id;
};

/** Partway through a journey (so "Go back" is offered) at a step. */
const active = (stepId: StepId, extra: Partial<Progress> = {}): Progress => ({
  stepId,
  history: stepId === flow.start ? [] : [flow.start],
  tried: [],
  status: 'active',
  ...extra,
});

/** Every kind of state that shows buttons: each step kind, the speaker's name asked, the music offer. */
const STATES: Array<[name: string, state: ScreenState]> = [
  ['the triage', { progress: active(flow.start), pending: undefined }],
  ['a check step', { progress: active(stepOfKind('check')), pending: undefined }],
  ['the app-state step', { progress: active(stepOfKind('state')), pending: undefined }],
  ['an action step', { progress: active(stepOfKind('action')), pending: undefined }],
  ['a handoff step', { progress: active(stepOfKind('handoff')), pending: undefined }],
  [
    'the speaker’s name asked',
    { progress: active(stepOfKind('handoff'), { awaitingName: true }), pending: undefined },
  ],
  [
    'the music offer',
    { progress: { ...active(flow.resolved), status: 'resolved' }, pending: { kind: 'offer' } },
  ],
];

/** The buttons a returning user's screen shows at a state ("Start over" among them, where it is offered). */
function buttonsShown(state: ScreenState): Array<Button & { id: ButtonId }> {
  const question = { key: 'screen.question' };
  const reply: Reply = {
    speech: [question],
    reprompt: [question],
    card: { title: { key: 'screen.title' }, body: [] },
  };
  const screen = screenOf(flow, state, reply, { sessionOpen: true, music: false, welcomeBack: true });
  return screen.buttons.filter((b): b is Button & { id: ButtonId } => b.id !== 'device');
}

const labelOf = (translator: Translator, id: ButtonId) => translator.t(`screen.buttons.${id}`);

/**
 * Two events mean the same at a state when they are equal, or when the conversation answers both alike
 * from there: "it's not there" is a symptom to the model, and at the app-state question it is that state.
 */
function sameMeaning(state: ScreenState, said: Event, touched: Event): boolean {
  if (isDeepStrictEqual(said, touched)) return true;
  const turn = (event: Event) =>
    transition(
      flow,
      { progress: state.progress, session: { misunderstood: 0 }, newSession: false },
      event as ConversationEvent,
    );
  return isDeepStrictEqual(turn(said), turn(touched));
}

/** An Echo with the locale's model, in an open session, that keeps the requests it sends. */
async function echoIn(locale: string) {
  const received: RequestEnvelope[] = [];
  const echo = new VirtualEcho({
    locale,
    skillId: 'amzn1.ask.skill.screen-labels',
    userId: 'amzn1.ask.account.SCREEN-LABELS',
    handler: async (event): Promise<ResponseEnvelope> => {
      received.push(event);
      // A skill asking a question keeps the session open.
      return { version: '1.0', response: { shouldEndSession: event.request.type === 'SessionEndedRequest' } };
    },
  });
  await echo.launch();
  /** The event the skill takes the words for, or what went wrong on the way. */
  const say = async (words: string): Promise<Event | string> => {
    const understood = echo.understand(words);
    if (understood.kind !== 'intent') return `not understood (${understood.kind})`;
    if (understood.oneShot) return `taken as a one-shot (${understood.intent})`;
    await echo.perform(understood);
    const request = received.at(-1)?.request;
    if (request?.type !== 'IntentRequest') return `sent as ${request?.type}`;
    return intentToEvent(request as IntentRequest);
  };
  return { echo, say };
}

describe('the screen’s buttons', () => {
  it('are all offered at one of the states the test goes through', () => {
    const offered = new Set(STATES.flatMap(([, state]) => buttonsShown(state).map((b) => b.id)));
    expect(BUTTON_IDS.filter((id) => !offered.has(id))).toEqual([]);
  });
});

describe.each([...SUPPORTED_LOCALES])('%s: the button labels', (locale) => {
  const translator = translatorOf(locale);

  it('are each understood by the model as the event the button sends', async () => {
    const { echo, say } = await echoIn(locale);
    const wrong: string[] = [];
    for (const [name, state] of STATES) {
      const token = tokenOf(state);
      for (const button of buttonsShown(state)) {
        const label = labelOf(translator, button.id);
        const touched = touchEvent(flow, state, token, [...button.touch]);
        const said = await say(label);
        if (touched.type === 'unknown' || typeof said === 'string' || !sameMeaning(state, said, touched)) {
          wrong.push(
            `${button.id} at ${name}: "${label}" ${JSON.stringify(said)}, touched ${JSON.stringify(touched)}`,
          );
        }
      }
      expect(echo.inSession).toBe(true);
    }
    expect(wrong).toEqual([]);
  });

  it('are short: at most four words (Japanese: twelve characters)', () => {
    const long = BUTTON_IDS.map((id) => labelOf(translator, id)).filter((label) =>
      locale.startsWith('ja') ? [...label].length > 12 : label.trim().split(/\s+/).length > 4,
    );
    expect(long).toEqual([]);
  });

  it('differ among the buttons shown together', () => {
    const clashes: string[] = [];
    for (const [name, state] of STATES) {
      const seen = new Map<string, ButtonId>();
      for (const { id } of buttonsShown(state)) {
        const label = labelOf(translator, id).toLocaleLowerCase(locale);
        const other = seen.get(label);
        if (other) clashes.push(`${name}: ${other} and ${id} are both "${label}"`);
        seen.set(label, id);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('are quoted in the Fire TV hint, which renders whole', () => {
    const labels = (['yes', 'no', 'unsure'] as const).map((id) => labelOf(translator, id));
    const quoted = labels.map((text) => translator.t('screen.quote', { text }));
    const hint = translator.t('screen.say', { options: quoted });
    expect(hint).not.toMatch(/\{\{|\}\}|screen\./);
    for (const [i, label] of labels.entries()) {
      expect(quoted[i]).not.toBe(label);
      expect(quoted[i]).toContain(label);
      expect(hint).toContain(quoted[i]);
    }
  });
});
