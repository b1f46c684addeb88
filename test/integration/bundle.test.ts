/**
 * The operator contract: `npm run build` writes lambda/dist/index.js, one self-contained CommonJS bundle
 * whose `handler` is the Lambda handler, configured only by environment variables. The bundle is copied
 * where no node_modules can be found and run in a fresh Node process against the test dynalite.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ResponseEnvelope } from 'ask-sdk-model';
import { assertCertifiable, plainSpeech } from '../support/certification';
import { createTestTable } from '../support/test-table';
import type { TestTable } from '../support/test-table';
import { settingsFor, LaunchRequestBuilder } from '../support/ask-sdk-test-shim';

const ROOT = path.join(__dirname, '..', '..');
const SKILL_ID = 'amzn1.ask.skill.bundle-test';
let table: TestTable;
let dir: string;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  dir = mkdtempSync(path.join(tmpdir(), 'speaker-helper-bundle-'));
  copyFileSync(path.join(ROOT, 'lambda', 'dist', 'index.js'), path.join(dir, 'index.js'));
  table = await createTestTable('bundle');
}, 60000);

afterAll(() => {
  table?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the copied bundle's handler once in a new process, as a Lambda runtime would. */
function invoke(event: unknown, env: Record<string, string>): ResponseEnvelope {
  const script = `require('./index.js').handler(JSON.parse(process.argv[1]), {})
    .then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e && e.message)); process.exit(3); });`;
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(event)], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.toString()) as ResponseEnvelope;
}

/** What a failed run printed on stderr; empty when it did not fail. */
function failureOf(run: () => unknown): string {
  try {
    run();
    return '';
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr);
  }
}

const launch = (skillId: string) =>
  new LaunchRequestBuilder(settingsFor(skillId, 'amzn1.ask.account.BUNDLE')).build();

describe('the Lambda bundle', () => {
  it('is one file under the 1 MB budget', () => {
    expect(statSync(path.join(dir, 'index.js')).size).toBeLessThan(1024 * 1024);
  });

  it('answers a launch on its own, configured by environment variables only', () => {
    const env = {
      SKILL_ID,
      TABLE_NAME: table.tableName,
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT as string,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const response = invoke(launch(SKILL_ID), env);
    assertCertifiable(response);
    expect(response.response.shouldEndSession).toBe(false);
    expect(plainSpeech(response).length).toBeGreaterThan(0);
  });

  it('rejects a request for another skill', () => {
    const env = { SKILL_ID, TABLE_NAME: table.tableName, DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' };
    expect(failureOf(() => invoke(launch('amzn1.ask.skill.someone-else'), env))).toMatch(
      /ID verification failed/,
    );
  });

  it('refuses to run without its configuration, naming what is missing', () => {
    const message = failureOf(() => invoke(launch(SKILL_ID), {}));
    expect(message).toContain('SKILL_ID');
    expect(message).toContain('TABLE_NAME');
  });
});
