/**
 * The CDK app (cdk.json runs it). Reads the skill id and the optional alarm e-mail from the context:
 *
 *   npm run synth                                        offline, with the placeholder skill id
 *   npm run deploy -- -c skillId=amzn1.ask.skill.<uuid> [-c alarmEmail=you@example.com]
 *
 * cdk-nag's AwsSolutions checks run on every synth; an unacknowledged error fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { alarmEmailFromContext, codePathFromContext, skillIdFromContext } from '../lib/app-context';
import { SpeakerHelperStack } from '../lib/speaker-helper-stack';

const STACK_NAME = 'SpeakerHelper';

const app = new App();
new SpeakerHelperStack(app, STACK_NAME, {
  description: 'Speaker Helper: Alexa skill backend (Lambda, DynamoDB progress table, alarms, dashboard)',
  skillId: skillIdFromContext(app.node),
  alarmEmail: alarmEmailFromContext(app.node),
  codePath: codePathFromContext(app.node),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
