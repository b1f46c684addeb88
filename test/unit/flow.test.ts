import { edgesOf, flowProblems } from '../../lambda/src/conversation/flow-check';
import { FLOW } from '../../lambda/src/conversation/flow';
import type { Flow } from '../../lambda/src/conversation/types';
import { SYMPTOMS } from '../../lambda/src/conversation/types';
import { createTranslators } from '../../lambda/src/i18n/translators';

const translators = createTranslators();
const clone = (): Flow => JSON.parse(JSON.stringify(FLOW)) as Flow;
const allText = () => true;

describe('the troubleshooting flow', () => {
  it.each([...translators.keys()])('is sound and fully translated in %s', (locale) => {
    const t = translators.get(locale)!;
    expect(flowProblems(FLOW, (key) => t.has(key))).toEqual([]);
  });

  it('covers every topic of the vetted Bluetooth facts with its own step', () => {
    const topics = [
      'right_echo',
      'echo_offline',
      'wrong_account',
      'special_modes',
      'worked_before',
      'reconnect',
      'pairing_mode',
      'pair_new',
      'forget_repair',
      'clear_memory',
      'sound_on_echo',
      'app_state',
      'firmware',
      'restart',
      'factory_reset_warning',
      'power_saving',
      'safety_stop',
      'resolved',
    ];
    expect(topics.filter((id) => !FLOW.steps[id])).toEqual([]);
  });

  it('sends every symptom to a different place than the generic start, where it matters', () => {
    for (const symptom of SYMPTOMS) expect(FLOW.steps[FLOW.symptomEntry[symptom]]).toBeDefined();
    expect(new Set(Object.values(FLOW.symptomEntry)).size).toBeGreaterThan(1);
  });

  it('finds an edge to a missing step', () => {
    const flow = clone();
    flow.steps.right_echo = { kind: 'check', yes: 'nowhere', no: 'switch_echo', skip: 'echo_in_app' };
    expect(flowProblems(flow, allText)).toContain('step "right_echo" leads to missing step "nowhere"');
  });

  it('finds an unreachable step', () => {
    const flow = clone();
    flow.steps.orphan = { kind: 'action', done: 'resolved', skip: 'resolved' };
    expect(flowProblems(flow, allText)).toContain('step "orphan" is unreachable');
  });

  it('finds a loop without an exit', () => {
    const flow = clone();
    // Two steps that only lead to each other: reachable, but no way to an end.
    flow.steps.loop_a = { kind: 'action', done: 'loop_b', skip: 'loop_b' };
    flow.steps.loop_b = { kind: 'action', done: 'loop_a', skip: 'loop_a' };
    flow.steps.firmware = { kind: 'action', done: 'loop_a', skip: 'factory_reset_warning' };
    const problems = flowProblems(flow, allText);
    expect(problems).toContain('step "loop_a" cannot reach an end (dead end or loop)');
    expect(problems).toContain('step "loop_b" cannot reach an end (dead end or loop)');
    expect(problems.some((p) => p.includes('"firmware"'))).toBe(false);
  });

  it('finds a missing translation', () => {
    const t = translators.get('en-US')!;
    const problems = flowProblems(FLOW, (key) => key !== 'steps.pairing_mode.why' && t.has(key));
    expect(problems).toEqual(['missing text "steps.pairing_mode.why"']);
  });

  it('finds skips that go round in a circle (a failed fix would be passed for ever)', () => {
    const flow = clone();
    const restart = flow.steps.restart as { skip: string };
    const right = flow.steps.right_echo as { skip: string };
    restart.skip = 'right_echo';
    right.skip = 'restart';
    expect(
      flowProblems(flow, allText).some((p) => p.startsWith('skipping from') && p.includes('circle')),
    ).toBe(true);
  });

  it('finds a state step without an edge for every state the app shows', () => {
    const flow = clone();
    const state = Object.entries(flow.steps).find(([, s]) => s.kind === 'state');
    expect(state).toBeDefined();
    const [id, step] = state as [string, { states: Record<string, string> }];
    delete step.states.saved;
    expect(flowProblems(flow, allText)).toContain(`step "${id}" has no edge for "saved"`);
  });

  it('insists the safety step is a safety stop', () => {
    const flow = clone();
    flow.safety = 'resolved';
    expect(flowProblems(flow, allText)).toContain('the safety step is not a safety stop');
  });

  it('gives the fixes a new speaker needs early: the pairing instruction is the third answer away', () => {
    // triage → (won't pair) worked_before → (no) pair_new
    const entry = FLOW.symptomEntry.wont_pair;
    const step = FLOW.steps[entry] as { no: string };
    expect(FLOW.steps[step.no]?.kind).toBe('handoff');
    expect(step.no).toBe('pair_new');
  });

  it('lets every non-final step be skipped to somewhere else', () => {
    for (const [id, step] of Object.entries(FLOW.steps)) {
      if (step.kind === 'end') continue;
      expect(edgesOf(step).length).toBeGreaterThan(0);
      expect('skip' in step && step.skip !== id).toBe(true);
    }
  });
});
