import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The progress table, as plain data: the single definition shared by `db:init`, the tests and the CDK stack
 * (which cannot import SDK command inputs, so it reads these constants).
 */
export const PROGRESS_TABLE = {
  partitionKey: { name: 'userKey', type: 'S' },
  billingMode: 'PAY_PER_REQUEST',
  ttlAttribute: 'expiresAt',
} as const;

export const PARTITION_KEY = PROGRESS_TABLE.partitionKey.name;
export const TTL_ATTRIBUTE = PROGRESS_TABLE.ttlAttribute;

/** The CreateTable request for a table of this shape (no sort key, on-demand billing). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, billingMode } = PROGRESS_TABLE;
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: partitionKey.name, AttributeType: partitionKey.type }],
    KeySchema: [{ AttributeName: partitionKey.name, KeyType: 'HASH' }],
    BillingMode: billingMode,
  };
}
