/**
 * Child processes the bench talks to over IPC: plain `node` workers next to a copied bundle (cold start,
 * warm turns), and ts-node workers (the dynalite host, the web servers). Every wait is bounded.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './bundles';

const DEFAULT_WAIT_MS = 30_000;

/** A child process with a message queue: `next()` takes the next message, in order, within a time limit. */
export class Peer {
  private readonly queue: unknown[] = [];
  private readonly waiters: Array<{ resolve: (m: unknown) => void; reject: (e: Error) => void }> = [];
  private stderrTail = '';
  private exitError: Error | undefined;
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.on('message', (message) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(message);
      else this.queue.push(message);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitError = new Error(`${name} exited (${code ?? signal}); stderr: ${this.stderrTail.trim()}`);
        for (const waiter of this.waiters.splice(0)) waiter.reject(this.exitError);
        resolve(code);
      });
    });
  }

  get stderr(): string {
    return this.stderrTail;
  }

  next<T>(timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift() as T);
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        resolve: (m: unknown) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(
          new Error(`${this.name}: no answer within ${timeoutMs} ms; stderr: ${this.stderrTail.trim()}`),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  ask<T>(message: unknown, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    const answer = this.next<T>(timeoutMs);
    this.child.send(message as never);
    return answer;
  }

  /** Asks the child to stop, then kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** What Lambda passes as the context of an invocation. */
const CONTEXT_JS = `
const contextFor = (n) => ({
  functionName: 'speaker-helper-bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:speaker-helper-bench',
  memoryLimitInMB: '512',
  awsRequestId: 'bench-request-' + n,
  logGroupName: '/aws/lambda/speaker-helper-bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 8000,
});
const hr = () => process.hrtime.bigint();
const since = (t) => Number(hr() - t) / 1e6;
const cpuSince = (c) => { const u = process.cpuUsage(c); return (u.user + u.system) / 1000; };
const failure = (error) => String((error && error.stack) || error);
`;

/**
 * Cold start: a fresh process loads the bundle and answers one LaunchRequest (the envelope is argv[2]).
 * Timed inside the process with hrtime around require and the invocation.
 */
const COLD_WORKER = `'use strict';
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
${CONTEXT_JS}
const { handler } = require('./index.js');
const requireMs = since(t0);
const t1 = hr();
handler(JSON.parse(process.argv[2]), contextFor(1)).then(
  (response) => {
    const invokeMs = since(t1);
    const cpuMs = cpuSince(c0);
    process.send({ requireMs, invokeMs, cpuMs, response, rss: process.memoryUsage().rss }, () => process.exit(0));
  },
  (error) => process.send({ error: failure(error) }, () => process.exit(1)),
);
`;

/**
 * Warm turns: one long-lived process answering envelopes sent over IPC, timing each invocation. It also
 * counts the bytes the skill writes to stdout during each turn (its log line and EMF metric lines, which
 * CloudWatch is paid for by the byte): process.stdout.write is wrapped, and everything still goes where it
 * went before (/dev/null, synchronously), so the write costs stay inside the timed turn.
 */
const WARM_WORKER = `'use strict';
${CONTEXT_JS}
let stdoutBytes = 0;
const write = process.stdout.write;
process.stdout.write = function (chunk, encoding) {
  stdoutBytes += typeof chunk === 'string'
    ? Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8')
    : chunk.length;
  return write.apply(this, arguments);
};
const { handler } = require('./index.js');
let n = 0;
process.on('message', (message) => {
  if (message.type === 'turn') {
    n += 1;
    const b = stdoutBytes;
    const t = hr();
    const c = process.cpuUsage();
    handler(message.event, contextFor(n)).then(
      (response) => {
        const ms = since(t);
        const cpuMs = cpuSince(c);
        process.send({ type: 'turn', ms, cpuMs, stdoutBytes: stdoutBytes - b, response });
      },
      (error) => process.send({ type: 'turn', error: failure(error) }),
    );
  } else if (message.type === 'memory') {
    process.send({ type: 'memory', memory: process.memoryUsage() });
  } else if (message.type === 'exit') {
    process.exit(0);
  }
});
process.send({ type: 'ready' });
`;

export type SkillName = 'baseline' | 'ours';
export const SKILLS: readonly SkillName[] = ['baseline', 'ours'];

/**
 * A folder per skill with the bundle copied alone (no node_modules to fall back on, as on Lambda) and the
 * two workers next to it.
 */
export function stageBundle(workDir: string, skill: SkillName, bundle: string): string {
  const dir = path.join(workDir, `run-${skill}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(bundle, path.join(dir, 'index.js'));
  writeFileSync(path.join(dir, 'cold.js'), COLD_WORKER);
  writeFileSync(path.join(dir, 'warm.js'), WARM_WORKER);
  return dir;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. --cpu-prof. */
  execArgv?: string[];
  args?: string[];
}

export function spawnWorker(dir: string, worker: 'cold' | 'warm', name: string, options: SpawnOptions): Peer {
  const child = fork(path.join(dir, `${worker}.js`), options.args ?? [], {
    cwd: dir,
    // Not the bench's own flags (ts-node): the bundle runs on plain node, as on Lambda.
    execArgv: options.execArgv ?? [],
    env: options.env,
    // The skills' log lines go to stdout, as on Lambda; nobody reads them here.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  return new Peer(child, name);
}

/** A TypeScript helper under bench/ run with ts-node (transpile only), as `npm run serve` runs. */
export function spawnTs(file: string, name: string, env: NodeJS.ProcessEnv, args: string[] = []): Peer {
  const child = fork(path.join(ROOT, 'bench', file), args, {
    cwd: ROOT,
    execArgv: ['--no-warnings', '-r', 'ts-node/register/transpile-only'],
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  return new Peer(child, name);
}
