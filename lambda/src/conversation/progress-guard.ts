import type { Flow, Outcome, Progress, ProgressStatus, TriedStep } from './types';
import { SYMPTOMS } from './types';
import { MAX_HISTORY, MAX_SPEAKER_NAME, MAX_TRIED } from './transition';

/** Longest Spotify device name kept. */
export const MAX_NAME = 200;

// Records (not arrays) so adding a member to the union fails to compile until it is listed here.
const OUTCOMES: Record<Outcome, true> = {
  yes: true,
  no: true,
  unsure: true,
  done: true,
  skipped: true,
  safety: true,
  connected: true,
  saved: true,
  not_listed: true,
};
export const STATUSES: Record<ProgressStatus, true> = {
  active: true,
  resolved: true,
  safety: true,
  unresolved: true,
};

export function isOneOf<T extends string>(record: Record<T, true>, value: unknown): value is T {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(record, value);
}

function isTriedStep(value: unknown): value is TriedStep {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return typeof t.step === 'string' && isOneOf(OUTCOMES, t.outcome);
}

/** The name of the first field that makes `value` not a Progress, or undefined when it is one. */
export function progressProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'progress';
  const p = value as Record<string, unknown>;
  if (typeof p.stepId !== 'string' || p.stepId.length === 0) return 'stepId';
  if (!Array.isArray(p.history) || !p.history.every((s) => typeof s === 'string')) return 'history';
  if (!Array.isArray(p.tried) || !p.tried.every(isTriedStep)) return 'tried';
  if (!isOneOf(STATUSES, p.status)) return 'status';
  if (p.symptom !== undefined && !(SYMPTOMS as readonly unknown[]).includes(p.symptom)) return 'symptom';
  if (p.speakerName !== undefined && typeof p.speakerName !== 'string') return 'speakerName';
  if (p.musicDevice !== undefined && typeof p.musicDevice !== 'string') return 'musicDevice';
  if (p.nameAsked !== undefined && p.nameAsked !== true) return 'nameAsked';
  if (p.awaitingName !== undefined && p.awaitingName !== true) return 'awaitingName';
  return undefined;
}

/**
 * Whether a value read back from storage or session attributes is progress this flow can continue.
 * Progress naming a step the flow no longer has (after a release changed the flow) is not.
 */
export function isProgress(value: unknown, flow: Flow): value is Progress {
  if (progressProblem(value) !== undefined) return false;
  const known = (id: string) => Object.prototype.hasOwnProperty.call(flow.steps, id);
  const p = value as Progress;
  if (!known(p.stepId) || !p.history.every(known)) return false;
  // Bounded like the transition keeps it, so forged or corrupted data cannot grow a response.
  if (p.history.length > MAX_HISTORY || p.tried.length > MAX_TRIED) return false;
  if ((p.speakerName?.length ?? 0) > MAX_SPEAKER_NAME || (p.musicDevice?.length ?? 0) > MAX_NAME)
    return false;
  // The status must fit the step: an end step carries its own outcome, any other step is active.
  const step = flow.steps[p.stepId];
  // Only a step that quotes a voice command waits for the speaker's name.
  if (p.awaitingName && !(step?.kind === 'handoff' && step.command)) return false;
  return step?.kind === 'end' ? p.status === step.outcome : p.status === 'active';
}
