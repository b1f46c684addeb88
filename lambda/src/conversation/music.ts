import type { DeviceTarget, ListResult, MoveResult, SpotifyFailure } from '../spotify/types';
import type { Line, Reply } from './types';

/**
 * The Spotify hand-off as conversation: which call to make for what the user said, and what to say
 * about its result. Pure like the troubleshooting transition: it names the call, the handler makes it.
 */

/** What the user asked for. `device` is the spoken name; `thisEcho` for "this echo" / "here". */
export type MusicEvent =
  | { type: 'listDevices' }
  /** `answer`: only a device name was said ("the kitchen echo"), which means something only as an answer. */
  | { type: 'moveMusic'; device?: string; thisEcho?: boolean; answer?: boolean };

/** Events that keep a pending music question: it is asked again rather than left to the flow. */
const REASK = new Set(['repeat', 'help', 'why', 'whereAmI', 'unknown']);

/** Whether an event is a music request rather than a troubleshooting one. */
export const isMusicEvent = (event: { type: string }): event is MusicEvent =>
  event.type === 'listDevices' || event.type === 'moveMusic';

/** A question about music the skill is waiting for an answer to, kept in the session. */
export type MusicPending =
  /** "Want me to move your Spotify music to this Echo?" after a fix. */
  | { kind: 'offer' }
  /** "Which one: …?" */
  | { kind: 'choose'; candidates: string[]; thisEcho: boolean };

export function isMusicPending(value: unknown): value is MusicPending {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.kind === 'offer') return true;
  return (
    v.kind === 'choose' &&
    typeof v.thisEcho === 'boolean' &&
    Array.isArray(v.candidates) &&
    v.candidates.length <= 20 &&
    v.candidates.every((c) => typeof c === 'string' && c.length <= 200)
  );
}

export type MusicCall = { op: 'list' } | { op: 'move'; target: DeviceTarget };

/** What Spotify answered, as the hand-off reports it (plain data types; no HTTP code comes with them). */
export type MusicOutcome = MoveResult | ListResult;

export interface MusicContext {
  linked: boolean;
  pending?: MusicPending;
  /** The device the user chose last time, by name (ids change; names are what users say). */
  remembered?: string;
}

export interface MusicReply {
  reply: Reply;
  /** Sends the Alexa app's account-linking card. */
  linkAccount?: boolean;
  pending?: MusicPending;
  /** A device name to remember for next time. */
  remember?: string;
}

export type MusicPlan =
  { kind: 'pass' } | { kind: 'reply'; reply: MusicReply } | { kind: 'call'; call: MusicCall };

/** Keys this module speaks; checked with the flow at start-up. */
export const MUSIC_KEYS = [
  'music.working',
  'music.linkNeeded',
  'music.offer',
  'music.declined',
  'music.whichDevice',
  'music.devices',
  'music.chooseAmong',
  'music.chooseEcho',
  'music.noMatch',
  'music.noDevices',
  'music.sameName',
  'music.moved',
  'music.unconfirmed',
  'music.failed.premium_required',
  'music.failed.restricted',
  'music.failed.not_allowed',
  'music.failed.device_not_found',
  'music.failed.rate_limited',
  'music.failed.quota_exceeded',
  'music.failed.not_ready',
  'music.failed.unavailable',
] as const;
type MusicKey = (typeof MUSIC_KEYS)[number];
const say = (key: MusicKey, params?: Line['params']): Line => (params ? { key, params } : { key });

const asking = (lines: Line[], question: Line): Reply => ({
  speech: [...lines, question],
  reprompt: [question],
});
const telling = (lines: Line[]): Reply => ({ speech: lines });

/** Spoken while Spotify is being asked, as a progressive response. */
export const WORKING: Line = say('music.working');

const linkNeeded = (): MusicReply => ({ reply: telling([say('music.linkNeeded')]), linkAccount: true });

/**
 * Decides whether what the user said is about music, and if so what to do. `answer` events and device
 * names only count as music while a music question is pending; everything else passes to the
 * troubleshooting conversation.
 */
export function planMusic(
  context: MusicContext,
  event: MusicEvent | { type: 'answer'; answer: string } | { type: string },
): MusicPlan {
  const { pending } = context;
  if (event.type === 'listDevices') {
    return context.linked ? { kind: 'call', call: { op: 'list' } } : { kind: 'reply', reply: linkNeeded() };
  }
  const move = event.type === 'moveMusic' ? (event as Extract<MusicEvent, { type: 'moveMusic' }>) : undefined;
  // A bare device name answers "which one?"; anywhere else it is not understood (the flow says so).
  if (move?.answer && pending?.kind !== 'choose') {
    return pending
      ? { kind: 'reply', reply: { reply: asking([], questionFor(pending)), pending } }
      : { kind: 'pass' };
  }
  if (move) {
    if (!context.linked) return { kind: 'reply', reply: linkNeeded() };
    const { device, thisEcho } = move;
    if (thisEcho) return { kind: 'call', call: { op: 'move', target: { kind: 'thisEcho' } } };
    const name = device?.trim() || (pending?.kind === 'choose' ? undefined : context.remembered);
    if (name) return { kind: 'call', call: { op: 'move', target: { kind: 'named', name } } };
    return { kind: 'call', call: { op: 'list' } };
  }
  if (pending && event.type === 'answer') {
    const answer = (event as { answer: string }).answer;
    if (answer === 'yes' && pending.kind === 'offer') {
      return context.linked
        ? { kind: 'call', call: { op: 'move', target: { kind: 'thisEcho' } } }
        : { kind: 'reply', reply: linkNeeded() };
    }
    if (answer === 'no') return { kind: 'reply', reply: { reply: telling([say('music.declined')]) } };
  }
  if (pending && (event.type === 'answer' || REASK.has(event.type))) {
    return { kind: 'reply', reply: { reply: asking([], questionFor(pending)), pending } };
  }
  return { kind: 'pass' };
}

function questionFor(pending: MusicPending): Line {
  if (pending.kind === 'offer') return say('music.offer');
  return say(pending.thisEcho ? 'music.chooseEcho' : 'music.chooseAmong', { candidates: pending.candidates });
}

/** What to say about Spotify's answer, and what to remember. */
export function musicReply(outcome: MusicOutcome): MusicReply {
  switch (outcome.kind) {
    case 'devices': {
      if (outcome.names.length === 0) return { reply: telling([say('music.noDevices')]) };
      const pending: MusicPending = { kind: 'choose', candidates: outcome.names, thisEcho: false };
      return {
        reply: asking([say('music.devices', { devices: outcome.names })], say('music.whichDevice')),
        pending,
      };
    }
    case 'moved':
      return { reply: telling([say('music.moved', { device: outcome.device })]), remember: outcome.device };
    case 'unconfirmed':
      return {
        reply: telling([say('music.unconfirmed', { device: outcome.device })]),
        remember: outcome.device,
      };
    case 'choose': {
      const pending: MusicPending = {
        kind: 'choose',
        candidates: outcome.candidates,
        thisEcho: outcome.thisEcho,
      };
      return { reply: asking([], questionFor(pending)), pending };
    }
    case 'noMatch': {
      const pending: MusicPending = { kind: 'choose', candidates: outcome.available, thisEcho: false };
      return {
        reply: asking([say('music.noMatch', { devices: outcome.available })], say('music.whichDevice')),
        pending,
      };
    }
    case 'noDevices':
      return { reply: telling([say('music.noDevices')]) };
    case 'sameName':
      return { reply: telling([say('music.sameName', { device: outcome.device })]) };
    case 'failed':
      return failed(outcome.failure, 'device' in outcome ? outcome.device : undefined);
  }
}

function failed(failure: SpotifyFailure, device: string | undefined): MusicReply {
  const params = { device: device ?? '' };
  switch (failure) {
    case 'unauthorized':
      return linkNeeded();
    case 'premium_required':
    case 'not_allowed':
    case 'quota_exceeded':
    case 'rate_limited':
    case 'not_ready':
      return { reply: telling([say(`music.failed.${failure}`)]) };
    case 'restricted':
    case 'device_not_found':
      return { reply: telling([say(`music.failed.${failure}`, params)]) };
    default:
      // Timeouts, dropped connections, 5xx, the unexpected: one honest sentence.
      return { reply: telling([say('music.failed.unavailable')]) };
  }
}

/** After a fix, a linked user is offered their music on this Echo, which now plays through the speaker. */
export function offerMusic(reply: Reply): { reply: Reply; pending: MusicPending } {
  const question = say('music.offer');
  return {
    reply: { ...reply, speech: [...reply.speech, question], reprompt: [question] },
    pending: { kind: 'offer' },
  };
}
