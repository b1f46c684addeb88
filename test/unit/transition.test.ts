import { FLOW } from '../../lambda/src/conversation/flow';
import {
  MAX_HISTORY,
  MISUNDERSTOOD_LIMIT,
  transition,
  UNSURE_LIMIT,
} from '../../lambda/src/conversation/transition';
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
const PAUSE = '@pause';
const isCommand = (id: StepId) => {
  const s = step(id);
  return s.kind === 'handoff' && s.command === true;
};
/** Runs events one after another in one session, carrying progress and session scratch. */
function run(progress: Progress | undefined, events: ConversationEvent[]): TurnOutput {
  let session: TurnOutput['session'] = scratch;
  let out: TurnOutput | undefined;
  for (const event of events) {
    out = transition(FLOW, { progress, session, newSession: false }, event);
    progress = out.progress;
    session = out.session;
  }
  return out!;
}

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
    // The entry's fix quotes "Alexa, connect to …": the speaker's name is asked first, once.
    expect(isCommand(entry)).toBe(true);
    expect(keys(out.reply.speech)).toEqual(['welcome.new', 'symptom.ack', 'speakerName.ask']);
    expect(out.progress).toMatchObject({ awaitingName: true });
    expect(isOpen(out)).toBe(true);
  });

  it('who answers the symptom question with a start phrase moves on, not round in a loop', () => {
    const out = turn(at(FLOW.start), { type: 'start' });
    const triage = step(FLOW.start) as { unsure: StepId };
    expect(out.progress?.stepId).toBe(triage.unsure);
    expect(keys(out.reply.speech)).toEqual(['start.ack', question(triage.unsure)]);
    expect(keys(out.reply.speech)).not.toContain('resume.intro');
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

  it('resumes an in-skill step with its question', () => {
    const check = idsOfKind('check')[0]!;
    const out = turn(at(check), { type: 'launch' }, true);
    expect(keys(out.reply.speech)).toEqual(['welcome.returning', 'resume.intro', question(check)]);
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
    expect(yes.progress?.history).toEqual([id]);
    expect(no.progress?.tried).toEqual([{ step: id, outcome: 'no' }]);
  });

  it('an action step moves on when done and waits on no', () => {
    // No step of today's flow is an action (everything that takes time leaves the skill); the kind stays
    // for short in-room steps, so it is tested on a flow that has one.
    const flow = {
      ...FLOW,
      steps: { ...FLOW.steps, tidy: { kind: 'action', done: 'resolved', skip: 'support_end' } },
    };
    const act = (event: ConversationEvent, session = scratch) =>
      transition(flow as typeof FLOW, { progress: at('tidy'), session, newSession: false }, event);
    expect(act({ type: 'answer', answer: 'yes' }).progress?.stepId).toBe('resolved');
    expect(act({ type: 'ok' }).progress?.stepId).toBe('resolved');
    const no = act({ type: 'answer', answer: 'no' });
    expect(no.progress?.stepId).toBe('tidy');
    expect(keys(no.reply.speech)).toEqual(['steps.tidy.ifNo', question('tidy')]);
    expect(isOpen(no)).toBe(true);
    expect(keys(act({ type: 'repeat' }).reply.speech)).toEqual([
      'steps.tidy.instruction',
      PAUSE,
      question('tidy'),
    ]);
  });

  it.each(idsOfKind('handoff'))(
    '"not sure" at %s explains once, then moves on with a stated default',
    (id) => {
      const first = turn(at(id), { type: 'answer', answer: 'unsure' });
      expect(first.progress?.stepId).toBe(id);
      expect(keys(first.reply.speech)).toEqual([`steps.${id}.help`, question(id)]);
      const again = run(at(id), Array(UNSURE_LIMIT).fill({ type: 'answer', answer: 'unsure' }));
      expect(again.progress?.stepId).not.toBe(id);
      expect(keys(again.reply.speech)[0]).toBe('unsure.moveOn');
      expect(again.progress?.tried).toEqual([{ step: id, outcome: 'unsure' }]);
    },
  );

  it.each(idsOfKind('state'))('a state step (%s) follows each state the app can show', (id) => {
    const s = step(id) as { states: Record<string, StepId> };
    for (const [state, to] of Object.entries(s.states)) {
      const out = turn(at(id), { type: 'state', state: state as 'connected' });
      expect(out.progress?.stepId).toBe(to);
      expect(out.progress?.tried).toEqual([{ step: id, outcome: state }]);
    }
    // "It's not there" said as a symptom answers the question too.
    const listed = turn(at(id), { type: 'symptom', symptom: 'not_listed' });
    expect(listed.progress?.stepId).toBe(s.states.not_listed);
    // Yes or no does not answer "connected, saved or not there?".
    const yes = turn(at(id), { type: 'answer', answer: 'yes' });
    expect(yes.progress?.stepId).toBe(id);
    expect(keys(yes.reply.speech)).toEqual(['answer.chooseState', question(id)]);
  });

  it.each(Object.keys(FLOW.steps).filter((id) => step(id).kind !== 'end'))(
    'three answers in a row that %s cannot use move on, saying so',
    (id) => {
      const events: ConversationEvent[] = Array(MISUNDERSTOOD_LIMIT).fill({ type: 'unknown' });
      const out = run(at(id), events);
      expect(out.progress?.stepId).not.toBe(id);
      expect(keys(out.reply.speech)[0]).toBe('stuck.moveOn');
      const before = run(at(id), events.slice(1));
      expect(before.progress?.stepId).toBe(id);
    },
  );

  it('an unsure answer with a branch follows it', () => {
    const id = idsOfKind('check').find((c) => (step(c) as { unsure?: StepId }).unsure)!;
    const out = turn(at(id), { type: 'answer', answer: 'unsure' });
    expect(out.progress?.stepId).toBe((step(id) as { unsure: StepId }).unsure);
  });

  it('"ok" asks for a clear answer at a question', () => {
    const check = idsOfKind('check')[0]!;
    const out = turn(at(check), { type: 'ok' });
    expect(out.progress?.stepId).toBe(check);
    expect(keys(out.reply.speech)).toEqual(['answer.okay', question(check)]);
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
        ...(s.kind === 'state'
          ? Object.entries(s.states).map(([state, to]): [StepId, ConversationEvent] => [
              to,
              { type: 'state', state: state as 'saved' },
            ])
          : []),
      ];
      const found = moves.find(([to]) => to === id);
      if (found) return [from, found[1]];
    }
    throw new Error(`no way into ${id}`);
  };

  it.each(idsOfKind('handoff'))('entering %s gives the instruction, saves it, and ends the session', (id) => {
    const [origin, event] = wayInto(id);
    // A user who already told the speaker's name is not asked for it.
    const out = turn(at(origin, { speakerName: 'jbl flip' }), event);
    expect(out.progress?.stepId).toBe(id);
    expect(out.progressChanged).toBe(true);
    // How to come back is said in full at the journey's first handoff, briefly after one.
    // A step whose instruction says how to come back itself gets no second way.
    const s = step(id) as { ownComeBack?: true };
    const back = s.ownComeBack
      ? []
      : [step(origin).kind === 'handoff' ? 'handoff.comeBackAgain' : 'handoff.comeBack'];
    const spoken = keys(out.reply.speech);
    expect(spoken.slice(spoken.indexOf(`steps.${id}.instruction`))).toEqual([
      `steps.${id}.instruction`,
      ...(back.length > 0 ? [PAUSE] : []),
      ...back,
    ]);
    expect(isOpen(out)).toBe(false);
    expect(out.reply.card?.title.key).toBe(`steps.${id}.title`);
    expect(keys(out.reply.card?.body)).toEqual([`steps.${id}.detail`, ...back]);
  });

  it('says how to come back in full the first time, briefly after that', () => {
    const [origin, event] = wayInto('restart');
    const earlier = idsOfKind('handoff').find((id) => id !== 'restart')!;
    const out = turn(at(origin, { history: [FLOW.start, earlier] }), event);
    expect(keys(out.reply.speech).at(-1)).toBe('handoff.comeBackAgain');
  });

  it.each(idsOfKind('handoff').filter(isCommand))(
    '%s asks the speaker name once before its command, and takes none for an answer',
    (id) => {
      const [origin, event] = wayInto(id);
      const asked = turn(at(origin), event);
      expect(asked.progress).toMatchObject({ stepId: id, awaitingName: true });
      expect(keys(asked.reply.speech).at(-1)).toBe('speakerName.ask');
      expect(isOpen(asked)).toBe(true);

      const named = turn(asked.progress, { type: 'speakerName', name: 'jbl flip five' });
      expect(named.progress).toMatchObject({ stepId: id, speakerName: 'jbl flip five', nameAsked: true });
      expect(named.progress?.awaitingName).toBeUndefined();
      expect(keys(named.reply.speech)).toEqual([
        'speakerName.ack',
        `steps.${id}.instruction`,
        PAUSE,
        'handoff.comeBack',
      ]);
      expect(isOpen(named)).toBe(false);

      for (const none of [
        { type: 'skip' },
        { type: 'answer', answer: 'unsure' },
        { type: 'unknown' },
      ] as const) {
        const without = turn(asked.progress, none);
        expect(without.progress).toMatchObject({ stepId: id, nameAsked: true });
        expect(without.progress?.speakerName).toBeUndefined();
        expect(keys(without.reply.speech)[0]).toBe('speakerName.none');
        expect(isOpen(without)).toBe(false);
      }
      // Asked once: a later command step goes straight to its instruction.
      const later = turn(at(origin, { nameAsked: true }), event);
      expect(keys(later.reply.speech)).not.toContain('speakerName.ask');
    },
  );

  it('a failed fix is never offered twice: the way on skips steps already tried', () => {
    // sound_on_echo fails towards forget_repair; tried already, it goes on by sound_on_echo's own skip.
    const s = step('sound_on_echo') as { no: StepId; skip: StepId };
    const tried = at('sound_on_echo', {
      speakerName: 'ue boom',
      tried: [{ step: s.no, outcome: 'no' }],
      history: [s.no],
    });
    const out = turn(tried, { type: 'answer', answer: 'no' });
    expect(out.progress?.stepId).toBe(s.skip);
    expect(
      turn(at('sound_on_echo', { speakerName: 'ue boom' }), { type: 'answer', answer: 'no' }).progress
        ?.stepId,
    ).toBe(s.no);
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

  it('going back onto a handoff gives it again and closes the session, since it is done outside', () => {
    const handoff = idsOfKind('handoff').find((id) => !isCommand(id))!;
    const out = turn(at('echo_in_app', { history: [handoff] }), { type: 'back' });
    expect(out.progress?.stepId).toBe(handoff);
    expect(keys(out.reply.speech)).toEqual([
      'back.ack',
      `steps.${handoff}.instruction`,
      PAUSE,
      'handoff.comeBack',
    ]);
    expect(isOpen(out)).toBe(false);
  });

  it.each(idsOfKind('handoff'))('"repeat" at a resumed %s gives the instruction again and closes', (id) => {
    const out = turn(at(id, { speakerName: 'ue boom' }), { type: 'repeat' });
    expect(out.progress?.stepId).toBe(id);
    expect(keys(out.reply.speech)[0]).toBe(`steps.${id}.instruction`);
    expect(isOpen(out)).toBe(false);
    expect(out.progressChanged).toBe(false);
  });

  it.each(['triage', 'right_echo', 'app_state', 'special_modes', 'restart'])(
    'why, where am i, help and thanks keep %s',
    (id) => {
      for (const type of ['why', 'whereAmI', 'help', 'thanks'] as const) {
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

  it('"hold on" keeps the place and ends the session rather than time out', () => {
    const out = turn(at(middle), { type: 'wait' });
    expect(keys(out.reply.speech)).toEqual(['wait.ack']);
    expect(isOpen(out)).toBe(false);
    expect(out.progressChanged).toBe(false);
  });

  it('"say that again slower" repeats the step, slowly', () => {
    const out = turn(at(middle), { type: 'repeat', slow: true });
    expect(out.reply.slow).toBe(true);
    expect(keys(out.reply.speech)).toEqual(keys(turn(at(middle), { type: 'repeat' }).reply.speech));
  });

  it('"how do i put it in pairing mode" explains, then asks the step again', () => {
    const out = turn(at('app_state'), { type: 'explain', topic: 'pairing_mode' });
    expect(keys(out.reply.speech)).toEqual(['topics.pairing_mode', PAUSE, question('app_state')]);
    expect(out.progressChanged).toBe(false);
  });

  it('thanks after the fix says goodbye', () => {
    const out = turn(at('resolved', { status: 'resolved' }), { type: 'thanks' });
    expect(keys(out.reply.speech)).toEqual(['thanks.bye']);
    expect(isOpen(out)).toBe(false);
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
    expect(keys(second.reply.speech)).toEqual([
      'fallback.again',
      'steps.right_echo.help',
      question('right_echo'),
    ]);
    const understood = transition(
      FLOW,
      { progress: at('right_echo'), session: second.session, newSession: false },
      {
        type: 'repeat',
      },
    );
    expect(understood.session.misunderstood).toBe(0);
  });

  it('a symptom said mid-flow moves to its branch from where the user is, not to the start', () => {
    const entry = FLOW.symptomEntry.several_echos;
    const out = turn(at('restart', { history: [FLOW.start, 'worked_before'] }), {
      type: 'symptom',
      symptom: 'several_echos',
    });
    expect(out.progress?.stepId).toBe(entry);
    expect(out.progress?.history).toEqual([FLOW.start, 'worked_before', 'restart']);
    // An entry already tried is not offered again.
    const tried = at('restart', { tried: [{ step: entry, outcome: 'yes' }], history: [entry] });
    const again = turn(tried, { type: 'symptom', symptom: 'several_echos' });
    expect(again.progress?.stepId).not.toBe(entry);
    expect(again.progress?.stepId).not.toBe(FLOW.start);
  });

  it('the unresolved end lists every step tried and how it went, on the card', () => {
    const out = turn(
      at('factory_reset_warning', {
        tried: [
          { step: FLOW.start, outcome: 'unsure' },
          { step: 'pair_new', outcome: 'no' },
          { step: 'app_state', outcome: 'not_listed' },
        ],
      }),
      { type: 'answer', answer: 'no' },
    );
    expect(out.progress?.status).toBe('unresolved');
    const body = out.reply.card?.body ?? [];
    expect(keys(body)).toEqual([
      'steps.support_end.detail',
      'support.tried',
      'support.tried',
      'support.tried',
    ]);
    expect(
      body.slice(1).map((l) => [(l.params?.title as Line).key, (l.params?.outcome as Line).key]),
    ).toEqual([
      ['steps.pair_new.title', 'outcomes.failed'],
      ['steps.app_state.title', 'outcomes.not_listed'],
      ['steps.factory_reset_warning.title', 'outcomes.no'],
    ]);
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
      const event: ConversationEvent = progress.awaitingName
        ? { type: 'skip' }
        : kind === 'check' || kind === 'handoff'
          ? { type: 'answer', answer: 'no' }
          : kind === 'state'
            ? { type: 'state', state: 'not_listed' }
            : { type: 'skip' };
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

describe('a language without voice commands', () => {
  const command = idsOfKind('handoff').find(isCommand)!;

  it('never asks the speaker name before a command step', () => {
    const [origin] = Object.entries(FLOW.steps).find(([, s]) => 'yes' in s && s.yes === command) ?? [];
    const out = transition(
      FLOW,
      { progress: at(origin as StepId), session: scratch, newSession: false, voiceCommands: false },
      { type: 'answer', answer: 'yes' },
    );
    expect(out.progress?.stepId).toBe(command);
    expect(out.progress?.awaitingName).toBeUndefined();
    expect(keys(out.reply.speech)).toContain(`steps.${command}.instruction`);
  });

  it('drops a name question left pending by a turn in another language, and saves that', () => {
    const out = transition(
      FLOW,
      {
        progress: at(command, { awaitingName: true }),
        session: scratch,
        newSession: true,
        voiceCommands: false,
      },
      { type: 'launch' },
    );
    expect(keys(out.reply.speech)).not.toContain('speakerName.ask');
    expect(keys(out.reply.speech).at(-1)).toBe(question(command));
    expect(out.progress?.awaitingName).toBeUndefined();
    expect(out.progressChanged).toBe(true);
  });
});
