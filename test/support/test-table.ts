import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, DynamoProgressStore } from '../../lambda/src/state/dynamo-progress-store';
import type { DynamoProgressStoreOptions } from '../../lambda/src/state/dynamo-progress-store';
import { ensureTable } from '../../lambda/src/state/ensure-table';

export interface TestTable {
  client: DynamoDBClient;
  tableName: string;
  /** A store on this table; quiet logger and generous budget unless overridden. */
  store(options?: Partial<Omit<DynamoProgressStoreOptions, 'client' | 'tableName'>>): DynamoProgressStore;
  /** Closes the client's sockets (call in afterAll). */
  dispose(): void;
}

export const silentLogger = { warn: () => undefined, error: () => undefined };

/** The global dynalite's endpoint, set by test/support/global-setup.ts. */
export function testEndpoint(): string {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint)
    throw new Error('DYNAMODB_ENDPOINT is not set: run through jest (global setup starts dynalite)');
  return endpoint;
}

export function uniqueTableName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A fresh, uniquely named table on the global dynalite, created through the production `ensureTable`. */
export async function createTestTable(prefix: string): Promise<TestTable> {
  const client = createDynamoClient({
    region: process.env.AWS_REGION || 'us-east-1',
    endpoint: testEndpoint(),
    // Loose timeouts: a busy CI machine must not turn into StoreUnavailableError.
    timeouts: { connectionTimeoutMs: 2000, requestTimeoutMs: 5000 },
  });
  const tableName = uniqueTableName(prefix);
  await ensureTable(client, tableName, { log: () => undefined });
  return {
    client,
    tableName,
    store: (options = {}) =>
      new DynamoProgressStore({ logger: silentLogger, callBudgetMs: 10000, ...options, client, tableName }),
    dispose: () => client.destroy(),
  };
}
