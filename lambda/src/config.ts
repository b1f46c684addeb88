/** Operator configuration: environment variables only (see README, "Configuration"). */
export interface Config {
  skillId: string;
  tableName: string;
  region: string;
  dynamodbEndpoint?: string;
  spotifyApiUrl: string;
  logLevel?: string;
}

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_SPOTIFY_API_URL = 'https://api.spotify.com/v1';

/** Hosts that may be reached over plain http: this machine (as WHATWG `URL` spells them). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

const SPOTIFY_URL_RULE =
  'SPOTIFY_API_URL must be an https:// URL (http:// only for 127.0.0.1, [::1] or localhost), ' +
  'with no user name, password, query or fragment';

/**
 * The Spotify Web API base the user's access token is sent to: https, or http on loopback only (the local
 * simulator), so a misconfiguration cannot send tokens in clear. Returns the URL as parsed (so what is
 * used is exactly what was checked), without trailing slashes, or the reason it is refused. The reason
 * never repeats the value, which may hold a credential.
 */
export function checkSpotifyApiUrl(raw: string): { url: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `${SPOTIFY_URL_RULE}; the value given is not a URL.` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { problem: `${SPOTIFY_URL_RULE}; the value given is not http(s).` };
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return { problem: `${SPOTIFY_URL_RULE}; the value given is http:// to a host that is not loopback.` };
  }
  if (url.username !== '' || url.password !== '') {
    return { problem: `${SPOTIFY_URL_RULE}; the value given has a user name or password.` };
  }
  if (url.search !== '' || url.hash !== '') {
    return { problem: `${SPOTIFY_URL_RULE}; the value given has a query or fragment.` };
  }
  return { url: url.href.replace(/\/+$/, '') };
}

/** Reads and checks the configuration, naming every missing variable at once. */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  const value = (name: string) => env[name]?.trim() || undefined;
  const missing = ['SKILL_ID', 'TABLE_NAME'].filter((name) => !value(name));
  if (missing.length > 0) {
    throw new Error(`Speaker Helper is not configured: set ${missing.join(' and ')} (see the README).`);
  }
  const spotify = checkSpotifyApiUrl(value('SPOTIFY_API_URL') ?? DEFAULT_SPOTIFY_API_URL);
  if ('problem' in spotify) throw new Error(`Speaker Helper is misconfigured: ${spotify.problem}`);
  const config: Config = {
    skillId: value('SKILL_ID') as string,
    tableName: value('TABLE_NAME') as string,
    region: value('AWS_REGION') ?? DEFAULT_REGION,
    spotifyApiUrl: spotify.url,
  };
  const endpoint = value('DYNAMODB_ENDPOINT');
  if (endpoint) config.dynamodbEndpoint = endpoint;
  const logLevel = value('LOG_LEVEL');
  if (logLevel) config.logLevel = logLevel;
  return config;
}
