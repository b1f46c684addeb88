import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import path from 'node:path';
import { VirtualAlexa } from 'virtual-alexa';
import { SessionEndedReason } from 'virtual-alexa/lib/src/core/SkillRequest';
import type { IModel } from 'virtual-core';
import { Utterance } from 'virtual-core';

export const MODEL_PATH = path.join(
  __dirname,
  '..',
  '..',
  'skill-package',
  'interactionModels',
  'custom',
  'en-US.json',
);
export const INVOCATION_NAME = 'speaker helper';

export type SkillHandler = (event: RequestEnvelope) => Promise<ResponseEnvelope>;

export interface EchoOptions {
  handler: SkillHandler;
  skillId: string;
  userId: string;
  locale?: string;
  modelPath?: string;
  /** Changes each request before it is sent, e.g. to add an account-linking token. */
  filter?: (request: RequestEnvelope) => void;
  /**
   * Where the skill sends progressive responses (context.System.apiEndpoint). Default: a loopback port
   * that refuses at once, so nothing a test does ever leaves the machine.
   */
  apiEndpoint?: string;
}

export const REFUSING_API_ENDPOINT = 'http://127.0.0.1:1';

export interface EchoTurn {
  /** How the words were taken: the intent the model resolved them to, or the request type. */
  heard: string;
  response: ResponseEnvelope;
  sessionOpen: boolean;
}

/**
 * A simulated Echo: what a person says is resolved through the skill's own interaction model (with
 * virtual-alexa's matcher), sent as a real request envelope to the handler, and the session is kept
 * the way Alexa keeps it. Unmatched words become AMAZON.FallbackIntent, as on a real device.
 */
export class VirtualEcho {
  private readonly alexa: VirtualAlexa;
  private sessionActive = false;

  constructor(private readonly options: EchoOptions) {
    this.alexa = VirtualAlexa.Builder()
      .handler((event: RequestEnvelope) => options.handler(event))
      .interactionModelFile(options.modelPath ?? MODEL_PATH)
      .applicationID(options.skillId)
      .locale(options.locale ?? 'en-US')
      .create();
    this.alexa.context().user().setID(options.userId);
    // With a device id, virtual-alexa sends apiEndpoint and apiAccessToken, as Alexa does.
    this.alexa
      .context()
      .device()
      .setID(`amzn1.ask.device.virtual-echo-${options.userId.slice(-8)}`);
    this.alexa.filter((request: RequestEnvelope) => {
      // Alexa sends a fresh request id and an ISO timestamp on every request.
      request.request.timestamp = new Date().toISOString();
      request.context.System.apiEndpoint = options.apiEndpoint ?? REFUSING_API_ENDPOINT;
      options.filter?.(request);
    });
  }

  get inSession(): boolean {
    return this.sessionActive;
  }

  /** "open speaker helper" */
  async launch(): Promise<EchoTurn> {
    return this.record('LaunchRequest', await this.alexa.launch());
  }

  /**
   * What a person would say to an Echo: "open speaker helper", "ask speaker helper to …", or, inside a
   * session, anything the model might match.
   */
  async say(words: string): Promise<EchoTurn> {
    const text = words
      .trim()
      .toLowerCase()
      .replace(/^alexa[\s,]+/, '')
      .replace(/[.!?]+$/, '');
    const invocation = new RegExp(`^(?:open|launch|start|talk to) ${INVOCATION_NAME}$`);
    const oneShot = new RegExp(`^(?:ask|tell) ${INVOCATION_NAME}(?: to| that| about)? (.+)$`);
    if (invocation.test(text)) {
      if (this.sessionActive) await this.end('USER_INITIATED');
      return this.launch();
    }
    const shot = oneShot.exec(text);
    if (shot?.[1]) {
      if (this.sessionActive) await this.end('USER_INITIATED');
      return this.intentFor(shot[1]);
    }
    return this.intentFor(text);
  }

  /** The session ends without the skill asking for it: the user walked away, or Alexa hit an error. */
  async end(
    reason: 'USER_INITIATED' | 'ERROR' | 'EXCEEDED_MAX_REPROMPTS',
    error?: { type: string; message: string },
  ) {
    // virtual-alexa takes its own numeric enum and sends the matching string, as Alexa does.
    const response = await this.alexa.endSession(SessionEndedReason[reason], error);
    this.sessionActive = false;
    return response as unknown as ResponseEnvelope;
  }

  /** Sends an intent by name with raw slot values, bypassing the model (for slots the model can't say). */
  async intend(name: string, slots?: Record<string, string>): Promise<EchoTurn> {
    return this.record(name, await this.alexa.intend(name, slots));
  }

  private async intentFor(text: string): Promise<EchoTurn> {
    // The parsed model is on the context at run time, though virtual-alexa's typings leave it out.
    const model = (this.alexa.context() as unknown as { interactionModel(): IModel }).interactionModel();
    const utterance = new Utterance(model, text);
    if (!utterance.matched()) return this.intend('AMAZON.FallbackIntent');
    const response = await this.alexa.request().intent(utterance.intent()).slots(utterance.toJSON()).send();
    return this.record(utterance.intent(), response);
  }

  private record(heard: string, raw: unknown): EchoTurn {
    const response = raw as ResponseEnvelope;
    this.sessionActive = response?.response?.shouldEndSession === false;
    return { heard, response, sessionOpen: this.sessionActive };
  }
}
