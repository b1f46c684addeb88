// The tests use the same dynalite launcher as `npm start`.
export { startDynalite } from '../../scripts/local/dynalite-server';
export type { DynaliteHandle } from '../../scripts/local/dynalite-server';
