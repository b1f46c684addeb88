/**
 * `npm start`: talk to Speaker Helper in a terminal. What you type is resolved through the en-US
 * interaction model, the real skill answers, and progress lives in a local DynamoDB-protocol server
 * (dynalite) with its data under .local/, so quitting and starting again continues where you were.
 * Reads piped standard input too, one utterance a line, for scripted runs.
 *
 * Spotify: by default a local Spotify Connect simulator plays the Web API, so "move the music to the
 * office speaker" works with no Spotify account. With SPOTIFY_ACCESS_TOKEN set, the real Web API is
 * used with that token. `--unlinked` runs as a user who has not linked Spotify.
 */
import readline from 'node:readline';
import type { ResponseEnvelope } from 'ask-sdk-model';
import { readConfig } from '../lambda/src/config';
import { createSkill } from '../lambda/src/index';
import { createJsonLogger, parseLevel } from '../lambda/src/platform/logger';
import { noMetrics } from '../lambda/src/platform/metrics';
import { createDynamoClient } from '../lambda/src/state/dynamo-progress-store';
import { ensureTable } from '../lambda/src/state/ensure-table';
import { startLocalDatabase } from './local/dynalite-server';
import type { SimulatorFault, SimulatorOperation } from './local/spotify-simulator';
import { DEFAULT_SIMULATOR_TOKEN, startSpotifySimulator } from './local/spotify-simulator';
import { createTypedWords, modelPhrases } from './local/typed-words';
import { MODEL_PATH, VirtualEcho } from './local/virtual-echo';

const LOCAL_DEFAULTS = {
  SKILL_ID: 'amzn1.ask.skill.speaker-helper-local',
  TABLE_NAME: 'speaker-helper-local',
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: 'warn',
};
const LOCAL_USER = process.env.SPEAKER_HELPER_USER ?? 'amzn1.ask.account.LOCAL-DEVELOPER';
const QUIT = new Set(['quit', 'exit', 'q', ':q', 'bye']);

const strip = (ssml: string | undefined) =>
  (ssml ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

function show(response: ResponseEnvelope, print: (line: string) => void): void {
  const r = response.response;
  const speech = r.outputSpeech && 'ssml' in r.outputSpeech ? r.outputSpeech.ssml : undefined;
  const reprompt =
    r.reprompt?.outputSpeech && 'ssml' in r.reprompt.outputSpeech ? r.reprompt.outputSpeech.ssml : '';
  if (speech) print(`Alexa: ${strip(speech)}`);
  if (reprompt) print(`  (if you say nothing: ${strip(reprompt)})`);
  if (r.card && 'title' in r.card) {
    const body = 'text' in r.card ? r.card.text : 'content' in r.card ? r.card.content : '';
    print(`  [card in the Alexa app] ${r.card.title}`);
    for (const line of (body ?? '').split('\n').filter(Boolean)) print(`    ${line}`);
  }
  if (r.shouldEndSession !== false)
    print('  (Speaker Helper has closed. Type "open speaker helper" to come back.)');
}

async function main(): Promise<void> {
  for (const [name, value] of Object.entries(LOCAL_DEFAULTS)) process.env[name] ??= value;
  const db = await startLocalDatabase('dynalite');
  const config = readConfig(process.env);
  const client = createDynamoClient({ region: config.region, endpoint: config.dynamodbEndpoint });
  await ensureTable(client, config.tableName, { log: () => {} });
  client.destroy();

  const interactive = process.stdin.isTTY === true;
  const print = (line: string) => process.stdout.write(`${line}\n`);

  const realToken = process.env.SPOTIFY_ACCESS_TOKEN?.trim();
  const simulator = realToken ? undefined : await startSpotifySimulator();
  if (simulator) config.spotifyApiUrl = simulator.baseUrl;
  const token = process.argv.includes('--unlinked') ? undefined : (realToken ?? DEFAULT_SIMULATOR_TOKEN);

  // Log lines go to stderr so the conversation on stdout stays readable.
  const logger = createJsonLogger(parseLevel(config.logLevel), (line) => process.stderr.write(`${line}\n`));
  // Progressive responses would go to Alexa's API; here they are printed as Alexa would speak them.
  const localFetch: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith('/v1/directives')) {
      const speech = (JSON.parse(String(init?.body)) as { directive: { speech: string } }).directive.speech;
      print(`Alexa (while working): ${strip(speech)}`);
      return new Response(null, { status: 204 });
    }
    return fetch(input, init);
  };
  const skill = createSkill(config, logger, localFetch, noMetrics);
  const asSpoken = createTypedWords(modelPhrases(MODEL_PATH));
  const echo = new VirtualEcho({
    handler: (event) => skill.invoke(event),
    skillId: config.skillId,
    userId: LOCAL_USER,
    filter: (request) => {
      // What Alexa adds for a user who linked their Spotify account.
      if (!token) return;
      request.context.System.user.accessToken = token;
      if (request.session) request.session.user.accessToken = token;
    },
  });
  print('Speaker Helper, running locally. Type what you would say to your Echo, for example:');
  print('  open speaker helper');
  print('  ask speaker helper to help me pair my speaker');
  print(
    `Progress is kept under .local/ (table ${config.tableName}), so you can quit and come back. Type quit to leave.`,
  );
  if (simulator) {
    const names = simulator.state.devices.map((d) => d.name).join(', ');
    print(`Spotify: a local simulator with the devices ${names}.`);
    print(
      '  Try: ask speaker helper to list my devices, or: ask speaker helper to move the music to the office speaker',
    );
    print(
      '  Make Spotify misbehave: :fault <operation> <kind> [count], e.g. :fault transferPlayback accepted',
    );
    print(
      `  (operations: getDevices, transferPlayback, getPlaybackState; control API: ${simulator.controlUrl})`,
    );
  } else {
    print(`Spotify: the real Web API at ${config.spotifyApiUrl}, with the token from SPOTIFY_ACCESS_TOKEN.`);
  }
  if (!token) print('Running as a user who has not linked Spotify (--unlinked).');
  print('');

  const rl = readline.createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
  });
  const prompt = () => interactive && rl.prompt();
  rl.setPrompt('You: ');
  prompt();
  for await (const raw of rl) {
    const words = raw.trim();
    if (!words) {
      prompt();
      continue;
    }
    if (!interactive) print(`You: ${words}`);
    if (QUIT.has(words.toLowerCase())) break;
    if (words.startsWith(':fault')) {
      const [, operation, kind, count] = words.split(/\s+/);
      try {
        if (!simulator) throw new Error('faults need the simulator (unset SPOTIFY_ACCESS_TOKEN)');
        simulator.fault(
          operation as SimulatorOperation,
          { kind } as SimulatorFault,
          count ? Number(count) : 1,
        );
        print(`  (the simulator will answer ${operation} with ${kind})`);
      } catch (error) {
        print(`  (${(error as Error).message})`);
      }
      print('');
      prompt();
      continue;
    }
    try {
      // Outside a session an Echo would not send plain words to this skill; take them as a one-shot.
      const heard = asSpoken(words);
      const spoken =
        echo.inSession || /^(alexa\s+)?(open|launch|start|talk to|ask|tell) speaker helper/.test(heard)
          ? heard
          : `ask speaker helper to ${heard}`;
      const turn = await echo.say(spoken);
      show(turn.response, print);
    } catch (error) {
      print(`  (the local run failed: ${(error as Error).message})`);
    }
    print('');
    prompt();
  }
  rl.close();
  if (echo.inSession) await echo.end('USER_INITIATED');
  await simulator?.close();
  await db?.close();
  print('Goodbye. Your progress is saved for next time.');
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
});
