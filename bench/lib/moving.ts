/**
 * The moving-session mix (issue 14) and its screen-device variant (issue 13): every simulated user runs
 * envelopes.ts MOVING_SESSION once, a ten-turn troubleshooting session that moves through the flow, and
 * each turn is classified by what it did (ours: a DynamoDB write or not; the baseline writes on every turn)
 * and by the kind of request (launch, symptom, yes, no, help, repeat).
 *
 * Three lanes run it in lock-step, one turn at a time, rotating through all six orders: the baseline and
 * ours as a voice-only Echo (the comparison with targets), and ours again as an Echo Show (every request
 * declares Alexa.Presentation.APL and a viewport), in a worker process of its own, so rendering's cost is
 * measured on the same mix in the same run. The baseline ignores APL, so it runs voice only.
 */
import type { ResponseEnvelope } from 'ask-sdk-model';
import type { DbCounts, OperationCounts } from '../db-worker';
import { spawnWorker } from './children';
import type { Peer, SkillName } from './children';
import {
  benchUserId,
  envelope,
  MOVING_SESSION,
  MOVING_SYMPTOM,
  MOVING_TURN_KINDS,
  newSessionId,
} from './envelopes';
import type { Device, MovingTurnKind, SessionPlace } from './envelopes';
import { assertHealthy, split, stable, STATE_KEY } from './measure';
import type { PerSkill, Setup, TurnMeasures, WarmReply } from './measure';
import type { Target } from './report';
import { mean, median, ms, percentile, ratio, times } from './stats';

export type Lane = 'baseline' | 'ours' | 'oursScreen';
export const LANES: readonly Lane[] = ['baseline', 'ours', 'oursScreen'];
export type PerLane<T> = Record<Lane, T>;
const SKILL_OF: PerLane<SkillName> = { baseline: 'baseline', ours: 'ours', oursScreen: 'ours' };
const DEVICE_OF: PerLane<Device> = { baseline: 'voice', ours: 'voice', oursScreen: 'screen' };
/** Users no other phase uses (warm run 1…, cold starts 900 000…, web server 2 000 000…). */
const USER_OFFSET: PerLane<number> = { baseline: 3_000_000, ours: 3_000_000, oursScreen: 3_500_000 };

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** All six orders in turn: each lane runs first, second and last equally often. */
const ORDERS = permutations(LANES);
export const laneOrderFor = (i: number): readonly Lane[] => ORDERS[i % ORDERS.length] as Lane[];

export interface MovingTurn extends TurnMeasures {
  user: number;
  /** The turn's place in MOVING_SESSION (0…9): the same turn in every lane. */
  index: number;
  kind: MovingTurnKind;
  /** The turn opened a session: the user's first words, or a one-shot after the skill ended the last. */
  opening: boolean;
  stdoutBytes: number;
  /** The response envelope as JSON, as Lambda returns it. */
  responseBytes: number;
  /** The response carries an APL RenderDocument directive. */
  apl: boolean;
}

export interface MovingRun {
  turns: PerLane<MovingTurn[]>;
  users: number;
  warmupUsers: number;
  /** Sessions of the measured users. */
  sessions: PerLane<number>;
}

export interface MovingOptions {
  users: number;
  warmupUsers: number;
  /** Give up (the run failed) after this long. */
  maxMs: number;
  execArgv?: Partial<PerLane<string[]>>;
}

const hasApl = (response: ResponseEnvelope) =>
  (response.response?.directives ?? []).some((d) => d.type === 'Alexa.Presentation.APL.RenderDocument');

/**
 * Runs `warmupUsers + users` fresh users through MOVING_SESSION in the three lanes. A session ends where
 * Speaker Helper ends it (the baseline follows ours' voice lane, as in the warm run; the screen lane
 * follows its own answers), and the user's next words open a new one themselves (a one-shot).
 */
export async function measureMoving(setup: Setup, options: MovingOptions): Promise<MovingRun> {
  const peers = {} as PerLane<Peer>;
  for (const lane of LANES) {
    const skill = SKILL_OF[lane];
    peers[lane] = spawnWorker(setup.dirs[skill], 'warm', `${lane} moving-mix worker`, {
      env: setup.env[skill],
      execArgv: options.execArgv?.[lane] ?? [],
    });
  }
  try {
    for (const lane of LANES) await peers[lane].next(20_000);
    const deadline = Date.now() + options.maxMs;
    const turns: PerLane<MovingTurn[]> = { baseline: [], ours: [], oursScreen: [] };
    const sessions: PerLane<number> = { baseline: 0, ours: 0, oursScreen: 0 };
    const countsNow = async () =>
      (await setup.db.ask<DbCounts>({ type: 'counts' })) as unknown as PerSkill<OperationCounts>;
    let counts = await countsNow();
    let done = 0;
    const total = options.warmupUsers + options.users;

    for (let user = 1; user <= total; user += 1) {
      const places: PerLane<SessionPlace | undefined> = {
        baseline: undefined,
        ours: undefined,
        oursScreen: undefined,
      };
      const stored: PerLane<string> = {
        baseline: stable(undefined),
        ours: stable(undefined),
        oursScreen: stable(undefined),
      };
      for (const [index, { kind, utterance }] of MOVING_SESSION.entries()) {
        if (Date.now() > deadline)
          throw new Error(`moving-session run did not finish within ${options.maxMs} ms`);
        const responses = {} as PerLane<ResponseEnvelope>;
        for (const lane of laneOrderFor(done)) {
          const skill = SKILL_OF[lane];
          const current = places[lane];
          const opening = !current || utterance.kind === 'launch';
          const place: SessionPlace = opening
            ? {
                userId: benchUserId(USER_OFFSET[lane] + user),
                sessionId: newSessionId(),
                isNew: true,
                attributes: {},
              }
            : current;
          if (opening && user > options.warmupUsers) sessions[lane] += 1;
          const event = envelope(utterance, place, undefined, DEVICE_OF[lane]);
          const reply = await peers[lane].ask<WarmReply>({ type: 'turn', event }, 20_000);
          if (reply.error || !reply.response)
            throw new Error(`${lane} failed a ${kind} turn: ${reply.error}`);
          assertHealthy(setup, skill, reply.response, `a ${kind} turn (${lane})`);
          const now = await countsNow();
          const ops = split(now[skill], counts[skill]);
          counts = now;
          const kept = reply.response.sessionAttributes;
          let changed = false;
          if (kept && STATE_KEY[skill] in kept) {
            const state = stable(kept[STATE_KEY[skill]]);
            changed = state !== stored[lane];
            stored[lane] = state;
          }
          turns[lane].push({
            user,
            index,
            kind,
            opening,
            ms: reply.ms,
            cpuMs: reply.cpuMs,
            ...ops,
            changed,
            stdoutBytes: reply.stdoutBytes ?? 0,
            responseBytes: Buffer.byteLength(JSON.stringify(reply.response)),
            apl: hasApl(reply.response),
            warmup: user <= options.warmupUsers,
          });
          places[lane] = { ...place, isNew: false, attributes: kept ?? {} };
          responses[lane] = reply.response;
        }
        // Speaker Helper leads: a closed session means the user's next words open a new one.
        const open = (lane: Lane) => responses[lane].response?.shouldEndSession === false;
        if (!open('ours')) {
          places.ours = undefined;
          places.baseline = undefined;
        }
        if (!open('oursScreen')) places.oursScreen = undefined;
        done += 1;
      }
    }
    // The variant is only worth its figures if the screen really was rendered, and only there.
    const screenTurns = turns.oursScreen.filter((t) => !t.apl).length;
    if (screenTurns > 0)
      throw new Error(`ours answered ${screenTurns} Echo Show turns without an APL directive`);
    if (turns.ours.some((t) => t.apl)) throw new Error('ours sent an APL directive to a voice-only Echo');
    return { turns, users: options.users, warmupUsers: options.warmupUsers, sessions };
  } finally {
    await Promise.all(LANES.map((lane) => peers[lane].stop()));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Figures per turn type

export interface TypeStats {
  turns: number;
  p50: number;
  p99: number;
  cpuP50: number;
  /** Mean dynalite time per turn, and the p50 of the turn time without it. */
  dbMsMean: number;
  ownP50: number;
  readsPerTurn: number;
  writesPerTurn: number;
  /** Every DynamoDB request per turn (reads, writes and anything else). */
  callsPerTurn: number;
  stdoutBytesMean: number;
  stdoutBytesMax: number;
  responseBytesMedian: number;
  responseBytesMax: number;
}

export function typeStats(records: readonly MovingTurn[]): TypeStats {
  const wall = records.map((r) => r.ms);
  const sum = (pick: (r: MovingTurn) => number) => records.reduce((s, r) => s + pick(r), 0);
  const n = records.length;
  const per = (pick: (r: MovingTurn) => number) => (n > 0 ? sum(pick) / n : NaN);
  const max = (pick: (r: MovingTurn) => number) => (n > 0 ? Math.max(...records.map(pick)) : NaN);
  return {
    turns: n,
    p50: percentile(wall, 50),
    p99: percentile(wall, 99),
    cpuP50: percentile(
      records.map((r) => r.cpuMs),
      50,
    ),
    dbMsMean: mean(records.map((r) => r.dbMs)),
    ownP50: percentile(
      records.map((r) => r.ms - r.dbMs),
      50,
    ),
    readsPerTurn: per((r) => r.reads),
    writesPerTurn: per((r) => r.writes),
    callsPerTurn: per((r) => r.reads + r.writes + r.other),
    stdoutBytesMean: per((r) => r.stdoutBytes),
    stdoutBytesMax: max((r) => r.stdoutBytes),
    responseBytesMedian: median(records.map((r) => r.responseBytes)),
    responseBytesMax: max((r) => r.responseBytes),
  };
}

/**
 * The turn types, each a subset of one lane's measured turns. "changing" is a turn with a DynamoDB write,
 * as counted at dynalite: for ours, progress changed; for the baseline, which writes on every spoken turn,
 * it is every turn (its "write turn").
 */
export const GROUPS = [
  { id: 'all', pick: () => true },
  { id: 'changing', pick: (r: MovingTurn) => r.writes > 0 },
  { id: 'unchanged', pick: (r: MovingTurn) => r.writes === 0 },
  { id: 'opening', pick: (r: MovingTurn) => r.opening },
  { id: 'inSession', pick: (r: MovingTurn) => !r.opening },
  ...MOVING_TURN_KINDS.map((kind) => ({ id: kind, pick: (r: MovingTurn) => r.kind === kind })),
] as const;
export type GroupId = (typeof GROUPS)[number]['id'];

export interface MovingStats {
  symptom: string;
  script: MovingTurnKind[];
  users: number;
  warmupUsers: number;
  sessions: PerLane<number>;
  /** Of the ten turns, how many wrote (mean per measured user). */
  changingPerUser: PerLane<number>;
  byType: PerLane<Record<GroupId, TypeStats>>;
  /** The baseline on exactly the turns where ours wrote (same user, same place in the script). */
  baselineOnOursChanging: TypeStats;
  /** The targets of this mix (PASS/MISS), apart from the warm run's. */
  targets: Target[];
}

export function movingStats(run: MovingRun): MovingStats {
  const measured = (lane: Lane) => run.turns[lane].filter((t) => !t.warmup);
  const byType = {} as PerLane<Record<GroupId, TypeStats>>;
  const changingPerUser = {} as PerLane<number>;
  for (const lane of LANES) {
    const records = measured(lane);
    byType[lane] = Object.fromEntries(
      GROUPS.map((g) => [g.id, typeStats(records.filter((r) => g.pick(r)))]),
    ) as Record<GroupId, TypeStats>;
    changingPerUser[lane] = records.filter((r) => r.writes > 0).length / Math.max(1, run.users);
  }
  const key = (r: MovingTurn) => `${r.user}:${r.index}`;
  const oursChanging = new Set(
    measured('ours')
      .filter((r) => r.writes > 0)
      .map(key),
  );
  const baselineOnOursChanging = typeStats(measured('baseline').filter((r) => oursChanging.has(key(r))));
  const partial = {
    symptom: MOVING_SYMPTOM.id,
    script: MOVING_SESSION.map((t) => t.kind),
    users: run.users,
    warmupUsers: run.warmupUsers,
    sessions: run.sessions,
    changingPerUser,
    byType,
    baselineOnOursChanging,
  };
  return { ...partial, targets: movingTargets(byType) };
}

export const CHANGING_P50_LIMIT = 1.3;
export const MIX_LIMIT = 1.2;

export function movingTargets(byType: PerLane<Record<GroupId, TypeStats>>): Target[] {
  const ours = byType.ours;
  const base = byType.baseline;
  const changing = ratio(ours.changing.p50, base.changing.p50);
  const p50 = ratio(ours.all.p50, base.all.p50);
  const p99 = ratio(ours.all.p99, base.all.p99);
  return [
    {
      name: 'moving mix: changing-turn p50',
      limit: `≤ ${CHANGING_P50_LIMIT}× baseline write-turn p50`,
      value: `${times(changing, 3)} (${ms(ours.changing.p50)} vs ${ms(base.changing.p50)})`,
      pass: changing <= CHANGING_P50_LIMIT,
    },
    {
      name: 'moving mix: warm p50',
      limit: `≤ ${MIX_LIMIT}× baseline`,
      value: `${times(p50, 3)} (${ms(ours.all.p50)} vs ${ms(base.all.p50)})`,
      pass: p50 <= MIX_LIMIT,
    },
    {
      name: 'moving mix: warm p99',
      limit: `≤ ${MIX_LIMIT}× baseline`,
      value: `${times(p99, 3)} (${ms(ours.all.p99)} vs ${ms(base.all.p99)})`,
      pass: p99 <= MIX_LIMIT,
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Tables

export type Cells = string[];

/** Columns padded to their widest cell: the first left-aligned, the others right-aligned. */
export function alignedTable(header: Cells, rows: Cells[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]?.length ?? 0)));
  const line = (row: Cells) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header: Cells, rows: Cells[]): string {
  const cells = (row: Cells) => `| ${row.map((c) => c.trim() || ' ').join(' | ')} |`;
  return [cells(header), cells(header.map(() => '---')), ...rows.map(cells)].join('\n');
}

const GROUP_LABELS: Record<GroupId, string> = {
  all: 'all turns (whole mix)',
  changing: 'changing: ours wrote / baseline write turns',
  unchanged: 'unchanged: ours did not write / baseline write turns',
  opening: 'opening a session (one read)',
  inSession: 'inside a session',
  launch: 'launch',
  symptom: 'symptom',
  yes: 'yes',
  no: 'no',
  help: 'help',
  repeat: 'repeat',
};

/** The baseline turns each of ours' rows is compared with: its write turns for ours' (un)changing turns. */
const REFERENCE: Partial<Record<GroupId, GroupId>> = { unchanged: 'changing' };

const bytes = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} B` : '–');
const calls = (s: TypeStats) =>
  s.turns > 0 ? `${s.readsPerTurn.toFixed(2)} + ${s.writesPerTurn.toFixed(2)}` : '–';
const timing = (s: TypeStats, pick: 'p50' | 'p99') => (s.turns > 0 ? ms(s[pick]) : '–');
const decimals = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const pair = (b: TypeStats, o: TypeStats, pick: (s: TypeStats) => number) =>
  `${decimals(pick(b))} / ${decimals(pick(o))}`;

export const MOVING_HEADER: Cells = [
  'turn type',
  'turns b/o',
  'base p50',
  'base p99',
  'ours p50',
  'ours p99',
  'p50 o/b',
  'p99 o/b',
  'CPU p50 b / o',
  'dynalite ms b / o',
  'DDB r+w/turn base',
  'ours',
  'ours stdout/turn',
];

function movingRow(label: string, base: TypeStats, ours: TypeStats, shownBase = base): Cells {
  return [
    label,
    `${shownBase.turns}/${ours.turns}`,
    timing(shownBase, 'p50'),
    timing(shownBase, 'p99'),
    timing(ours, 'p50'),
    timing(ours, 'p99'),
    times(ratio(ours.p50, base.p50)),
    times(ratio(ours.p99, base.p99)),
    pair(shownBase, ours, (s) => s.cpuP50),
    pair(shownBase, ours, (s) => s.dbMsMean),
    calls(shownBase),
    calls(ours),
    bytes(ours.stdoutBytesMean),
  ];
}

export function movingRows(m: MovingStats): Cells[] {
  const base = m.byType.baseline;
  const ours = m.byType.ours;
  const rows = GROUPS.map((g) => {
    const reference = base[REFERENCE[g.id] ?? g.id];
    return movingRow(GROUP_LABELS[g.id], reference, ours[g.id], reference);
  });
  // Like for like: the baseline on exactly the turns where ours wrote.
  rows.splice(
    3,
    0,
    movingRow('changing: ours wrote / baseline on those turns', m.baselineOnOursChanging, ours.changing),
  );
  return rows;
}

export function movingTitle(m: MovingStats): string {
  const script = m.script.join(', ');
  return (
    `Moving session (${m.symptom}; ${script}): ${m.users} fresh users once each (+${m.warmupUsers} warm-up), ` +
    `${m.byType.ours.all.turns} turns per skill, ${m.sessions.ours} sessions (one-shots reopen them); ` +
    `ours wrote on ${m.changingPerUser.ours.toFixed(1)} of ${m.script.length} turns per user`
  );
}

export const SCREEN_HEADER: Cells = ['', 'baseline (voice)', 'ours voice', 'ours Echo Show', 'show/voice'];

export function screenRows(m: MovingStats): Cells[] {
  const [b, v, s] = [m.byType.baseline, m.byType.ours, m.byType.oursScreen];
  const row = (
    label: string,
    pick: (t: Record<GroupId, TypeStats>) => number,
    show: (n: number) => string,
  ) => [label, show(pick(b)), show(pick(v)), show(pick(s)), times(ratio(pick(s), pick(v)))];
  return [
    row('turn p50', (t) => t.all.p50, ms),
    row('turn p99', (t) => t.all.p99, ms),
    row('changing-turn p50 (baseline: write turns)', (t) => t.changing.p50, ms),
    row('changing-turn p99', (t) => t.changing.p99, ms),
    row('unchanged-turn p50', (t) => t.unchanged.p50, ms),
    row('unchanged-turn p99', (t) => t.unchanged.p99, ms),
    row('turn CPU p50', (t) => t.all.cpuP50, ms),
    row('response bytes per turn, median', (t) => t.all.responseBytesMedian, bytes),
    row('response bytes per turn, max', (t) => t.all.responseBytesMax, bytes),
    row('stdout bytes per turn, mean', (t) => t.all.stdoutBytesMean, bytes),
    row(
      'DynamoDB requests per turn',
      (t) => t.all.callsPerTurn,
      (n) => n.toFixed(2),
    ),
  ];
}

export function screenTitle(m: MovingStats): string {
  return (
    `Screen device: the same moving session with every request declaring Alexa.Presentation.APL and an ` +
    `Echo Show viewport (ours only; the baseline ignores it), ${m.byType.oursScreen.all.turns} turns, interleaved`
  );
}

export function movingText(m: MovingStats): string {
  return [
    movingTitle(m),
    '',
    alignedTable(MOVING_HEADER, movingRows(m)),
    '',
    screenTitle(m),
    '',
    alignedTable(SCREEN_HEADER, screenRows(m)),
  ].join('\n');
}

export function movingMarkdown(m: MovingStats): string {
  const verdict = (t: Target) => `- ${t.pass ? 'PASS' : 'MISS'} ${t.name}: ${t.value} (target ${t.limit})`;
  return [
    '## Moving-session mix (issue 14)',
    '',
    `${movingTitle(m)}.`,
    '',
    markdownTable(MOVING_HEADER, movingRows(m)),
    '',
    ...m.targets.map(verdict),
    '',
    '## Screen device (issue 13)',
    '',
    `${screenTitle(m)}.`,
    '',
    markdownTable(SCREEN_HEADER, screenRows(m)),
    '',
  ].join('\n');
}
