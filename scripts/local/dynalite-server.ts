import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

export interface DynaliteHandle {
  /** e.g. http://127.0.0.1:54321 */
  endpoint: string;
  close(): Promise<void>;
}

/** A DynamoDB-protocol server on a random loopback port: in memory, or on disk under `path`. */
export async function startDynalite(options: { path?: string } = {}): Promise<DynaliteHandle> {
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    // Tables are ACTIVE at once, so tests do not wait on CREATING.
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

/**
 * For local runs (`npm start`, `npm run serve -- --insecure-local`): a dynalite keeping its data under
 * .local/<folder>, so progress survives a restart, unless DYNAMODB_ENDPOINT already names a server.
 * Sets DYNAMODB_ENDPOINT for the configuration read after it.
 */
export async function startLocalDatabase(folder: string): Promise<DynaliteHandle | undefined> {
  if (process.env.DYNAMODB_ENDPOINT) return undefined;
  const dataDir = path.join(__dirname, '..', '..', '.local', folder);
  mkdirSync(dataDir, { recursive: true });
  const db = await startDynalite({ path: dataDir });
  process.env.DYNAMODB_ENDPOINT = db.endpoint;
  return db;
}
