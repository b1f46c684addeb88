import type { Skill } from 'ask-sdk-core';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import type { Context } from 'aws-lambda';
import type { Config } from './config';
import { readConfig } from './config';
import type { Logger } from './platform/logger';
import { createJsonLogger, createLambdaLogger, parseLevel } from './platform/logger';
import { createEmfMetrics } from './platform/metrics';
import type { SkillMetrics } from './platform/metrics';
import { createProgressiveSender } from './platform/progressive-response';
import { buildSkill } from './skill';
import { SpotifyClient } from './spotify/client';
import { createDynamoClient, DynamoProgressStore } from './state/dynamo-progress-store';

/**
 * Everything a process needs, built once: the DynamoDB client and store, the Spotify client, the words
 * and the skill. `fetch` is passed in (the local runner and tests may give their own).
 */
export function createSkill(
  config: Config,
  logger: Logger = createJsonLogger(parseLevel(config.logLevel)),
  fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
  metrics: SkillMetrics = createEmfMetrics(),
): Skill {
  const client = createDynamoClient({ region: config.region, endpoint: config.dynamodbEndpoint });
  const store = new DynamoProgressStore({ client, tableName: config.tableName, logger });
  const spotify = new SpotifyClient({ baseUrl: config.spotifyApiUrl, fetch: fetchFn, logger });
  const progressive = createProgressiveSender(fetchFn, logger);
  return buildSkill({ store, logger, skillId: config.skillId, spotify, progressive, metrics });
}

let lambda: { skill: Skill; logger: ReturnType<typeof createLambdaLogger> } | undefined;

/** The Lambda entry point. The skill is built on the first request and reused while the container lives. */
export async function handler(event: RequestEnvelope, context?: Context): Promise<ResponseEnvelope> {
  if (!lambda) {
    const config = readConfig(process.env);
    const logger = createLambdaLogger(parseLevel(config.logLevel));
    lambda = { logger, skill: createSkill(config, logger) };
  }
  // Adds the function name, version and AWS request id to every log line of this invocation.
  if (context) lambda.logger.addContext(context);
  return lambda.skill.invoke(event, context);
}
