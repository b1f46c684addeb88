/**
 * `npm start`: talk to Speaker Helper in a terminal. What you type is resolved through the en-US
 * interaction model, the real skill answers, and progress lives in a local DynamoDB-protocol server
 * (dynalite) with its data under .local/, so quitting and starting again continues where you were.
 * Reads piped standard input too, one utterance a line, for scripted runs.
 *
 * Words the model does not hold exactly are taken as its nearest sample when one is near enough, as
 * Alexa's language understanding would, and the transcript says which (`(heard as: "…")`).
 *
 * Spotify: by default a local Spotify Connect simulator plays the Web API, so "move the music to the
 * office speaker" works with no Spotify account. With SPOTIFY_ACCESS_TOKEN set, the real Web API is
 * used with that token. `--unlinked` runs as a user who has not linked Spotify.
 *
 * The skill's JSON log lines (LOG_LEVEL, default info) go to .local/speaker-helper.log, or to the file
 * SPEAKER_HELPER_LOG_FILE names, rewritten each run, so they never mix with the conversation.
 *
 * `--screen [hub|round|tv]` (hub when given alone) makes the Echo one with a screen: an Echo Show ('hub'),
 * an Echo Spot ('round') or a Fire TV ('tv'). Each answer's screen (its APL RenderDocument) is drawn in a
 * box under it, and `:tap <number or label>` presses a button on the last screen shown, as a touch does
 * (a Fire TV has no touch: it shows what to say instead, and `:tap` is refused).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { interfaces, ResponseEnvelope, ui } from 'ask-sdk-model';
import { readConfig } from '../lambda/src/config';
import { createSkill } from '../lambda/src/index';
import { createJsonLogger, parseLevel } from '../lambda/src/platform/logger';
import { noMetrics } from '../lambda/src/platform/metrics';
import { createDynamoClient } from '../lambda/src/state/dynamo-progress-store';
import { ensureTable } from '../lambda/src/state/ensure-table';
import { startLocalDatabase } from './local/dynalite-server';
import type { SimulatorFault, SimulatorOperation } from './local/spotify-simulator';
import { DEFAULT_SIMULATOR_TOKEN, startSpotifySimulator } from './local/spotify-simulator';
import { createNearestSample, samplePhrases } from './local/nearest-sample';
import type { NearestSample } from './local/nearest-sample';
import { createTypedWords, modelPhrases } from './local/typed-words';
import { modelPathFor, openPhrase, VirtualEcho } from './local/virtual-echo';
import type { ScreenDevice } from './local/virtual-echo';
import { screenText, tapTarget } from './local/screen-text';
import type { ScreenData } from '../lambda/src/handlers/screen-directive';
import { SUPPORTED_LOCALES } from '../lambda/src/i18n/translators';
import { readFileSync } from 'node:fs';

/** `--locale de-DE`: talk through that locale's model; default en-US. */
function localeArgument(argv: readonly string[]): string {
  const at = argv.indexOf('--locale');
  const locale = at >= 0 ? argv[at + 1] : 'en-US';
  if (!locale || !SUPPORTED_LOCALES.includes(locale)) {
    throw new Error(`--locale must be one of ${SUPPORTED_LOCALES.join(', ')}`);
  }
  return locale;
}

const SCREENS: readonly ScreenDevice[] = ['hub', 'round', 'tv'];
const SCREEN_NAMES: Record<ScreenDevice, string> = {
  hub: 'an Echo Show',
  round: 'an Echo Spot (round)',
  tv: 'a Fire TV (no touch)',
};

/** `--screen [hub|round|tv]` (or `--screen=tv`): the Echo has that screen; given alone, an Echo Show. */
function screenArgument(argv: readonly string[]): ScreenDevice | undefined {
  const joined = argv.find((a) => a.startsWith('--screen='));
  const at = argv.indexOf('--screen');
  if (joined === undefined && at < 0) return undefined;
  const given = joined !== undefined ? joined.slice('--screen='.length) : argv[at + 1];
  if (given === undefined || given.startsWith('--')) return 'hub';
  const screen = SCREENS.find((s) => s === given);
  if (!screen) throw new Error(`--screen must be one of ${SCREENS.join(', ')} (or nothing, for hub)`);
  return screen;
}

/** What a response put on the screen: its RenderDocument's token and words, if it has one. */
interface Shown {
  token: string;
  data: ScreenData;
}
function screenOfResponse(response: ResponseEnvelope): Shown | undefined {
  const directive = response.response?.directives?.find(
    (d) => d.type === 'Alexa.Presentation.APL.RenderDocument',
  ) as interfaces.alexa.presentation.apl.RenderDocumentDirective | undefined;
  const sources = directive?.datasources as { payload?: { screen?: ScreenData } } | undefined;
  const data = sources?.payload?.screen;
  return directive && data ? { token: directive.token ?? '', data } : undefined;
}

const LOCAL_DEFAULTS = {
  SKILL_ID: 'amzn1.ask.skill.speaker-helper-local',
  TABLE_NAME: 'speaker-helper-local',
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: 'info',
};
const ROOT = path.join(__dirname, '..');
const LOG_FILE = process.env.SPEAKER_HELPER_LOG_FILE || path.join(ROOT, '.local', 'speaker-helper.log');
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

/** Every card the skill sends, as the Alexa app would show it. */
function showCard(card: ui.Card, linked: boolean, print: (line: string) => void): void {
  const label = '  [card in the Alexa app]';
  const body = (text: string | undefined) => {
    for (const line of (text ?? '').split('\n').filter(Boolean)) print(`    ${line}`);
  };
  switch (card.type) {
    case 'Standard':
      print(`${label} ${card.title ?? ''}`);
      body(card.text);
      return;
    case 'Simple':
      print(`${label} ${card.title ?? ''}`);
      body(card.content);
      return;
    case 'LinkAccount':
      // This card has no words of its own: the app draws a button from the skill's account-linking setup.
      print(`${label} Link your account: a button that signs in to Spotify and links it to Speaker Helper.`);
      if (!linked) print('    (Here, run npm start without --unlinked to be a user who linked Spotify.)');
      return;
    case 'AskForPermissionsConsent':
      print(`${label} Permission requested: ${card.permissions.join(', ')}`);
      return;
    default:
      print(`${label} (a ${(card as { type: string }).type} card)`);
  }
}

function show(
  response: ResponseEnvelope,
  linked: boolean,
  print: (line: string) => void,
  reopen: string,
): void {
  const r = response.response;
  const speech = r.outputSpeech && 'ssml' in r.outputSpeech ? r.outputSpeech.ssml : undefined;
  const reprompt =
    r.reprompt?.outputSpeech && 'ssml' in r.reprompt.outputSpeech ? r.reprompt.outputSpeech.ssml : '';
  if (speech) print(`Alexa: ${strip(speech)}`);
  if (reprompt) print(`  (if you say nothing: ${strip(reprompt)})`);
  if (r.card) showCard(r.card, linked, print);
  if (r.shouldEndSession !== false) print(`  (Speaker Helper has closed. Type "${reopen}" to come back.)`);
}

async function main(): Promise<void> {
  const screen = screenArgument(process.argv);
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

  // Log lines go to a file so the conversation stays readable; written at once, so none is lost on exit.
  mkdirSync(path.dirname(LOG_FILE), { recursive: true });
  const logFd = openSync(LOG_FILE, 'w');
  const logger = createJsonLogger(parseLevel(config.logLevel), (line) => writeSync(logFd, `${line}\n`));
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
  const locale = localeArgument(process.argv);
  const modelPath = modelPathFor(locale);
  const invocation = (
    JSON.parse(readFileSync(modelPath, 'utf8')) as {
      interactionModel: { languageModel: { invocationName: string } };
    }
  ).interactionModel.languageModel.invocationName;
  const opening = openPhrase(locale, invocation);
  const asSpoken = createTypedWords(modelPhrases(modelPath));
  const nearest = createNearestSample(samplePhrases(modelPath));
  const echo = new VirtualEcho({
    locale,
    handler: (event) => skill.invoke(event),
    skillId: config.skillId,
    userId: LOCAL_USER,
    ...(screen ? { screen } : {}),
    filter: (request) => {
      // What Alexa adds for a user who linked their Spotify account.
      if (!token) return;
      request.context.System.user.accessToken = token;
      if (request.session) request.session.user.accessToken = token;
    },
  });
  print(`Speaker Helper, running locally in ${locale}. Type what you would say to your Echo, for example:`);
  print(`  ${opening}`);
  if (locale.startsWith('en')) print('  ask speaker helper to help me pair my speaker');
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
    print('  or slow every answer: :latency <ms>, e.g. :latency 2500 (:latency 0 to stop)');
    print(
      `  (operations: getDevices, transferPlayback, getPlaybackState; control API: ${simulator.controlUrl})`,
    );
  } else {
    print(`Spotify: the real Web API at ${config.spotifyApiUrl}, with the token from SPOTIFY_ACCESS_TOKEN.`);
  }
  if (!token) print('Running as a user who has not linked Spotify (--unlinked).');
  if (screen === 'tv') {
    print(
      `Screen: ${SCREEN_NAMES[screen]}. Each answer's screen is drawn under it; it shows what to say, not buttons.`,
    );
  } else if (screen) {
    print(`Screen: ${SCREEN_NAMES[screen]}. Each answer's screen is drawn under it.`);
    print('  Press a button with :tap <number or label>, e.g. :tap 1 or :tap not sure');
  } else {
    print('To see the Echo Show screen too: npm start -- --screen [hub|round|tv], then :tap <button>.');
  }
  const shownLog = path.relative(process.cwd(), LOG_FILE);
  print(
    `The skill's log lines (LOG_LEVEL=${parseLevel(config.logLevel)}) go to ${shownLog.startsWith('..') ? LOG_FILE : shownLog}.`,
  );
  print('');

  const rl = readline.createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
  });
  const prompt = () => interactive && rl.prompt();
  // The last screen shown, for :tap; the box fits the terminal when there is one.
  let shown: Shown | undefined;
  const boxWidth = Math.min(screen === 'round' ? 44 : 64, (process.stdout.columns || 80) - 2);
  const answer = (response: ResponseEnvelope) => {
    show(response, token !== undefined, print, opening);
    shown = screen ? screenOfResponse(response) : undefined;
    if (screen && shown) {
      for (const line of screenText(shown.data, screen, boxWidth).split('\n')) print(`  ${line}`);
    }
  };
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
    if (words.startsWith(':latency')) {
      const [, ms] = words.split(/\s+/);
      try {
        if (!simulator) throw new Error('latency needs the simulator (unset SPOTIFY_ACCESS_TOKEN)');
        simulator.setLatency(Number(ms));
        print(`  (every Spotify answer now waits ${Number(ms)} ms)`);
      } catch (error) {
        print(`  (${(error as Error).message})`);
      }
      print('');
      prompt();
      continue;
    }
    if (words === ':tap' || words.startsWith(':tap ')) {
      try {
        if (!screen) {
          print('  (:tap presses a button on a screen: start with npm start -- --screen)');
        } else if (screen === 'tv') {
          const hint = shown?.data.hint ? ` ${shown.data.hint}` : '';
          print(
            `  (a Fire TV has no touch screen, so nothing can be tapped: say your answer instead.${hint})`,
          );
        } else if (!shown) {
          print(`  (nothing on the screen to tap yet: say something first, e.g. "${opening}")`);
        } else {
          const target = tapTarget(shown.data, words.slice(':tap'.length));
          if ('problem' in target) {
            print(`  (${target.problem})`);
          } else {
            print(`  (tapped [${target.pressed.number}] ${target.pressed.label})`);
            answer((await echo.touch(shown.token, target.pressed.arguments)).response);
          }
        }
      } catch (error) {
        print(`  (the local run failed: ${(error as Error).message})`);
      }
      print('');
      prompt();
      continue;
    }
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
      let understood = echo.understand(asSpoken(words), { plainAsOneShot: !echo.inSession });
      if (understood.kind === 'unmatched') {
        // Alexa's language understanding takes a near miss as the nearest sample; the local Echo matches
        // exactly, so look for that sample here (tried as typed and without a leading "alexa").
        let near: NearestSample | undefined;
        for (const text of understood.tried) {
          const found = nearest(text);
          if (found && found.score > (near?.score ?? 0)) near = found;
        }
        const retry = near && echo.understand(near.phrase.text, { plainAsOneShot: understood.oneShot });
        if (near && retry?.kind === 'intent') {
          print(`  (heard as: "${near.phrase.text}")`);
          understood = retry;
        }
      }
      const turn = await echo.perform(understood);
      answer(turn.response);
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
  closeSync(logFd);
  print('Goodbye. Your progress is saved for next time.');
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
});
