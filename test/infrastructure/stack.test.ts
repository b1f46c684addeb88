/**
 * The CDK stack (infrastructure/): what it creates, checked on the synthesized template, and cdk-nag's
 * AwsSolutions checks. The Lambda code is a stand-in folder, so these tests do not need `npm run build`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  alarmEmailFromContext,
  codePathFromContext,
  PLACEHOLDER_SKILL_ID,
  skillIdFromContext,
} from '../../infrastructure/lib/app-context';
import { SERVICE_DIMENSION } from '../../infrastructure/lib/monitoring';
import { PROGRESS_STORE_ACTIONS } from '../../infrastructure/lib/progress-table';
import { SpeakerHelperStack } from '../../infrastructure/lib/speaker-helper-stack';
import type { SpeakerHelperStackProps } from '../../infrastructure/lib/speaker-helper-stack';
import {
  DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
} from '../../lambda/src/platform/metric-names';
import { SPOTIFY_BUDGET_MS } from '../../lambda/src/skill';
import { DEFAULT_CALL_BUDGET_MS } from '../../lambda/src/state/dynamo-progress-store';
import { PARTITION_KEY, PROGRESS_TABLE, TTL_ATTRIBUTE } from '../../lambda/src/state/table';

const ROOT = path.join(__dirname, '..', '..');
const SKILL_ID = 'amzn1.ask.skill.12345678-90ab-cdef-1234-567890abcdef';
/** The feature flags `cdk synth` uses, so these tests synthesize the same template. */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(path.join(ROOT, 'infrastructure', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;
/** Alexa's answer limit; the function's timeout may run past it only a little. */
const ALEXA_LIMIT_MS = 8000;

let codeDir: string;

beforeAll(() => {
  codeDir = mkdtempSync(path.join(tmpdir(), 'speaker-helper-cdk-code-'));
  writeFileSync(path.join(codeDir, 'index.js'), 'exports.handler = async () => ({});\n');
});

afterAll(() => {
  if (codeDir) rmSync(codeDir, { recursive: true, force: true });
});

interface Synthesized {
  app: App;
  stack: SpeakerHelperStack;
  template: Template;
}

/** One app per props, wired as infrastructure/bin/app.ts wires it (cdk-nag's AwsSolutions included). */
const cache = new Map<string, Synthesized>();
function synthesize(props: Partial<SpeakerHelperStackProps> = {}): Synthesized {
  const key = JSON.stringify(props);
  let synthesized = cache.get(key);
  if (!synthesized) {
    const app = new App({ context: CDK_CONTEXT });
    const stack = new SpeakerHelperStack(app, 'SpeakerHelperTest', {
      skillId: SKILL_ID,
      codePath: codeDir,
      ...props,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    synthesized = { app, stack, template: Template.fromStack(stack) };
    cache.set(key, synthesized);
  }
  return synthesized;
}

/** The only resource of `type`: its logical id and its definition. */
function only(template: Template, type: string): [string, { Properties: Record<string, unknown> }] {
  const resources = Object.entries(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0] as [string, { Properties: Record<string, unknown> }];
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function statementsOf(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

describe('the progress table', () => {
  it('has the key schema of lambda/src/state/table.ts, the one db:init creates', () => {
    const { template } = synthesize();
    const [, table] = only(template, 'AWS::DynamoDB::Table');
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }]);
    expect(table.Properties.AttributeDefinitions).toEqual([
      { AttributeName: PROGRESS_TABLE.partitionKey.name, AttributeType: PROGRESS_TABLE.partitionKey.type },
    ]);
  });

  it('is on demand, with point-in-time recovery, TTL on expiresAt and KMS encryption', () => {
    const { template } = synthesize();
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      // SSEEnabled without a key: the AWS managed aws/dynamodb KMS key.
      SSESpecification: { SSEEnabled: true },
    });
    expect(TTL_ATTRIBUTE).toBe('expiresAt');
  });

  it('is retained when the stack is deleted or the table replaced', () => {
    const { template } = synthesize();
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('has deletion protection on: DynamoDB refuses to delete it, whoever asks, until it is turned off', () => {
    const { template } = synthesize();
    const [, table] = only(template, 'AWS::DynamoDB::Table');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
  });
});

describe('the skill function', () => {
  it('runs the bundle on Node.js 22 or newer, on arm64', () => {
    const { template } = synthesize();
    const [, fn] = only(template, 'AWS::Lambda::Function');
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    const runtime = /^nodejs(\d+)\.x$/.exec(String(fn.Properties.Runtime));
    expect(Number(runtime?.[1])).toBeGreaterThanOrEqual(22);
  });

  it('has the measured memory and a timeout past the longest turn the code allows, not far past Alexa', () => {
    const { template } = synthesize();
    const [, fn] = only(template, 'AWS::Lambda::Function');
    expect(fn.Properties.MemorySize).toBe(512);
    const timeoutMs = Number(fn.Properties.Timeout) * 1000;
    // Spotify's budget plus a DynamoDB read and write, each bounded by the store's call budget.
    expect(timeoutMs).toBeGreaterThan(SPOTIFY_BUDGET_MS + 2 * DEFAULT_CALL_BUDGET_MS);
    expect(timeoutMs).toBeLessThanOrEqual(ALEXA_LIMIT_MS + 2000);
  });

  it('is configured by environment variables: skill id, table, log level, metric names', () => {
    const { template } = synthesize();
    const [tableId] = only(template, 'AWS::DynamoDB::Table');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          SKILL_ID: SKILL_ID,
          TABLE_NAME: { Ref: tableId },
          LOG_LEVEL: 'info',
          POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        },
      },
    });
  });

  it('can be invoked by Alexa only, and only for this skill', () => {
    const { template } = synthesize();
    const [fnId] = only(template, 'AWS::Lambda::Function');
    const [, permission] = only(template, 'AWS::Lambda::Permission');
    expect(permission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'alexa-appkit.amazon.com',
      EventSourceToken: SKILL_ID,
    });
  });

  it('logs to its own log group, kept for 30 days', () => {
    const { template } = synthesize();
    const [logGroupId, logGroup] = only(template, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
  });
});

describe('permissions', () => {
  it('allow exactly the store’s item requests, on the table and nothing else', () => {
    const { template } = synthesize();
    const [tableId] = only(template, 'AWS::DynamoDB::Table');
    const dynamo = statementsOf(template).filter((s) =>
      asList(s.Action).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]?.Effect).toBe('Allow');
    expect([...asList(dynamo[0]?.Action ?? [])].sort()).toEqual(
      ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'].sort(),
    );
    expect(PROGRESS_STORE_ACTIONS).toHaveLength(3);
    expect(dynamo[0]?.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
  });

  it('have no wildcard action or resource and no managed policy', () => {
    const { template } = synthesize();
    const statements = statementsOf(template);
    const actions = statements.flatMap((s) => asList(s.Action));
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:Scan']));
    expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:Query']));
    for (const statement of statements) expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|\/\*"/);
    const [, role] = only(template, 'AWS::IAM::Role');
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  it('let the function write to its own log group only', () => {
    const { template } = synthesize();
    const [logGroupId] = only(template, 'AWS::Logs::LogGroup');
    const logs = statementsOf(template).filter((s) => asList(s.Action).some((a) => a.startsWith('logs:')));
    expect(logs).toHaveLength(1);
    expect([...asList(logs[0]?.Action ?? [])].sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(JSON.stringify(logs[0]?.Resource)).toContain(logGroupId);
  });
});

describe('monitoring', () => {
  function alarmOn(template: Template, metricName: string) {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) => (alarm as { Properties: { MetricName: string } }).Properties.MetricName === metricName,
    );
    expect(alarms).toHaveLength(1);
    return (alarms[0] as { Properties: Record<string, unknown> }).Properties;
  }

  it('has three alarms: errors, throttles and duration near the timeout', () => {
    const { template } = synthesize();
    const [fnId, fn] = only(template, 'AWS::Lambda::Function');
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    const onFunction = [{ Name: 'FunctionName', Value: { Ref: fnId } }];
    expect(alarmOn(template, 'Errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: onFunction,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarmOn(template, 'Throttles')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: onFunction,
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    const duration = alarmOn(template, 'Duration');
    expect(duration).toMatchObject({ Namespace: 'AWS/Lambda', Dimensions: onFunction, Statistic: 'Maximum' });
    expect(duration.Threshold).toBe(Number(fn.Properties.Timeout) * 1000 * 0.8);
    expect(duration.ComparisonOperator).toBe('GreaterThanThreshold');
  });

  /** The dashboard body as JSON, with each CloudFormation reference (region, function name) as "<ref>". */
  function dashboardWidgets(template: Template) {
    const [, dashboard] = only(template, 'AWS::CloudWatch::Dashboard');
    const join = dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    const text = join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
    return (
      JSON.parse(text) as { widgets: { properties: { title: string; metrics: unknown[][] } }[] }
    ).widgets.map((w) => ({ title: w.properties.title, metrics: w.properties.metrics }));
  }

  it('has a dashboard of the skill’s metrics, by the names in metric-names.ts, and the function’s', () => {
    const { template } = synthesize();
    const widgets = dashboardWidgets(template);
    const plain = widgets.flatMap((w) => w.metrics.filter((m) => typeof m[0] === 'string'));
    const skillMetric = (name: string, stat: string) =>
      plain.some(
        (m) =>
          m[0] === METRICS_NAMESPACE &&
          m[1] === name &&
          m[2] === SERVICE_DIMENSION &&
          m[3] === METRICS_SERVICE &&
          (m[4] as { stat: string }).stat === stat,
      );
    expect(skillMetric(METRIC.turns, 'Sum')).toBe(true);
    expect(skillMetric(METRIC.turnLatency, 'p50')).toBe(true);
    expect(skillMetric(METRIC.turnLatency, 'p99')).toBe(true);
    for (const name of ['Errors', 'Duration', 'Throttles']) {
      expect(plain.some((m) => m[0] === 'AWS/Lambda' && m[1] === name && m[3] === '<ref>')).toBe(true);
    }

    // Steps, outcomes and results are open-ended: searches find every combination the skill emits.
    const expressions = widgets.flatMap((w) =>
      w.metrics.flatMap((m) => m.map((e) => (e as { expression?: string }).expression ?? '').filter(Boolean)),
    );
    const search = (metric: string, ...dimensions: string[]) =>
      `SEARCH('{${[METRICS_NAMESPACE, ...dimensions, SERVICE_DIMENSION].join(',')}} ` +
      `MetricName="${metric}" ${SERVICE_DIMENSION}="${METRICS_SERVICE}"', 'Sum', 3600)`;
    expect(expressions.sort()).toEqual(
      [
        search(METRIC.stepOutcome, DIMENSION.outcome, DIMENSION.step),
        search(METRIC.fixed, DIMENSION.step),
        search(METRIC.gaveUp, DIMENSION.step),
        search(METRIC.spotifyHandoff, DIMENSION.result),
      ].sort(),
    );
  });

  /** A policy statement's parts that matter here. */
  interface PolicyStatement {
    Sid?: string;
    Effect: string;
    Principal?: { Service?: string | string[] } | string;
    Action: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
  }

  /** A CloudFormation value as text, each pseudo parameter as <AWS::…> (Fn::Join and Ref only). */
  function text(value: unknown): string {
    if (typeof value === 'string') return value;
    const ref = (value as { Ref?: string }).Ref;
    if (ref !== undefined) return `<${ref}>`;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(text).join(join[0]);
    throw new Error(`not a plain value: ${JSON.stringify(value)}`);
  }

  const toCloudWatch = (statement: PolicyStatement) =>
    typeof statement.Principal === 'object' &&
    asList(statement.Principal.Service ?? []).includes('cloudwatch.amazonaws.com');

  /** What every grant to CloudWatch must carry: this account, and (where pinned) alarms of this account and region. */
  function expectOnlyThisAccountsAlarms(statement: PolicyStatement | undefined, withArn = true): void {
    expect(statement?.Effect).toBe('Allow');
    const condition = statement?.Condition ?? {};
    if (!withArn) {
      expect(Object.keys(condition)).toEqual(['StringEquals']);
      expect(condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
      return;
    }
    expect(Object.keys(condition).sort()).toEqual(['ArnLike', 'StringEquals']);
    expect(Object.keys(condition.StringEquals ?? {})).toEqual(['aws:SourceAccount']);
    expect(condition.StringEquals?.['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(Object.keys(condition.ArnLike ?? {})).toEqual(['aws:SourceArn']);
    expect(text(condition.ArnLike?.['aws:SourceArn'])).toBe(
      'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*',
    );
  }

  it('with an alarm e-mail, lets CloudWatch use the key only for this account’s alarms (confused deputy)', () => {
    const { template } = synthesize({ alarmEmail: 'ops@example.com' });
    const [, key] = only(template, 'AWS::KMS::Key');
    const statements = (key.Properties.KeyPolicy as { Statement: PolicyStatement[] }).Statement;
    const toCw = statements.filter(toCloudWatch);
    expect(toCw).toHaveLength(1);
    expect([...asList(toCw[0]?.Action ?? [])].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expectOnlyThisAccountsAlarms(toCw[0], false);
    // The key's only other statement is CDK's default one for the account itself; no other principal.
    expect(statements.filter((st) => !toCloudWatch(st))).toEqual([
      expect.objectContaining({ Principal: { AWS: expect.anything() as unknown }, Action: 'kms:*' }),
    ]);
  });

  it('with an alarm e-mail, lets CloudWatch publish to the topic only for this account’s alarms', () => {
    const { template } = synthesize({ alarmEmail: 'ops@example.com' });
    const [, policy] = only(template, 'AWS::SNS::TopicPolicy');
    const statements = (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
    const toCw = statements.filter(toCloudWatch);
    expect(toCw).toHaveLength(1);
    expect(toCw[0]?.Action).toBe('sns:Publish');
    expectOnlyThisAccountsAlarms(toCw[0]);
  });

  it('notifies nobody by default: no topic, no key', () => {
    const { template } = synthesize();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('with an alarm e-mail, sends every alarm to an encrypted, TLS-only topic', () => {
    const { template } = synthesize({ alarmEmail: 'ops@example.com' });
    const [keyId, key] = only(template, 'AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const [topicId] = only(template, 'AWS::SNS::Topic');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect((alarm as { Properties: { AlarmActions: unknown } }).Properties.AlarmActions).toEqual([
        { Ref: topicId },
      ]);
    }
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topicId } });
  });
});

describe('outputs', () => {
  it('give the function ARN for the skill manifest and the table name', () => {
    const { template } = synthesize();
    const [fnId] = only(template, 'AWS::Lambda::Function');
    const [tableId] = only(template, 'AWS::DynamoDB::Table');
    template.hasOutput('FunctionArn', { Value: { 'Fn::GetAtt': [fnId, 'Arn'] } });
    template.hasOutput('TableName', { Value: { Ref: tableId } });
    template.hasOutput('DashboardUrl', {});
  });
});

describe('cdk-nag AwsSolutions', () => {
  // cdk-nag 3 is a policy validation plugin: findings go to the validation report (and fail synthesis),
  // not to annotations, so the pack is also run directly on the construct tree.
  it.each([
    ['the default stack', {}],
    ['the stack with an alarm e-mail', { alarmEmail: 'ops@example.com' }],
  ])('finds nothing in %s, with nothing acknowledged', (_name, props) => {
    const { app, stack } = synthesize(props);
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual(
      [],
    );
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual(
      [],
    );
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    expect(acknowledged).toEqual([]);
  });

  it('would catch a violation (the check is not vacuous)', () => {
    const app = new App({ context: CDK_CONTEXT });
    const stack = new SpeakerHelperStack(app, 'Probe', { skillId: SKILL_ID, codePath: codeDir });
    stack.skill.function.role?.addManagedPolicy(
      iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess'),
    );
    const rules = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toContain(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AdministratorAccess]',
    );
  });
});

describe('the app context', () => {
  const nodeWith = (context: Record<string, string>) => new App({ context }).node;

  it('requires a skill id and says how to pass it', () => {
    expect(() => skillIdFromContext(nodeWith({}))).toThrow(/-c skillId=amzn1\.ask\.skill\./);
    expect(() => skillIdFromContext(nodeWith({ skillId: 'my-skill' }))).toThrow(/not an Alexa skill id/);
    expect(skillIdFromContext(nodeWith({ skillId: ` ${SKILL_ID} ` }))).toBe(SKILL_ID);
  });

  it('takes the placeholder id only when told it is a synth without a skill', () => {
    expect(() => skillIdFromContext(nodeWith({ skillId: PLACEHOLDER_SKILL_ID }))).toThrow(/placeholder/);
    const allowed = nodeWith({ skillId: PLACEHOLDER_SKILL_ID, allowPlaceholderSkillId: 'true' });
    expect(skillIdFromContext(allowed)).toBe(PLACEHOLDER_SKILL_ID);
  });

  it('reads the optional alarm e-mail and bundle folder', () => {
    expect(alarmEmailFromContext(nodeWith({}))).toBeUndefined();
    expect(alarmEmailFromContext(nodeWith({ alarmEmail: 'ops@example.com' }))).toBe('ops@example.com');
    expect(() => alarmEmailFromContext(nodeWith({ alarmEmail: 'ops' }))).toThrow(/not an e-mail address/);
    expect(codePathFromContext(nodeWith({}))).toBeUndefined();
    expect(codePathFromContext(nodeWith({ codePath: codeDir }))).toBe(codeDir);
  });

  it('refuses to build without the bundle, naming the build command', () => {
    const app = new App({ context: CDK_CONTEXT });
    const empty = mkdtempSync(path.join(tmpdir(), 'speaker-helper-cdk-empty-'));
    try {
      expect(() => new SpeakerHelperStack(app, 'NoCode', { skillId: SKILL_ID, codePath: empty })).toThrow(
        /npm run build/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
