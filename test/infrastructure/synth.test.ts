/**
 * `npm run synth` (infrastructure/scripts/synth.ts): the pinned CDK CLI synthesizes the app as a child
 * process, offline. AWS credentials in the environment (jest's global setup sets dummy ones) must not make
 * the CLI call STS: every AWS endpoint points at a local server that records what reaches it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PLACEHOLDER_SKILL_ID } from '../../infrastructure/lib/app-context';
import { offlineEnv, synthArgs } from '../../infrastructure/scripts/synth';

const ROOT = path.join(__dirname, '..', '..');
let dir: string;
/** A stand-in for lambda/dist, so the test needs no `npm run build`. */
let codeDir: string;
let server: Server;
let endpoint: string;
const requests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'speaker-helper-synth-'));
  codeDir = path.join(dir, 'code');
  mkdirSync(codeDir);
  writeFileSync(path.join(codeDir, 'index.js'), 'exports.handler = async () => ({});\n');
  server = createServer((request, response) => {
    requests.push(`${request.method} ${request.headers.host} ${request.url}`);
    response.statusCode = 500;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `node <args>` in `cwd`; resolves with the exit status and everything printed. */
function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('npm run synth', () => {
  it('writes the template offline, with cdk-nag passing, even with AWS credentials around', async () => {
    const out = path.join(dir, 'cdk.out');
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_STS: endpoint,
    };
    const synth = ['-r', 'ts-node/register/transpile-only', 'infrastructure/scripts/synth.ts'];
    synth.push('-c', `codePath=${codeDir}`, '-o', out);
    const { status, output } = await run(synth, env);
    if (status !== 0) throw new Error(`synth failed (${status}):\n${output}`);
    expect(requests).toEqual([]);

    const template = JSON.parse(readFileSync(path.join(out, 'SpeakerHelper.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::DynamoDB::Table', 'AWS::Lambda::Function']));
    // The users' progress cannot be deleted by mistake: DynamoDB deletion protection, and Retain.
    const table = Object.values(template.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(table?.Properties.DeletionProtectionEnabled).toBe(true);
    const permission = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Permission');
    expect(permission?.Properties.EventSourceToken).toBe(PLACEHOLDER_SKILL_ID);
    // No CDKMetadata resource: version reporting is off.
    expect(types).not.toContain('AWS::CDK::Metadata');

    const reportFile = path.join(out, 'validation-report.json');
    if (existsSync(reportFile)) {
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: unknown[] };
      expect(report.pluginReports).toEqual([]);
    }
  }, 90000);

  it('runs the CLI without credentials, IMDS, notices, telemetry or the version check', () => {
    const env = offlineEnv({
      PATH: '/bin',
      AWS_ACCESS_KEY_ID: 'a',
      AWS_PROFILE: 'p',
      AWS_SESSION_TOKEN: 't',
    });
    expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
    expect(env).toMatchObject({
      PATH: '/bin',
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    });
    expect(synthArgs([])).toEqual(expect.arrayContaining(['--no-notices', '--no-version-reporting']));
    expect(synthArgs([])).toContain(`skillId=${PLACEHOLDER_SKILL_ID}`);
    const real = 'skillId=amzn1.ask.skill.12345678-90ab-cdef-1234-567890abcdef';
    expect(synthArgs(['-c', real]).filter((arg) => arg.startsWith('skillId='))).toEqual([real]);
  });

  it('fails loudly when `cdk` runs the app without a skill id', async () => {
    const cdk = path.join(path.dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk');
    const out = path.join(dir, 'no-skill-id.out');
    const args = [cdk, 'synth', '--no-notices', '-q', '-c', `codePath=${codeDir}`, '-o', out];
    const { status, output } = await run(args, offlineEnv(), path.join(ROOT, 'infrastructure'));
    expect(status).not.toBe(0);
    expect(output).toContain('No Alexa skill id');
  }, 90000);
});
