import { CONVERSATION_KEYS, STEP_TEXT_PARTS } from './transition';
import type { Flow, Step, StepId } from './types';
import { SPEAKER_STATES, SYMPTOMS } from './types';

/** Where each step can lead, by any answer or skip. */
export function edgesOf(step: Step): StepId[] {
  switch (step.kind) {
    case 'choice':
      return [step.unsure, step.skip];
    case 'check':
      return [step.yes, step.no, step.skip, ...(step.unsure ? [step.unsure] : [])];
    case 'state':
      return [...Object.values(step.states), step.skip, ...(step.unsure ? [step.unsure] : [])];
    case 'action':
      return [step.done, step.skip];
    case 'handoff':
      return [step.yes, step.no, step.skip, ...(step.unsure ? [step.unsure] : [])];
    case 'end':
      return [];
  }
}

function reach(from: StepId[], next: (id: StepId) => StepId[]): Set<StepId> {
  const seen = new Set<StepId>();
  const queue = [...from];
  while (queue.length > 0) {
    const id = queue.shift() as StepId;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...next(id));
  }
  return seen;
}

/**
 * Problems with a flow and its words, empty when sound: edges to missing steps, steps that cannot be
 * reached, steps from which no end can be reached (dead ends and loops without an exit), a safety step
 * that is not a safety stop, and missing translations. `hasText(key)` answers for one locale.
 */
export function flowProblems(flow: Flow, hasText: (key: string) => boolean): string[] {
  const problems: string[] = [];
  const ids = Object.keys(flow.steps);
  const exists = (id: StepId) => Object.prototype.hasOwnProperty.call(flow.steps, id);

  const roots = [flow.start, flow.safety, flow.resolved, ...SYMPTOMS.map((s) => flow.symptomEntry[s])];
  for (const root of roots) if (!exists(root)) problems.push(`entry step "${root}" does not exist`);
  for (const id of ids) {
    for (const to of edgesOf(flow.steps[id] as Step)) {
      if (!exists(to)) problems.push(`step "${id}" leads to missing step "${to}"`);
    }
  }
  if (problems.length > 0) return problems;

  const forward = (id: StepId) => edgesOf(flow.steps[id] as Step);
  const reachable = reach(roots, forward);
  for (const id of ids) if (!reachable.has(id)) problems.push(`step "${id}" is unreachable`);

  const backward = new Map<StepId, StepId[]>();
  for (const id of ids) for (const to of forward(id)) backward.set(to, [...(backward.get(to) ?? []), id]);
  const ends = ids.filter((id) => flow.steps[id]?.kind === 'end');
  const canFinish = reach(ends, (id) => backward.get(id) ?? []);
  for (const id of ids)
    if (!canFinish.has(id)) problems.push(`step "${id}" cannot reach an end (dead end or loop)`);

  // A failed fix already tried is passed by following `skip` edges (transition's avoidRepeats): they must
  // never go round in a circle, and a step must never skip to itself.
  for (const id of ids) {
    const seen: StepId[] = [];
    let at: StepId | undefined = id;
    while (at !== undefined && !seen.includes(at)) {
      seen.push(at);
      const step: Step | undefined = flow.steps[at];
      at = step && 'skip' in step ? step.skip : undefined;
    }
    if (at !== undefined) {
      problems.push(`skipping from "${id}" goes round in a circle (${[...seen, at].join(' → ')})`);
      break;
    }
  }

  const safety = flow.steps[flow.safety];
  if (safety?.kind !== 'end' || safety.outcome !== 'safety')
    problems.push('the safety step is not a safety stop');
  if (flow.steps[flow.start]?.kind !== 'choice') problems.push('the start step is not the symptom choice');
  const resolved = flow.steps[flow.resolved];
  if (resolved?.kind !== 'end' || resolved.outcome !== 'resolved')
    problems.push('the resolved step is not a fixed end');

  for (const [id, step] of Object.entries(flow.steps)) {
    if (step.kind === 'state') {
      for (const state of SPEAKER_STATES)
        if (!step.states[state]) problems.push(`step "${id}" has no edge for "${state}"`);
    }
  }
  for (const id of ids) {
    for (const part of STEP_TEXT_PARTS[(flow.steps[id] as Step).kind]) {
      const key = `steps.${id}.${part}`;
      if (!hasText(key)) problems.push(`missing text "${key}"`);
    }
  }
  for (const key of [...CONVERSATION_KEYS, ...SYMPTOMS.map((s) => `symptoms.${s}`)]) {
    if (!hasText(key)) problems.push(`missing text "${key}"`);
  }
  return problems;
}

export function assertFlow(flow: Flow, hasText: (key: string) => boolean, locale: string): void {
  const problems = flowProblems(flow, hasText);
  if (problems.length > 0) throw new Error(`Flow check failed for ${locale}:\n- ${problems.join('\n- ')}`);
}
