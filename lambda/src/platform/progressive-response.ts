import type { RequestEnvelope } from 'ask-sdk-model';
import type { Logger } from './logger';

/** Speaks SSML to the user while the skill is still working on its answer. Never throws. */
export type ProgressiveSender = (request: RequestEnvelope, ssml: string) => Promise<void>;

/**
 * Alexa's API hosts, the only places the request's `apiAccessToken` may go: https on the default port.
 * Amazon's Progressive Response API reference lists one host per region: North America
 * https://api.amazonalexa.com, Europe https://api.eu.amazonalexa.com, Far East https://api.fe.amazon.com
 * (https://developer.amazon.com/docs/custom-skills/progressive-response-api-reference.html). Requests from
 * the Far East carry https://api.fe.amazonalexa.com in `context.System.apiEndpoint`, the Far East host
 * Amazon's other Alexa API pages give (for example
 * https://developer.amazon.com/docs/alexa-voice-service/supported-countries-api.html), so both are kept.
 */
export const ALEXA_API_HOSTS: ReadonlySet<string> = new Set([
  'api.amazonalexa.com',
  'api.eu.amazonalexa.com',
  'api.fe.amazonalexa.com',
  'api.fe.amazon.com',
]);

/** Loopback names (as `URL` spells them): local runs and tests, any port, http allowed. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Why an apiEndpoint was refused: a fixed word, safe to log. */
export type EndpointRefusal =
  | 'not a string'
  | 'malformed'
  | 'scheme'
  | 'userinfo'
  | 'not https'
  | 'port'
  | 'path'
  | 'query or fragment'
  | 'host';

export type EndpointCheck =
  | { allowed: true; directivesUrl: string }
  | { allowed: false; reason: EndpointRefusal; protocol?: string; host?: string };

/**
 * Where a progressive response for this `apiEndpoint` may be sent, or why not. The endpoint comes from the
 * request: without request verification anyone can name any URL, and the sender attaches the user's
 * bearer token. It is parsed with WHATWG `URL` (as `fetch` parses it), its hostname compared exactly
 * (no suffix or substring matching), and the URL that is fetched is rebuilt from the parsed origin, never
 * from the text given.
 */
export function checkApiEndpoint(apiEndpoint: unknown): EndpointCheck {
  if (typeof apiEndpoint !== 'string') return { allowed: false, reason: 'not a string' };
  let url: URL;
  try {
    url = new URL(apiEndpoint);
  } catch {
    return { allowed: false, reason: 'malformed' };
  }
  const { protocol, hostname: host } = url;
  const refuse = (reason: EndpointRefusal): EndpointCheck => ({ allowed: false, reason, protocol, host });
  if (protocol !== 'https:' && protocol !== 'http:') return refuse('scheme');
  if (url.username !== '' || url.password !== '') return refuse('userinfo');
  // Alexa gives the bare origin; a path, query or fragment is not what the API documents.
  if (url.pathname !== '/') return refuse('path');
  if (url.search !== '' || url.hash !== '') return refuse('query or fragment');
  if (LOOPBACK_HOSTS.has(host)) return { allowed: true, directivesUrl: `${url.origin}/v1/directives` };
  if (!ALEXA_API_HOSTS.has(host)) return refuse('host');
  if (protocol !== 'https:') return refuse('not https');
  // `URL` drops an explicit :443 for https, so any port left is another one.
  if (url.port !== '') return refuse('port');
  return { allowed: true, directivesUrl: `${url.origin}/v1/directives` };
}

/**
 * Alexa's Progressive Response API: POST {apiEndpoint}/v1/directives with the request's apiAccessToken,
 * only to an endpoint `checkApiEndpoint` allows (any other is skipped, with a warning that names the reason
 * and the host, never the token). `fetch` is passed in (tests point apiEndpoint at a loopback recorder).
 * Bounded by `timeoutMs`, redirects are not followed, and a failure only costs the user the "one moment",
 * so it is logged and dropped: the sender never throws.
 */
export function createProgressiveSender(
  fetchFn: typeof fetch,
  logger: Logger,
  timeoutMs = 1000,
): ProgressiveSender {
  return async (request, ssml) => {
    try {
      const { apiEndpoint, apiAccessToken } = (request.context?.System ?? {}) as {
        apiEndpoint?: unknown;
        apiAccessToken?: unknown;
      };
      if (!apiEndpoint || !apiAccessToken || typeof apiAccessToken !== 'string') return;
      const endpoint = checkApiEndpoint(apiEndpoint);
      if (!endpoint.allowed) {
        const { reason, protocol, host } = endpoint;
        logger.warn('progressive response skipped: apiEndpoint not allowed', { reason, protocol, host });
        return;
      }
      const response = await fetchFn(endpoint.directivesUrl, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiAccessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          header: { requestId: request.request.requestId },
          directive: { type: 'VoicePlayer.Speak', speech: `<speak>${ssml}</speak>` },
        }),
        // The token is for the allowed host only: a redirect elsewhere is an error, not followed.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) logger.warn('progressive response refused', { status: response.status });
      await response.body?.cancel();
    } catch (error) {
      try {
        logger.warn('progressive response failed', { error: (error as Error | undefined)?.name });
      } catch {
        // A logger that throws must not fail the turn either.
      }
    }
  };
}
