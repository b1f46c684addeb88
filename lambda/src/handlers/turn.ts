import type { Flow, Line, Progress, Reply, SessionScratch, ConversationEvent } from '../conversation/types';
import { isProgress } from '../conversation/progress-guard';
import { transition } from '../conversation/transition';
import type { Logger } from '../platform/logger';
import type { StoredProgress } from '../state/dynamo-progress-store';
import { StoreUnavailableError, VersionConflictError } from '../state/dynamo-progress-store';

/** The persistence the conversation needs: one read per session, one conditional write per change. */
export interface ProgressStore {
  load(userId: string): Promise<StoredProgress | undefined>;
  save(userId: string, progress: Progress, expectedVersion: number): Promise<StoredProgress>;
  delete(userId: string): Promise<void>;
}

/**
 * What the skill keeps in Alexa session attributes between turns of one session: the progress read at
 * the session's start (so the table is read once per session), its stored version for the conditional
 * write, and whether the last change is still waiting to be saved.
 */
export interface SessionState extends SessionScratch {
  loaded: boolean;
  progress?: Progress;
  version: number;
  unsaved: boolean;
  warnedStorage: boolean;
}

export const emptySession = (): SessionState => ({
  loaded: false,
  version: 0,
  unsaved: false,
  warnedStorage: false,
  misunderstood: 0,
});

export interface TurnDeps {
  flow: Flow;
  store: ProgressStore;
  logger: Logger;
}

export interface TurnResult {
  reply: Reply;
  session: SessionState;
  /** For the per-turn log line. */
  stepId?: string;
  saved: boolean;
}

const STORAGE_DOWN: Line = { key: 'errors.storageDown' };
const CONFLICT: Line = { key: 'errors.conflict' };
const STORAGE_BACK: Line = { key: 'errors.storageBack' };

interface Loaded {
  session: SessionState;
  /** The stored progress replaced what the session started with while DynamoDB was unreachable. */
  foundStored: boolean;
}

async function loadOnce(deps: TurnDeps, userId: string, session: SessionState): Promise<Loaded> {
  if (session.loaded) return { session, foundStored: false };
  try {
    const stored = await deps.store.load(userId);
    const version = stored?.version ?? 0;
    // Progress from an older flow that no longer has its step is dropped; its version is still needed.
    const progress = stored && isProgress(stored.progress, deps.flow) ? stored.progress : undefined;
    const madeWhileDown = session.unsaved ? session.progress : undefined;
    // Answers given while DynamoDB was down are newer than what is stored: keep them, adopt the version.
    // A session that got no further than the opening question yields to the user's stored place.
    if (madeWhileDown && (madeWhileDown.tried.length > 0 || !progress)) {
      return { session: { ...session, loaded: true, version }, foundStored: false };
    }
    const loaded = { ...session, loaded: true, progress, version, unsaved: false };
    return { session: loaded, foundStored: madeWhileDown !== undefined };
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    deps.logger.warn('progress load failed; continuing without saved progress', { cause: error.message });
    // Not marked loaded: the next turn tries to read again before it writes.
    return { session, foundStored: false };
  }
}

/**
 * One turn: read the user's progress (once per session), run the pure conversation, save the change
 * with a version condition, and report what to say. Storage trouble never ends the conversation: the
 * progress stays in the session and the next turn tries again, and the user is told once.
 */
export async function runTurn(
  deps: TurnDeps,
  userId: string,
  incoming: SessionState,
  newSession: boolean,
  event: ConversationEvent,
): Promise<TurnResult> {
  const loaded = await loadOnce(deps, userId, incoming);
  if (loaded.foundStored) return carryOn(deps, loaded.session, STORAGE_BACK);
  let session = loaded.session;
  const storageDownAtLoad = !session.loaded;
  const out = transition(deps.flow, { progress: session.progress, session, newSession }, event);
  session = { ...session, progress: out.progress, misunderstood: out.session.misunderstood };
  const reply = out.reply;

  const mustSave = (out.progressChanged || session.unsaved) && out.progress !== undefined;
  let saved = false;
  let storageDown = storageDownAtLoad && mustSave;
  if (mustSave && !storageDownAtLoad && out.progress) {
    try {
      const stored = await deps.store.save(userId, out.progress, session.version);
      session = { ...session, version: stored.version, unsaved: false };
      saved = true;
    } catch (error) {
      if (error instanceof VersionConflictError) {
        deps.logger.info('progress changed on another device; continuing from the stored progress');
        const reloaded = await loadOnce(deps, userId, { ...session, loaded: false, unsaved: false });
        return carryOn(deps, reloaded.session, CONFLICT);
      }
      if (!(error instanceof StoreUnavailableError)) throw error;
      deps.logger.warn('progress save failed; kept in the session', { cause: error.message });
      storageDown = true;
    }
  }
  if (storageDown) session = { ...session, unsaved: true };
  if (storageDown && !session.warnedStorage) {
    reply.speech.unshift(STORAGE_DOWN);
    session = { ...session, warnedStorage: true };
  }
  return { reply, session, stepId: out.progress?.stepId, saved };
}

/**
 * The stored progress is not what this turn was based on (another device saved first, or DynamoDB came
 * back with the user's real place): carry on from the stored progress, saying why, rather than
 * overwrite it. The user's last answer is not applied.
 */
function carryOn(deps: TurnDeps, session: SessionState, why: Line): TurnResult {
  const input = { progress: session.progress, session, newSession: false };
  const out = transition(deps.flow, input, { type: 'launch' });
  out.reply.speech.unshift(why);
  // A user with nothing stored yet gets fresh progress from `launch`; it is saved on their next change.
  const next: SessionState = {
    ...session,
    progress: out.progress,
    misunderstood: 0,
    unsaved: out.progressChanged,
  };
  return { reply: out.reply, session: next, stepId: out.progress?.stepId, saved: false };
}
