import { FLOW } from '../../lambda/src/conversation/flow';
import { MAX_HISTORY, transition } from '../../lambda/src/conversation/transition';
import type {
  ConversationEvent,
  Line,
  Progress,
  Step,
  StepId,
  TurnOutput,
} from '../../lambda/src/conversation/types';

const scratch = { misunderstood: 0 };
const keys = (lines: Line[] | undefined) => (lines ?? []).map((l) => l.key);
const at = (stepId: StepId, extra: Partial<Progress> = {}): Progress => ({
  stepId,
  history: [],
  tried: [],
  status: 'active',
  ...extra,
});
const turn = (progress: Progress | undefined, event: ConversationEvent, newSession = false): TurnOutput =>
  transition(FLOW, { progress, session: scratch, newSession }, event);
const step = (id: StepId): Step => FLOW.steps[id] as Step;
const idsOfKind = (kind: Step['kind']) => Object.keys(FLOW.steps).filter((id) => step(id).kind === kind);
const question = (id: StepId) => `steps.${id}.question`;
const isOpen = (out: TurnOutput) => out.reply.reprompt !== undefined;

describe('a new user', () => {
  it('is welcomed and asked what is wrong, with the session left open', () => {
    const out = turn(undefined, { type: 'launch' }, true);
    expect(keys(out.reply.speech)).toEqual(['welcome.new', question(FLOW.start)]);
    expect(keys(out.reply.reprompt)).toEqual([question(FLOW.start)]);
    expect(out.progress?.stepId).toBe(FLOW.start);
    expect(out.progressChanged).toBe(true);
  });

  it('who names a symptom in one shot goes straight to that branch', () => {
    const out = turn(undefined, { type: 'symptom', symptom: 'no_sound' }, true);
    const entry = FLOW.symptomEntry.no_sound;
    expect(out.progress).toMatchObject({ stepId: entry, symptom: 'no_sound' });
    expect(keys(out.reply.speech)).toEqual([
      'welcome.new',
      'symptom.ack',
      `steps.${entry}.instruction`,
      question(entry),
    ]);
  });

  it('who just says stop is let go without creating progress', () => {
    const out = turn(undefined, { type: 'stop' }, true);
    expect(keys(out.reply.speech)).toEqual(['stop.goodbye']);
    expect(isOpen(out)).toBe(false);
    expect(out.progress).toBeUndefined();
    expect(out.progressChanged).toBe(false);
  });
});

describe('a returning user', () => {
  it('resumes a handoff step by being asked how the outside action went', () => {
    const handoff = idsOfKind('handoff')[0]!;
    const out = turn(at(handoff), { type: 'launch' }, true);
    expect(keys(out.reply.speech)).toEqual(['welcome.returning', 'resume.intro', question(handoff)]);
    expect(out.reply.speech[1]?.params?.title).toEqual({ key: `steps.${handoff}.title` });
    expect(isOpen(out)).toBe(true);
    expect(out.progressChanged).toBe(false);
  });

  it('resumes an in-skill step with its instruction and question', () => {
    const check = idsOfKind('check')[0]!;
    const out = turn(at(check), { type: 'launch' }, true);
    expect(keys(out.reply.speech)).toEqual([
      'welcome.returning',
      'resume.intro',
      `steps.${check}.instruction`,
      question(check),
    ]);
  });

  it('who finished last time starts fresh, keeping the speaker name', () => {
    const done = at('resolved', { status: 'resolved', speakerName: 'jbl flip', history: ['triage'] });
    const out = turn(done, { type: 'launch' }, true);
    expect(keys(out.reply.speech)[0]).toBe('welcome.afterFinish');
    expect(out.progress).toEqual({
      stepId: FLOW.start,
      history: [],
      tried: [],
      status: 'active',
      speakerName: 'jbl flip',
    });
  });

  it('after a safety stop is reminded of it first', () => {
    const out = turn(at(FLOW.safety, { status: 'safety' }), { type: 'launch' }, true);
    expect(keys(out.reply.speech)[0]).toBe('welcome.afterSafety');
  });

  it('answering in one shot applies the answer to the saved step', () => {
    const handoff = idsOfKind('handoff')[0]!;
    const out = turn(at(handoff), { type: 'answer', answer: 'yes' }, true);
    expect(out.progress?.stepId).toBe((step(handoff) as { yes: StepId }).yes);
  });
});

describe('answers', () => {
  it.each(idsOfKind('check'))('a check step (%s) follows yes and no to their steps', (id) => {
    const s = step(id) as { yes: StepId; no: StepId };
    const yes = turn(at(id), { type: 'answer', answer: 'yes' });
    const no = turn(at(id), { type: 'answer', answer: 'no' });
    expect(yes.progress?.stepId).toBe(s.yes);
    expect(no.progress?.stepId).toBe(s.no);
    expect(keys(no.reply.speech)[0]).toBe(`steps.${id}.ifNo`);
    expect(yes.progress?.history).toEqual([id]);
    expect(no.progress?.tried).toEqual([{ step: id, outcome: 'no' }]);
  });

  it.each(idsOfKind('action'))('an action step (%s) moves on when done and waits on no', (id) => {
    const s = step(id) as { done: StepId };
    expect(turn(at(id), { type: 'answer', answer: 'yes' }).progress?.stepId).toBe(s.done);
    const no = turn(at(id), { type: 'answer', answer: 'no' });
    expect(no.progress?.stepId).toBe(id);
    expect(keys(no.reply.speech)).toEqual([`steps.${id}.ifNo`, question(id)]);
    expect(isOpen(no)).toBe(true);
  });

  it('an unsure answer without a branch explains the step and asks again', () => {
    const id = idsOfKind('check').find((c) => !(step(c) as { unsure?: StepId }).unsure)!;
    const out = turn(at(id), { type: 'answer', answer: 'unsure' });
    expect(out.progress?.stepId).toBe(id);
    expect(keys(out.reply.speech)).toEqual([`steps.${id}.help`, question(id)]);
  });

  it('an unsure answer with a branch follows it', () => {
    const id = idsOfKind('check').find((c) => (step(c) as { unsure?: StepId }).unsure)!;
    const out = turn(at(id), { type: 'answer', answer: 'unsure' });
    expect(out.progress?.stepId).toBe((step(id) as { unsure: StepId }).unsure);
  });

  it('yes or no to the symptom question asks for the symptom', () => {
    const out = turn(at(FLOW.start), { type: 'answer', answer: 'yes' });
    expect(out.progress?.stepId).toBe(FLOW.start);
    expect(keys(out.reply.speech)).toEqual(['answer.chooseSymptom', question(FLOW.start)]);
  });
});

describe('leaving the skill', () => {
  /** A step and an event that lead into `id`, found from the flow's own edges. */
  const wayInto = (id: StepId): [StepId, ConversationEvent] => {
    for (const [from, s] of Object.entries(FLOW.steps)) {
      const moves: [StepId | undefined, ConversationEvent][] = [
        ['skip' in s ? s.skip : undefined, { type: 'skip' }],
        ['yes' in s ? s.yes : 'done' in s ? s.done : undefined, { type: 'answer', answer: 'yes' }],
        ['no' in s ? s.no : undefined, { type: 'answer', answer: 'no' }],
      ];
      const found = moves.find(([to]) => to === id);
      if (found) return [from, found[1]];
    }
    throw new Error(`no way into ${id}`);
  };

  it.each(idsOfKind('handoff'))('entering %s gives the instruction, saves it, and ends the session', (id) => {
    const [origin, event] = wayInto(id);
    const out = turn(at(origin), event);
    expect(out.progress?.stepId).toBe(id);
    expect(out.progressChanged).toBe(true);
    expect(keys(out.reply.speech).slice(-2)).toEqual([`steps.${id}.instruction`, 'handoff.comeBack']);
    expect(isOpen(out)).toBe(false);
    expect(out.reply.card?.title.key).toBe(`steps.${id}.title`);
  });
});

describe('navigation', () => {
  const middle = 'pairing_mode';

  it('skip and next move along the skip edge and record the skip', () => {
    const out = turn(at(middle), { type: 'skip' });
    expect(out.progress?.stepId).toBe((step(middle) as { skip: StepId }).skip);
    expect(out.progress?.tried).toEqual([{ step: middle, outcome: 'skipped' }]);
    expect(keys(out.reply.speech)[0]).toBe('skip.ack');
  });

  it('go back returns to the previous step, and says so at the first one', () => {
    const forward = turn(at(middle), { type: 'answer', answer: 'no' });
    const back = turn(forward.progress, { type: 'back' });
    expect(back.progress?.stepId).toBe(middle);
    expect(back.progress?.history).toEqual([]);
    const first = turn(at(FLOW.start), { type: 'back' });
    expect(keys(first.reply.speech)[0]).toBe('back.atStart');
    expect(first.progressChanged).toBe(false);
  });

  it('going back onto a handoff restates it without closing the session', () => {
    const handoff = idsOfKind('handoff')[0]!;
    const out = turn(at('echo_in_app', { history: [handoff] }), { type: 'back' });
    expect(out.progress?.stepId).toBe(handoff);
    expect(keys(out.reply.speech)).toEqual([
      'back.ack',
      `steps.${handoff}.instruction`,
      'handoff.alreadyDone',
      question(handoff),
    ]);
    expect(isOpen(out)).toBe(true);
  });

  it.each(['triage', 'right_echo', 'special_modes', 'restart'])(
    'repeat, why, where am i and help keep %s',
    (id) => {
      for (const type of ['repeat', 'why', 'whereAmI', 'help'] as const) {
        const out = turn(at(id, { history: ['triage'], tried: [{ step: 'triage', outcome: 'unsure' }] }), {
          type,
        });
        expect(out.progress?.stepId).toBe(id);
        expect(out.progressChanged).toBe(false);
        expect(keys(out.reply.speech).at(-1)).toBe(question(id));
        expect(isOpen(out)).toBe(true);
      }
    },
  );

  it('why gives the step reason; help the step help and the navigation words', () => {
    expect(keys(turn(at(middle), { type: 'why' }).reply.speech)[0]).toBe(`steps.${middle}.why`);
    expect(keys(turn(at(middle), { type: 'help' }).reply.speech).slice(0, 2)).toEqual([
      `steps.${middle}.help`,
      'help.navigation',
    ]);
  });

  it('where am i counts the steps', () => {
    const out = turn(
      at(middle, { history: ['triage', 'right_echo'], tried: [{ step: 'triage', outcome: 'unsure' }] }),
      {
        type: 'whereAmI',
      },
    );
    expect(out.reply.speech[0]?.params?.number).toBe(3);
    expect(out.reply.speech[1]).toEqual({ key: 'whereAmI.tried', params: { count: 1 } });
  });

  it('start over goes back to the symptom question and forgets the tries', () => {
    const out = turn(at(middle, { history: ['triage'], symptom: 'wont_pair', speakerName: 'ue boom' }), {
      type: 'startOver',
    });
    expect(out.progress).toEqual({
      stepId: FLOW.start,
      history: [],
      tried: [],
      status: 'active',
      speakerName: 'ue boom',
    });
  });

  it('stop keeps the place and ends the session', () => {
    const out = turn(at(middle), { type: 'stop' });
    expect(keys(out.reply.speech)).toEqual(['stop.saved']);
    expect(isOpen(out)).toBe(false);
    expect(out.progress?.stepId).toBe(middle);
  });
});

describe('anything else', () => {
  it('a first misunderstanding re-asks; a second adds the navigation help', () => {
    const first = turn(at('right_echo'), { type: 'unknown' });
    expect(keys(first.reply.speech)).toEqual(['fallback.first', question('right_echo')]);
    expect(first.session.misunderstood).toBe(1);
    const second = transition(
      FLOW,
      { progress: at('right_echo'), session: first.session, newSession: false },
      {
        type: 'unknown',
      },
    );
    expect(keys(second.reply.speech)).toEqual(['fallback.again', 'help.navigation', question('right_echo')]);
    const understood = transition(
      FLOW,
      { progress: at('right_echo'), session: second.session, newSession: false },
      {
        type: 'repeat',
      },
    );
    expect(understood.session.misunderstood).toBe(0);
  });

  it('an unrecognised symptom keeps the step and lists the symptoms', () => {
    const out = turn(at(FLOW.start), { type: 'symptom' });
    expect(out.progress?.stepId).toBe(FLOW.start);
    expect(keys(out.reply.speech)[0]).toBe('symptom.unknown');
  });

  it('a speaker name is remembered and bounded', () => {
    const out = turn(at('right_echo'), { type: 'speakerName', name: '  jbl charge  ' });
    expect(out.progress?.speakerName).toBe('jbl charge');
    const long = turn(at('right_echo'), { type: 'speakerName', name: 'x'.repeat(500) });
    expect(long.progress?.speakerName?.length).toBeLessThan(500);
  });

  it.each(Object.keys(FLOW.steps).filter((id) => step(id).kind !== 'end'))(
    'the safety stop is reachable from %s and ends the session',
    (id) => {
      const out = turn(at(id), { type: 'safety' });
      expect(out.progress).toMatchObject({ stepId: FLOW.safety, status: 'safety' });
      expect(keys(out.reply.speech)).toEqual([`steps.${FLOW.safety}.say`]);
      expect(isOpen(out)).toBe(false);
    },
  );
});

describe('bounds and purity', () => {
  it('history stays bounded however long the conversation', () => {
    let progress: Progress | undefined = at(FLOW.start);
    for (let i = 0; i < 200; i++) {
      progress = turn(progress, {
        type: 'symptom',
        symptom: i % 2 ? 'no_sound' : 'keeps_disconnecting',
      }).progress;
    }
    expect(progress!.history.length).toBeLessThanOrEqual(MAX_HISTORY);
  });

  it('always answering no reaches an end', () => {
    let progress: Progress | undefined = at(FLOW.start);
    for (let i = 0; i < Object.keys(FLOW.steps).length * 2 && progress?.status === 'active'; i++) {
      const kind: Step['kind'] = step(progress.stepId).kind;
      const event: ConversationEvent =
        kind === 'check' || kind === 'handoff' ? { type: 'answer', answer: 'no' } : { type: 'skip' };
      progress = turn(progress, event).progress;
    }
    expect(progress?.status).not.toBe('active');
  });

  it('does not change its input and gives the same output for the same input', () => {
    const input = at('right_echo', { history: ['triage'] });
    const copy = JSON.parse(JSON.stringify(input));
    const a = turn(input, { type: 'answer', answer: 'no' });
    const b = turn(input, { type: 'answer', answer: 'no' });
    expect(input).toEqual(copy);
    expect(a).toEqual(b);
  });
});
