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

/** Reads and checks the configuration, naming every missing variable at once. */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  const value = (name: string) => env[name]?.trim() || undefined;
  const missing = ['SKILL_ID', 'TABLE_NAME'].filter((name) => !value(name));
  if (missing.length > 0) {
    throw new Error(`Speaker Helper is not configured: set ${missing.join(' and ')} (see the README).`);
  }
  const config: Config = {
    skillId: value('SKILL_ID') as string,
    tableName: value('TABLE_NAME') as string,
    region: value('AWS_REGION') ?? DEFAULT_REGION,
    spotifyApiUrl: (value('SPOTIFY_API_URL') ?? DEFAULT_SPOTIFY_API_URL).replace(/\/+$/, ''),
  };
  const endpoint = value('DYNAMODB_ENDPOINT');
  if (endpoint) config.dynamodbEndpoint = endpoint;
  const logLevel = value('LOG_LEVEL');
  if (logLevel) config.logLevel = logLevel;
  return config;
}
