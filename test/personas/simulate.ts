/**
 * Runs one persona (personas.ts) through the real skill with the conversation harness: "open speaker
 * helper", then answers from the persona's world, leaving the skill when a handoff ends the session and
 * coming back the way the skill's words said, until an end step or `MAX_TURNS` (a loop).
 *
 * The persona decides only from what a user has: the step the skill is at (`c.step`, i.e. what it just asked
 * or told), its words (matched against the en-US resources, never against copied English) and its own world.
 */
import type { StepId } from '../../lambda/src/conversation/types';
import { FLOW, startConversation, words } from '../support/conversation';
import type { Conversation } from '../support/conversation';
import type { TestTable } from '../support/test-table';
import { apply, OBSERVATIONS, PAIRING_STEPS, QUESTION_ANSWERS, STEP_ACTIONS, worked } from './personas';
import type { ExpectedOutcome, Observation, Persona, World } from './personas';

/** A persona still talking after this many turns is stuck in a loop. */
export const MAX_TURNS = 40;

export const TARGETS = {
  /** Median user turns to the fix, over the personas whose speaker gets fixed. */
  medianTurns: 7,
  /** No fixed persona takes more turns than this. */
  maxTurns: 16,
  /** A new speaker's user hears how to pair it in the app after at most this many turns. */
  pairingByTurn: 4,
  /** No spoken answer is longer than this many words. */
  maxWords: 60,
} as const;

export type RunOutcome = 'resolved' | 'unresolved' | 'safety' | 'loop' | 'error';

export interface PersonaRun {
  persona: Persona;
  outcome: RunOutcome;
  /** Every utterance, the first "open speaker helper" and every reopening included. */
  turns: number;
  /** Times the user left the skill and came back (each also counted in `turns`). */
  reopens: number;
  /** The longest thing the skill said, in words, and what it was. */
  longestAnswer: number;
  longestSpeech: string;
  /** New speakers: the user turn after which a pairing instruction was first heard (undefined: never). */
  pairingTurn?: number;
  /** Utterances the model did not understand (AMAZON.FallbackIntent): a persona or model problem. */
  misheard: string[];
  /** Steps the persona has no rule for, and other things worth a look. */
  notes: string[];
  transcript: string;
  /** The world at the end. */
  world: World;
}

const wordCount = (text: string): number => text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

/** The words of a resource key, or undefined when the resources no longer have it. */
function maybeWords(key: string, params?: Record<string, string>): string | undefined {
  try {
    return words(key, params);
  } catch {
    return undefined;
  }
}

/** The skill told the user to come back with "tell Speaker Helper it worked, or that it didn't". */
function saysComeBack(speech: string): boolean {
  return ['handoff.comeBack', 'handoff.comeBackAgain'].some((key) => {
    const text = maybeWords(key);
    return text !== undefined && speech.includes(text);
  });
}

/** The skill just asked for the speaker's name. */
function asksName(c: Conversation, speech: string): boolean {
  const ask = maybeWords('speakerName.ask');
  return c.sessionProgress?.awaitingName === true || (ask !== undefined && speech.includes(ask));
}

/** The speech gives a step's instruction to pair the speaker in the Alexa app. */
function heardPairing(speech: string, speakerName: string): boolean {
  return PAIRING_STEPS.some((id) =>
    [
      maybeWords(`steps.${id}.instruction`),
      maybeWords(`steps.${id}.instruction`, { target: speakerName }),
    ].some((text) => text !== undefined && speech.includes(text)),
  );
}

const kindOf = (id: StepId | undefined) => (id ? FLOW.steps[id]?.kind : undefined);

export async function simulate(persona: Persona, options: { table: TestTable }): Promise<PersonaRun> {
  const c = await startConversation({ table: options.table });
  let world: World = { ...persona.world };
  const lines: string[] = [];
  const notes: string[] = [];
  const misheard: string[] = [];
  let turns = 0;
  let reopens = 0;
  let longestAnswer = 0;
  let longestSpeech = '';
  let pairingTurn: number | undefined;
  let outcome: RunOutcome | undefined;

  /** What the persona does between turns, in the transcript. */
  const narrate = (text: string) => lines.push(`    · ${text}`);
  const say = async (text: string, reopening = false): Promise<void> => {
    turns += 1;
    if (reopening) reopens += 1;
    await c.say(text);
    const speech = c.speech;
    lines.push(`${turns}> ${text} [${c.heard}]`, ` < ${speech}${c.sessionOpen ? '' : ' (session closed)'}`);
    if (c.heard === 'AMAZON.FallbackIntent') misheard.push(text);
    const count = wordCount(speech);
    if (count > longestAnswer) {
      longestAnswer = count;
      longestSpeech = speech;
    }
    if (pairingTurn === undefined && heardPairing(speech, persona.speakerName)) pairingTurn = turns;
  };

  /** The step whose instruction the user has carried out, while the skill is still at it. */
  let done: StepId | undefined;
  /** What the user noticed doing it, still to be told. */
  let noticed: Observation | undefined;
  let saidSeveralEchos = false;
  const stepsMet = new Set<StepId>();

  /** The user does the step's instruction (once per visit) and notices what happened. */
  const carryOut = (step: StepId): void => {
    if (done === step) return;
    done = step;
    const result = apply(step, world);
    world = result.world;
    noticed = result.observation;
    if (!STEP_ACTIONS[step]) notes.push(`no world rule for "${step}": doing it changes nothing`);
    narrate(
      `does ${step}: ${noticed ? `notices "${noticed}"` : worked(step, world) ? 'it worked' : 'no luck'}`,
    );
  };

  try {
    await say('open speaker helper');
    for (;;) {
      const stored = await c.stored();
      const status = stored?.progress.status;
      if (status && status !== 'active') {
        outcome = status;
        break;
      }
      if (turns >= MAX_TURNS) {
        outcome = 'loop';
        break;
      }
      const step = c.step ?? stored?.progress.stepId;
      if (!step) throw new Error('the skill is at no step');
      if (step !== done) {
        done = undefined;
        noticed = undefined;
      }
      stepsMet.add(step);
      const hazard = persona.hazard && stepsMet.size >= persona.hazard.atStep ? persona.hazard : undefined;
      const speech = c.speech;

      if (!c.sessionOpen) {
        // The skill ended the session: the user leaves, does what they were told, and comes back.
        if (hazard) {
          await say(`tell speaker helper ${hazard.phrase}`, true);
          continue;
        }
        if (kindOf(step) === 'handoff') carryOut(step);
        else notes.push(`the session closed at "${step}", which is no handoff`);
        if (saysComeBack(speech)) {
          const result = noticed ?? (worked(step, world) ? 'it worked' : "it didn't work");
          noticed = undefined;
          await say(`tell speaker helper ${result}`, true);
        } else {
          await say('open speaker helper', true);
        }
        continue;
      }

      if (hazard) {
        await say(hazard.phrase);
        continue;
      }
      if (asksName(c, speech)) {
        await say(`it's called ${persona.speakerName}`);
        continue;
      }
      if (kindOf(step) === 'handoff') {
        // Asked how the handoff went (after "open speaker helper", or the step restated in session).
        carryOut(step);
        const answer = noticed ?? (worked(step, world) ? 'yes' : 'no');
        noticed = undefined;
        await say(answer);
        continue;
      }
      if (kindOf(step) === 'action') {
        // Something short to do in the room, then "done".
        carryOut(step);
        const answer = noticed ?? 'done';
        noticed = undefined;
        await say(answer);
        continue;
      }
      const rule = QUESTION_ANSWERS[step];
      if (!rule) {
        notes.push(`no answer rule for step "${step}"`);
        await say("i'm not sure");
        continue;
      }
      const answer = rule({ world, persona, saidSeveralEchos });
      if (answer === OBSERVATIONS.severalEchos) saidSeveralEchos = true;
      await say(answer);
    }
  } catch (error) {
    outcome = 'error';
    lines.push(`!! ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await c.close();
  }

  const run: PersonaRun = {
    persona,
    outcome: outcome ?? 'error',
    turns,
    reopens,
    longestAnswer,
    longestSpeech,
    misheard,
    notes,
    transcript: lines.join('\n'),
    world,
  };
  if (persona.newSpeaker && pairingTurn !== undefined) run.pairingTurn = pairingTurn;
  return run;
}

/** The run ended as the persona expects: fixed, or stopped for safety. */
export function asExpected(run: PersonaRun, expected: ExpectedOutcome = run.persona.expected): boolean {
  return run.outcome === expected;
}

export interface Summary {
  /** Over the personas whose speaker should get fixed. */
  medianTurns: number;
  maxTurns: number;
  /** New speakers (fixed personas): the latest turn the pairing instruction came, or undefined if one never heard it. */
  latestPairingTurn: number | undefined;
  everyNewSpeakerHeardPairing: boolean;
  /** Over every run. */
  longestAnswer: number;
  /** Targets missed, and personas that did not end as expected, in words. */
  misses: string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function summarize(runs: readonly PersonaRun[]): Summary {
  const fixed = runs.filter((run) => run.persona.expected === 'resolved');
  const turns = fixed.map((run) => run.turns);
  const newSpeakers = fixed.filter((run) => run.persona.newSpeaker);
  const pairingTurns = newSpeakers.map((run) => run.pairingTurn);
  const heard = pairingTurns.filter((turn): turn is number => turn !== undefined);
  const summary: Summary = {
    medianTurns: median(turns),
    maxTurns: Math.max(0, ...turns),
    latestPairingTurn: heard.length ? Math.max(...heard) : undefined,
    everyNewSpeakerHeardPairing: heard.length === pairingTurns.length,
    longestAnswer: Math.max(0, ...runs.map((run) => run.longestAnswer)),
    misses: [],
  };
  const { misses } = summary;
  for (const run of runs) {
    if (!asExpected(run))
      misses.push(`${run.persona.id} ended ${run.outcome}, expected ${run.persona.expected}`);
    if (run.misheard.length) misses.push(`${run.persona.id}: not understood: ${run.misheard.join(' | ')}`);
  }
  if (summary.medianTurns > TARGETS.medianTurns)
    misses.push(`median turns to the fix ${summary.medianTurns} > ${TARGETS.medianTurns}`);
  for (const run of fixed.filter((r) => r.turns > TARGETS.maxTurns))
    misses.push(`${run.persona.id} took ${run.turns} turns > ${TARGETS.maxTurns}`);
  for (const run of newSpeakers) {
    if (run.pairingTurn === undefined || run.pairingTurn > TARGETS.pairingByTurn)
      misses.push(
        `${run.persona.id} heard the pairing instruction ${run.pairingTurn === undefined ? 'never' : `after turn ${run.pairingTurn}`} (target: by turn ${TARGETS.pairingByTurn})`,
      );
  }
  for (const run of runs.filter((r) => r.longestAnswer > TARGETS.maxWords))
    misses.push(`${run.persona.id} heard ${run.longestAnswer} words in one answer > ${TARGETS.maxWords}`);
  return summary;
}
