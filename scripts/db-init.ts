/**
 * `npm run db:init`: creates the progress table (idempotent) and enables TTL.
 * Env: TABLE_NAME (required), DYNAMODB_ENDPOINT (optional, e.g. a local dynalite), AWS_REGION (us-east-1).
 */
import { createDynamoClient } from '../lambda/src/state/dynamo-progress-store';
import { ensureTable } from '../lambda/src/state/ensure-table';

async function main(): Promise<void> {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME is not set (the DynamoDB table to create)');
  const endpoint = process.env.DYNAMODB_ENDPOINT || undefined;
  const region = process.env.AWS_REGION || 'us-east-1';

  // Control-plane calls are slower than item reads: give them room, the waiter bounds the total.
  const client = createDynamoClient({
    region,
    endpoint,
    timeouts: { connectionTimeoutMs: 3000, requestTimeoutMs: 10000, maxAttempts: 3 },
  });
  try {
    const result = await ensureTable(client, tableName);
    const where = endpoint ?? `AWS ${region}`;
    const ttl = { enabled: 'TTL enabled', 'already-enabled': 'TTL on', unsupported: 'TTL unsupported' }[
      result.ttl
    ];
    console.log(
      `Table ${tableName} ${result.created ? 'created' : 'already exists'} at ${where} (ACTIVE, ${ttl}).`,
    );
  } finally {
    client.destroy();
  }
}

main().catch((error: unknown) => {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`db:init failed: ${detail}`);
  process.exitCode = 1;
});
