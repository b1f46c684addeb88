import type { DynaliteHandle } from './dynalite';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __DYNALITE__?: DynaliteHandle };
  const handle = state.__DYNALITE__;
  delete state.__DYNALITE__;
  await handle?.close();
}
