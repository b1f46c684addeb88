/**
 * `npm run personas`: every persona (personas.ts) through the real skill on a fresh in-memory dynalite (the
 * one jest's global setup starts), then a table of how each went and whether the targets are met.
 * `--markdown` prints the table as Markdown (for the README); `--transcripts` prints every transcript;
 * `--locale de-DE` talks German (phrases.ts) and holds the German targets (default en-US).
 * Exits non-zero when a target is missed or a persona does not end as expected.
 */
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { closeConversations } from '../support/conversation';
import { createTestTable } from '../support/test-table';
import { PERSONAS } from './personas';
import { isLocale, LOCALES } from './phrases';
import type { Locale } from './phrases';
import { asExpected, simulate, summarize, targetsFor } from './simulate';
import type { PersonaRun } from './simulate';

const HEADERS = [
  'Persona',
  'Hidden cause',
  'Outcome',
  'Turns to fix / stop',
  'Reopen rounds',
  'Longest answer (words)',
  'Pairing instruction (turn, new speakers)',
];

function row(run: PersonaRun): string[] {
  const outcome = asExpected(run) ? run.outcome : `${run.outcome} (expected ${run.persona.expected})`;
  const measured = run.persona.newSpeaker && run.persona.expected === 'resolved';
  const pairing = measured ? String(run.pairingTurn ?? 'never') : '';
  return [
    run.persona.id,
    run.persona.hiddenCause,
    outcome,
    String(run.turns),
    String(run.reopens),
    String(run.longestAnswer),
    pairing,
  ];
}

const NUMERIC = new Set([3, 4, 5, 6]);

function markdown(rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const widths = HEADERS.map((header, i) =>
    Math.max(header.length, ...rows.map((r) => escape(r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (NUMERIC.has(i) ? escape(cell).padStart(widths[i] ?? 0) : escape(cell).padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (NUMERIC.has(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(HEADERS), rule, ...rows.map(line)].join('\n');
}

function plain(rows: string[][]): string {
  const widths = HEADERS.map((header, i) => Math.max(header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (NUMERIC.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ');
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** `--locale de-DE` or `--locale=de-DE`; en-US by default. */
function localeOf(argv: readonly string[]): Locale {
  const at = argv.findIndex((arg) => arg === '--locale' || arg.startsWith('--locale='));
  if (at < 0) return 'en-US';
  const arg = argv[at] ?? '';
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (argv[at + 1] ?? '');
  if (!isLocale(value)) throw new Error(`--locale ${value}: the personas speak ${LOCALES.join(', ')}`);
  return value;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = new Set(argv);
  const locale = localeOf(argv);
  const targets = targetsFor(locale);
  await globalSetup();
  const table = await createTestTable('personas');
  const runs: PersonaRun[] = [];
  try {
    for (const persona of PERSONAS) runs.push(await simulate(persona, { table, locale }));
  } finally {
    await closeConversations();
    table.dispose();
    await globalTeardown();
  }
  const summary = summarize(runs);
  const rows = runs.map(row);
  console.log(args.has('--markdown') ? markdown(rows) : plain(rows));
  const pairing = summary.everyNewSpeakerHeardPairing
    ? `by turn ${summary.latestPairingTurn ?? '-'}`
    : 'not for every new speaker';
  const met = summary.misses.length === 0;
  console.log(
    `\n${args.has('--markdown') ? '**Summary' : 'Summary'}${locale === 'en-US' ? '' : ` (${locale})`}${args.has('--markdown') ? ':**' : ':'} ` +
      `median ${summary.medianTurns} turns to the fix ` +
      `(${targets.medianTurns === undefined ? 'no target' : `target ≤ ${targets.medianTurns}`}), max ${summary.maxTurns} ` +
      `(≤ ${targets.maxTurns}${locale === 'en-US' ? '' : ' plus one per return'}), pairing instruction ${pairing} (${targets.pairingByTurn === undefined ? 'no target' : `≤ ${targets.pairingByTurn}`}), ` +
      `longest answer ${summary.longestAnswer} words (≤ ${targets.maxWords}): ` +
      `${met ? 'all targets met.' : 'targets missed.'}`,
  );
  for (const miss of summary.misses) console.log(`${args.has('--markdown') ? '-' : ' '} missed: ${miss}`);
  for (const run of runs) {
    const broken = !asExpected(run) || run.misheard.length > 0 || run.notes.length > 0;
    if (broken || args.has('--transcripts')) {
      console.log(`\n--- ${run.persona.id} (${run.persona.hiddenCause}): ${run.outcome}`);
      for (const n of run.notes) console.log(`  note: ${n}`);
      console.log(run.transcript);
    }
  }
  return met ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
