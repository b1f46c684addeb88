/**
 * The results: targets, the printed table and summary, and latest.{json,md}: in the git-ignored
 * bench/results/local/ after a plain run, in the committed bench/results/ only with `--update`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { BundleSize, PackageShare } from './bundles';
import { ROOT } from './bundles';
import type { SkillName } from './children';
import type { ColdSample, DbStats, PerSkill, ServeStats, WarmStats } from './measure';
import { movingMarkdown } from './moving';
import type { MovingStats } from './moving';
import { kib, median, mib, ms, ratio, round, times } from './stats';

/** The committed results, rewritten only when asked with UPDATE_FLAG. */
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
/** Where a plain run writes its results (git-ignored, so a run on any machine leaves the tree clean). */
export const LOCAL_RESULTS_DIR = path.join(RESULTS_DIR, 'local');
/** The one way to rewrite the committed results: `npm run bench -- --update`. */
export const UPDATE_FLAG = '--update';
export const BUNDLE_BUDGET_BYTES = 1024 * 1024;

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  memoryGiB: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    node: process.version,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
  };
}

export interface ColdStats {
  samples: number;
  totalMs: number;
  requireMs: number;
  invokeMs: number;
  cpuMs: number;
  processMs: number;
  totalMsSamples: number[];
}

export function coldStats(samples: ColdSample[]): ColdStats {
  const med = (pick: (s: ColdSample) => number) => round(median(samples.map(pick)));
  return {
    samples: samples.length,
    totalMs: med((s) => s.totalMs),
    requireMs: med((s) => s.requireMs),
    invokeMs: med((s) => s.invokeMs),
    cpuMs: med((s) => s.cpuMs),
    processMs: med((s) => s.processMs),
    totalMsSamples: samples.map((s) => round(s.totalMs)),
  };
}

export interface Target {
  name: string;
  limit: string;
  value: string;
  pass: boolean;
}

export interface BenchResults {
  date: string;
  mode: 'full' | 'quick';
  machine: Machine;
  seconds: number;
  settings: Record<string, unknown>;
  bundle: PerSkill<BundleSize>;
  composition: PackageShare[];
  cold: PerSkill<ColdStats>;
  warm: PerSkill<WarmStats>;
  db: PerSkill<DbStats>;
  memory: PerSkill<{ rss: number; heapUsed: number }>;
  serve: PerSkill<ServeStats>;
  /** The moving-session mix and its screen-device variant, with the mix's own targets. */
  moving: MovingStats;
  targets: Target[];
  summary: string;
}

export type Measured = Omit<BenchResults, 'targets' | 'summary'>;

/**
 * Cold starts are taken in pairs (baseline and ours back to back, alternating which first): the median of
 * the pairs' ratios is steadier than the ratio of the medians when the machine's load drifts.
 */
export function pairedColdRatio(r: Pick<Measured, 'cold'>): number {
  const base = r.cold.baseline.totalMsSamples;
  return median(r.cold.ours.totalMsSamples.map((ours, i) => ratio(ours, base[i] ?? NaN)));
}

const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');

export function targetsOf(r: Measured): Target[] {
  const cold = pairedColdRatio(r);
  const p50 = ratio(r.warm.ours.p50, r.warm.baseline.p50);
  const p99 = ratio(r.warm.ours.p99, r.warm.baseline.p99);
  const db = r.db.ours;
  return [
    {
      name: 'warm p50',
      limit: '≤ 1.3× baseline',
      value: times(p50, 3),
      pass: p50 <= 1.3,
    },
    {
      name: 'warm p99',
      limit: '≤ 1.3× baseline',
      value: times(p99, 3),
      pass: p99 <= 1.3,
    },
    {
      name: 'cold start',
      limit: '≤ 1.5× baseline',
      value: times(cold, 3),
      pass: cold <= 1.5,
    },
    {
      name: 'bundle',
      limit: '< 1 MiB',
      value: kib(r.bundle.ours.bytes),
      pass: r.bundle.ours.bytes < BUNDLE_BUDGET_BYTES,
    },
    {
      name: 'reads per session',
      limit: '≤ 1',
      value: `max ${db.maxReadsInSession}`,
      pass: db.maxReadsInSession <= 1,
    },
    {
      name: 'writes per changing turn',
      limit: '≤ 1, none on unchanged turns',
      value: `max ${db.maxWritesInTurn}, ${db.writesOnUnchangedTurns} on unchanged`,
      pass: db.maxWritesInTurn <= 1 && db.writesOnUnchangedTurns === 0,
    },
  ];
}

type Row = [label: string, baseline: string, ours: string, ratio: string, target: string, result: string];

function rows(r: Measured, targets: Target[]): Row[] {
  const t = (name: string) => targets.find((x) => x.name === name);
  const judged = (name: string): [string, string] => {
    const target = t(name);
    return target ? [target.limit, verdict(target.pass)] : ['', ''];
  };
  const both = (pick: (s: SkillName) => number, show: (n: number) => string): [string, string, string] => [
    show(pick('baseline')),
    show(pick('ours')),
    times(ratio(pick('ours'), pick('baseline'))),
  ];
  const size = (s: BundleSize) => `${kib(s.bytes)} (gzip ${kib(s.gzipBytes)})`;
  const n = (digits: number) => (v: number) => v.toFixed(digits);
  const db = (s: SkillName) => r.db[s];
  const cold = r.cold.ours.samples;
  return [
    [
      'bundle size',
      size(r.bundle.baseline),
      size(r.bundle.ours),
      times(ratio(r.bundle.ours.bytes, r.bundle.baseline.bytes)),
      ...judged('bundle'),
    ],
    [
      `cold start: require + 1st launch (median of ${cold}; ratio: median of pairs)`,
      ms(r.cold.baseline.totalMs),
      ms(r.cold.ours.totalMs),
      times(pairedColdRatio(r)),
      ...judged('cold start'),
    ],
    ['cold start: of which require', ...both((s) => r.cold[s].requireMs, ms), '', ''],
    ['cold start: of which 1st LaunchRequest', ...both((s) => r.cold[s].invokeMs, ms), '', ''],
    ['cold start: CPU in the process', ...both((s) => r.cold[s].cpuMs, ms), '', ''],
    ['cold start: process wall (spawn to exit)', ...both((s) => r.cold[s].processMs, ms), '', ''],
    [`warm turn p50 (${r.warm.ours.turns} turns)`, ...both((s) => r.warm[s].p50, ms), ...judged('warm p50')],
    ['warm turn p95', ...both((s) => r.warm[s].p95, ms), '', ''],
    ['warm turn p99', ...both((s) => r.warm[s].p99, ms), ...judged('warm p99')],
    ['warm turn CPU p50', ...both((s) => r.warm[s].cpuP50, ms), '', ''],
    ['warm turn: dynalite time per turn (mean)', ...both((s) => r.warm[s].dbMsMean, ms), '', ''],
    ['warm turn without dynalite time, p50', ...both((s) => r.warm[s].ownP50, ms), '', ''],
    ['warm turn without dynalite time, p99', ...both((s) => r.warm[s].ownP99, ms), '', ''],
    [
      `DynamoDB reads per session (${r.db.ours.sessions} sessions; mean / max)`,
      `${db('baseline').readsPerSession.toFixed(2)} / ${db('baseline').maxReadsInSession}`,
      `${db('ours').readsPerSession.toFixed(2)} / ${db('ours').maxReadsInSession}`,
      '',
      ...judged('reads per session'),
    ],
    [
      `DynamoDB writes per turn (${r.db.ours.turns} turns)`,
      ...both((s) => db(s).writesPerTurn, n(2)),
      '',
      '',
    ],
    [
      'DynamoDB writes per changing turn (mean / max / on unchanged turns)',
      `${db('baseline').writesPerChangingTurn.toFixed(2)} / ${db('baseline').maxWritesInTurn} / ${db('baseline').writesOnUnchangedTurns}`,
      `${db('ours').writesPerChangingTurn.toFixed(2)} / ${db('ours').maxWritesInTurn} / ${db('ours').writesOnUnchangedTurns}`,
      '',
      ...judged('writes per changing turn'),
    ],
    ['changing turns', ...both((s) => db(s).changingTurns, n(0)), '', ''],
    ['RSS after the warm run', ...both((s) => r.memory[s].rss, mib), '', ''],
    ['heapUsed after the warm run', ...both((s) => r.memory[s].heapUsed, mib), '', ''],
    [
      `serve: requests/s (${r.serve.ours.seconds.toFixed(0)} s, ${String(r.settings.serveConnections)} connections)`,
      ...both((s) => r.serve[s].requestsPerSecond, n(0)),
      '',
      '',
    ],
    ['serve: latency p50', ...both((s) => r.serve[s].p50, ms), '', ''],
    ['serve: latency p99', ...both((s) => r.serve[s].p99, ms), '', ''],
    [
      'serve: non-2xx / errors / timeouts',
      `${r.serve.baseline.non2xx} / ${r.serve.baseline.errors} / ${r.serve.baseline.timeouts}`,
      `${r.serve.ours.non2xx} / ${r.serve.ours.errors} / ${r.serve.ours.timeouts}`,
      '',
      '',
      '',
    ],
    ['serve: RSS after the load', ...both((s) => r.serve[s].rssAfter, mib), '', ''],
  ];
}

const HEADER: Row = ['', 'baseline', 'ours', 'ours/base', 'target', 'result'];

export function summaryOf(r: Measured, targets: Target[]): string {
  const passed = targets.filter((t) => t.pass).length;
  const parts = targets.map((t) => `${t.name} ${t.value} ${verdict(t.pass)}`);
  const rps = times(ratio(r.serve.ours.requestsPerSecond, r.serve.baseline.requestsPerSecond));
  const moving = r.moving.targets;
  const movingPassed = moving.filter((t) => t.pass).length;
  const movingParts = moving.map(
    (t) => `${t.name.replace('moving mix: ', '')} ${t.value} ${verdict(t.pass)}`,
  );
  return (
    `Summary: ${parts.join(' · ')} · serve ${rps} baseline req/s — ${passed}/${targets.length} targets met. ` +
    `Moving mix: ${movingParts.join(' · ')} — ${movingPassed}/${moving.length} met`
  );
}

export function textTable(r: Measured, targets: Target[]): string {
  const all = [HEADER, ...rows(r, targets)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((row) => row[i]?.length ?? 0)));
  const line = (row: Row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function machineLine(r: { machine: Machine; date: string }): string {
  const m = r.machine;
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ${r.date}`;
}

function markdown(r: BenchResults): string {
  const cells = (row: Row) => `| ${row.join(' | ')} |`;
  const compositionRows = r.composition
    .slice(0, 12)
    .map((p) => `| ${p.name} | ${kib(p.bytes)} | ${((100 * p.bytes) / r.bundle.ours.bytes).toFixed(1)}% |`);
  return [
    '# Benchmark: Speaker Helper against a bare ask-sdk-core skill',
    '',
    `Written by \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\` (bench/run.ts); see bench/FINDINGS.md for what the numbers mean.`,
    '',
    `Machine: ${machineLine(r)}. Run took ${r.seconds.toFixed(0)} s.`,
    '',
    cells(HEADER),
    cells(HEADER.map(() => '---') as unknown as Row),
    ...rows(r, r.targets).map((row) => cells(row.map((c) => c.trim() || ' ') as unknown as Row)),
    '',
    r.summary,
    '',
    movingMarkdown(r.moving),
    '## Our bundle by package (esbuild metafile, minified bytes)',
    '',
    '| package | bytes | share |',
    '| --- | --- | --- |',
    ...compositionRows,
    '',
    '## Settings',
    '',
    '```json',
    JSON.stringify(r.settings),
    '```',
    '',
  ].join('\n');
}

async function pretty(text: string, file: string): Promise<string> {
  const config = (await resolveConfig(file)) ?? {};
  return format(text, { ...config, filepath: file });
}

/** The folder a run writes to: the committed bench/results/ with `--update`, else bench/results/local/. */
export function resultsDir(update: boolean): string {
  return update ? RESULTS_DIR : LOCAL_RESULTS_DIR;
}

export async function writeResults(r: BenchResults, dir: string): Promise<{ json: string; md: string }> {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'latest.json');
  const md = path.join(dir, 'latest.md');
  writeFileSync(json, await pretty(JSON.stringify(r, null, 2), json));
  writeFileSync(md, await pretty(markdown(r), md));
  return { json, md };
}
