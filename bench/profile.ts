/**
 * `npm run bench:profile [-- --cold N] [-- --turns N] [-- --moving N]`: where the time goes, for
 * bench/FINDINGS.md. The same set-up as `npm run bench`, with `node --cpu-prof` on both skills: N cold starts
 * each (load + one LaunchRequest), then one warm run of the scripted conversation, and with `--moving N` a
 * run of the moving-session mix with N users (ten turns each; baseline, ours, ours on an Echo Show).
 * Prints self time by package and by function, mapped through the bundles' source maps. The profiles stay
 * in a temporary folder, which is printed (and removed only with --clean). Nothing is written under bench/results/, so `--update` (which only
 * `npm run bench` takes) is refused here like any unknown option.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DbReady } from './db-worker';
import { buildBaseline, buildOurs } from './lib/bundles';
import { SKILLS, spawnTs, spawnWorker, stageBundle } from './lib/children';
import type { Peer } from './lib/children';
import { formatSummary, summarize } from './lib/cpuprofile';
import { BENCH_SKILL_ID, benchUserId, envelope, launch, newSessionId } from './lib/envelopes';
import { measureWarm } from './lib/measure';
import type { PerSkill } from './lib/measure';
import { LANES, measureMoving } from './lib/moving';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new Error(`${name} must be 1…10000`);
  return value;
}

/** Refuses unknown options (a mistyped one would otherwise be ignored silently). */
function checkOptions(argv: readonly string[]): void {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--cold' || arg === '--turns' || arg === '--moving') i += 1;
    else if (arg !== '--clean' && arg !== '--')
      throw new Error(
        `unknown argument ${arg} (known: --cold N, --turns N, --moving N, --clean; profiles write nothing to update)`,
      );
  }
}

async function main(): Promise<void> {
  checkOptions(process.argv.slice(2));
  const coldRuns = option('--cold', 10);
  const turns = option('--turns', 1500);
  const movingUsers = process.argv.includes('--moving') ? option('--moving', 150) : 0;
  const work = mkdtempSync(path.join(tmpdir(), 'speaker-helper-profile-'));
  let db: Peer | undefined;
  try {
    const bundles: PerSkill<string> = { ours: buildOurs(), baseline: await buildBaseline(work) };
    db = spawnTs('db-worker.ts', 'dynalite', { PATH: process.env.PATH ?? '' });
    const ready = await db.next<DbReady>(60_000);
    const dirs = {} as PerSkill<string>;
    const env = {} as PerSkill<NodeJS.ProcessEnv>;
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
        LOG_LEVEL: 'info',
        HOME: path.join(work, 'home'),
      };
    }
    const profileDir = (phase: string, skill: string) => {
      const dir = path.join(work, 'profiles', phase, skill);
      mkdirSync(dir, { recursive: true });
      return dir;
    };

    for (let i = 0; i < coldRuns; i += 1) {
      for (const skill of SKILLS) {
        const place = {
          userId: benchUserId(800_000 + i),
          sessionId: newSessionId(),
          isNew: true,
          attributes: {},
        };
        const peer = spawnWorker(dirs[skill], 'cold', `${skill} cold start`, {
          env: env[skill],
          execArgv: ['--cpu-prof', '--cpu-prof-dir', profileDir('cold', skill)],
          args: [JSON.stringify(envelope(launch, place))],
        });
        const report = await peer.next<{ error?: string }>(20_000);
        await peer.exited;
        if (report.error) throw new Error(`${skill} cold start failed: ${report.error}`);
      }
    }
    await measureWarm(
      { dirs, env, db, failureWords: { ours: [], baseline: [] } },
      {
        turns,
        warmupTurns: 0,
        maxMs: 240_000,
        execArgv: {
          baseline: ['--cpu-prof', '--cpu-prof-dir', profileDir('warm', 'baseline')],
          ours: ['--cpu-prof', '--cpu-prof-dir', profileDir('warm', 'ours')],
        },
      },
    );
    if (movingUsers > 0) {
      await measureMoving(
        { dirs, env, db, failureWords: { ours: [], baseline: [] } },
        {
          users: movingUsers,
          warmupUsers: 0,
          maxMs: 240_000,
          execArgv: Object.fromEntries(
            LANES.map((lane) => [lane, ['--cpu-prof', '--cpu-prof-dir', profileDir('moving', lane)]]),
          ),
        },
      );
    }
    const maps: PerSkill<string> = { ours: `${bundles.ours}.map`, baseline: `${bundles.baseline}.map` };
    for (const lane of movingUsers > 0 ? LANES : []) {
      const map = lane === 'baseline' ? maps.baseline : maps.ours;
      const summary = summarize(path.join(work, 'profiles', 'moving', lane), 'index.js', map);
      console.log(`\n${formatSummary(`${lane}, moving session (${movingUsers * 10} turns)`, summary)}`);
    }
    for (const phase of ['cold', 'warm']) {
      for (const skill of SKILLS) {
        const summary = summarize(path.join(work, 'profiles', phase, skill), 'index.js', maps[skill]);
        console.log(
          `\n${formatSummary(`${skill}, ${phase === 'cold' ? 'cold start' : `warm run (${turns} turns)`}`, summary)}`,
        );
      }
    }
    console.log(`\nprofiles: ${path.join(work, 'profiles')} (open in Chrome DevTools > Performance)`);
  } finally {
    await db?.stop();
    if (process.argv.includes('--clean')) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`profile failed: ${String((error as Error)?.stack ?? error)}`);
  process.exitCode = 1;
});
