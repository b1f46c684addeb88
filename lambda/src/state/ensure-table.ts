import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableInput, TTL_ATTRIBUTE } from './table';

export type TtlState = 'enabled' | 'already-enabled' | 'unsupported';

export interface EnsureTableResult {
  /** false when the table already existed. */
  created: boolean;
  ttl: TtlState;
}

export interface EnsureTableOptions {
  /** Upper bound for waiting until the table is ACTIVE. */
  maxWaitSeconds?: number;
  /** One line per notable event (default console.log). */
  log?: (line: string) => void;
}

/**
 * Creates the progress table if it is missing, waits until it is ACTIVE and enables TTL on `expiresAt`.
 * Safe to run repeatedly and concurrently. Used by `npm run db:init`, the local runner and the tests.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<EnsureTableResult> {
  const { maxWaitSeconds = 120, log = (line: string) => console.log(line) } = options;

  let created = false;
  if (!(await tableExists(client, tableName))) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      created = true;
    } catch (error) {
      // Someone else created it between our describe and create.
      if (!hasName(error, 'ResourceInUseException')) throw error;
    }
  }

  const waited = await waitUntilTableExists(
    { client, maxWaitTime: maxWaitSeconds, minDelay: 1, maxDelay: 5 },
    { TableName: tableName },
  );
  if (waited.state !== 'SUCCESS') {
    throw new Error(`Table ${tableName} did not become ACTIVE within ${maxWaitSeconds}s (${waited.state})`);
  }

  return { created, ttl: await ensureTtl(client, tableName, log) };
}

async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (hasName(error, 'ResourceNotFoundException')) return false;
    throw error;
  }
}

async function ensureTtl(
  client: DynamoDBClient,
  tableName: string,
  log: (line: string) => void,
): Promise<TtlState> {
  try {
    const described = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const ttl = described.TimeToLiveDescription;
    const status = ttl?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') {
      if (ttl?.AttributeName === TTL_ATTRIBUTE) return 'already-enabled';
      throw new Error(
        `Table ${tableName} has TTL on "${ttl?.AttributeName}", expected "${TTL_ATTRIBUTE}"; fix it by hand`,
      );
    }
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
    return 'enabled';
  } catch (error) {
    // dynalite and some local emulators lack the TTL API; expiry is also enforced in code.
    if (hasName(error, 'UnknownOperationException')) {
      log(`TTL not supported by this endpoint; skipped enabling it on "${TTL_ATTRIBUTE}"`);
      return 'unsupported';
    }
    throw error;
  }
}

function hasName(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
