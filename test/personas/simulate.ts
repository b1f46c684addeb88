/**
 * Runs one persona (personas.ts) through the real skill with the conversation harness: "open speaker
 * helper", then answers from the persona's world, leaving the skill when a handoff ends the session and
 * coming back the way the skill's words said, until an end step or `MAX_TURNS` (a loop).
 *
 * The persona decides only from what a user has: the step the skill is at (`c.step`, i.e. what it just asked
 * or told), its words (matched against the locale's resources with `wordsIn`, never against copied text) and
 * its own world. It speaks the locale's phrasebook (`phrases.ts`): in en-US it comes back with the one-shot
 * the skill's words offer ("tell speaker helper it worked"); where the words only say to open the skill again
 * (de-DE: "Alexa, öffne Lautsprecher-Hilfe"), it opens it and answers the question the skill resumes with.
 */
import type { StepId } from '../../lambda/src/conversation/types';
import { FLOW, startConversation, wordsIn } from '../support/conversation';
import type { Conversation } from '../support/conversation';
import type { TestTable } from '../support/test-table';
import { apply, PAIRING_STEPS, QUESTION_ANSWERS, STEP_ACTIONS, worked } from './personas';
import type { Answer, ExpectedOutcome, Observation, Persona, World } from './personas';
import { PHRASES } from './phrases';
import type { Locale, Phrasebook, Reply } from './phrases';

/** A persona still talking after this many turns is stuck in a loop. */
export const MAX_TURNS = 40;

/** The en-US targets (the conversation was tuned in en-US, with its one-shot come-back). */
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

/**
 * The de-DE targets: no one-shot come-back in German (open the skill, then answer the resumed question), so
 * each come-back costs a turn more; the median is reported, not held to the en-US 7.
 */
export const TARGETS_DE = {
  maxTurns: TARGETS.maxTurns,
  maxWords: TARGETS.maxWords,
} as const;

export type RunOutcome = 'resolved' | 'unresolved' | 'safety' | 'loop' | 'error';

export interface PersonaRun {
  persona: Persona;
  locale: Locale;
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

/** The locale's words of a resource key, or undefined when its resources do not have it. */
function maybeWords(locale: Locale, key: string, params?: Record<string, string>): string | undefined {
  try {
    return wordsIn(locale, key, params);
  } catch {
    return undefined;
  }
}

/** Lower case, punctuation and hyphens as spaces: how a person hears "Lautsprecher-Hilfe". */
const heard = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .trim();

/**
 * How the skill's words told the user to come back: with the one-shot ("tell Speaker Helper it worked, or
 * it didn't"), by opening the skill ("Alexa, öffne Lautsprecher-Hilfe"), or not at all (then they open it).
 */
function comeBackWay(locale: Locale, speech: string): 'tell' | 'open' | undefined {
  const { tell } = PHRASES[locale];
  const said = ['handoff.comeBack', 'handoff.comeBackAgain']
    .map((key) => maybeWords(locale, key))
    .filter((text): text is string => text !== undefined && speech.includes(text));
  if (said.length === 0) return undefined;
  return tell !== undefined && said.some((text) => heard(text).includes(tell)) ? 'tell' : 'open';
}

/** The skill just asked for the speaker's name. */
function asksName(locale: Locale, c: Conversation, speech: string): boolean {
  const ask = maybeWords(locale, 'speakerName.ask');
  return c.sessionProgress?.awaitingName === true || (ask !== undefined && speech.includes(ask));
}

/** The speech gives a step's instruction to pair the speaker in the Alexa app. */
function heardPairing(locale: Locale, speech: string, speakerName: string): boolean {
  return PAIRING_STEPS.some((id) =>
    [
      maybeWords(locale, `steps.${id}.instruction`),
      maybeWords(locale, `steps.${id}.instruction`, { target: speakerName }),
    ].some((text) => text !== undefined && speech.includes(text)),
  );
}

/** The words of a thing the persona means, in the locale. */
function phrase(book: Phrasebook, answer: Answer): string {
  return typeof answer === 'string' ? book.replies[answer] : book.symptoms[answer.symptom];
}

const kindOf = (id: StepId | undefined) => (id ? FLOW.steps[id]?.kind : undefined);

export async function simulate(
  persona: Persona,
  options: { table: TestTable; locale?: Locale },
): Promise<PersonaRun> {
  const locale = options.locale ?? 'en-US';
  const book = PHRASES[locale];
  const speakerName = book.speakers[persona.speakerName];
  const c = await startConversation({ table: options.table, ...(locale === 'en-US' ? {} : { locale }) });
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
    if (pairingTurn === undefined && heardPairing(locale, speech, speakerName)) pairingTurn = turns;
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
    await say(book.open);
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
        const way = comeBackWay(locale, speech);
        if (hazard) {
          // With a one-shot, straight to it; else open the skill and say it there (next turn).
          if (way === 'tell' && book.tell) await say(`${book.tell} ${book.hazards[hazard.phrase]}`, true);
          else await say(book.open, true);
          continue;
        }
        if (kindOf(step) === 'handoff') carryOut(step);
        else notes.push(`the session closed at "${step}", which is no handoff`);
        if (way === 'tell' && book.tell) {
          const result: Reply = noticed ?? (worked(step, world) ? 'itWorked' : 'itDidNotWork');
          noticed = undefined;
          await say(`${book.tell} ${book.replies[result]}`, true);
        } else {
          // Opens the skill; the resumed question is answered on the next pass.
          await say(book.open, true);
        }
        continue;
      }

      if (hazard) {
        await say(book.hazards[hazard.phrase]);
        continue;
      }
      if (asksName(locale, c, speech)) {
        await say(book.nameAnswer(speakerName));
        continue;
      }
      if (kindOf(step) === 'handoff') {
        // Asked how the handoff went (after "open speaker helper", or the step restated in session).
        carryOut(step);
        const answer: Reply = noticed ?? (worked(step, world) ? 'yes' : 'no');
        noticed = undefined;
        await say(book.replies[answer]);
        continue;
      }
      if (kindOf(step) === 'action') {
        // Something short to do in the room, then "done".
        carryOut(step);
        const answer: Reply = noticed ?? 'done';
        noticed = undefined;
        await say(book.replies[answer]);
        continue;
      }
      const rule = QUESTION_ANSWERS[step];
      if (!rule) {
        notes.push(`no answer rule for step "${step}"`);
        await say(book.replies.notSure);
        continue;
      }
      const answer = rule({ world, persona, saidSeveralEchos });
      if (answer === 'severalEchos') saidSeveralEchos = true;
      await say(phrase(book, answer));
    }
  } catch (error) {
    outcome = 'error';
    lines.push(`!! ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await c.close();
  }

  const run: PersonaRun = {
    persona,
    locale,
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

/** The targets held in a locale: en-US all of `TARGETS`; elsewhere `TARGETS_DE` (median and pairing turn reported). */
export function targetsFor(locale: Locale): {
  medianTurns?: number;
  maxTurns: number;
  pairingByTurn?: number;
  maxWords: number;
} {
  return locale === 'en-US' ? TARGETS : TARGETS_DE;
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
  const targets = targetsFor(runs[0]?.locale ?? 'en-US');
  for (const run of runs) {
    if (!asExpected(run))
      misses.push(`${run.persona.id} ended ${run.outcome}, expected ${run.persona.expected}`);
    if (run.misheard.length) misses.push(`${run.persona.id}: not understood: ${run.misheard.join(' | ')}`);
  }
  if (targets.medianTurns !== undefined && summary.medianTurns > targets.medianTurns)
    misses.push(`median turns to the fix ${summary.medianTurns} > ${targets.medianTurns}`);
  // Without a one-shot come-back (German), each return costs one turn more: the cap grows by exactly that.
  const capOf = (r: PersonaRun) => targets.maxTurns + (r.locale === 'en-US' ? 0 : r.reopens);
  for (const run of fixed.filter((r) => r.turns > capOf(r)))
    misses.push(`${run.persona.id} took ${run.turns} turns > ${capOf(run)}`);
  const { pairingByTurn } = targets;
  for (const run of pairingByTurn === undefined ? [] : newSpeakers) {
    if (run.pairingTurn === undefined || run.pairingTurn > (pairingByTurn ?? 0))
      misses.push(
        `${run.persona.id} heard the pairing instruction ${run.pairingTurn === undefined ? 'never' : `after turn ${run.pairingTurn}`} (target: by turn ${pairingByTurn})`,
      );
  }
  for (const run of runs.filter((r) => r.longestAnswer > targets.maxWords))
    misses.push(`${run.persona.id} heard ${run.longestAnswer} words in one answer > ${targets.maxWords}`);
  return summary;
}
