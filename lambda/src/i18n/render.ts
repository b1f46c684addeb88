import { escapeXmlCharacters } from 'ask-sdk-core';
import type { Line, Reply } from '../conversation/types';
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
 * "my speaker" in each translator's words, looked up once: every line gets it as `target`, though only a
 * few sentences use it. Weak, so a translator made for a test does not stay in memory.
 */
const mySpeakerWords = new WeakMap<Translator, string>();

function mySpeaker(translator: Translator): string {
  let words = mySpeakerWords.get(translator);
  if (words === undefined) {
    words = translator.t('common.mySpeaker');
    mySpeakerWords.set(translator, words);
  }
  return words;
}

export function translateLine(line: Line, translator: Translator, context: RenderContext): string {
  const params: Record<string, string | number | string[]> = {
    // What the user says to reconnect: "Alexa, connect to my speaker" or to the name they told us.
    target: context.speakerName ?? mySpeaker(translator),
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
    .map((line) => translateLine(line, translator, context))
    .filter((s) => s.length > 0)
    .join(joiner);

/** Words for a reply: speech as escaped SSML, the card as plain text for the Alexa app. */
export function render(reply: Reply, translator: Translator, context: RenderContext): RenderedReply {
  const ssml = (lines: Line[]) => escapeXmlCharacters(text(lines, translator, context, ' '));
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
