/**
 * The measurements: cold starts (fresh processes), warm turns (one long-lived process per skill, the
 * scripted conversation in lock-step) and the web server under load (autocannon). Baseline and ours
 * alternate sample by sample, so whatever else the machine does hits both alike.
 */
import autocannon from 'autocannon';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { SERVER_MS } from '../db-worker';
import type { DbCounts, OperationCounts } from '../db-worker';
import type { ServeReady } from '../serve-worker';
import { Peer, SKILLS, spawnTs, spawnWorker } from './children';
import type { SkillName } from './children';
import { benchUserId, envelope, JOURNEYS, launch, newSessionId } from './envelopes';
import type { SessionPlace, Utterance } from './envelopes';
import { mean, percentile } from './stats';

export type PerSkill<T> = Record<SkillName, T>;

/** Which skill goes first in sample `i`: alternating, so neither always runs on a just-warmed machine. */
export const orderFor = (i: number): readonly SkillName[] => (i % 2 === 0 ? SKILLS : [...SKILLS].reverse());

export interface Setup {
  dirs: PerSkill<string>;
  env: PerSkill<NodeJS.ProcessEnv>;
  db: Peer;
  /** Words in a response that mean the skill could not do its job (generic error, storage down). */
  failureWords: PerSkill<string[]>;
}

export function speechOf(response: ResponseEnvelope | undefined): string {
  const speech = response?.response?.outputSpeech as { ssml?: string; text?: string } | undefined;
  return speech?.ssml ?? speech?.text ?? '';
}

export function assertHealthy(
  setup: Setup,
  skill: SkillName,
  response: ResponseEnvelope,
  what: string,
): void {
  const speech = speechOf(response);
  const bad = setup.failureWords[skill].find((words) => speech.includes(words));
  if (bad) throw new Error(`${skill} answered ${what} with a failure ("${bad}"): the run is not valid`);
}

// ---------------------------------------------------------------------------------------------------------
// Cold start

export interface ColdSample {
  requireMs: number;
  invokeMs: number;
  /** require + first LaunchRequest, timed inside the child. */
  totalMs: number;
  cpuMs: number;
  /** spawn to exit, timed by the bench: node's own start-up included. */
  processMs: number;
}

interface ColdReport {
  requireMs: number;
  invokeMs: number;
  cpuMs: number;
  response?: ResponseEnvelope;
  error?: string;
}

async function coldOnce(setup: Setup, skill: SkillName, n: number): Promise<ColdSample> {
  const place: SessionPlace = {
    userId: benchUserId(900_000 + n),
    sessionId: newSessionId(),
    isNew: true,
    attributes: {},
  };
  const event = JSON.stringify(envelope(launch, place));
  const started = process.hrtime.bigint();
  const peer = spawnWorker(setup.dirs[skill], 'cold', `${skill} cold start`, {
    env: setup.env[skill],
    args: [event],
  });
  let report: ColdReport;
  try {
    report = await peer.next<ColdReport>(20_000);
  } finally {
    // A child that did not answer in time is not left behind.
    if (peer.child.exitCode === null) setTimeout(() => peer.child.kill('SIGKILL'), 5000).unref();
  }
  await peer.exited;
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (report.error || !report.response) throw new Error(`${skill} cold start failed: ${report.error}`);
  assertHealthy(setup, skill, report.response, 'its cold LaunchRequest');
  return {
    requireMs: report.requireMs,
    invokeMs: report.invokeMs,
    totalMs: report.requireMs + report.invokeMs,
    cpuMs: report.cpuMs,
    processMs,
  };
}

export async function measureCold(setup: Setup, samples: number): Promise<PerSkill<ColdSample[]>> {
  const result: PerSkill<ColdSample[]> = { baseline: [], ours: [] };
  for (let i = 0; i < samples; i += 1) {
    for (const skill of orderFor(i)) result[skill].push(await coldOnce(setup, skill, i));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Warm turns

/** What is measured of any warm turn, in either mix. */
export interface TurnMeasures {
  ms: number;
  cpuMs: number;
  reads: number;
  writes: number;
  other: number;
  /** dynalite's time answering this turn's requests (inside `ms`). */
  dbMs: number;
  /** The skill's persisted state differs from what it was before the turn. */
  changed: boolean;
  warmup: boolean;
}

export interface TurnRecord extends TurnMeasures {
  session: number;
  kind: string;
}

export interface WarmRun {
  turns: PerSkill<TurnRecord[]>;
  sessions: number;
  users: number;
  memory: PerSkill<NodeJS.MemoryUsage>;
}

export const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
export const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

export function split(now: OperationCounts, before: OperationCounts) {
  let reads = 0;
  let writes = 0;
  let other = 0;
  let dbMs = 0;
  for (const [operation, count] of Object.entries(now)) {
    const delta = count - (before[operation] ?? 0);
    if (operation === SERVER_MS) dbMs = delta;
    else if (READ_OPERATIONS.has(operation)) reads += delta;
    else if (WRITE_OPERATIONS.has(operation)) writes += delta;
    else other += delta;
  }
  return { reads, writes, other, dbMs };
}

/** JSON with sorted keys, so the same state always compares equal. */
export function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** Where each skill keeps its persisted state in the session attributes. */
export const STATE_KEY: PerSkill<string> = { baseline: 'state', ours: 'progress' };

export interface WarmReply {
  type: 'turn';
  ms: number;
  cpuMs: number;
  /** Bytes the skill wrote to stdout during the turn (log and EMF lines). */
  stdoutBytes?: number;
  response?: ResponseEnvelope;
  error?: string;
}

export interface WarmOptions {
  turns: number;
  warmupTurns: number;
  /** Give up (the run failed) after this long. */
  maxMs: number;
  execArgv?: PerSkill<string[]>;
  /** Sees every answer (for checking the conversation by eye). */
  trace?: (skill: SkillName, session: number, said: string, response: ResponseEnvelope) => void;
}

/**
 * Users walk through JOURNEYS (one user per journey, round-robin) until `warmupTurns + turns` turns are
 * done. Each turn goes to both skills (alternating which first), each with its own session attributes.
 * Speaker Helper's answer decides whether the session stays open; when it ended, the user's next words
 * come after opening the skill again (a LaunchRequest), for both skills.
 */
export async function measureWarm(setup: Setup, options: WarmOptions): Promise<WarmRun> {
  const peers: PerSkill<Peer> = {
    baseline: spawnWorker(setup.dirs.baseline, 'warm', 'baseline warm worker', {
      env: setup.env.baseline,
      execArgv: options.execArgv?.baseline ?? [],
    }),
    ours: spawnWorker(setup.dirs.ours, 'warm', 'ours warm worker', {
      env: setup.env.ours,
      execArgv: options.execArgv?.ours ?? [],
    }),
  };
  try {
    for (const skill of SKILLS) await peers[skill].next(20_000);
    const total = options.warmupTurns + options.turns;
    const deadline = Date.now() + options.maxMs;
    const turns: PerSkill<TurnRecord[]> = { baseline: [], ours: [] };
    let counts = (await setup.db.ask<DbCounts>({ type: 'counts' })) as PerSkill<OperationCounts>;
    let sessions = 0;
    let users = 0;
    let done = 0;

    while (done < total) {
      users += 1;
      const userId = benchUserId(users);
      const journey = JOURNEYS[(users - 1) % JOURNEYS.length] as Utterance[];
      const stored: PerSkill<string> = { baseline: stable(undefined), ours: stable(undefined) };
      let place: SessionPlace | undefined;
      const attributes: PerSkill<Record<string, unknown>> = { baseline: {}, ours: {} };

      const turn = async (utterance: Utterance) => {
        if (Date.now() > deadline) throw new Error(`warm run did not finish within ${options.maxMs} ms`);
        if (!place || utterance.kind === 'launch') {
          sessions += 1;
          place = { userId, sessionId: newSessionId(), isNew: true, attributes: {} };
          attributes.baseline = {};
          attributes.ours = {};
        }
        const replies = {} as PerSkill<WarmReply>;
        for (const skill of orderFor(done)) {
          const event: RequestEnvelope = envelope(utterance, { ...place, attributes: attributes[skill] });
          const reply = await peers[skill].ask<WarmReply>({ type: 'turn', event }, 20_000);
          if (reply.error || !reply.response) throw new Error(`${skill} failed a turn: ${reply.error}`);
          assertHealthy(setup, skill, reply.response, `a ${utterance.kind} turn`);
          replies[skill] = reply;
          options.trace?.(
            skill,
            sessions,
            utterance.kind === 'intent' ? utterance.name : utterance.kind,
            reply.response,
          );
        }
        const now = (await setup.db.ask<DbCounts>({ type: 'counts' })) as PerSkill<OperationCounts>;
        for (const skill of SKILLS) {
          const reply = replies[skill];
          const kept = reply.response?.sessionAttributes;
          let changed = false;
          if (kept && STATE_KEY[skill] in kept) {
            const state = stable(kept[STATE_KEY[skill]]);
            changed = state !== stored[skill];
            stored[skill] = state;
          }
          turns[skill].push({
            session: sessions,
            kind: utterance.kind === 'intent' ? utterance.name : utterance.kind,
            ms: reply.ms,
            cpuMs: reply.cpuMs,
            ...split(now[skill], counts[skill]),
            changed,
            warmup: done < options.warmupTurns,
          });
          attributes[skill] = kept ?? {};
        }
        counts = now;
        done += 1;
        // Speaker Helper leads: a closed session means the next words open the skill again.
        const open = replies.ours.response?.response?.shouldEndSession === false;
        place = open ? { ...place, isNew: false } : undefined;
      };

      for (const utterance of journey) {
        if (done >= total) break;
        if (utterance.kind === 'walkAway') {
          if (place) await turn(utterance);
          place = undefined;
          continue;
        }
        if (utterance.kind === 'intent' && !place) await turn(launch);
        if (done >= total) break;
        await turn(utterance);
      }
    }

    const memory = {} as PerSkill<NodeJS.MemoryUsage>;
    for (const skill of SKILLS) {
      memory[skill] = (await peers[skill].ask<{ memory: NodeJS.MemoryUsage }>({ type: 'memory' })).memory;
    }
    return { turns, sessions, users, memory };
  } finally {
    await Promise.all(SKILLS.map((skill) => peers[skill].stop()));
  }
}

export interface WarmStats {
  turns: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  cpuP50: number;
  cpuP99: number;
  /** Mean dynalite time per turn, and the percentiles of the turn time without it. */
  dbMsMean: number;
  ownP50: number;
  ownP99: number;
}

export function warmStats(records: TurnRecord[]): WarmStats {
  const measured = records.filter((r) => !r.warmup);
  const wall = measured.map((r) => r.ms);
  const cpu = measured.map((r) => r.cpuMs);
  return {
    turns: measured.length,
    p50: percentile(wall, 50),
    p95: percentile(wall, 95),
    p99: percentile(wall, 99),
    max: Math.max(...wall),
    cpuP50: percentile(cpu, 50),
    cpuP99: percentile(cpu, 99),
    dbMsMean: mean(measured.map((r) => r.dbMs)),
    ownP50: percentile(
      measured.map((r) => r.ms - r.dbMs),
      50,
    ),
    ownP99: percentile(
      measured.map((r) => r.ms - r.dbMs),
      99,
    ),
  };
}

export interface DbStats {
  sessions: number;
  turns: number;
  changingTurns: number;
  reads: number;
  writes: number;
  other: number;
  readsPerSession: number;
  maxReadsInSession: number;
  writesPerTurn: number;
  writesPerChangingTurn: number;
  maxWritesInTurn: number;
  writesOnUnchangedTurns: number;
}

/** Over every turn, warm-up included, so sessions are whole. */
export function dbStats(records: TurnRecord[]): DbStats {
  const readsBySession = new Map<number, number>();
  for (const r of records) readsBySession.set(r.session, (readsBySession.get(r.session) ?? 0) + r.reads);
  const changing = records.filter((r) => r.changed);
  const sum = (pick: (r: TurnRecord) => number, of = records) => of.reduce((s, r) => s + pick(r), 0);
  const reads = sum((r) => r.reads);
  const writes = sum((r) => r.writes);
  return {
    sessions: readsBySession.size,
    turns: records.length,
    changingTurns: changing.length,
    reads,
    writes,
    other: sum((r) => r.other),
    readsPerSession: reads / readsBySession.size,
    maxReadsInSession: Math.max(...readsBySession.values()),
    writesPerTurn: writes / records.length,
    writesPerChangingTurn: changing.length > 0 ? sum((r) => r.writes, changing) / changing.length : 0,
    maxWritesInTurn: Math.max(...records.map((r) => r.writes)),
    writesOnUnchangedTurns: sum(
      (r) => r.writes,
      records.filter((r) => !r.changed),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The web server under load

export interface ServeStats {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  rssAfter: number;
}

export interface ServeOptions {
  /** Seconds of measured load per skill, split in two rounds (baseline, ours, ours, baseline). */
  seconds: number;
  connections: number;
  /**
   * Distinct users the requests rotate through. The warm-up sends one request per user, so the measured
   * rounds meet returning users only and the mix of reads and writes stays the same throughout.
   */
  users: number;
}

const SERVE_UTTERANCES: Utterance[] = [
  launch,
  {
    kind: 'intent',
    name: 'SymptomIntent',
    slots: { symptom: { value: "alexa can't find my speaker", id: 'cant_find' } },
  },
  { kind: 'intent', name: 'AMAZON.HelpIntent' },
];

/** Request bodies for autocannon: each opens a session for the next user of the pool, in turn. */
function bodies(users: number, offset: number) {
  let n = 0;
  return () => {
    n += 1;
    const place = {
      userId: benchUserId(offset + (n % users)),
      sessionId: newSessionId(),
      isNew: true,
      attributes: {},
    };
    return JSON.stringify(envelope(SERVE_UTTERANCES[n % SERVE_UTTERANCES.length] as Utterance, place));
  };
}

/** `seconds` of load, or exactly `amount` requests (each bounded by autocannon's 10 s timeout). */
function load(
  port: number,
  bound: { seconds: number } | { amount: number },
  connections: number,
  next: () => string,
) {
  return autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections,
    ...('amount' in bound ? { amount: bound.amount } : { duration: bound.seconds }),
    timeout: 10,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ method: 'POST', path: '/', setupRequest: (request) => ({ ...request, body: next() }) }],
  });
}

export async function measureServe(setup: Setup, options: ServeOptions): Promise<PerSkill<ServeStats>> {
  const servers: PerSkill<Peer> = {
    baseline: spawnTs('serve-worker.ts', 'baseline server', setup.env.baseline, ['baseline']),
    ours: spawnTs('serve-worker.ts', 'ours server', setup.env.ours, ['ours']),
  };
  try {
    const ports = {} as PerSkill<number>;
    for (const skill of SKILLS) ports[skill] = (await servers[skill].next<ServeReady>(60_000)).port;
    const next: PerSkill<() => string> = {
      baseline: bodies(options.users, 2_000_000),
      ours: bodies(options.users, 2_000_000),
    };
    for (const skill of SKILLS)
      await load(ports[skill], { amount: options.users }, options.connections, next[skill]);
    const rounds: PerSkill<autocannon.Result[]> = { baseline: [], ours: [] };
    const half = options.seconds / 2;
    for (const skill of [...orderFor(0), ...orderFor(1)]) {
      rounds[skill].push(await load(ports[skill], { seconds: half }, options.connections, next[skill]));
    }
    const stats = {} as PerSkill<ServeStats>;
    for (const skill of SKILLS) {
      const results = rounds[skill];
      const requests = results.reduce((s, r) => s + r.requests.total, 0);
      const seconds = results.reduce((s, r) => s + r.duration, 0);
      const memory = await servers[skill].ask<{ memory: NodeJS.MemoryUsage }>({ type: 'memory' });
      stats[skill] = {
        requests,
        seconds,
        requestsPerSecond: requests / seconds,
        // The two rounds' percentiles, averaged.
        p50: mean(results.map((r) => r.latency.p50)),
        p99: mean(results.map((r) => r.latency.p99)),
        non2xx: results.reduce((s, r) => s + r.non2xx, 0),
        errors: results.reduce((s, r) => s + r.errors, 0),
        timeouts: results.reduce((s, r) => s + r.timeouts, 0),
        rssAfter: memory.memory.rss,
      };
    }
    return stats;
  } finally {
    await Promise.all(SKILLS.map((skill) => servers[skill].stop()));
  }
}
