import { existsSync } from 'node:fs';
import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../lambda/src/platform/metric-names';
import { grantProgressStoreAccess } from './progress-table';

/** Where `npm run build` writes the bundle (lambda/dist/index.js, exporting `handler`). */
export const DEFAULT_CODE_PATH = path.join(__dirname, '..', '..', 'lambda', 'dist');

/*
 * Memory, from `npm run measure:lambda` (infrastructure/scripts/measure-lambda.ts): the built bundle (780 KB)
 * alone in a fresh Node 20 process, answering a LaunchRequest, troubleshooting IntentRequests and a Spotify
 * hand-off against a local dynalite and the Spotify simulator; two series of 10 processes, medians:
 *   - memory after 13 turns: RSS 102 MB (peak 110 MB), V8 heap used 15 MB;
 *   - cold start (loading the bundle + the first LaunchRequest): 110-123 ms of CPU (68-80 ms of it loading),
 *     135-151 ms wall; warm turns 6-7 ms of CPU, the slowest 80 ms.
 * Lambda's CPU share is proportional to memory (one vCPU at 1,769 MB), so that cold start takes about
 * 760-850 ms at 256 MB and 380-430 ms at 512 MB (on a core as fast as the measuring one), before Lambda's
 * own runtime start and the first TLS connection to DynamoDB. 128 MB leaves too little room above a 110 MB
 * peak; 256 MB holds the memory twice over, but the user hears the cold start on nearly every "Alexa, open
 * speaker helper", since a household's turns come minutes or days apart. 512 MB halves it; at a household's
 * few hundred turns a month (about 400 x 0.1 s x 0.5 GB = 20 GB-s) it stays inside Lambda's free tier.
 */
export const MEMORY_MB = 512;

/*
 * Alexa waits about 8 s for an answer. The longest turn the code allows is a Spotify hand-off: its
 * SPOTIFY_BUDGET_MS (5 s, lambda/src/skill.ts) counts from the turn's start and so includes the session's
 * DynamoDB read; then a save and, on a version conflict, a re-read, each bounded by the store's 1 s call
 * budget (DEFAULT_CALL_BUDGET_MS), after a cold start of about half a second: about 7.5 s. At 10 s the
 * timeout cuts off only a turn that hangs. A shorter timeout would kill turns that may still save the
 * user's progress (and a timed-out invocation also throws away the warm execution environment).
 */
export const TIMEOUT = Duration.seconds(10);

/** Days the function's logs are kept: as long as a user's progress (PROGRESS_TTL_SECONDS, 30 days). */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export interface SkillFunctionProps {
  /** The Alexa skill id: the only skill allowed to invoke the function, and its SKILL_ID. */
  skillId: string;
  table: dynamodb.ITable;
  /** A folder holding the bundle's index.js (default: lambda/dist). */
  codePath?: string;
  /** LOG_LEVEL: debug, info, warn, error or silent (default info). */
  logLevel?: string;
}

/** The skill's Lambda function, its log group and role, and the Alexa Skills Kit trigger. */
export class SkillFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly timeout = TIMEOUT;

  constructor(scope: Construct, id: string, props: SkillFunctionProps) {
    super(scope, id);
    const codePath = props.codePath ?? DEFAULT_CODE_PATH;
    if (!existsSync(path.join(codePath, 'index.js'))) {
      throw new Error(`${path.join(codePath, 'index.js')} is missing: run \`npm run build\` first.`);
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: LOG_RETENTION,
      // Operational logs only: they go with the stack (the table is what is kept).
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Its own role with no managed policy: writing to this one log group and the store's item requests.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Speaker Helper skill function: its log group and its item requests on the progress table',
    });
    this.logGroup.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');
    grantProgressStoreAccess(props.table, role);

    this.function = new lambda.Function(this, 'Function', {
      description: 'Speaker Helper Alexa skill',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      // The source map is left out: the runtime does not read it without --enable-source-maps.
      code: lambda.Code.fromAsset(codePath, { exclude: ['*.map'] }),
      memorySize: MEMORY_MB,
      timeout: TIMEOUT,
      role,
      logGroup: this.logGroup,
      environment: {
        SKILL_ID: props.skillId,
        TABLE_NAME: props.table.tableName,
        LOG_LEVEL: props.logLevel ?? 'info',
        POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
    });

    // The Alexa Skills Kit trigger, with skill id verification: only this skill may invoke the function
    // (its requests and its skill events, e.g. SkillDisabled).
    this.function.addPermission('AlexaSkillsKit', {
      principal: new iam.ServicePrincipal('alexa-appkit.amazon.com'),
      action: 'lambda:InvokeFunction',
      eventSourceToken: props.skillId,
    });
  }
}
