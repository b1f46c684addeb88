import { execFile } from 'node:child_process';
import path from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../lambda/src/state/dynamo-progress-store';
import { ensureTable } from '../../lambda/src/state/ensure-table';
import { createTableInput } from '../../lambda/src/state/table';
import { testEndpoint, uniqueTableName } from '../support/test-table';

const ROOT = path.resolve(__dirname, '../..');

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDbInit(env: Record<string, string | undefined>): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['ts-node', '--transpile-only', 'scripts/db-init.ts'],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let client: DynamoDBClient;
beforeAll(() => {
  client = createDynamoClient({ region: 'us-east-1', endpoint: testEndpoint() });
});
afterAll(() => client.destroy());

async function describe_(tableName: string) {
  return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
}

test('ensureTable creates the table once and is idempotent', async () => {
  const tableName = uniqueTableName('ensure');
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  const first = await ensureTable(client, tableName, { log });
  const second = await ensureTable(client, tableName, { log });
  expect(first).toEqual({ created: true, ttl: 'unsupported' });
  expect(second).toEqual({ created: false, ttl: 'unsupported' });
  // dynalite has no UpdateTimeToLive: one line per run, no failure.
  expect(lines).toHaveLength(2);

  const table = await describe_(tableName);
  const expected = createTableInput(tableName);
  expect(table?.TableStatus).toBe('ACTIVE');
  expect(table?.KeySchema).toEqual(expected.KeySchema);
  expect(table?.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
  expect(table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
});

test('concurrent ensureTable calls both succeed', async () => {
  const tableName = uniqueTableName('ensure-race');
  const results = await Promise.all([
    ensureTable(client, tableName, { log: () => undefined }),
    ensureTable(client, tableName, { log: () => undefined }),
  ]);
  expect(results.filter((r) => r.created).length).toBeLessThanOrEqual(1);
  expect((await describe_(tableName))?.TableStatus).toBe('ACTIVE');
});

describe('npm run db:init (the script as a child process)', () => {
  test('creates the table and exits 0, twice', async () => {
    const tableName = uniqueTableName('db-init');
    const env = { TABLE_NAME: tableName, DYNAMODB_ENDPOINT: testEndpoint() };

    const first = await runDbInit(env);
    expect(first.stderr).not.toContain('db:init failed');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Table ${tableName} created`);
    expect((await describe_(tableName))?.TableStatus).toBe('ACTIVE');

    const second = await runDbInit(env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`Table ${tableName} already exists`);
  });

  test('fails clearly without TABLE_NAME', async () => {
    const result = await runDbInit({ TABLE_NAME: '', DYNAMODB_ENDPOINT: testEndpoint() });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('TABLE_NAME is not set');
  });

  test('fails clearly when the endpoint is unreachable', async () => {
    const result = await runDbInit({ TABLE_NAME: 'unreachable', DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('db:init failed');
  });
});
