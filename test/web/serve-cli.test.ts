/**
 * `npm run serve` (scripts/serve.ts) as a child process: `--insecure-local` cannot be enabled by accident,
 * and SIGTERM lets an in-flight request finish before the process exits 0. The child uses the jest global
 * dynalite (DYNAMODB_ENDPOINT) and a table of its own, and listens on a free port of 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { testEndpoint, uniqueTableName } from '../support/test-table';
import { send, sendInTwoParts } from './http';

const ROOT = path.join(__dirname, '..', '..');
const SKILL_ID = 'amzn1.ask.skill.serve-cli-test';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

function serve(args: string[], env: Record<string, string | undefined>): Run {
  const child = spawn(
    process.execPath,
    ['--no-warnings', '-r', 'ts-node/register/transpile-only', 'scripts/serve.ts', ...args],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function listeningPort(run: Run, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(run.stdout());
    if (match?.[1]) return Number(match[1]);
    if (run.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`serve did not start:\n${run.stdout()}\n${run.stderr()}`);
}

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('npm run serve --insecure-local', () => {
  it('is refused when NODE_ENV=production', async () => {
    const run = serve(['--insecure-local'], { NODE_ENV: 'production', DYNAMODB_ENDPOINT: testEndpoint() });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/--insecure-local is refused when NODE_ENV=production/);
    expect(run.stdout()).not.toMatch(/listening/);
  });

  it('is refused on a non-loopback HOST', async () => {
    const run = serve(['--insecure-local'], { HOST: '0.0.0.0', DYNAMODB_ENDPOINT: testEndpoint() });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/only listens on a loopback HOST/);
  });

  it('is not turned on by a mistyped flag', async () => {
    const run = serve(['--insecure'], { DYNAMODB_ENDPOINT: testEndpoint() });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/unknown argument --insecure/);
  });

  it('without it, the configuration is required', async () => {
    const run = serve([], { DYNAMODB_ENDPOINT: testEndpoint() });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/set SKILL_ID and TABLE_NAME/);
  });
});

describe('npm run serve, SIGTERM', () => {
  it('finishes the in-flight request, then exits 0', async () => {
    const run = serve(['--insecure-local'], {
      NODE_ENV: 'test',
      DYNAMODB_ENDPOINT: testEndpoint(),
      TABLE_NAME: uniqueTableName('serve-cli'),
      SKILL_ID,
    });
    const port = await listeningPort(run);
    expect(run.stderr()).toMatch(/INSECURE LOCAL MODE/);

    const health = await send(port, { method: 'GET', path: '/health' });
    expect(health.json()).toEqual({ status: 'ok' });

    const userId = `amzn1.ask.account.${randomUUID()}`;
    const envelope = {
      version: '1.0',
      session: { new: true, sessionId: 's', application: { applicationId: SKILL_ID }, user: { userId } },
      context: { System: { application: { applicationId: SKILL_ID }, user: { userId } } },
      request: {
        type: 'LaunchRequest',
        requestId: 'r',
        timestamp: new Date().toISOString(),
        locale: 'en-US',
      },
    };
    const inFlight = sendInTwoParts(port, { body: JSON.stringify(envelope) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(run.child.exitCode).toBeNull();

    inFlight.finish();
    const answer = await inFlight.answer;
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.json())).toMatch(/Speaker Helper/);
    const { code, signal } = await run.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });
});
