/**
 * One web server for the load test, as `npm run serve -- --insecure-local` builds it: our `createServer`
 * (Express 4 + ask-sdk-express-adapter) with only the skill-id check, the JSON logger at LOG_LEVEL, on
 * 127.0.0.1 and a free port. argv[2] picks the skill: `ours` (createSkill, as scripts/serve.ts) or
 * `baseline` (bench/baseline under the very same server). Reports `{type:'ready', port}` over IPC.
 */
import { readConfig } from '../lambda/src/config';
import { createSkill } from '../lambda/src/index';
import { createJsonLogger, parseLevel } from '../lambda/src/platform/logger';
import { SkillIdVerifier } from '../lambda/src/web/request-verification';
import { createServer } from '../lambda/src/web/server';
import { createBaselineSkill } from './baseline';

export interface ServeReady {
  type: 'ready';
  port: number;
}

async function main(): Promise<void> {
  const which = process.argv[2];
  if (which !== 'ours' && which !== 'baseline') throw new Error('usage: serve-worker.ts ours|baseline');
  const config = readConfig(process.env);
  const logger = createJsonLogger(parseLevel(config.logLevel));
  const skill =
    which === 'ours'
      ? createSkill(config, logger)
      : createBaselineSkill({
          skillId: config.skillId,
          tableName: config.tableName,
          region: config.region,
          ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
        });
  const web = createServer({
    skill,
    verifiers: [new SkillIdVerifier(config.skillId)],
    insecureLocal: true,
    logger,
  });
  const address = await web.listen(0, '127.0.0.1');
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'memory') process.send?.({ type: 'memory', memory: process.memoryUsage() });
    if (message.type === 'exit') void web.close({ graceMs: 1000 }).finally(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  const ready: ServeReady = { type: 'ready', port: address.port };
  process.send?.(ready);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`serve worker failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  });
}
