import { FLOW } from '../../lambda/src/conversation/flow';
import type { ScreenState } from '../../lambda/src/conversation/screen';
import { buttonsOf, screenOf, tokenOf, touchEvent } from '../../lambda/src/conversation/screen';
import { freshProgress, transition } from '../../lambda/src/conversation/transition';
import type { Progress, StepId } from '../../lambda/src/conversation/types';

const at = (stepId: StepId, extra: Partial<Progress> = {}): Progress => ({
  ...freshProgress(FLOW),
  stepId,
  history: [FLOW.start],
  ...extra,
});
const state = (progress: Progress | undefined, pending?: ScreenState['pending']): ScreenState => ({
  progress,
  pending,
});
const activeSteps = Object.entries(FLOW.steps).filter(([, step]) => step.kind !== 'end');

describe('buttons', () => {
  it.each(activeSteps)('every button at %s stands for an event the conversation acts on', (id) => {
    const s = state(at(id));
    const buttons = buttonsOf(FLOW, s);
    expect(buttons.length).toBeGreaterThan(1);
    for (const button of buttons) {
      const event = touchEvent(FLOW, s, tokenOf(s), [...button.touch]);
      expect(event.type).not.toBe('unknown');
      // The conversation answers it without falling back to "I didn't catch that".
      const out = transition(
        FLOW,
        { progress: s.progress, session: { misunderstood: 0 }, newSession: false },
        event as never,
      );
      expect(out.reply.speech.map((l) => l.key)).not.toContain('fallback.first');
    }
  });

  it('the opening question offers the four problems people open with and "not sure"', () => {
    const s = state(at(FLOW.start, { history: [] }));
    expect(buttonsOf(FLOW, s).map((b) => b.id)).toEqual([
      'cant_find',
      'wont_pair',
      'no_sound',
      'keeps_disconnecting',
      'unsure',
    ]);
  });

  it('"go back" is offered only where there is somewhere to go back to', () => {
    const step = activeSteps.find(([, s]) => s.kind === 'check')?.[0] as StepId;
    expect(buttonsOf(FLOW, state(at(step, { history: [] }))).map((b) => b.id)).not.toContain('back');
    expect(buttonsOf(FLOW, state(at(step))).map((b) => b.id)).toContain('back');
  });

  it('an ended journey offers nothing, a music offer yes and no, a device list its devices', () => {
    expect(buttonsOf(FLOW, state({ ...at('resolved'), status: 'resolved' }))).toEqual([]);
    expect(buttonsOf(FLOW, state(undefined, { kind: 'offer' })).map((b) => b.id)).toEqual(['yes', 'no']);
    const choose = { kind: 'choose' as const, candidates: ['Kitchen Echo', 'Office'], thisEcho: false };
    expect(buttonsOf(FLOW, state(undefined, choose)).map((b) => b.name)).toEqual(['Kitchen Echo', 'Office']);
  });
});

describe('touchEvent', () => {
  const handoff = activeSteps.find(([, s]) => s.kind === 'handoff')?.[0] as StepId;
  const s = state(at(handoff));
  const token = tokenOf(s);

  it('maps "It worked" to what saying it means', () => {
    expect(touchEvent(FLOW, s, token, ['answer', 'yes'])).toEqual({
      type: 'answer',
      answer: 'yes',
      fixed: true,
    });
    expect(touchEvent(FLOW, s, token, ['answer', 'no'])).toEqual({ type: 'answer', answer: 'no' });
  });

  it.each([
    ['another step’s token', 'step:triage', ['answer', 'yes']],
    ['a finished journey’s token', 'done', ['answer', 'yes']],
    ['no token', undefined, ['answer', 'yes']],
    ['a button this step does not offer', 'CURRENT', ['state', 'saved']],
    ['an unknown kind', 'CURRENT', ['launch', 'now']],
    ['a prototype name', 'CURRENT', ['nav', 'toString']],
    ['three arguments', 'CURRENT', ['answer', 'yes', 'yes']],
    ['a number', 'CURRENT', ['answer', 1]],
    ['an object', 'CURRENT', { 0: 'answer', 1: 'yes', length: 2 }],
    ['nothing', 'CURRENT', undefined],
  ])('%s is not understood', (_what, given, args) => {
    expect(touchEvent(FLOW, s, given === 'CURRENT' ? token : given, args)).toEqual({ type: 'unknown' });
  });

  it('accepts "start over" wherever a journey is under way', () => {
    expect(touchEvent(FLOW, s, token, ['nav', 'startOver'])).toEqual({ type: 'startOver' });
    const finished = state({ ...at('resolved'), status: 'resolved' });
    expect(touchEvent(FLOW, finished, tokenOf(finished), ['nav', 'startOver'])).toEqual({ type: 'unknown' });
  });

  it('a device is taken only from the list shown, by its name', () => {
    const choose = state(undefined, { kind: 'choose', candidates: ['Kitchen Echo'], thisEcho: false });
    expect(touchEvent(FLOW, choose, 'devices', ['device', 'Kitchen Echo'])).toEqual({
      type: 'moveMusic',
      device: 'Kitchen Echo',
    });
    expect(touchEvent(FLOW, choose, 'devices', ['device', 'Phone'])).toEqual({ type: 'unknown' });
  });

  it('a screen waiting for the speaker’s name has its own token', () => {
    const naming = state(at(handoff, { awaitingName: true }));
    expect(tokenOf(naming)).not.toBe(token);
    expect(touchEvent(FLOW, naming, token, ['answer', 'no'])).toEqual({ type: 'unknown' });
    expect(touchEvent(FLOW, naming, tokenOf(naming), ['answer', 'unsure'])).toEqual({
      type: 'answer',
      answer: 'unsure',
    });
  });
});

describe('screenOf', () => {
  const check = activeSteps.find(([, s]) => s.kind === 'check')?.[0] as StepId;
  const facts = { sessionOpen: true, music: false, welcomeBack: false };

  it('shows a step with its question apart from the body and where the user is', () => {
    const progress = at(check, { history: [FLOW.start, 'x'] });
    const out = transition(
      FLOW,
      { progress, session: { misunderstood: 0 }, newSession: false },
      { type: 'repeat' },
    );
    const screen = screenOf(FLOW, state(out.progress), out.reply, facts);
    expect(screen.kind).toBe('step');
    expect(screen.position).toBe(3);
    expect(screen.question).toEqual({ key: `steps.${check}.question` });
    expect(screen.lines).not.toContainEqual(screen.question);
    expect(screen.buttons.map((b) => b.id)).toEqual(['yes', 'no', 'unsure', 'skip', 'back']);
  });

  it('shows no question and no buttons once the session ends', () => {
    const out = transition(
      FLOW,
      { progress: at(check), session: { misunderstood: 0 }, newSession: false },
      { type: 'stop' },
    );
    const screen = screenOf(FLOW, state(out.progress), out.reply, { ...facts, sessionOpen: false });
    expect(screen.buttons).toEqual([]);
    expect(screen.question).toBeUndefined();
  });

  it('welcomes a returning user back with "start over" among the buttons', () => {
    const out = transition(
      FLOW,
      { progress: at(check), session: { misunderstood: 0 }, newSession: true },
      { type: 'launch' },
    );
    const screen = screenOf(FLOW, state(out.progress), out.reply, { ...facts, welcomeBack: true });
    expect(screen.welcomeBack).toBe(true);
    expect(screen.buttons.map((b) => b.id)).toContain('startOver');
  });

  it('shows the ends by their outcome, with the card’s words', () => {
    for (const outcome of ['safety', 'unresolved', 'resolved'] as const) {
      const id = Object.entries(FLOW.steps).find(
        ([, s]) => s.kind === 'end' && s.outcome === outcome,
      )?.[0] as StepId;
      const progress = { ...at(id), status: outcome };
      const reply = {
        speech: [{ key: `steps.${id}.say` }],
        card: { title: { key: `steps.${id}.title` }, body: [{ key: `steps.${id}.detail` }] },
      };
      const screen = screenOf(FLOW, state(progress), reply, { ...facts, sessionOpen: false });
      expect(screen.kind).toBe(outcome);
      expect(screen.title).toEqual(reply.card.title);
      expect(screen.lines).toEqual(reply.card.body);
    }
  });

  it('lists Spotify devices with the unavailable ones', () => {
    const pending = { kind: 'choose' as const, candidates: ['Kitchen Echo'], thisEcho: false };
    const question = { key: 'music.whichDevice' };
    const devices = [
      { name: 'Kitchen Echo', available: true },
      { name: 'Phone', available: false },
    ];
    const screen = screenOf(
      FLOW,
      state(undefined, pending),
      { speech: [question], reprompt: [question] },
      { ...facts, music: true, devices },
    );
    expect(screen.kind).toBe('devices');
    expect(screen.devices).toEqual(devices);
    expect(screen.buttons.map((b) => b.name)).toEqual(['Kitchen Echo']);
    expect(screen.question).toEqual(question);
  });
});
