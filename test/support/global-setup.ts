import { startDynalite } from './dynalite';
import type { DynaliteHandle } from './dynalite';

/** One in-memory dynalite for the whole jest run; workers inherit the env set here. */
export default async function globalSetup(): Promise<void> {
  const handle = await startDynalite();
  // globalSetup and globalTeardown share this global (they run in the same context).
  (globalThis as { __DYNALITE__?: DynaliteHandle }).__DYNALITE__ = handle;
  process.env.DYNAMODB_ENDPOINT = handle.endpoint;
  // Dummy values so no test ever reaches a real AWS account or needs one.
  process.env.AWS_ACCESS_KEY_ID ||= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'test';
  process.env.AWS_REGION ||= 'us-east-1';
}
