import { Aws, CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { Monitoring } from './monitoring';
import { createProgressTable } from './progress-table';
import { SkillFunction } from './skill-function';

export interface SpeakerHelperStackProps extends StackProps {
  /** The Alexa skill id (amzn1.ask.skill.…): the only skill that may invoke the function. */
  skillId: string;
  /** A folder holding the Lambda bundle's index.js (default lambda/dist, written by `npm run build`). */
  codePath?: string;
  /** LOG_LEVEL for the function (default info). */
  logLevel?: string;
  /** When set, the alarms e-mail this address (through an encrypted SNS topic). */
  alarmEmail?: string;
}

/**
 * Speaker Helper's backend: the progress table, the skill's Lambda function with its Alexa Skills Kit
 * trigger, its logs, alarms and dashboard. Environment-agnostic: it needs no AWS lookups to synthesize.
 */
export class SpeakerHelperStack extends Stack {
  readonly table: dynamodb.Table;
  readonly skill: SkillFunction;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: SpeakerHelperStackProps) {
    super(scope, id, props);
    this.table = createProgressTable(this, 'ProgressTable');
    this.skill = new SkillFunction(this, 'Skill', {
      skillId: props.skillId,
      table: this.table,
      codePath: props.codePath,
      logLevel: props.logLevel,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      function: this.skill.function,
      timeout: this.skill.timeout,
      alarmEmail: props.alarmEmail,
    });

    new CfnOutput(this, 'FunctionArn', {
      description:
        "The skill's endpoint: skill-package/skill.json apis.custom.endpoint.uri and events.endpoint.uri",
      value: this.skill.function.functionArn,
    });
    new CfnOutput(this, 'TableName', {
      description: 'The DynamoDB table of per-user progress (TABLE_NAME)',
      value: this.table.tableName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The CloudWatch dashboard',
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
    });
    if (this.monitoring.alarmTopic) {
      new CfnOutput(this, 'AlarmTopicArn', {
        description: 'The SNS topic the alarms notify (confirm the e-mail subscription once)',
        value: this.monitoring.alarmTopic.topicArn,
      });
    }
  }
}
