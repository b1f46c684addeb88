import type { MusicCall, MusicEvent, MusicPending, MusicReply } from '../conversation/music';
import { isMusicEvent, musicReply, offerMusic, planMusic, WORKING } from '../conversation/music';
import type {
  ConversationEvent,
  Flow,
  Line,
  Progress,
  Reply,
  SessionScratch,
  TriedStep,
} from '../conversation/types';
import { isProgress } from '../conversation/progress-guard';
import type { ScreenDevice } from '../conversation/screen';
import { touchEvent } from '../conversation/screen';
import { freshProgress, transition } from '../conversation/transition';
import type { SpotifyHandoff } from '../spotify/handoff';
import type { Logger } from '../platform/logger';
import { randomUUID } from 'node:crypto';
import type { StoredProgress, Writer } from '../state/dynamo-progress-store';
import { nextVersion, StoreUnavailableError, VersionConflictError } from '../state/dynamo-progress-store';

/** The persistence the conversation needs: one read per session, one conditional write per change. */
export interface ProgressStore {
  load(userId: string): Promise<StoredProgress | undefined>;
  save(userId: string, progress: Progress, expectedVersion: number, writer?: Writer): Promise<StoredProgress>;
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
  /** This session's writer id, so its own writes whose answers were lost are not taken for another device's. */
  writerId?: string;
  /** The highest version this session sent without hearing back; it may have been applied. */
  unconfirmedVersion?: number;
  /** A music question waiting for its answer ("Which one?"). */
  musicPending?: MusicPending;
  /** The session's language, for a touch that arrives without one. */
  locale?: string;
}

export const emptySession = (): SessionState => ({
  loaded: false,
  version: 0,
  unsaved: false,
  warnedStorage: false,
  misunderstood: 0,
});

export interface MusicDeps {
  handoff: SpotifyHandoff;
  /** How much of the turn, from its start, the Spotify calls may use (Alexa allows about 8 s in all). */
  budgetMs: number;
}

export interface TurnDeps {
  flow: Flow;
  store: ProgressStore;
  logger: Logger;
  music?: MusicDeps;
  now: () => number;
  /** A new writer id for a session's first save (default: a random UUID). */
  newWriterId?: () => string;
}

/** A button pressed on a screen: checked against the state it was offered in once that state is read. */
export interface TouchEvent {
  type: 'touch';
  token: unknown;
  args: unknown;
}

/** A request once its touch, if any, is resolved to the event it stands for. */
type Resolved = Omit<TurnRequest, 'event'> & { event: ConversationEvent | MusicEvent };

export interface TurnRequest {
  userId: string;
  newSession: boolean;
  event: ConversationEvent | MusicEvent | TouchEvent;
  /** The Spotify token from Alexa account linking, if the user linked. */
  token?: string;
  /** Whether this turn's language has Alexa's Bluetooth voice commands (default true). */
  voiceCommands?: boolean;
  /** Says something while a slow call runs (Alexa's progressive response); must not throw. */
  progressive?: (line: Line) => Promise<void>;
  startedAt: number;
}

/** What happened in a turn, for the log line and the metrics. */
export interface TurnFacts {
  /** The step answered this turn and how. */
  answered?: TriedStep;
  /** The journey ended with a working speaker; the step whose answer got there. */
  fixedBy?: string;
  safetyStop: boolean;
  /** The user stopped mid-journey at this step. */
  gaveUpAt?: string;
  /** The Spotify hand-off's result: moved, unconfirmed, choose, noMatch, noDevices, failed:<kind>. */
  music?: string;
  /** DynamoDB could not be read or written. */
  storageTrouble: boolean;
}

export interface TurnResult {
  reply: Reply;
  session: SessionState;
  /** Send the Alexa app's account-linking card. */
  linkAccount: boolean;
  /** For the per-turn log line. */
  stepId?: string;
  saved: boolean;
  facts: TurnFacts;
  /** What a screen needs beyond the reply and the session (see conversation/screen.ts). */
  shown: Shown;
}

export interface Shown {
  /** The reply came from the Spotify hand-off. */
  music: boolean;
  /** A returning user's first turn, back on the step they left. */
  welcomeBack: boolean;
  /** Devices Spotify listed this turn, usable or not. */
  devices?: ScreenDevice[];
  /** The event the turn acted on (a touch resolved to what it stands for). */
  event: ConversationEvent | MusicEvent;
}

/** What one turn decided, before it is saved. */
interface Decision {
  /** The music planner answered (a music request, or the answer to a music question), not the flow. */
  fromMusic?: true;
  progress: Progress | undefined;
  changed: boolean;
  reply: Reply;
  misunderstood: number;
  unsure?: number;
  musicPending?: MusicPending;
  linkAccount?: boolean;
  recorded?: TriedStep;
  music?: string;
  devices?: ScreenDevice[];
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
    const loaded = {
      ...session,
      loaded: true,
      progress,
      version,
      unsaved: false,
      unconfirmedVersion: undefined,
    };
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
  given: TurnRequest,
  incoming: SessionState,
): Promise<TurnResult> {
  const { userId } = given;
  const loaded = await loadOnce(deps, userId, incoming);
  if (loaded.foundStored) return carryOn(deps, loaded.session, STORAGE_BACK, given.voiceCommands);
  let session = loaded.session;
  const event = resolveTouch(deps.flow, given.event, session);
  const request: Resolved = { ...given, event };
  const storageDownAtLoad = !session.loaded;
  const decision = await decide(deps, request, session);
  session = {
    ...session,
    progress: decision.progress,
    misunderstood: decision.misunderstood,
    unsure: decision.unsure,
    musicPending: decision.musicPending,
  };
  const reply = decision.reply;

  const mustSave = (decision.changed || session.unsaved) && decision.progress !== undefined;
  let saved = false;
  let storageDown = storageDownAtLoad && mustSave;
  if (mustSave && !storageDownAtLoad && decision.progress) {
    const writer: Writer = { id: session.writerId ?? (deps.newWriterId ?? randomUUID)() };
    if (session.unconfirmedVersion !== undefined) writer.unconfirmedVersion = session.unconfirmedVersion;
    session = { ...session, writerId: writer.id };
    try {
      const stored = await deps.store.save(userId, decision.progress, session.version, writer);
      session = { ...session, version: stored.version, unsaved: false, unconfirmedVersion: undefined };
      saved = true;
    } catch (error) {
      if (error instanceof VersionConflictError) {
        deps.logger.info('progress changed on another device; continuing from the stored progress');
        const reloaded = await loadOnce(deps, userId, { ...session, loaded: false, unsaved: false });
        return carryOn(deps, reloaded.session, CONFLICT, request.voiceCommands);
      }
      if (!(error instanceof StoreUnavailableError)) throw error;
      deps.logger.warn('progress save failed; kept in the session', { cause: error.message });
      storageDown = true;
      // DynamoDB may still apply it (its answer was lost, or it came after the budget).
      session = { ...session, unconfirmedVersion: nextVersion(session.version, writer) };
    }
  }
  if (storageDown) session = { ...session, unsaved: true };
  if (storageDown && !session.warnedStorage) {
    reply.speech.unshift(STORAGE_DOWN);
    session = { ...session, warnedStorage: true };
  }
  return {
    reply,
    session,
    linkAccount: decision.linkAccount === true,
    stepId: decision.progress?.stepId,
    saved,
    facts: factsOf(request, loaded.session.progress, decision, storageDown),
    shown: {
      music: decision.fromMusic === true,
      welcomeBack: welcomesBack(request, loaded.session.progress, decision.progress),
      ...(decision.devices ? { devices: decision.devices } : {}),
      event,
    },
  };
}

/** A touch becomes the event of the button it pressed, checked against the state just read. */
function resolveTouch(
  flow: Flow,
  event: TurnRequest['event'],
  session: SessionState,
): ConversationEvent | MusicEvent {
  if (event.type !== 'touch') return event;
  const state = { progress: session.progress, pending: session.musicPending };
  return touchEvent(flow, state, event.token, event.args);
}

/** Opening the skill on a journey under way, and still on the step it was left at. */
function welcomesBack(request: Resolved, before: Progress | undefined, after: Progress | undefined): boolean {
  const opening = request.newSession && (request.event.type === 'launch' || request.event.type === 'start');
  return (
    opening &&
    before?.status === 'active' &&
    after?.stepId === before.stepId &&
    (before.tried.length > 0 || before.history.length > 0)
  );
}

function factsOf(
  request: Resolved,
  before: Progress | undefined,
  decision: Decision,
  storageTrouble: boolean,
): TurnFacts {
  const after = decision.progress;
  const facts: TurnFacts = {
    safetyStop: after?.status === 'safety' && before?.status !== 'safety',
    storageTrouble,
  };
  if (decision.recorded) facts.answered = decision.recorded;
  if (after?.status === 'resolved' && before?.status !== 'resolved' && decision.recorded) {
    facts.fixedBy = decision.recorded.step;
  }
  if (request.event.type === 'stop' && before?.status === 'active') facts.gaveUpAt = before.stepId;
  if (decision.music) facts.music = decision.music;
  return facts;
}

/** Music requests (and answers to music questions) go to the hand-off; everything else to the flow. */
async function decide(deps: TurnDeps, request: Resolved, session: SessionState): Promise<Decision> {
  const linked = Boolean(request.token);
  const before = session.progress;
  const context = { linked, pending: session.musicPending, remembered: before?.musicDevice };
  const plan = planMusic(context, request.event);
  if (plan.kind === 'pass') {
    const event: ConversationEvent = isMusicEvent(request.event) ? { type: 'unknown' } : request.event;
    const input = { progress: before, session, newSession: request.newSession };
    const out = transition(
      deps.flow,
      request.voiceCommands === false ? { ...input, voiceCommands: false } : input,
      event,
    );
    const fixedNow = out.progress?.status === 'resolved' && before?.status !== 'resolved';
    const decision: Decision = {
      progress: out.progress,
      changed: out.progressChanged,
      reply: out.reply,
      misunderstood: out.session.misunderstood,
      ...(out.session.unsure ? { unsure: out.session.unsure } : {}),
      ...(out.recorded ? { recorded: out.recorded } : {}),
    };
    if (!fixedNow || !linked || !deps.music) return decision;
    const offered = offerMusic(out.reply);
    return { ...decision, reply: offered.reply, musicPending: offered.pending };
  }
  const called = plan.kind === 'call' ? await callSpotify(deps, plan.call, request) : undefined;
  const music = called?.reply ?? (plan as { reply: MusicReply }).reply;
  let progress = before;
  if (music.remember && music.remember !== before?.musicDevice) {
    progress = { ...(before ?? freshProgress(deps.flow)), musicDevice: music.remember };
  }
  return {
    progress,
    changed: progress !== before,
    reply: music.reply,
    misunderstood: 0,
    fromMusic: true,
    musicPending: music.pending,
    linkAccount: music.linkAccount,
    ...(called ? { music: called.outcome } : {}),
    ...(called?.devices ? { devices: called.devices } : {}),
  };
}

/**
 * One Spotify hand-off within the turn's budget, with a progressive response so the user hears
 * something at once; the progressive response is awaited (bounded by its own timeout) before the
 * turn answers, because it must arrive first.
 */
async function callSpotify(
  deps: TurnDeps,
  call: MusicCall,
  request: Resolved,
): Promise<{ reply: MusicReply; outcome: string; devices?: ScreenDevice[] }> {
  if (!deps.music || !request.token) {
    return { reply: musicReply({ kind: 'failed', failure: 'unexpected' }), outcome: 'failed:unconfigured' };
  }
  const { handoff, budgetMs } = deps.music;
  const deadline = request.startedAt + budgetMs;
  const spoken = request.progressive?.(WORKING) ?? Promise.resolve();
  const outcome =
    call.op === 'list'
      ? await handoff.listDevices(request.token, deadline)
      : await handoff.move(request.token, call.target, deadline);
  await spoken;
  const result = outcome.kind === 'failed' ? `failed:${outcome.failure}` : outcome.kind;
  if (outcome.kind === 'failed')
    deps.logger.warn('spotify hand-off failed', { op: call.op, failure: outcome.failure });
  const devices =
    outcome.kind === 'devices'
      ? [
          ...outcome.names.map((name) => ({ name, available: true })),
          ...(outcome.unavailable ?? []).map((name) => ({ name, available: false })),
        ]
      : undefined;
  return { reply: musicReply(outcome), outcome: result, ...(devices ? { devices } : {}) };
}

/**
 * The stored progress is not what this turn was based on (another device saved first, or DynamoDB came
 * back with the user's real place): carry on from the stored progress, saying why, rather than
 * overwrite it. The user's last answer is not applied.
 */
function carryOn(deps: TurnDeps, session: SessionState, why: Line, voiceCommands?: boolean): TurnResult {
  const base = { progress: session.progress, session, newSession: false };
  const input = voiceCommands === false ? { ...base, voiceCommands } : base;
  const out = transition(deps.flow, input, { type: 'launch' });
  out.reply.speech.unshift(why);
  // A user with nothing stored yet gets fresh progress from `launch`; it is saved on their next change.
  const next: SessionState = {
    ...session,
    progress: out.progress,
    misunderstood: 0,
    unsaved: out.progressChanged,
    musicPending: undefined,
  };
  const facts: TurnFacts = { safetyStop: false, storageTrouble: false };
  return {
    reply: out.reply,
    session: next,
    linkAccount: false,
    stepId: out.progress?.stepId,
    saved: false,
    facts,
    shown: { music: false, welcomeBack: false, event: { type: 'launch' } },
  };
}
