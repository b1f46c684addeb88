import { escapeXmlCharacters } from 'ask-sdk-core';
import type { Line, Reply } from '../conversation/types';
import { PAUSE } from '../conversation/types';
import type { Translator } from './translators';

export interface RenderedReply {
  /** SSML body (without the <speak> wrapper, which ask-sdk-core adds). */
  speech: string;
  reprompt?: string;
  card?: { title: string; text: string };
}

/** Facts about the user that any sentence may mention. */
export interface RenderContext {
  speakerName?: string;
}

/**
 * What to connect to when the user gave no name ("Alexa, connect to Bluetooth"), in each translator's
 * words, looked up once: every line gets it as `target`, though only a few sentences use it. Weak, so a
 * translator made for a test does not stay in memory.
 */
const noNameWords = new WeakMap<Translator, string>();

function noName(translator: Translator): string {
  let words = noNameWords.get(translator);
  if (words === undefined) {
    words = translator.t('common.bluetooth');
    noNameWords.set(translator, words);
  }
  return words;
}

/** The pause between an instruction and its question: long enough to be heard as a break, short enough not to invite an answer. */
export const PAUSE_SSML = '<break time="400ms"/>';

export function translateLine(line: Line, translator: Translator, context: RenderContext): string {
  const params: Record<string, string | number | string[]> = {
    // What the user says to reconnect: "Alexa, connect to Bluetooth" or to the name they told us (F6).
    target: context.speakerName ?? noName(translator),
  };
  for (const [name, value] of Object.entries(line.params ?? {})) {
    // Lists (device names) go to i18next as arrays for its locale-aware `list` formatter.
    params[name] =
      typeof value === 'object' && !Array.isArray(value) ? translateLine(value, translator, context) : value;
  }
  return translator.t(line.key, params);
}

const text = (lines: Line[], translator: Translator, context: RenderContext, joiner: string) =>
  lines
    .filter((line) => line.key !== PAUSE.key)
    .map((line) => translateLine(line, translator, context))
    .filter((s) => s.length > 0)
    .join(joiner);

/** Speech as SSML: each sentence escaped, pauses as breaks (never one at the start or the end). */
function speechOf(lines: Line[], translator: Translator, context: RenderContext): string {
  const parts: string[] = [];
  for (const line of lines) {
    if (line.key === PAUSE.key) {
      if (parts.length > 0 && parts[parts.length - 1] !== PAUSE_SSML) parts.push(PAUSE_SSML);
      continue;
    }
    const words = translateLine(line, translator, context);
    if (words.length > 0) parts.push(escapeXmlCharacters(words));
  }
  while (parts[parts.length - 1] === PAUSE_SSML) parts.pop();
  return parts.join(' ');
}

/** Words for a reply: speech as escaped SSML, the card as plain text for the Alexa app. */
export function render(reply: Reply, translator: Translator, context: RenderContext): RenderedReply {
  const ssml = (lines: Line[]) => {
    const speech = speechOf(lines, translator, context);
    return reply.slow ? `<prosody rate="slow">${speech}</prosody>` : speech;
  };
  const rendered: RenderedReply = { speech: ssml(reply.speech) };
  if (reply.reprompt) rendered.reprompt = ssml(reply.reprompt);
  if (reply.card) {
    rendered.card = {
      title: translateLine(reply.card.title, translator, context),
      text: text(reply.card.body, translator, context, '\n\n'),
    };
  }
  return rendered;
}
