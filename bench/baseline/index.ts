/**
 * The benchmark's baseline: a bare ask-sdk-core skill on Speaker Helper's stack (ask-sdk-core 2.14, the v3
 * DynamoDB client, Node 20, one esbuild bundle), written the way the SDK's samples are. It checks the skill
 * id, walks a fixed list of questions, reads the user's item once per session (kept in the session
 * attributes) and writes it on every spoken turn. No logging, metrics, i18n or Spotify: what is left is
 * the floor a skill on this stack cannot go below.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { HandlerInput, RequestHandler, Skill } from 'ask-sdk-core';
import { getIntentName, getRequestType, getSlotValue, getUserId, SkillBuilders } from 'ask-sdk-core';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';

export const BASELINE_KEY = 'id';

export function baselineTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: BASELINE_KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: BASELINE_KEY, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

export interface BaselineConfig {
  skillId: string;
  tableName: string;
  region: string;
  endpoint?: string;
}

const STEPS = [
  'Is the speaker in pairing mode, with its light flashing?',
  'Open the Alexa app, go to Devices, then Bluetooth, and pair a new device. Did the speaker show up?',
  'Say "Alexa, connect to my speaker". Did it connect?',
  'Turn the speaker off and on again, then try once more. Did that work?',
];

interface State {
  step: number;
  symptom?: string;
  done: boolean;
}

interface Attributes {
  loaded?: boolean;
  state?: State;
}

const fresh = (): State => ({ step: 0, done: false });

export function createBaselineSkill(config: BaselineConfig): Skill {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });

  /** The stored state, read once per session and then kept in the session attributes. */
  async function load(input: HandlerInput): Promise<State> {
    const attributes = input.attributesManager.getSessionAttributes() as Attributes;
    if (attributes.loaded && attributes.state) return attributes.state;
    const output = await client.send(
      new GetItemCommand({
        TableName: config.tableName,
        Key: { [BASELINE_KEY]: { S: getUserId(input.requestEnvelope) } },
        ConsistentRead: true,
      }),
    );
    const raw = output.Item?.state?.S;
    return raw ? (JSON.parse(raw) as State) : fresh();
  }

  /** One PutItem per spoken turn. */
  async function save(input: HandlerInput, state: State): Promise<void> {
    input.attributesManager.setSessionAttributes({ loaded: true, state } satisfies Attributes);
    await client.send(
      new PutItemCommand({
        TableName: config.tableName,
        Item: {
          [BASELINE_KEY]: { S: getUserId(input.requestEnvelope) },
          state: { S: JSON.stringify(state) },
          updatedAt: { S: new Date().toISOString() },
        },
      }),
    );
  }

  const ask = (input: HandlerInput, before: string, state: State) => {
    const question = state.done ? 'Would you like to start over?' : (STEPS[state.step] ?? STEPS[0]!);
    return input.responseBuilder
      .speak(`${before} ${question}`.trim())
      .reprompt(question)
      .withSimpleCard('Speaker Helper', question)
      .getResponse();
  };

  const isIntent = (input: HandlerInput, ...names: string[]) =>
    getRequestType(input.requestEnvelope) === 'IntentRequest' &&
    names.includes(getIntentName(input.requestEnvelope));

  const launchHandler: RequestHandler = {
    canHandle: (input) => getRequestType(input.requestEnvelope) === 'LaunchRequest',
    handle: async (input) => {
      const state = await load(input);
      await save(input, state);
      const welcome = state.step > 0 ? 'Welcome back.' : "Hi, let's get your speaker working.";
      return ask(input, welcome, state);
    },
  };

  const symptomHandler: RequestHandler = {
    canHandle: (input) => isIntent(input, 'SymptomIntent', 'StartTroubleshootingIntent'),
    handle: async (input) => {
      const state: State = { ...fresh(), symptom: getSlotValue(input.requestEnvelope, 'symptom') };
      await load(input);
      await save(input, state);
      return ask(input, 'Okay.', state);
    },
  };

  const answerHandler: RequestHandler = {
    canHandle: (input) =>
      isIntent(
        input,
        'AMAZON.YesIntent',
        'AMAZON.NoIntent',
        'DoneIntent',
        'ItWorkedIntent',
        'DidNotWorkIntent',
      ),
    handle: async (input) => {
      const before = await load(input);
      const yes = isIntent(input, 'AMAZON.YesIntent', 'DoneIntent', 'ItWorkedIntent');
      const state: State = yes
        ? { ...before, done: true }
        : { ...before, step: Math.min(before.step + 1, STEPS.length - 1) };
      await save(input, state);
      return ask(input, yes ? 'Great, glad it works now.' : "Let's try something else.", state);
    },
  };

  const helpHandler: RequestHandler = {
    canHandle: (input) => isIntent(input, 'AMAZON.HelpIntent'),
    handle: async (input) => {
      const state = await load(input);
      await save(input, state);
      return ask(input, 'Answer yes or no, or say stop.', state);
    },
  };

  const stopHandler: RequestHandler = {
    canHandle: (input) =>
      isIntent(input, 'AMAZON.StopIntent', 'AMAZON.CancelIntent', 'AMAZON.NavigateHomeIntent'),
    handle: async (input) => {
      const state = await load(input);
      await save(input, state);
      return input.responseBuilder.speak('Goodbye.').withShouldEndSession(true).getResponse();
    },
  };

  const sessionEndedHandler: RequestHandler = {
    canHandle: (input) => getRequestType(input.requestEnvelope) === 'SessionEndedRequest',
    handle: (input) => input.responseBuilder.getResponse(),
  };

  /** Everything else (why, repeat, where am I, fallback…): the current question again. */
  const otherHandler: RequestHandler = {
    canHandle: (input) => getRequestType(input.requestEnvelope) === 'IntentRequest',
    handle: async (input) => {
      const state = await load(input);
      await save(input, state);
      return ask(input, 'Here it is again.', state);
    },
  };

  return SkillBuilders.custom()
    .addRequestHandlers(
      launchHandler,
      symptomHandler,
      answerHandler,
      helpHandler,
      stopHandler,
      sessionEndedHandler,
      otherHandler,
    )
    .addErrorHandlers({
      canHandle: () => true,
      handle: (input) => {
        const sorry = 'Sorry, something went wrong. Please try again.';
        return input.responseBuilder.speak(sorry).reprompt(sorry).getResponse();
      },
    })
    .withSkillId(config.skillId)
    .create();
}

let skill: Skill | undefined;

/** The Lambda entry point: the skill is built on the first request and reused while the container lives. */
export async function handler(event: RequestEnvelope, context?: unknown): Promise<ResponseEnvelope> {
  if (!skill) {
    const { SKILL_ID, TABLE_NAME, AWS_REGION, DYNAMODB_ENDPOINT } = process.env;
    if (!SKILL_ID || !TABLE_NAME) throw new Error('set SKILL_ID and TABLE_NAME');
    skill = createBaselineSkill({
      skillId: SKILL_ID,
      tableName: TABLE_NAME,
      region: AWS_REGION ?? 'us-east-1',
      ...(DYNAMODB_ENDPOINT ? { endpoint: DYNAMODB_ENDPOINT } : {}),
    });
  }
  return skill.invoke(event, context);
}
