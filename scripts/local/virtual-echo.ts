import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { readFileSync } from 'node:fs';
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
  /**
   * The Echo has a screen: requests declare Alexa.Presentation.APL and a viewport, as an Echo Show
   * ('hub', 1280×800, touch) or a Fire TV ('tv', 960×540, no touch) sends them. Default: no screen.
   */
  screen?: ScreenDevice;
}

export type ScreenDevice = 'hub' | 'round' | 'tv';

/** The viewports the simulated screens report (sizes from the skill manifest's supported viewports). */
const VIEWPORTS: Record<ScreenDevice, Record<string, unknown>> = {
  hub: { mode: 'HUB', shape: 'RECTANGLE', pixelWidth: 1280, pixelHeight: 800, dpi: 160, touch: ['SINGLE'] },
  round: { mode: 'HUB', shape: 'ROUND', pixelWidth: 480, pixelHeight: 480, dpi: 160, touch: ['SINGLE'] },
  tv: { mode: 'TV', shape: 'RECTANGLE', pixelWidth: 960, pixelHeight: 540, dpi: 320, touch: [] },
};

/** Adds what a screen device declares to a request: the APL interface and its viewport. */
export function withScreen(request: RequestEnvelope, screen: ScreenDevice): void {
  const system = request.context.System as unknown as {
    device?: { supportedInterfaces?: Record<string, unknown> };
  };
  system.device ??= {};
  system.device.supportedInterfaces = {
    ...system.device.supportedInterfaces,
    'Alexa.Presentation.APL': { runtime: { maxVersion: '2024.3' } },
  };
  (request.context as unknown as Record<string, unknown>).Viewport = {
    ...VIEWPORTS[screen],
    currentPixelWidth: VIEWPORTS[screen].pixelWidth,
    currentPixelHeight: VIEWPORTS[screen].pixelHeight,
  };
}

export const REFUSING_API_ENDPOINT = 'http://127.0.0.1:1';

export interface EchoTurn {
  /** How the words were taken: the intent the model resolved them to, or the request type. */
  heard: string;
  response: ResponseEnvelope;
  sessionOpen: boolean;
}

/**
 * How an Echo takes some words, before anything is sent: the skill opened, an intent with its slot values
 * ("one-shot" when the words named the skill, so it starts a new session), or words the model does not
 * hold, which Alexa sends as AMAZON.FallbackIntent.
 */
export type Understanding =
  | { kind: 'launch' }
  | {
      kind: 'intent';
      oneShot: boolean;
      /** The words the model matched (the request of a one-shot). */
      words: string;
      intent: string;
      slots: Record<string, string>;
    }
  | {
      kind: 'unmatched';
      oneShot: boolean;
      /** What was tried against the model, as typed first. */
      tried: string[];
    };

/**
 * How people open a skill and ask it something in each language (Alexa's launch phrases; virtual-alexa
 * knows only the English ones, so the simulated Echo resolves them itself).
 */
interface Phrasing {
  launch: string[];
  ask: string[];
  /** Languages that put the skill's name first ("スピーカーヘルパーを開いて"). */
  nameFirst?: true;
  /** Words that may join the request to the skill's name ("ask speaker helper to …"). */
  connectors: string[];
}
const PHRASINGS: Record<string, Phrasing> = {
  en: {
    launch: ['open', 'launch', 'start', 'talk to'],
    ask: ['ask', 'tell'],
    connectors: ['to', 'that', 'about'],
  },
  ja: { nameFirst: true, launch: ['を開いて', 'を起動して'], ask: ['で', 'に'], connectors: [] },
  fr: {
    launch: ['ouvre', 'lance'],
    ask: ['demande à', 'demande a', 'dis à'],
    connectors: ['de', 'si', 'que'],
  },
  es: { launch: ['abre', 'inicia'], ask: ['pide a', 'pregunta a', 'dile a'], connectors: ['que', 'si'] },
  it: { launch: ['apri', 'avvia'], ask: ['chiedi a', 'di a'], connectors: ['di', 'se', 'che'] },
  pt: {
    launch: ['abra', 'abrir', 'inicie'],
    ask: ['peça para', 'peça ao', 'pergunte ao', 'pergunte para'],
    connectors: ['que', 'se'],
  },
  de: {
    launch: ['öffne', 'starte', 'öffne bitte'],
    ask: ['frage', 'frag', 'sage', 'sag'],
    connectors: ['nach', 'ob', 'dass'],
  },
};
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (words: string[]) => words.map(escapeRegExp).join('|');
const WAKE_WORD = /^alexa(?:\s*,\s*|\s+)(.+)$/;

/** How a user opens the skill in a locale: "open speaker helper", "öffne …", "スピーカーヘルパーを開いて". */
export function openPhrase(locale: string, invocation: string): string {
  const phrasing = PHRASINGS[locale.split('-')[0] as string] ?? (PHRASINGS.en as Phrasing);
  const word = phrasing.launch[0] as string;
  return phrasing.nameFirst ? `${invocation}${word}` : `${word} ${invocation}`;
}

/** The model file of a locale (ASK CLI v2 layout). */
export function modelPathFor(locale: string): string {
  return path.join(path.dirname(MODEL_PATH), `${locale}.json`);
}

interface Grammar {
  invocation: RegExp;
  oneShot: RegExp;
  connector: RegExp;
}

function grammarFor(locale: string, modelPath: string): Grammar {
  const name = (
    JSON.parse(readFileSync(modelPath, 'utf8')) as {
      interactionModel: { languageModel: { invocationName: string } };
    }
  ).interactionModel.languageModel.invocationName;
  const phrasing = PHRASINGS[locale.split('-')[0] as string] ?? (PHRASINGS.en as Phrasing);
  const invocationName = escapeRegExp(name);
  if (phrasing.nameFirst) {
    return {
      invocation: new RegExp(`^${invocationName}(?:${anyOf(phrasing.launch)})$`),
      oneShot: new RegExp(`^${invocationName}(?:${anyOf(phrasing.ask)})(.+)$`),
      // Nothing joins the request to the name but the particle itself.
      connector: /(?!)(.+)/,
    };
  }
  return {
    invocation: new RegExp(`^(?:${anyOf(phrasing.launch)})\\s+${invocationName}$`),
    // "ask speaker helper to …", "tell speaker helper, …": a pause (comma) may follow the name.
    oneShot: new RegExp(`^(?:${anyOf(phrasing.ask)})\\s+${invocationName}(?:\\s*,\\s*|\\s+)(.+)$`),
    connector: new RegExp(`^(?:${anyOf(phrasing.connectors)})\\s+(.+)$`),
  };
}

/**
 * A simulated Echo: what a person says is resolved through the skill's own interaction model (with
 * virtual-alexa's matcher), sent as a real request envelope to the handler, and the session is kept
 * the way Alexa keeps it. Unmatched words become AMAZON.FallbackIntent, as on a real device.
 */
export class VirtualEcho {
  private readonly alexa: VirtualAlexa;
  private readonly grammar: Grammar;
  private sessionActive = false;

  constructor(private readonly options: EchoOptions) {
    const locale = options.locale ?? 'en-US';
    const modelPath = options.modelPath ?? (options.locale ? modelPathFor(locale) : MODEL_PATH);
    this.grammar = grammarFor(locale, modelPath);
    this.alexa = VirtualAlexa.Builder()
      .handler((event: RequestEnvelope) => options.handler(event))
      .interactionModelFile(modelPath)
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
      if (options.screen) withScreen(request, options.screen);
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
   * session, anything the model might match. Matching is exact (no near misses): see `understand`.
   */
  async say(words: string): Promise<EchoTurn> {
    return this.perform(this.understand(words));
  }

  /**
   * How the words would be taken, without sending anything. They are tried as typed first and then without
   * a leading "alexa" (the wake word), so a sample that itself starts with "alexa" ("alexa can't find my
   * speaker") is kept whole. `plainAsOneShot` takes words that do not name the skill as the request of a
   * one-shot ("ask speaker helper to <words>"), as `npm start` does outside a session.
   */
  understand(words: string, options: { plainAsOneShot?: boolean } = {}): Understanding {
    const typed = words
      .trim()
      .toLowerCase()
      .replace(/[.!?。！？]+$/, '')
      .trim();
    const wake = WAKE_WORD.exec(typed);
    const readings = wake?.[1] ? [typed, wake[1]] : [typed];
    let unmatched: Extract<Understanding, { kind: 'unmatched' }> | undefined;
    let unmatchedShot: typeof unmatched;
    for (const text of readings) {
      if (this.grammar.invocation.test(text)) return { kind: 'launch' };
      const shot = this.grammar.oneShot.exec(text)?.[1];
      const request = shot ?? (options.plainAsOneShot ? text : undefined);
      if (request !== undefined) {
        // "tell speaker helper that fixed it": "that" may be a connector or part of the request.
        const connector = shot ? this.grammar.connector.exec(request)?.[1] : undefined;
        const tries = connector ? [connector, request] : [request];
        for (const attempt of tries) {
          const matched = this.match(attempt, true);
          if (matched) return matched;
        }
        unmatchedShot ??= { kind: 'unmatched', oneShot: true, tried: [] };
        unmatchedShot.tried.push(...tries);
        continue;
      }
      const matched = this.match(text, false);
      if (matched) return matched;
      unmatched ??= { kind: 'unmatched', oneShot: false, tried: [] };
      unmatched.tried.push(text);
    }
    // Words that named the skill go to it as a new session, whatever else they could have been.
    return unmatchedShot ?? unmatched ?? { kind: 'unmatched', oneShot: false, tried: [typed] };
  }

  /** Sends what `understand` found: a launch, the intent, or AMAZON.FallbackIntent for unmatched words. */
  async perform(understood: Understanding): Promise<EchoTurn> {
    if (understood.kind === 'launch' || understood.oneShot) {
      if (this.sessionActive) await this.end('USER_INITIATED');
    }
    if (understood.kind === 'launch') return this.launch();
    if (understood.kind === 'unmatched') return this.intend('AMAZON.FallbackIntent');
    const response = await this.alexa.request().intent(understood.intent).slots(understood.slots).send();
    return this.record(understood.intent, response);
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

  /**
   * A button pressed on the screen: an Alexa.Presentation.APL.UserEvent with the document's token and the
   * button's SendEvent arguments, in the open session or, after it ended, in a new one. Alexa may leave the
   * locale out of a touch (`withoutLocale`).
   */
  async touch(token: string, args: unknown[], options: { withoutLocale?: boolean } = {}): Promise<EchoTurn> {
    // virtual-alexa gives a session only to the request types it knows: built as one, then retyped.
    const request = this.alexa
      .request()
      .requestType('Display.ElementSelected')
      .set('request.type', 'Alexa.Presentation.APL.UserEvent')
      .set('request.token', token)
      .set('request.arguments', args)
      .set('request.source', { type: 'TouchWrapper', handler: 'Press', id: 'button' });
    if (options.withoutLocale) request.set('request.locale', undefined);
    return this.record('Alexa.Presentation.APL.UserEvent', await request.send());
  }

  /** Sends an intent by name with raw slot values, bypassing the model (for slots the model can't say). */
  async intend(name: string, slots?: Record<string, string>): Promise<EchoTurn> {
    return this.record(name, await this.alexa.intend(name, slots));
  }

  private match(text: string, oneShot: boolean): Understanding | undefined {
    // The parsed model is on the context at run time, though virtual-alexa's typings leave it out.
    const model = (this.alexa.context() as unknown as { interactionModel(): IModel }).interactionModel();
    const utterance = new Utterance(model, text);
    const intent = utterance.intent();
    if (!utterance.matched() || !intent) return undefined;
    return {
      kind: 'intent',
      oneShot,
      words: text,
      intent,
      slots: utterance.toJSON() as Record<string, string>,
    };
  }

  private record(heard: string, raw: unknown): EchoTurn {
    const response = raw as ResponseEnvelope;
    this.sessionActive = response?.response?.shouldEndSession === false;
    return { heard, response, sessionOpen: this.sessionActive };
  }
}
