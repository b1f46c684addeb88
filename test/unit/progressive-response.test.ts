import type { RequestEnvelope } from 'ask-sdk-model';
import type { LogFields, Logger } from '../../lambda/src/platform/logger';
import { createJsonLogger } from '../../lambda/src/platform/logger';
import { checkApiEndpoint, createProgressiveSender } from '../../lambda/src/platform/progressive-response';

/**
 * The progressive-response sender attaches the request's `apiAccessToken` to a POST to the request's own
 * `apiEndpoint`. Without request verification anyone can name any endpoint, so only Alexa's API hosts
 * (https) and loopback (local runs and tests) are allowed; anything else is skipped with a warning, no
 * request is made, and the turn goes on.
 */

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhbGV4YSIsInRva2VuIjoiUFJPQkUifQ.c2lnbmF0dXJl';

function envelope(apiEndpoint: unknown, apiAccessToken: unknown = TOKEN): RequestEnvelope {
  return {
    version: '1.0',
    context: {
      System: {
        application: { applicationId: 'amzn1.ask.skill.test' },
        user: { userId: 'u' },
        apiEndpoint,
        apiAccessToken,
      },
    },
    request: { type: 'IntentRequest', requestId: 'amzn1.echo-api.request.1', timestamp: '', locale: 'en-US' },
  } as unknown as RequestEnvelope;
}

interface Call {
  url: string;
  init: RequestInit | undefined;
}

/** A fetch that records every call and answers 204, as Alexa does. */
function recordingFetch(): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fake = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    calls.push({ url: String(input), init });
    return new Response(null, { status: 204 });
  }) as typeof fetch;
  return { fetch: fake, calls };
}

interface Line {
  level: string;
  message: string;
  fields: LogFields | undefined;
}

function recordingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (message: string, fields?: LogFields) =>
    lines.push({ level, message, fields });
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

const ALLOWED: Array<[string, string]> = [
  ['https://api.amazonalexa.com', 'https://api.amazonalexa.com/v1/directives'],
  ['https://api.eu.amazonalexa.com', 'https://api.eu.amazonalexa.com/v1/directives'],
  ['https://api.fe.amazonalexa.com', 'https://api.fe.amazonalexa.com/v1/directives'],
  ['https://api.fe.amazon.com', 'https://api.fe.amazon.com/v1/directives'],
  ['https://api.amazonalexa.com/', 'https://api.amazonalexa.com/v1/directives'],
  ['https://api.amazonalexa.com:443', 'https://api.amazonalexa.com/v1/directives'],
  ['HTTPS://API.EU.AMAZONALEXA.COM', 'https://api.eu.amazonalexa.com/v1/directives'],
  ['http://127.0.0.1:4123', 'http://127.0.0.1:4123/v1/directives'],
  ['http://127.0.0.1', 'http://127.0.0.1/v1/directives'],
  ['https://127.0.0.1:8443/', 'https://127.0.0.1:8443/v1/directives'],
  ['http://localhost:3000', 'http://localhost:3000/v1/directives'],
  ['http://LOCALHOST:3000', 'http://localhost:3000/v1/directives'],
  ['http://[::1]:9', 'http://[::1]:9/v1/directives'],
  ['http://[0:0:0:0:0:0:0:1]:9', 'http://[::1]:9/v1/directives'],
];

const REFUSED: Array<[string, unknown, string]> = [
  ['http to an Alexa host', 'http://api.amazonalexa.com', 'not https'],
  ['http to the EU Alexa host', 'http://api.eu.amazonalexa.com', 'not https'],
  ['another port on an Alexa host', 'https://api.amazonalexa.com:8443', 'port'],
  ['another host', 'https://evil.example', 'host'],
  ['another host over http', 'http://evil.example:80', 'host'],
  ['an Alexa host as a prefix of another', 'https://api.amazonalexa.com.evil.example', 'host'],
  ['an Alexa host as a suffix of another', 'https://evilapi.amazonalexa.com', 'host'],
  ['another subdomain of amazonalexa.com', 'https://x.api.amazonalexa.com', 'host'],
  ['the bare domain', 'https://amazonalexa.com', 'host'],
  ['a look-alike with a dash', 'https://api-amazonalexa.com', 'host'],
  ['a look-alike top-level domain', 'https://api.amazonalexa.co', 'host'],
  ['a trailing dot', 'https://api.amazonalexa.com.', 'host'],
  ['an Alexa host in the path', 'https://evil.example/api.amazonalexa.com', 'path'],
  ['an Alexa host in the query', 'https://evil.example?h=api.amazonalexa.com', 'query or fragment'],
  ['an Alexa host in the fragment', 'https://evil.example#api.amazonalexa.com', 'query or fragment'],
  ['an Alexa host as the user name', 'https://api.amazonalexa.com@evil.example', 'userinfo'],
  ['an Alexa host as user and password', 'https://api.amazonalexa.com:443@evil.example', 'userinfo'],
  ['credentials for an Alexa host', 'https://user:pass@api.amazonalexa.com', 'userinfo'],
  ['a backslash before @', 'https://evil.example\\@api.amazonalexa.com', 'path'],
  ['a path on an Alexa host', 'https://api.amazonalexa.com/v1', 'path'],
  ['the directives path itself', 'https://api.amazonalexa.com/v1/directives', 'path'],
  ['a query on an Alexa host', 'https://api.amazonalexa.com/?next=evil', 'query or fragment'],
  ['userinfo on loopback', 'http://user@127.0.0.1:9', 'userinfo'],
  ['another loopback address', 'http://127.0.0.2:9', 'host'],
  ['loopback with a trailing dot', 'http://localhost.:9', 'host'],
  ['a localhost subdomain', 'http://evil.localhost:9', 'host'],
  ['a name starting with localhost', 'http://localhost.evil.example:9', 'host'],
  ['the any address', 'http://0.0.0.0:9', 'host'],
  ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]:9', 'host'],
  ['a private address', 'http://10.0.0.1', 'host'],
  ['the metadata service', 'http://169.254.169.254', 'host'],
  ['another scheme on an Alexa host', 'ftp://api.amazonalexa.com', 'scheme'],
  ['a file URL', 'file:///etc/passwd', 'scheme'],
  ['a data URL', 'data:text/plain,x', 'scheme'],
  ['a host without a scheme', 'api.amazonalexa.com', 'malformed'],
  ['a scheme-relative URL', '//api.amazonalexa.com', 'malformed'],
  ['words', 'not a url', 'malformed'],
  ['a scheme only', 'https://', 'malformed'],
  ['a bad port', 'https://api.amazonalexa.com:99999', 'malformed'],
  ['a number', 42, 'not a string'],
  ['an array holding an Alexa host', ['https://api.amazonalexa.com'], 'not a string'],
  ['an object', { href: 'https://api.amazonalexa.com' }, 'not a string'],
];

describe('checkApiEndpoint', () => {
  it.each(ALLOWED)('allows %s', (endpoint, url) => {
    expect(checkApiEndpoint(endpoint)).toEqual({ allowed: true, directivesUrl: url });
  });

  it.each(REFUSED)('refuses %s', (_what, endpoint, reason) => {
    expect(checkApiEndpoint(endpoint)).toMatchObject({ allowed: false, reason });
  });
});

describe('the progressive sender', () => {
  it.each(ALLOWED)('posts the directive to %s with the token', async (endpoint, url) => {
    const { fetch, calls } = recordingFetch();
    const { logger, lines } = recordingLogger();
    await createProgressiveSender(fetch, logger)(envelope(endpoint), 'One moment.');
    expect(calls).toHaveLength(1);
    const [call] = calls as [Call];
    expect(call.url).toBe(url);
    expect(call.init).toMatchObject({
      method: 'POST',
      redirect: 'error',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    });
    expect(JSON.parse(String(call.init?.body))).toEqual({
      header: { requestId: 'amzn1.echo-api.request.1' },
      directive: { type: 'VoicePlayer.Speak', speech: '<speak>One moment.</speak>' },
    });
    expect(lines).toEqual([]);
  });

  it.each(REFUSED)('makes no request to %s, and warns without the token', async (_what, endpoint, reason) => {
    const { fetch, calls } = recordingFetch();
    const { logger, lines } = recordingLogger();
    await expect(createProgressiveSender(fetch, logger)(envelope(endpoint), 'One moment.')).resolves.toBe(
      undefined,
    );
    expect(calls).toEqual([]);
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'progressive response skipped: apiEndpoint not allowed',
        fields: expect.objectContaining({ reason }),
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(JSON.stringify(lines)).not.toContain('PROBE');
  });

  it('writes the refusal as a JSON log line with the reason and host, never the token or the userinfo', async () => {
    const written: string[] = [];
    const { fetch, calls } = recordingFetch();
    const sender = createProgressiveSender(
      fetch,
      createJsonLogger('info', (line) => written.push(line)),
    );
    await sender(envelope('https://alexa:hunter2@evil.example'), 'One moment.');
    await sender(envelope('http://api.amazonalexa.com'), 'One moment.');
    expect(calls).toEqual([]);
    expect(written).toHaveLength(2);
    const [first, second] = written.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({
      level: 'warn',
      reason: 'userinfo',
      protocol: 'https:',
      host: 'evil.example',
    });
    expect(second).toMatchObject({ level: 'warn', reason: 'not https', host: 'api.amazonalexa.com' });
    for (const line of written) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain('eyJ');
      expect(line).not.toContain('hunter2');
    }
  });

  it('sends nothing, quietly, when the request has no endpoint or no token', async () => {
    const { fetch, calls } = recordingFetch();
    const { logger, lines } = recordingLogger();
    const sender = createProgressiveSender(fetch, logger);
    await sender(envelope(undefined), 'x');
    await sender(envelope(''), 'x');
    await sender(envelope('https://api.amazonalexa.com', null), 'x');
    await sender(envelope('https://api.amazonalexa.com', ''), 'x');
    await sender(envelope('https://api.amazonalexa.com', { token: 'x' }), 'x');
    await sender({ version: '1.0' } as unknown as RequestEnvelope, 'x');
    expect(calls).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('never throws: a fetch that throws or rejects, a logger that throws, a request without a body', async () => {
    const { logger, lines } = recordingLogger();
    const throwing = (() => {
      throw new TypeError('bad header');
    }) as unknown as typeof fetch;
    const rejecting = (async () => {
      throw new DOMException('timed out', 'TimeoutError');
    }) as unknown as typeof fetch;
    const badLogger: Logger = {
      info: () => {
        throw new Error('no log');
      },
      warn: () => {
        throw new Error('no log');
      },
      error: () => {
        throw new Error('no log');
      },
    };
    const alexa = envelope('https://api.amazonalexa.com');
    await expect(createProgressiveSender(throwing, logger)(alexa, 'x')).resolves.toBeUndefined();
    await expect(createProgressiveSender(rejecting, logger)(alexa, 'x')).resolves.toBeUndefined();
    await expect(createProgressiveSender(throwing, badLogger)(alexa, 'x')).resolves.toBeUndefined();
    await expect(
      createProgressiveSender(recordingFetch().fetch, badLogger)(envelope('https://evil.example'), 'x'),
    ).resolves.toBeUndefined();
    const noRequest = { ...alexa, request: undefined } as unknown as RequestEnvelope;
    await expect(
      createProgressiveSender(recordingFetch().fetch, logger)(noRequest, 'x'),
    ).resolves.toBeUndefined();
    expect(lines.map((line) => [line.message, line.fields])).toEqual([
      ['progressive response failed', { error: 'TypeError' }],
      ['progressive response failed', { error: 'TimeoutError' }],
      ['progressive response failed', { error: 'TypeError' }],
    ]);
  });

  it('warns with the status when Alexa refuses the directive', async () => {
    const { logger, lines } = recordingLogger();
    const forbidden = (async () =>
      new Response('{"message":"Invalid token"}', { status: 403 })) as typeof fetch;
    await createProgressiveSender(forbidden, logger)(envelope('https://api.amazonalexa.com'), 'x');
    expect(lines).toEqual([
      { level: 'warn', message: 'progressive response refused', fields: { status: 403 } },
    ]);
  });
});
