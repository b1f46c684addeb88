import { DEFAULT_SPOTIFY_API_URL, checkSpotifyApiUrl, readConfig } from '../../lambda/src/config';

/**
 * The Spotify client sends the user's access token to SPOTIFY_API_URL, so a misconfiguration must not send
 * it in clear: https anywhere, plain http only to this machine (the local simulator). A refusal names the
 * variable and the rule, and never repeats the value (it may hold a credential).
 */

const REQUIRED = { SKILL_ID: 'amzn1.ask.skill.test', TABLE_NAME: 'speaker-helper-test' };
const spotifyUrl = (value: string | undefined) =>
  readConfig({ ...REQUIRED, ...(value === undefined ? {} : { SPOTIFY_API_URL: value }) }).spotifyApiUrl;

describe('SPOTIFY_API_URL', () => {
  it('defaults to the Web API over https', () => {
    expect(DEFAULT_SPOTIFY_API_URL).toBe('https://api.spotify.com/v1');
    expect(spotifyUrl(undefined)).toBe('https://api.spotify.com/v1');
    expect(spotifyUrl('')).toBe('https://api.spotify.com/v1');
    expect(spotifyUrl('   ')).toBe('https://api.spotify.com/v1');
  });

  it.each([
    ['https://api.spotify.com/v1', 'https://api.spotify.com/v1'],
    ['https://api.spotify.com/v1/', 'https://api.spotify.com/v1'],
    ['  https://api.spotify.com/v1  ', 'https://api.spotify.com/v1'],
    ['https://spotify-proxy.example.com:8443/v1', 'https://spotify-proxy.example.com:8443/v1'],
    ['HTTPS://API.SPOTIFY.COM/v1', 'https://api.spotify.com/v1'],
    ['http://127.0.0.1:4567/v1', 'http://127.0.0.1:4567/v1'],
    ['http://127.0.0.1:9/v1', 'http://127.0.0.1:9/v1'],
    ['http://localhost:4567/v1/', 'http://localhost:4567/v1'],
    ['http://[::1]:4567/v1', 'http://[::1]:4567/v1'],
    ['https://127.0.0.1:4567/v1', 'https://127.0.0.1:4567/v1'],
  ])('accepts %s', (value, expected) => {
    expect(spotifyUrl(value)).toBe(expected);
  });

  it.each([
    ['http to Spotify', 'http://api.spotify.com/v1', 'http:// to a host that is not loopback'],
    ['http to a private address', 'http://10.0.0.5:8080/v1', 'http:// to a host that is not loopback'],
    ['http to a loopback look-alike', 'http://localhost.attacker.example/v1', 'not loopback'],
    ['http to a name ending in a loopback address', 'http://127.0.0.1.attacker.example/v1', 'not loopback'],
    ['http to another loopback address', 'http://127.0.0.2/v1', 'not loopback'],
    ['http with loopback as the user name', 'http://127.0.0.1@attacker.example/v1', 'not loopback'],
    ['another scheme', 'ftp://api.spotify.com/v1', 'not http(s)'],
    ['a scheme-relative URL', '//api.spotify.com/v1', 'not a URL'],
    ['a host without a scheme', 'api.spotify.com/v1', 'not a URL'],
    ['words', 'the spotify api', 'not a URL'],
    ['credentials in the URL', 'https://client:s3cr3t-value@api.spotify.com/v1', 'user name or password'],
    ['a query', 'https://api.spotify.com/v1?token=s3cr3t-value', 'query or fragment'],
    ['a fragment', 'https://api.spotify.com/v1#s3cr3t-value', 'query or fragment'],
  ])('refuses %s at start-up, naming the variable and the rule', (_what, value, why) => {
    let message = '';
    try {
      readConfig({ ...REQUIRED, SPOTIFY_API_URL: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('SPOTIFY_API_URL must be an https:// URL');
    expect(message).toContain('http:// only for 127.0.0.1, [::1] or localhost');
    expect(message).toContain(why);
    // Nothing of the value is repeated: not the secret, not the host.
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain('attacker');
    expect(message).not.toContain(value.trim());
  });

  it('is checked the same way outside readConfig', () => {
    expect(checkSpotifyApiUrl('http://api.spotify.com/v1')).toEqual({ problem: expect.any(String) });
    expect(checkSpotifyApiUrl('http://127.0.0.1:1/v1')).toEqual({ url: 'http://127.0.0.1:1/v1' });
  });
});

describe('readConfig', () => {
  it('names every missing variable at once, as before', () => {
    expect(() => readConfig({})).toThrow(
      'Speaker Helper is not configured: set SKILL_ID and TABLE_NAME (see the README).',
    );
  });

  it('reads the rest as before', () => {
    expect(
      readConfig({
        ...REQUIRED,
        AWS_REGION: 'eu-west-1',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
        LOG_LEVEL: 'debug',
      }),
    ).toEqual({
      skillId: 'amzn1.ask.skill.test',
      tableName: 'speaker-helper-test',
      region: 'eu-west-1',
      dynamodbEndpoint: 'http://127.0.0.1:8000',
      spotifyApiUrl: 'https://api.spotify.com/v1',
      logLevel: 'debug',
    });
  });
});
