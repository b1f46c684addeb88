/**
 * `npm start` (scripts/start.ts) as a child process, fed utterances on standard input as the README shows:
 * the conversation is answered by the real skill through the en-US model, progress survives a restart, and
 * music moves on the Spotify Connect simulator. The child uses the jest global dynalite (DYNAMODB_ENDPOINT)
 * and a table and user of its own, so a developer's .local/ progress is never touched.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { stepWords, words } from '../support/conversation';
import { testEndpoint, uniqueTableName } from '../support/test-table';
import { ENTRY, SECOND } from '../faults/fault-conversation';

const ROOT = path.join(__dirname, '..', '..');

/** Runs `npm start`'s script once with `lines` piped in; returns what Alexa said, one entry per turn. */
async function start(lines: string[], env: Record<string, string>): Promise<string[]> {
  const child = promisify(execFile)(
    process.execPath,
    ['--no-warnings', '-r', 'ts-node/register/transpile-only', 'scripts/start.ts'],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DYNAMODB_ENDPOINT: testEndpoint(), ...env } },
  );
  child.child.stdin?.end(`${lines.join('\n')}\n`);
  const { stdout } = await child;
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('Alexa: '))
    .map((line) => line.slice('Alexa: '.length));
}

describe('npm start', () => {
  const env = {
    TABLE_NAME: uniqueTableName('start-cli'),
    SPEAKER_HELPER_USER: `amzn1.ask.account.START-CLI-${randomUUID()}`,
  };

  it('answers typed words as spoken ones, and a second run continues where the first stopped', async () => {
    const first = await start(['Open Speaker Helper!', 'alexa cant find my speaker', 'Yes.', 'quit'], env);
    expect(first).toHaveLength(3);
    expect(first[0]).toContain(words('welcome.new'));
    expect(first[1]).toContain(stepWords(ENTRY).question ?? stepWords(ENTRY).title);
    expect(first[2]).toContain(stepWords(SECOND).question ?? stepWords(SECOND).title);

    const again = await start(['open speaker helper', 'quit'], env);
    expect(again[0]).toContain(words('welcome.returning'));
    expect(again[0]).toContain(words('resume.intro', { title: stepWords(SECOND).title }));
  }, 60_000);

  it('moves Spotify music on the simulator, with no Spotify account', async () => {
    const said = await start(['ask speaker helper to move the music to the office speaker', 'quit'], env);
    expect(said.join(' ')).toContain(words('music.moved', { device: 'Office Speaker' }));
  }, 60_000);
});
