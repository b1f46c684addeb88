/**
 * Simulated users (personas.ts), each with one hidden cause, talked through the real skill by simulate.ts:
 * each must end as expected (fixed, or a safety stop), and together they must meet the targets in
 * `TARGETS`. `npm run personas` prints the same runs as a table.
 */
import { conversationTable } from '../support/conversation';
import { PERSONAS } from './personas';
import { asExpected, simulate, summarize, TARGETS } from './simulate';
import type { PersonaRun } from './simulate';

const table = conversationTable('personas');
const runs = new Map<string, PersonaRun>();

/** Fails with a message and the transcripts of the runs concerned. */
function check(ok: boolean, message: string, concerned: readonly PersonaRun[] = []): void {
  if (ok) return;
  const transcripts = concerned.map(
    (run) => `\n--- ${run.persona.id}: ${run.persona.hiddenCause}\n${run.transcript}`,
  );
  throw new Error(`${message}${transcripts.join('\n')}`);
}

describe('personas', () => {
  for (const persona of PERSONAS) {
    const ending = persona.expected === 'safety' ? 'stops for safety' : 'gets the speaker playing';
    it(`${persona.id} (${persona.hiddenCause}) ${ending}`, async () => {
      const run = await simulate(persona, { table: table() });
      runs.set(persona.id, run);
      check(
        asExpected(run),
        `${persona.id} ended "${run.outcome}" after ${run.turns} turns, expected "${persona.expected}"`,
        [run],
      );
      check(run.misheard.length === 0, `the model did not understand: ${run.misheard.join(' | ')}`, [run]);
      check(run.notes.length === 0, `the persona met steps it has no rule for: ${run.notes.join('; ')}`, [
        run,
      ]);
    });
  }
});

describe('together', () => {
  let all: PersonaRun[] = [];
  beforeAll(async () => {
    // Runs any persona whose test was filtered out, so the targets are always over every persona.
    for (const persona of PERSONAS) {
      if (!runs.has(persona.id)) runs.set(persona.id, await simulate(persona, { table: table() }));
    }
    all = PERSONAS.map((persona) => runs.get(persona.id)).filter((run): run is PersonaRun => !!run);
  });
  const fixed = () => all.filter((run) => run.persona.expected === 'resolved');
  const turnsList = (list: readonly PersonaRun[]) =>
    list.map((run) => `${run.persona.id}: ${run.turns}`).join(', ');

  it(`the median user turns to the fix is at most ${TARGETS.medianTurns}`, () => {
    const { medianTurns } = summarize(all);
    check(medianTurns <= TARGETS.medianTurns, `median ${medianTurns} turns (${turnsList(fixed())})`);
  });

  it(`no fix takes more than ${TARGETS.maxTurns} user turns`, () => {
    const over = fixed().filter((run) => run.turns > TARGETS.maxTurns);
    check(over.length === 0, `over ${TARGETS.maxTurns} turns: ${turnsList(over)}`, over);
  });

  it(`every new speaker hears how to pair it in the app by its turn ${TARGETS.pairingByTurn}`, () => {
    const late = fixed().filter(
      (run) => run.persona.newSpeaker && (run.pairingTurn ?? Infinity) > TARGETS.pairingByTurn,
    );
    const when = late.map((run) => `${run.persona.id}: ${run.pairingTurn ?? 'never'}`).join(', ');
    check(late.length === 0, `pairing instruction too late: ${when}`, late);
  });

  it(`every spoken answer is at most ${TARGETS.maxWords} words`, () => {
    const long = all.filter((run) => run.longestAnswer > TARGETS.maxWords);
    const what = long.map((run) => `${run.persona.id}: ${run.longestAnswer} words: "${run.longestSpeech}"`);
    check(long.length === 0, `answers too long:\n${what.join('\n')}`);
  });
});
