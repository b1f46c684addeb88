/**
 * `npm run serve`: Speaker Helper as a web service (the same skill as the Lambda, built by `createSkill`),
 * for hosting behind an HTTPS reverse proxy. See lambda/src/web/README.md.
 *
 * Configuration is the Lambda's (README, "Configuration": SKILL_ID and TABLE_NAME required, DynamoDB in
 * AWS unless DYNAMODB_ENDPOINT is set) plus:
 *   PORT  default 3000
 *   HOST  default 127.0.0.1 (the proxy on the same machine); 0.0.0.0 only behind a proxy or firewall
 *         that admits nothing but the proxy. This process speaks plain HTTP; Alexa needs HTTPS on 443.
 *   MAX_CONNECTIONS  default 256; 15/16 of it may be skill requests at once, the rest stays for /health
 *
 * Every request's signature and timestamp are verified. `npm run serve -- --insecure-local` turns that off
 * for local testing (curl, a local simulator): it is refused when NODE_ENV=production or when HOST is not
 * a loopback address, it warns at start and on every request, and no environment variable can turn it on.
 * In that mode SKILL_ID, TABLE_NAME and AWS_REGION get local defaults and, unless DYNAMODB_ENDPOINT is set,
 * a dynalite is started with its data under .local/serve-dynalite and stopped on exit.
 *
 * SIGTERM or SIGINT: stop accepting, let in-flight requests finish (at most SHUTDOWN_GRACE_MS, default
 * 10 s), close the server and the local dynalite, exit 0. A second signal exits at once with 1.
 */
import { readConfig } from '../lambda/src/config';
import { createJsonLogger, parseLevel } from '../lambda/src/platform/logger';

export const INSECURE_FLAG = '--insecure-local';
const LOCAL_DEFAULTS = {
  SKILL_ID: 'amzn1.ask.skill.speaker-helper-local',
  TABLE_NAME: 'speaker-helper-local',
  AWS_REGION: 'us-east-1',
};
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
const DEFAULT_GRACE_MS = 10_000;

export interface ServeArgs {
  insecureLocal: boolean;
}

/** Only `--insecure-local` is known; anything else (a typo of it, say) is an error, not ignored. */
export function parseArgs(argv: readonly string[]): ServeArgs {
  const unknown = argv.filter((arg) => arg !== INSECURE_FLAG);
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')} (only ${INSECURE_FLAG})`);
  return { insecureLocal: argv.includes(INSECURE_FLAG) };
}

/** Why `--insecure-local` may not be used here, or undefined when it may. */
export function insecureRefusal(env: NodeJS.ProcessEnv, host: string): string | undefined {
  if ((env.NODE_ENV ?? '').trim().toLowerCase() === 'production') {
    return `${INSECURE_FLAG} is refused when NODE_ENV=production`;
  }
  if (!LOOPBACK_HOSTS.has(host)) return `${INSECURE_FLAG} only listens on a loopback HOST, not ${host}`;
  return undefined;
}

function readPort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT is not a port: ${value}`);
  return port;
}

function readMaxConnections(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 2) {
    throw new Error(`MAX_CONNECTIONS is not a count of at least 2: ${value}`);
  }
  return count;
}

function readGrace(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_GRACE_MS;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`SHUTDOWN_GRACE_MS is not a duration: ${value}`);
  return ms;
}

function banner(lines: string[]): string {
  const bar = '!'.repeat(100);
  return [bar, ...lines.map((line) => `!! ${line}`), bar].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const host = process.env.HOST?.trim() || '127.0.0.1';
  const port = readPort(process.env.PORT);
  const graceMs = readGrace(process.env.SHUTDOWN_GRACE_MS);
  const maxConnections = readMaxConnections(process.env.MAX_CONNECTIONS);

  if (args.insecureLocal) {
    const refusal = insecureRefusal(process.env, host);
    if (refusal) throw new Error(refusal);
    for (const [name, value] of Object.entries(LOCAL_DEFAULTS)) process.env[name] ??= value;
  } else {
    readConfig(process.env); // names what is missing before anything heavy is loaded
  }

  // Loaded only once the arguments and configuration are known to be usable, so refusals are quick.
  const { createSkill } = await import('../lambda/src/index');
  const { createDynamoClient } = await import('../lambda/src/state/dynamo-progress-store');
  const { ensureTable } = await import('../lambda/src/state/ensure-table');
  const { createAlexaVerifiers, SkillIdVerifier } = await import('../lambda/src/web/request-verification');
  const { createServer } = await import('../lambda/src/web/server');
  const { startLocalDatabase } = await import('./local/dynalite-server');

  const db = args.insecureLocal ? await startLocalDatabase('serve-dynalite') : undefined;
  const config = readConfig(process.env);
  const logger = createJsonLogger(parseLevel(config.logLevel));
  if (args.insecureLocal) {
    // Local tables only: in the secure mode the table is the operator's (npm run db:init).
    const client = createDynamoClient({ region: config.region, endpoint: config.dynamodbEndpoint });
    await ensureTable(client, config.tableName, { log: () => {} });
    client.destroy();
  }

  const skill = createSkill(config, logger);
  const web = createServer({
    skill,
    verifiers: args.insecureLocal
      ? [new SkillIdVerifier(config.skillId)]
      : createAlexaVerifiers({ skillId: config.skillId }),
    insecureLocal: args.insecureLocal,
    limits: maxConnections === undefined ? {} : { maxConnections },
    logger,
  });
  const address = await web.listen(port, host);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;
  if (args.insecureLocal) {
    process.stderr.write(
      `${banner([
        'INSECURE LOCAL MODE (--insecure-local): Alexa request signatures and timestamps are NOT verified.',
        `Anything that can reach ${url} can speak as any user of skill ${config.skillId}.`,
        'For local testing only. Never use this behind a public endpoint.',
      ])}\n`,
    );
  }
  process.stdout.write(`Speaker Helper is listening on ${url} (POST / or /alexa, GET /health)\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal, inFlight: web.inFlight(), graceMs });
    const hardStop = setTimeout(() => {
      process.stderr.write('shutdown took too long\n');
      process.exit(1);
    }, graceMs + 5000);
    hardStop.unref();
    web
      .close({ graceMs })
      .then(() => db?.close())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`npm run serve failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
