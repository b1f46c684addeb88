/**
 * The bench's DynamoDB: two in-memory dynalites on 127.0.0.1 (scripts/local/dynalite-server.ts), one per
 * skill, in a process of their own so the load generator never shares a thread with them. Every HTTP
 * request a dynalite receives is counted by its X-Amz-Target (GetItem, PutItem, …), by wrapping the
 * servers' 'request' event. Run by bench/run.ts over IPC: `{type:'counts'}` answers the running totals.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../lambda/src/state/dynamo-progress-store';
import { ensureTable } from '../lambda/src/state/ensure-table';
import { startDynalite } from '../scripts/local/dynalite-server';
import type { DynaliteHandle } from '../scripts/local/dynalite-server';
import { baselineTableInput } from './baseline';

/** Requests by operation (GetItem, PutItem, …), plus SERVER_MS: dynalite's time answering them. */
export type OperationCounts = Record<string, number>;
export const SERVER_MS = 'serverMs';

export interface DbReady {
  type: 'ready';
  ours: { endpoint: string; tableName: string };
  baseline: { endpoint: string; tableName: string };
}

export interface DbCounts {
  type: 'counts';
  ours: OperationCounts;
  baseline: OperationCounts;
}

export const OUR_TABLE = 'speaker-helper-bench';
export const BASELINE_TABLE = 'baseline-bench';

const countsByPort = new Map<number, OperationCounts>();

// Count before dynalite sees the request; no extra hop on the wire.
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
  if (event === 'request') {
    const port = (this.address() as AddressInfo | null)?.port;
    const counts = port === undefined ? undefined : countsByPort.get(port);
    if (counts) {
      const target = String((args[0] as IncomingMessage).headers['x-amz-target'] ?? 'unknown');
      const operation = target.slice(target.lastIndexOf('.') + 1);
      counts[operation] = (counts[operation] ?? 0) + 1;
      // How long dynalite took to answer, so the bench can tell the skill's time from the database's.
      const started = process.hrtime.bigint();
      (args[1] as ServerResponse).once('finish', () => {
        counts[SERVER_MS] = (counts[SERVER_MS] ?? 0) + Number(process.hrtime.bigint() - started) / 1e6;
      });
    }
  }
  return Reflect.apply(emit, this, [event, ...args]) as boolean;
} as typeof emit;

function track(db: DynaliteHandle): OperationCounts {
  const counts: OperationCounts = {};
  countsByPort.set(Number(new URL(db.endpoint).port), counts);
  return counts;
}

const clear = (counts: OperationCounts) => {
  for (const key of Object.keys(counts)) delete counts[key];
};

async function main(): Promise<void> {
  const ours = await startDynalite();
  const baseline = await startDynalite();
  const ourCounts = track(ours);
  const baselineCounts = track(baseline);

  const ourClient = createDynamoClient({ region: 'us-east-1', endpoint: ours.endpoint });
  await ensureTable(ourClient, OUR_TABLE, { log: () => undefined });
  ourClient.destroy();
  const baselineClient = createDynamoClient({ region: 'us-east-1', endpoint: baseline.endpoint });
  await baselineClient.send(new CreateTableCommand(baselineTableInput(BASELINE_TABLE)));
  baselineClient.destroy();
  clear(ourCounts);
  clear(baselineCounts);

  process.on('message', (message: { type?: string }) => {
    if (message.type === 'counts') {
      const answer: DbCounts = { type: 'counts', ours: { ...ourCounts }, baseline: { ...baselineCounts } };
      process.send?.(answer);
    } else if (message.type === 'exit') {
      void Promise.all([ours.close(), baseline.close()]).finally(() => process.exit(0));
    }
  });
  // The parent going away ends this process too.
  process.on('disconnect', () => process.exit(0));
  const ready: DbReady = {
    type: 'ready',
    ours: { endpoint: ours.endpoint, tableName: OUR_TABLE },
    baseline: { endpoint: baseline.endpoint, tableName: BASELINE_TABLE },
  };
  process.send?.(ready);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`db worker failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  });
}
