import type { RequestEnvelope } from 'ask-sdk-model';
import type { Logger } from './logger';

/** Speaks SSML to the user while the skill is still working on its answer. Never throws. */
export type ProgressiveSender = (request: RequestEnvelope, ssml: string) => Promise<void>;

/**
 * Alexa's Progressive Response API: POST {apiEndpoint}/v1/directives with the request's apiAccessToken.
 * `fetch` is passed in (tests point apiEndpoint at a local recorder). Bounded by `timeoutMs`, and a
 * failure only costs the user the "one moment", so it is logged and dropped.
 */
export function createProgressiveSender(
  fetchFn: typeof fetch,
  logger: Logger,
  timeoutMs = 1000,
): ProgressiveSender {
  return async (request, ssml) => {
    const { apiEndpoint, apiAccessToken } = request.context?.System ?? {};
    if (!apiEndpoint || !apiAccessToken) return;
    try {
      const response = await fetchFn(`${apiEndpoint.replace(/\/+$/, '')}/v1/directives`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiAccessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          header: { requestId: request.request.requestId },
          directive: { type: 'VoicePlayer.Speak', speech: `<speak>${ssml}</speak>` },
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) logger.warn('progressive response refused', { status: response.status });
      await response.body?.cancel();
    } catch (error) {
      logger.warn('progressive response failed', { error: (error as Error).name });
    }
  };
}
