import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import {
  DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  SERVICE_DIMENSION,
} from '../../lambda/src/platform/metric-names';

export { SERVICE_DIMENSION };

/** Alarms fire when the slowest turn in a period took this share of the timeout. */
export const DURATION_ALARM_SHARE = 0.8;
const ALARM_PERIOD = Duration.minutes(5);
/** The dashboard's graphs: a household's traffic is sparse, so hours rather than minutes. */
const GRAPH_PERIOD = Duration.hours(1);

/**
 * The condition on every grant to cloudwatch.amazonaws.com (the alarm topic's policy and its key's policy):
 * the request must come from a CloudWatch alarm of the stack's own account and region. Without it, the
 * service principal would be allowed for any account's alarm (the confused deputy); the account and region
 * are the stack's pseudo parameters, so the synth stays environment-agnostic and offline.
 */
export function alarmsOfThisAccount(
  match: 'account and alarms' | 'account' = 'account and alarms',
): Record<string, Record<string, string>> {
  const account = { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } };
  if (match === 'account') return account;
  return {
    ...account,
    ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
  };
}

export interface MonitoringProps {
  function: lambda.IFunction;
  timeout: Duration;
  /** When set, alarms notify this address through an encrypted SNS topic. */
  alarmEmail?: string;
}

/** The skill's alarms, its dashboard and, optionally, the topic the alarms notify. */
export class Monitoring extends Construct {
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly throttlesAlarm: cloudwatch.Alarm;
  readonly durationAlarm: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarmTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const fn = props.function;

    // Any error is worth a look: the skill's error handler answers the user for ordinary failures, so
    // Lambda counts an error only for a crash, a timeout or a failed start. One in 5 minutes alarms;
    // no traffic is not an error.
    this.errorsAlarm = fn
      .metricErrors({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, 'ErrorsAlarm', {
        alarmDescription:
          'Speaker Helper: the function failed (crash, timeout or failed start). See its logs.',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

    // A household never needs more than a few concurrent turns, so one throttle means the account's
    // concurrency is used up elsewhere and Alexa users got no answer.
    this.throttlesAlarm = fn
      .metricThrottles({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, 'ThrottlesAlarm', {
        alarmDescription: 'Speaker Helper: Lambda throttled the function; Alexa requests went unanswered.',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

    // The slowest turn, not p99: with a few turns an hour p99 is the maximum anyway. 80% of the 10 s
    // timeout is 8 s, Alexa's own limit, so a breach means a user already heard Alexa give up.
    const durationThresholdMs = props.timeout.toMilliseconds() * DURATION_ALARM_SHARE;
    this.durationAlarm = fn
      .metricDuration({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.MAXIMUM })
      .createAlarm(this, 'DurationAlarm', {
        alarmDescription: `Speaker Helper: a turn took over ${durationThresholdMs} ms (${DURATION_ALARM_SHARE * 100}% of the timeout, about Alexa's limit).`,
        threshold: durationThresholdMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

    if (props.alarmEmail) {
      this.alarmTopic = this.createAlarmTopic(props.alarmEmail);
      const action = new actions.SnsAction(this.alarmTopic);
      for (const alarm of [this.errorsAlarm, this.throttlesAlarm, this.durationAlarm]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    this.dashboard = this.createDashboard(fn);
  }

  /**
   * SNS topic for the alarms, encrypted with its own KMS key: CloudWatch cannot publish to a topic under
   * the AWS managed aws/sns key (its key policy cannot be changed to let CloudWatch use it).
   */
  private createAlarmTopic(email: string): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Speaker Helper alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // What CloudWatch needs to publish an alarm to a topic encrypted with this key. In a key policy,
    // Resource "*" means this key. Only for this account (confused-deputy protection: CloudWatch acting for
    // another account cannot use the key). The topic policy below also pins the alarms' ARN; the key does
    // not, because no AWS document says the KMS call made for an alarm carries aws:SourceArn, and a
    // condition that is never met would silently stop every alarm e-mail.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: alarmsOfThisAccount('account'),
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Speaker Helper alarms',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: alarmsOfThisAccount(),
      }),
    );
    topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }

  private createDashboard(fn: lambda.IFunction): cloudwatch.Dashboard {
    const skillMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { [SERVICE_DIMENSION]: METRICS_SERVICE },
        statistic,
        period: GRAPH_PERIOD,
        label,
      });
    // Steps, outcomes and results are open-ended dimension values: a search finds every combination.
    const byDimensions = (metricName: string, dimensions: string[], label: string) =>
      new cloudwatch.SearchExpression({
        expression:
          `SEARCH('{${[METRICS_NAMESPACE, ...dimensions, SERVICE_DIMENSION].join(',')}} ` +
          `MetricName="${metricName}" ${SERVICE_DIMENSION}="${METRICS_SERVICE}"', 'Sum', ${GRAPH_PERIOD.toSeconds()})`,
        label,
        period: GRAPH_PERIOD,
      });
    const totals = { view: cloudwatch.GraphWidgetView.BAR, setPeriodToTimeRange: true } as const;
    const size = { width: 12, height: 6 } as const;
    const lambdaMetric = { period: GRAPH_PERIOD } as const;

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Turns answered',
        left: [skillMetric(METRIC.turns, cloudwatch.Stats.SUM, 'Turns')],
        ...size,
      }),
      new cloudwatch.GraphWidget({
        title: 'Turn latency (ms)',
        left: [
          skillMetric(METRIC.turnLatency, cloudwatch.Stats.p(50), 'p50'),
          skillMetric(METRIC.turnLatency, cloudwatch.Stats.p(99), 'p99'),
        ],
        ...size,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Step outcomes (by step and outcome)',
        left: [
          byDimensions(
            METRIC.stepOutcome,
            [DIMENSION.outcome, DIMENSION.step],
            `\${PROP('Dim.${DIMENSION.step}')} \${PROP('Dim.${DIMENSION.outcome}')}`,
          ),
        ],
        width: 24,
        height: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Fixed, by the step that fixed it',
        left: [byDimensions(METRIC.fixed, [DIMENSION.step], `\${PROP('Dim.${DIMENSION.step}')}`)],
        ...totals,
        ...size,
      }),
      new cloudwatch.GraphWidget({
        title: 'Gave up, by step',
        left: [byDimensions(METRIC.gaveUp, [DIMENSION.step], `\${PROP('Dim.${DIMENSION.step}')}`)],
        ...totals,
        ...size,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Spotify hand-offs, by result',
        left: [
          byDimensions(METRIC.spotifyHandoff, [DIMENSION.result], `\${PROP('Dim.${DIMENSION.result}')}`),
        ],
        ...totals,
        ...size,
      }),
      new cloudwatch.GraphWidget({
        title: 'Safety stops and storage errors',
        left: [
          skillMetric(METRIC.safetyStops, cloudwatch.Stats.SUM, 'Safety stops'),
          skillMetric(METRIC.storageErrors, cloudwatch.Stats.SUM, 'Storage errors'),
        ],
        ...size,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors and throttles',
        left: [
          fn.metricErrors({ ...lambdaMetric, statistic: cloudwatch.Stats.SUM, label: 'Errors' }),
          fn.metricThrottles({ ...lambdaMetric, statistic: cloudwatch.Stats.SUM, label: 'Throttles' }),
          fn.metricInvocations({ ...lambdaMetric, statistic: cloudwatch.Stats.SUM, label: 'Invocations' }),
        ],
        ...size,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration (ms)',
        left: [
          fn.metricDuration({ ...lambdaMetric, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          fn.metricDuration({ ...lambdaMetric, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
          fn.metricDuration({ ...lambdaMetric, statistic: cloudwatch.Stats.MAXIMUM, label: 'max' }),
        ],
        leftAnnotations: [this.durationAlarm.toAnnotation()],
        ...size,
      }),
    );
    return dashboard;
  }
}
