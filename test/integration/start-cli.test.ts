/**
 * `npm start` (scripts/start.ts) as a child process, fed utterances on standard input as the README shows:
 * the conversation is answered by the real skill through the en-US model, progress survives a restart, and
 * music moves on the Spotify Connect simulator. The child uses the jest global dynalite (DYNAMODB_ENDPOINT)
 * and a table, user and log file of its own, so a developer's .local/ is never touched.
 *
 * The conversation's words and flow change often, so the newer checks look at the transcript's structure (a
 * "heard as" line naming a model sample, a card line, an answer that is not the fallback), with the phrases
 * typed taken from the model as it is when the test runs.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FLOW } from '../../lambda/src/conversation/flow';
import { buttonsOf } from '../../lambda/src/conversation/screen';
import { freshProgress } from '../../lambda/src/conversation/transition';
import { createNearestSample, samplePhrases } from '../../scripts/local/nearest-sample';
import { MODEL_PATH } from '../../scripts/local/virtual-echo';
import { stepOf, stepWords, words, wordsIn } from '../support/conversation';
import { testEndpoint, uniqueTableName } from '../support/test-table';
import { ENTRY, SECOND } from '../faults/fault-conversation';

const ROOT = path.join(__dirname, '..', '..');
const LOG_DIR = mkdtempSync(path.join(tmpdir(), 'start-cli-'));
afterAll(() => rmSync(LOG_DIR, { recursive: true, force: true }));

interface Run {
  stdout: string;
  /** What Alexa said, one entry per turn. */
  said: string[];
  /** Each typed line with the lines printed for it, up to the next one. */
  turns: Array<{ you: string; lines: string[] }>;
  /** What the skill logged during the run. */
  log: string;
}

/** Runs `npm start`'s script once with `lines` piped in. */
async function start(lines: string[], env: Record<string, string>, args: string[] = []): Promise<Run> {
  const logFile = path.join(LOG_DIR, `${randomUUID()}.log`);
  const child = promisify(execFile)(
    process.execPath,
    ['--no-warnings', '-r', 'ts-node/register/transpile-only', 'scripts/start.ts', ...args],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        DYNAMODB_ENDPOINT: testEndpoint(),
        SPEAKER_HELPER_LOG_FILE: logFile,
        ...env,
      },
    },
  );
  child.child.stdin?.end(`${lines.join('\n')}\n`);
  const { stdout } = await child;
  expectNoLogLines(stdout);
  const turns: Run['turns'] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('You: ')) turns.push({ you: line.slice('You: '.length), lines: [] });
    else turns.at(-1)?.lines.push(line);
  }
  return {
    stdout,
    said: stdout
      .split('\n')
      .filter((line) => line.startsWith('Alexa: '))
      .map((line) => line.slice('Alexa: '.length)),
    turns,
    log: readFileSync(logFile, 'utf8'),
  };
}

function turnFor(run: Run, you: string): Run['turns'][number] {
  const turn = run.turns.find((t) => t.you === you);
  if (!turn) throw new Error(`no turn for "${you}" in:\n${run.stdout}`);
  return turn;
}

/** The turn's answer; it must not be the fallback's words. */
function understood(run: Run, you: string): string {
  const answer = turnFor(run, you).lines.find((line) => line.startsWith('Alexa: '));
  expect(answer).toBeDefined();
  expect(answer).not.toContain(words('fallback.first'));
  return answer ?? '';
}

/** No line of the transcript is a JSON log line. */
function expectNoLogLines(stdout: string): void {
  const json = stdout.split('\n').filter((line) => /^\s*\{.*\}\s*$/.test(line));
  expect(json).toEqual([]);
}

/** What the screen boxes of a turn say: their rows' text, joined, so wrapped words read whole. */
function boxed(turn: Run['turns'][number]): string {
  return turn.lines
    .filter((line) => line.startsWith('  │'))
    .map((line) => line.slice(4, -2).trim())
    .join(' ');
}

const phrases = samplePhrases(MODEL_PATH);
const exact = new Set(phrases.map((p) => p.text));

describe('npm start', () => {
  const env = {
    TABLE_NAME: uniqueTableName('start-cli'),
    SPEAKER_HELPER_USER: `amzn1.ask.account.START-CLI-${randomUUID()}`,
  };
  /** A user of their own, for tests that must not move the shared user's step. */
  const newUser = () => ({ ...env, SPEAKER_HELPER_USER: `amzn1.ask.account.START-CLI-${randomUUID()}` });

  it('answers typed words as spoken ones, and a second run continues where the first stopped', async () => {
    const first = await start(['Open Speaker Helper!', 'alexa cant find my speaker', 'Yes.', 'quit'], env);
    expect(first.said).toHaveLength(3);
    expect(first.said[0]).toContain(words('welcome.new'));
    expect(first.said[1]).toContain(stepWords(ENTRY).question ?? stepWords(ENTRY).title);
    // What the next step asks first may change (its name, its question); that it was reached is below.
    understood(first, 'Yes.');

    const again = await start(['open speaker helper', 'quit'], env);
    expect(again.said[0]).toContain(words('welcome.returning'));
    expect(again.said[0]).toContain(words('resume.intro', { title: stepWords(SECOND).title }));
  }, 60_000);

  it('moves Spotify music on the simulator, with no Spotify account', async () => {
    const run = await start(['ask speaker helper to move the music to the office speaker', 'quit'], env);
    expect(run.said.join(' ')).toContain(words('music.moved', { device: 'Office Speaker' }));
  }, 60_000);

  it("talks through another locale's model with --locale, in that language", async () => {
    const model = JSON.parse(readFileSync(path.join(path.dirname(MODEL_PATH), 'de-DE.json'), 'utf8')) as {
      interactionModel: { languageModel: { invocationName: string } };
    };
    const open = `öffne ${model.interactionModel.languageModel.invocationName}`;
    // A user of its own: the other runs here share the table and the default local user.
    const user = { SPEAKER_HELPER_USER: `amzn1.ask.account.LOCALE-${randomUUID()}` };
    const run = await start([open, 'quit'], { ...env, ...user }, ['--locale', 'de-DE']);
    expect(run.said.join(' ')).toContain(wordsIn('de-DE', 'welcome.new'));
  }, 60_000);

  it('takes a sample that starts with "alexa" whole, exactly as the model has it', async () => {
    // One whose words without "alexa" are no sample of their own, so only the whole phrase can match.
    const phrase = phrases.find(
      (p) => p.text.startsWith('alexa ') && !exact.has(p.text.slice('alexa '.length)),
    );
    if (!phrase) throw new Error('the model has no sample starting with "alexa"');
    const run = await start(['open speaker helper', phrase.text, 'quit'], newUser());
    understood(run, phrase.text);
    expect(turnFor(run, phrase.text).lines.some((line) => line.includes('heard as'))).toBe(false);
  }, 60_000);

  it('takes a near miss as the nearest model sample, and says which', async () => {
    const nearest = createNearestSample(phrases);
    // The usual near misses first; else a model phrase with its speaker made plural.
    const derived = phrases
      .filter((p) => / speaker /.test(` ${p.text} `) && p.text.split(' ').length >= 4)
      .map((p) => ` ${p.text} `.replace(' speaker ', ' speakers ').trim());
    const nearMiss = [
      'my speakers keep cutting out',
      'the sounds still coming out of alexa',
      ...derived,
    ].find((text) => !exact.has(text) && nearest(text) !== undefined);
    if (!nearMiss) throw new Error('no near miss of the model was found to type');
    const run = await start(['open speaker helper', nearMiss, 'quit'], newUser());
    const heard = turnFor(run, nearMiss).lines.find((line) => line.startsWith('  (heard as: "'));
    expect(heard).toBeDefined();
    // Printed before Alexa answers, and naming a phrase the model really has.
    const lines = turnFor(run, nearMiss).lines;
    expect(lines.indexOf(heard ?? '')).toBeLessThan(lines.findIndex((line) => line.startsWith('Alexa: ')));
    const named = /^ {2}\(heard as: "(.+)"\)$/.exec(heard ?? '')?.[1];
    expect(exact.has(named ?? '')).toBe(true);
    understood(run, nearMiss);
  }, 60_000);

  it('leaves unrelated words to the fallback, without a "heard as"', async () => {
    const run = await start(['open speaker helper', 'blah blah', 'quit'], newUser());
    const turn = turnFor(run, 'blah blah');
    expect(turn.lines.some((line) => line.includes('heard as'))).toBe(false);
    expect(turn.lines.find((line) => line.startsWith('Alexa: '))).toContain(words('fallback.first'));
  }, 60_000);

  it('shows the account-linking card to a user who has not linked Spotify', async () => {
    const move =
      phrases.find((p) => p.intent === 'MoveMusicIntent' && p.text.includes('office speaker'))?.text ??
      'move the music to the office speaker';
    const run = await start([`ask speaker helper to ${move}`, 'quit'], newUser(), ['--unlinked']);
    expect(run.stdout).toMatch(/^ {2}\[card in the Alexa app\] Link your account: .+$/m);
  }, 60_000);

  it('keeps the log lines out of the transcript, in the log file, at LOG_LEVEL', async () => {
    const run = await start(['open speaker helper', 'quit'], { ...newUser(), LOG_LEVEL: 'info' });
    expectNoLogLines(run.stdout);
    const logged = run.log.split('\n').filter(Boolean);
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(JSON.parse(line)).toMatchObject({ level: expect.any(String) });
    expect(run.stdout).toContain('log lines (LOG_LEVEL=info) go to');

    const quiet = await start(['open speaker helper', 'quit'], { ...newUser(), LOG_LEVEL: 'silent' });
    expectNoLogLines(quiet.stdout);
    expect(quiet.log).toBe('');
  }, 60_000);

  describe('with --screen', () => {
    // The opening question's buttons, as the skill offers them: the number of "Won't pair" among them.
    const opening = buttonsOf(FLOW, { progress: freshProgress(FLOW), pending: undefined });
    const labels = opening.map((b) => words(`screen.buttons.${b.id}`));
    const wontPair = opening.findIndex((b) => b.touch[1] === 'wont_pair') + 1;
    const entry = FLOW.symptomEntry.wont_pair;
    const afterNo = (stepOf(entry) as { no?: string }).no;
    if (!afterNo) throw new Error(`"${entry}" has no "no" answer`);

    it('draws each screen under its answer, and :tap presses a button by number or by label', async () => {
      const no = words('screen.buttons.no');
      const lines = ['open speaker helper', ':tap volume up', `:tap ${wontPair}`, `:tap ${no.toUpperCase()}`];
      const run = await start([...lines, 'quit'], newUser(), ['--screen']);
      expect(run.stdout).toContain('Screen: an Echo Show');

      const first = turnFor(run, 'open speaker helper');
      expect(first.lines.some((line) => line.startsWith('  ┌─ Echo Show '))).toBe(true);
      labels.forEach((label, i) => expect(boxed(first)).toContain(`[${i + 1}] ${label}`));

      // An unknown label: one line saying what can be tapped, and nothing sent.
      const unknown = turnFor(run, ':tap volume up').lines.filter(Boolean);
      expect(unknown).toHaveLength(1);
      expect(unknown[0]).toContain('no button "volume up"');
      for (const label of labels) expect(unknown[0]).toContain(label);

      const byNumber = turnFor(run, `:tap ${wontPair}`);
      expect(byNumber.lines[0]).toBe(`  (tapped [${wontPair}] ${labels[wontPair - 1]})`);
      understood(run, `:tap ${wontPair}`);
      expect(boxed(byNumber)).toContain(stepWords(entry).title);
      expect(boxed(byNumber)).toContain(words('screen.position', { number: 2 }));

      const byLabel = turnFor(run, `:tap ${no.toUpperCase()}`);
      expect(byLabel.lines[0]).toMatch(/^ {2}\(tapped \[\d+\] .+\)$/);
      expect(byLabel.lines[0]).toContain(`] ${no})`);
      expect(boxed(byLabel)).toContain(stepWords(afterNo).title);
    }, 60_000);

    it('on a Fire TV (--screen tv) shows what to say instead of buttons, and refuses :tap', async () => {
      const run = await start(['open speaker helper', ':tap 1', 'quit'], newUser(), ['--screen', 'tv']);
      const first = turnFor(run, 'open speaker helper');
      const quoted = labels.map((text) => words('screen.quote', { text }));
      expect(boxed(first)).toContain(words('screen.say', { options: quoted }));
      expect(boxed(first)).not.toMatch(/\[\d+\]/);
      const refused = turnFor(run, ':tap 1').lines.filter(Boolean);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toContain('Fire TV has no touch');
      expect(run.said).toHaveLength(1);
    }, 60_000);
  });
});
