/**
 * The operator contract: `npm run build` writes lambda/dist/index.js, one self-contained CommonJS bundle
 * whose `handler` is the Lambda handler, configured only by environment variables. The bundle is copied
 * where no node_modules can be found and run in a fresh Node process against the test dynalite.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ResponseEnvelope } from 'ask-sdk-model';
import { createTranslators } from '../../lambda/src/i18n/translators';
import { METRIC, METRICS_NAMESPACE } from '../../lambda/src/platform/metric-names';
import {
  inSession,
  IntentRequestBuilder,
  LaunchRequestBuilder,
  settingsFor,
} from '../support/ask-sdk-test-shim';
import { assertCertifiable, plainSpeech } from '../support/certification';
import { createTestTable } from '../support/test-table';
import type { TestTable } from '../support/test-table';

const ROOT = path.join(__dirname, '..', '..');
const SKILL_ID = 'amzn1.ask.skill.bundle-test';
const USER_ID = 'amzn1.ask.account.BUNDLE';
const RESPONSE_MARK = 'RESPONSE ';
const enUS = createTranslators().get('en-US')!;
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

/**
 * Runs the copied bundle's handler once in a new process, as a Lambda runtime would. Returns the
 * response and every other line the process wrote to stdout (logs and embedded-format metrics).
 * Asynchronous, because the test dynalite may live in this very process and must keep answering.
 */
async function run(event: unknown, env: Record<string, string>) {
  const context = { functionName: 'speaker-helper', awsRequestId: 'aws-request-1', memoryLimitInMB: '512' };
  const script = [
    `require('./index.js').handler(JSON.parse(process.argv[1]), ${JSON.stringify(context)}).then(`,
    `  (r) => process.stdout.write('\\n${RESPONSE_MARK}' + JSON.stringify(r) + '\\n'),`,
    `  (e) => { process.stderr.write(String(e && e.message)); process.exit(3); });`,
  ].join('\n');
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(event)], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
  });
  const all = stdout.split('\n').filter((line) => line.trim().length > 0);
  const marked = all.find((line) => line.startsWith(RESPONSE_MARK));
  if (!marked) throw new Error(`no response in: ${all.join('\n')}`);
  const response = JSON.parse(marked.slice(RESPONSE_MARK.length)) as ResponseEnvelope;
  return { response, lines: all.filter((line) => line !== marked) };
}

/** What a failed run printed on stderr; empty when it did not fail. */
async function failureOf(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
    return '';
  } catch (error) {
    return String((error as { stderr?: unknown }).stderr);
  }
}

const localEnv = () => ({
  SKILL_ID,
  TABLE_NAME: table.tableName,
  DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT as string,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
});
const launch = (skillId: string, userId = USER_ID) =>
  new LaunchRequestBuilder(settingsFor(skillId, userId)).build();

describe('the Lambda bundle', () => {
  it('is one file under the 1 MB budget', () => {
    expect(statSync(path.join(dir, 'index.js')).size).toBeLessThan(1024 * 1024);
  });

  it('answers a launch on its own, configured by environment variables only', async () => {
    const { response } = await run(launch(SKILL_ID), localEnv());
    assertCertifiable(response);
    expect(response.response.shouldEndSession).toBe(false);
    expect(plainSpeech(response)).toContain(enUS.t('welcome.new'));
    expect(plainSpeech(response)).not.toContain(enUS.t('errors.storageDown'));
  });

  it('writes one JSON log line per turn, with the user hashed, and the turn metrics in EMF', async () => {
    const { lines } = await run(launch(SKILL_ID), { ...localEnv(), LOG_LEVEL: 'info' });
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const turn = records.find((r) => r.message === 'turn');
    expect(turn).toMatchObject({ requestType: 'LaunchRequest', step: expect.any(String), level: 'INFO' });
    expect(turn?.latencyMs).toEqual(expect.any(Number));
    expect(turn?.function_request_id).toBe('aws-request-1');
    expect(turn?.storageTrouble).toBeUndefined();
    expect(lines.join('\n')).not.toContain(USER_ID);
    type Emf = { CloudWatchMetrics: Array<{ Namespace: string; Metrics: Array<{ Name: string }> }> };
    const emf = records.map((r) => r._aws as Emf | undefined).find((aws) => aws?.CloudWatchMetrics);
    expect(emf?.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
    expect(emf?.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual(
      expect.arrayContaining([METRIC.turns, METRIC.turnLatency]),
    );
    console.log(`A turn's log line and metrics, as the Lambda writes them:\n${lines.join('\n')}`);
  });

  it('saves an answer in DynamoDB, and a later session in another process resumes there', async () => {
    const user = `${USER_ID}-RESUME`;
    const opened = await run(launch(SKILL_ID, user), localEnv());
    const symptom = new IntentRequestBuilder(settingsFor(SKILL_ID, user), 'SymptomIntent')
      .withSlotResolution('symptom', "alexa can't find my speaker", 'SymptomType', 'cant_find')
      .build();
    const attributes = opened.response.sessionAttributes ?? {};
    const answered = await run(inSession(symptom, { attributes, isNew: false }), localEnv());
    assertCertifiable(answered.response);
    expect(plainSpeech(answered.response)).not.toContain(enUS.t('errors.storageDown'));
    const question = plainSpeech(answered.response);

    const back = await run(launch(SKILL_ID, user), localEnv());
    expect(plainSpeech(back.response)).toContain(enUS.t('welcome.returning'));
    // The step it resumes at is the one the answer led to: its question is asked again.
    const lastSentence = question.split(/(?<=[.?!])\s+/).pop() ?? '';
    expect(lastSentence.length).toBeGreaterThan(0);
    expect(plainSpeech(back.response)).toContain(lastSentence);
  });

  it('rejects a request for another skill', async () => {
    const env = { SKILL_ID, TABLE_NAME: table.tableName, DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' };
    expect(await failureOf(run(launch('amzn1.ask.skill.someone-else'), env))).toMatch(
      /ID verification failed/,
    );
  });

  it('refuses to run without its configuration, naming what is missing', async () => {
    const message = await failureOf(run(launch(SKILL_ID), {}));
    expect(message).toContain('SKILL_ID');
    expect(message).toContain('TABLE_NAME');
  });
});
