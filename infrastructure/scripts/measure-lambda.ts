/**
 * Measures the Lambda bundle the way Lambda runs it, to size the function's memory and timeout
 * (the numbers are written next to those values in lib/skill-function.ts).
 *
 *   npm run build && npm run measure:lambda [-- --runs 5]
 *
 * Each run copies lambda/dist/index.js to an empty folder (no node_modules to fall back on) and starts a
 * fresh Node process that loads it and answers a conversation sent by the virtual Echo: a LaunchRequest,
 * troubleshooting IntentRequests and a Spotify hand-off, against an in-memory dynalite and the local
 * Spotify Connect simulator (both on 127.0.0.1). The worker reports wall and CPU time per turn and its
 * memory. CPU time is what matters on Lambda, whose CPU share is proportional to memory (1,769 MB = one
 * vCPU), so the script also estimates the cold start at several memory sizes.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { createDynamoClient } from '../../lambda/src/state/dynamo-progress-store';
import { ensureTable } from '../../lambda/src/state/ensure-table';
import { startDynalite } from '../../scripts/local/dynalite-server';
import { DEFAULT_SIMULATOR_TOKEN, startSpotifySimulator } from '../../scripts/local/spotify-simulator';
import { VirtualEcho } from '../../scripts/local/virtual-echo';

const ROOT = path.join(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'lambda', 'dist', 'index.js');
const SKILL_ID = 'amzn1.ask.skill.00000000-0000-0000-0000-000000000000';
const TABLE_NAME = 'speaker-helper-measure';
/** Memory sizes to estimate for; Lambda gives one full vCPU at 1,769 MB. */
const MEMORY_SIZES = [128, 256, 512, 1024, 1769];
const FULL_VCPU_MB = 1769;

/** What a person says, in order; the first "open" is the cold start. */
const CONVERSATION = [
  'open speaker helper',
  "alexa can't find my speaker",
  'yes',
  'no',
  'why',
  'next',
  'repeat',
  'where am i',
  'ask speaker helper to list my devices',
  'the office speaker',
  'open speaker helper',
  'it worked',
  'stop',
];

// Runs inside the fresh process, next to the copied bundle.
const WORKER = `
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const cpuMs = (start) => { const u = process.cpuUsage(start); return (u.user + u.system) / 1000; };
const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
const { handler } = require('./index.js');
const load = { ms: ms(t0), cpuMs: cpuMs(c0) };
process.on('message', async (event) => {
  const t = process.hrtime.bigint(); const c = process.cpuUsage();
  try {
    const response = await handler(event, {});
    process.send({ response, ms: ms(t), cpuMs: cpuMs(c), memory: process.memoryUsage(), maxRssKb: process.resourceUsage().maxRSS });
  } catch (error) {
    process.send({ error: String(error && error.stack) });
  }
});
process.send({ load, memory: process.memoryUsage() });
`;

interface TurnReport {
  error?: string;
  response: ResponseEnvelope;
  ms: number;
  cpuMs: number;
  memory: NodeJS.MemoryUsage;
  maxRssKb: number;
}

interface RunReport {
  load: { ms: number; cpuMs: number };
  turns: { words: string; ms: number; cpuMs: number }[];
  rssMb: number;
  heapUsedMb: number;
  maxRssMb: number;
}

const mb = (bytes: number) => bytes / 1024 / 1024;
const fixed = (n: number) => n.toFixed(1);

async function runOnce(dir: string, env: NodeJS.ProcessEnv, spotifyUrl: string): Promise<RunReport> {
  const child: ChildProcess = fork(path.join(dir, 'worker.js'), [], {
    cwd: dir,
    execArgv: [],
    env: { ...env, SPOTIFY_API_URL: spotifyUrl },
    // The function's log lines (stdout) and the SDK's Node version notice (stderr) are not measured.
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
  const ready = await next<{ load: { ms: number; cpuMs: number } }>();
  const turns: RunReport['turns'] = [];
  let last: TurnReport | undefined;
  const echo = new VirtualEcho({
    handler: async (event: RequestEnvelope) => {
      const reply = next<TurnReport>();
      child.send(event);
      last = await reply;
      if (last.error) throw new Error(`the bundle failed: ${last.error}`);
      return last.response;
    },
    skillId: SKILL_ID,
    userId: `amzn1.ask.account.MEASURE${Date.now()}`,
    filter: (request) => {
      request.context.System.user.accessToken = DEFAULT_SIMULATOR_TOKEN;
      if (request.session) request.session.user.accessToken = DEFAULT_SIMULATOR_TOKEN;
    },
  });
  for (const words of CONVERSATION) {
    await echo.say(words);
    if (!last) throw new Error(`no answer to "${words}"`);
    turns.push({ words, ms: last.ms, cpuMs: last.cpuMs });
  }
  child.kill();
  if (!last) throw new Error('no turns');
  return {
    load: ready.load,
    turns,
    rssMb: mb(last.memory.rss),
    heapUsedMb: mb(last.memory.heapUsed),
    maxRssMb: last.maxRssKb / 1024,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
  const dir = mkdtempSync(path.join(tmpdir(), 'speaker-helper-measure-'));
  copyFileSync(BUNDLE, path.join(dir, 'index.js'));
  writeFileSync(path.join(dir, 'worker.js'), WORKER);
  const db = await startDynalite();
  const client = createDynamoClient({ region: 'us-east-1', endpoint: db.endpoint });
  await ensureTable(client, TABLE_NAME, { log: () => undefined });
  client.destroy();
  const spotify = await startSpotifySimulator();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    SKILL_ID,
    TABLE_NAME,
    DYNAMODB_ENDPOINT: db.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    LOG_LEVEL: 'info',
  };
  try {
    const reports: RunReport[] = [];
    for (let i = 0; i < runs; i += 1) {
      spotify.reset();
      reports.push(await runOnce(dir, env, spotify.baseUrl));
    }
    const cold = reports.map((r) => ({
      ms: r.load.ms + (r.turns[0]?.ms ?? 0),
      cpuMs: r.load.cpuMs + (r.turns[0]?.cpuMs ?? 0),
    }));
    const warm = reports.flatMap((r) => r.turns.slice(1));
    const handoff = reports.flatMap((r) => r.turns.filter((t) => t.words === 'the office speaker'));
    const coldCpu = median(cold.map((c) => c.cpuMs));
    console.log(`node ${process.version}, ${runs} fresh processes, ${CONVERSATION.length} turns each`);
    console.log(
      `module load: ${fixed(median(reports.map((r) => r.load.ms)))} ms wall, ${fixed(median(reports.map((r) => r.load.cpuMs)))} ms CPU (median)`,
    );
    console.log(
      `cold start (load + first LaunchRequest): ${fixed(median(cold.map((c) => c.ms)))} ms wall, ${fixed(coldCpu)} ms CPU (median)`,
    );
    console.log(
      `warm turns: median ${fixed(median(warm.map((t) => t.ms)))} ms wall / ${fixed(median(warm.map((t) => t.cpuMs)))} ms CPU, max ${fixed(Math.max(...warm.map((t) => t.ms)))} ms wall / ${fixed(Math.max(...warm.map((t) => t.cpuMs)))} ms CPU`,
    );
    console.log(`spotify transfer turn: median ${fixed(median(handoff.map((t) => t.ms)))} ms wall`);
    console.log(
      `memory after the turns: rss ${fixed(median(reports.map((r) => r.rssMb)))} MB, heapUsed ${fixed(median(reports.map((r) => r.heapUsedMb)))} MB, peak rss ${fixed(Math.max(...reports.map((r) => r.maxRssMb)))} MB`,
    );
    console.log('estimated cold start CPU on Lambda (CPU share = memory / 1,769 MB, same core speed):');
    for (const size of MEMORY_SIZES) {
      console.log(`  ${size} MB: ${fixed((coldCpu * FULL_VCPU_MB) / Math.min(size, FULL_VCPU_MB))} ms`);
    }
  } finally {
    await spotify.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
