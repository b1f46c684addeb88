import type { Skill } from 'ask-sdk-core';
import { SkillBuilders } from 'ask-sdk-core';
import { assertFlow } from './conversation/flow-check';
import { FLOW } from './conversation/flow';
import type { Flow } from './conversation/types';
import { createTranslators } from './i18n/translators';
import type { Translator } from './i18n/translators';
import type { Logger } from './platform/logger';
import {
  conversationHandler,
  errorHandler,
  quietHandler,
  skillDisabledHandler,
} from './handlers/request-handlers';
import type { HandlerDeps } from './handlers/request-handlers';
import type { ProgressStore } from './handlers/turn';

/** Keys the handlers use outside the conversation; checked with the flow at start-up. */
export const HANDLER_KEYS = [
  'errors.storageDown',
  'errors.storageBack',
  'errors.conflict',
  'errors.generic',
  'common.mySpeaker',
];

export interface SkillOptions {
  store: ProgressStore;
  logger: Logger;
  /** Requests for any other skill id are rejected; undefined only in tests of the handlers themselves. */
  skillId: string | undefined;
  flow?: Flow;
  translators?: Map<string, Translator>;
  now?: () => number;
}

/**
 * Builds the skill once per process (a Lambda container or the local runner). The flow and every
 * locale's words are checked here, so a broken flow fails at start-up, not in a user's conversation.
 */
export function buildSkill(options: SkillOptions): Skill {
  const flow = options.flow ?? FLOW;
  const translators = options.translators ?? createTranslators();
  for (const [locale, translator] of translators) {
    assertFlow(flow, (key) => translator.has(key), locale);
    const missing = HANDLER_KEYS.filter((key) => !translator.has(key));
    if (missing.length > 0) throw new Error(`Missing text for ${locale}: ${missing.join(', ')}`);
  }
  const deps: HandlerDeps = {
    flow,
    store: options.store,
    logger: options.logger,
    translators,
    now: options.now ?? Date.now,
  };
  const builder = SkillBuilders.custom()
    .addRequestHandlers(conversationHandler(deps), skillDisabledHandler(deps), quietHandler(deps))
    .addErrorHandlers(errorHandler(deps))
    .withCustomUserAgent('speaker-helper');
  if (options.skillId) builder.withSkillId(options.skillId);
  return builder.create();
}
