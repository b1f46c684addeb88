/**
 * `npm run bench [-- --quick | --update]`: Speaker Helper's Lambda bundle measured against a bare
 * ask-sdk-core skill on the same stack (bench/baseline), in one run, interleaved sample by sample, against
 * dynalite on 127.0.0.1:
 *
 * - bundle size (bytes and gzip), and what our bundle is made of;
 * - cold start: fresh `node` processes loading the bundle and answering one LaunchRequest;
 * - warm turns: p50/p95/p99 over a long scripted conversation in one process per skill;
 * - a moving-session mix (bench/lib/moving.ts): fresh users each run one ten-turn troubleshooting session
 *   that moves through the flow; p50/p99 per turn type (ours changing progress or not, the baseline's write
 *   turns, and by request kind), stdout and DynamoDB requests per turn, and the same mix on an Echo Show
 *   (APL declared) for ours, with response bytes;
 * - DynamoDB requests per session and per turn, counted at dynalite by X-Amz-Target;
 * - memory after the warm run;
 * - the web server (`npm run serve`'s createServer, insecure-local) under autocannon load.
 *
 * Prints the machine, a table, PASS/MISS per target and a summary line; a full run of the real bundle also
 * writes latest.json and latest.md to the git-ignored bench/results/local/ and prints where. Only
 * `--update` writes the committed bench/results/latest.{json,md} instead. Exits 0 whether targets are met
 * or not (it is a measurement); 1 when the run itself failed. Traffic stays on 127.0.0.1; every loop is
 * bounded in count and time. See bench/FINDINGS.md.
 *
 * Options: --quick (few samples, a smoke run: nothing written), --no-serve (skip the load test),
 * --ours-bundle <file> (measure that bundle as ours, e.g. a patched copy, instead of building lambda/dist),
 * --update (write the committed results; only with a full run of the real bundle, so none of the others).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import enUS from '../lambda/src/i18n/locales/en.json';
import type { DbReady } from './db-worker';
import { buildBaseline, buildOurs, composition, ROOT, sizeOf } from './lib/bundles';
import { SKILLS, spawnTs, stageBundle } from './lib/children';
import type { Peer, SkillName } from './lib/children';
import { BENCH_SKILL_ID } from './lib/envelopes';
import { dbStats, measureCold, measureServe, measureWarm, warmStats } from './lib/measure';
import { measureMoving, movingStats, movingText } from './lib/moving';
import type { PerSkill, ServeStats, Setup } from './lib/measure';
import {
  coldStats,
  machine,
  machineLine,
  RESULTS_DIR,
  resultsDir,
  summaryOf,
  targetsOf,
  textTable,
  UPDATE_FLAG,
  writeResults,
} from './lib/report';
import type { BenchResults, Measured } from './lib/report';

interface Plan {
  mode: 'full' | 'quick';
  coldSamples: number;
  warmTurns: number;
  warmupTurns: number;
  /** Fresh users through the moving session (ten turns each), after `movingWarmupUsers` unmeasured ones. */
  movingUsers: number;
  movingWarmupUsers: number;
  serveSeconds: number;
  serveConnections: number;
  serveUsers: number;
}

const FULL: Plan = {
  mode: 'full',
  coldSamples: 21,
  warmTurns: 2000,
  warmupTurns: 100,
  movingUsers: 200,
  movingWarmupUsers: 10,
  serveSeconds: 10,
  serveConnections: 4,
  serveUsers: 500,
};

const QUICK: Plan = {
  mode: 'quick',
  coldSamples: 3,
  warmTurns: 150,
  warmupTurns: 30,
  movingUsers: 30,
  movingWarmupUsers: 3,
  serveSeconds: 2,
  serveConnections: 4,
  serveUsers: 100,
};

interface Args {
  plan: Plan;
  /** Measure this bundle as "ours" instead of building lambda/dist (e.g. a patched copy). */
  oursBundle?: string;
  serve: boolean;
  /** Write the committed bench/results/latest.* instead of bench/results/local/. */
  update: boolean;
}

/** Only a complete run of the real bundle is a result worth keeping. */
const isComplete = (args: Args) => !args.oursBundle && args.serve && args.plan.mode === 'full';

function argsFrom(argv: readonly string[]): Args {
  const args: Args = { plan: FULL, serve: true, update: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--quick') args.plan = QUICK;
    else if (arg === '--no-serve') args.serve = false;
    else if (arg === UPDATE_FLAG) args.update = true;
    else if (arg === '--ours-bundle' && argv[i + 1]) {
      args.oursBundle = path.resolve(argv[i + 1] as string);
      i += 1;
    } else
      throw new Error(
        `unknown argument ${arg} (known: --quick, --no-serve, --ours-bundle <file>, ${UPDATE_FLAG})`,
      );
  }
  // Refuse before a minute of measuring, not after: an incomplete run writes nothing.
  if (args.update && !isComplete(args))
    throw new Error(
      `${UPDATE_FLAG} writes the committed results, so it needs a full run of the real bundle ` +
        '(without --quick, --no-serve or --ours-bundle)',
    );
  return args;
}

const NO_SERVE: ServeStats = {
  requests: 0,
  seconds: 0,
  requestsPerSecond: NaN,
  p50: NaN,
  p99: NaN,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  rssAfter: NaN,
};

const step = (what: string) => process.stdout.write(`… ${what}\n`);

async function main(): Promise<void> {
  const args = argsFrom(process.argv.slice(2));
  const plan = args.plan;
  const started = Date.now();
  const date = new Date().toISOString();
  const host = machine();
  console.log(`Speaker Helper bench (${plan.mode}) on ${machineLine({ machine: host, date })}`);

  const work = mkdtempSync(path.join(tmpdir(), 'speaker-helper-bench-'));
  let db: Peer | undefined;
  try {
    step('building both bundles');
    const bundles: PerSkill<string> = {
      ours: args.oursBundle ?? buildOurs(),
      baseline: await buildBaseline(work),
    };
    if (args.oursBundle) console.log(`ours: ${args.oursBundle} (not lambda/dist; no results written)`);
    const bundle = { ours: sizeOf(bundles.ours), baseline: sizeOf(bundles.baseline) };
    const parts = await composition(path.join(ROOT, 'lambda', 'src', 'index.ts'));

    step('starting dynalite (one per skill, 127.0.0.1)');
    db = spawnTs('db-worker.ts', 'dynalite', { PATH: process.env.PATH ?? '' });
    const ready = await db.next<DbReady>(60_000);
    const env = {} as PerSkill<NodeJS.ProcessEnv>;
    const dirs = {} as PerSkill<string>;
    for (const skill of SKILLS) {
      dirs[skill] = stageBundle(work, skill, bundles[skill]);
      env[skill] = {
        PATH: process.env.PATH ?? '',
        SKILL_ID: BENCH_SKILL_ID,
        TABLE_NAME: ready[skill].tableName,
        DYNAMODB_ENDPOINT: ready[skill].endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        // The conversation never links Spotify; should anything call it, it stays on this machine.
        SPOTIFY_API_URL: 'http://127.0.0.1:1/v1',
        // Production's level: ours writes its per-turn log line and EMF metrics, as on Lambda.
        LOG_LEVEL: 'info',
        HOME: path.join(work, 'home'),
      };
    }
    const failureWords: PerSkill<string[]> = {
      ours: [enUS.errors.generic, enUS.errors.storageDown],
      baseline: ['Sorry, something went wrong'],
    };
    const setup: Setup = { dirs, env, db, failureWords };

    step(`cold starts: ${plan.coldSamples} per skill, alternating`);
    const cold = await measureCold(setup, plan.coldSamples);

    step(`warm turns: ${plan.warmupTurns} warm-up + ${plan.warmTurns} measured per skill, in lock-step`);
    const warm = await measureWarm(setup, {
      turns: plan.warmTurns,
      warmupTurns: plan.warmupTurns,
      maxMs: 180_000,
    });

    step(
      `moving session: ${plan.movingWarmupUsers} warm-up + ${plan.movingUsers} measured users × 10 turns, ` +
        'baseline, ours and ours on an Echo Show in lock-step',
    );
    const moving = movingStats(
      await measureMoving(setup, {
        users: plan.movingUsers,
        warmupUsers: plan.movingWarmupUsers,
        maxMs: 240_000,
      }),
    );

    const serveOptions = {
      seconds: plan.serveSeconds,
      connections: plan.serveConnections,
      users: plan.serveUsers,
    };
    step(
      args.serve
        ? `web server under load: ${plan.serveSeconds} s per skill in two rounds, ${plan.serveConnections} connections`
        : 'web server under load: skipped (--no-serve; no results written)',
    );
    const serve = args.serve
      ? await measureServe(setup, serveOptions)
      : { baseline: NO_SERVE, ours: NO_SERVE };

    const per = <T>(f: (skill: SkillName) => T): PerSkill<T> => ({
      baseline: f('baseline'),
      ours: f('ours'),
    });
    const measured: Measured = {
      date,
      mode: plan.mode,
      machine: host,
      seconds: (Date.now() - started) / 1000,
      settings: { ...plan, sessions: warm.sessions, users: warm.users },
      bundle,
      composition: parts.slice(0, 20),
      cold: per((s) => coldStats(cold[s])),
      warm: per((s) => warmStats(warm.turns[s])),
      db: per((s) => dbStats(warm.turns[s])),
      memory: per((s) => ({ rss: warm.memory[s].rss, heapUsed: warm.memory[s].heapUsed })),
      serve,
      moving,
    };
    const targets = targetsOf(measured);
    const results: BenchResults = { ...measured, targets, summary: summaryOf(measured, targets) };

    console.log('');
    console.log(textTable(measured, targets));
    console.log('');
    console.log(movingText(moving));
    console.log('');
    console.log('Our bundle by package (minified bytes):');
    for (const p of parts.slice(0, 8))
      console.log(`  ${p.name.padEnd(40)} ${(p.bytes / 1024).toFixed(0).padStart(5)} KiB`);
    console.log('');
    for (const t of [...targets, ...moving.targets])
      console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${t.value} (target ${t.limit})`);
    console.log('');
    console.log(results.summary);
    // Only a complete run of the real bundle is the latest result.
    if (!isComplete(args)) {
      console.log('\nNothing written: only a full run of the real bundle writes results.');
      return;
    }
    const written = await writeResults(results, resultsDir(args.update));
    console.log(
      `\nWrote ${path.relative(ROOT, written.json)} and ${path.relative(ROOT, written.md)} (${results.seconds.toFixed(0)} s)`,
    );
    if (!args.update)
      console.log(
        `(git-ignored; \`npm run bench -- ${UPDATE_FLAG}\` writes the committed ${path.relative(ROOT, RESULTS_DIR)}/latest.* instead)`,
      );
  } finally {
    await db?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${String((error as Error)?.stack ?? error)}`);
  process.exitCode = 1;
});
