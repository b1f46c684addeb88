import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { RequestEnvelope } from 'ask-sdk-model';
import type { LogFields, Logger } from '../../lambda/src/platform/logger';
import { createProgressiveSender } from '../../lambda/src/platform/progressive-response';

/**
 * The real progressive sender with the real `fetch`, against HTTP servers on this machine: a loopback
 * endpoint receives the directive; an endpoint on a reachable address that is not a loopback name (this
 * machine's network address, 127.0.0.2) receives nothing, though a plain `fetch` reaches it; a loopback
 * endpoint that redirects elsewhere does not take the token there.
 */

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2FwaS5hbWF6b25hbGV4YS5jb20ifQ.c2lnbmF0dXJlLXZhbHVl';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Recorder {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** An HTTP server on `host` that records every request and answers 204 (or what `answer` says). */
async function startRecorder(
  host: string,
  port = 0,
  answer?: (res: import('node:http').ServerResponse) => void,
): Promise<Recorder> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (answer) answer(res);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function envelope(apiEndpoint: string): RequestEnvelope {
  return {
    version: '1.0',
    context: {
      System: {
        application: { applicationId: 'amzn1.ask.skill.test' },
        user: { userId: 'amzn1.ask.account.TEST' },
        apiEndpoint,
        apiAccessToken: TOKEN,
      },
    },
    request: {
      type: 'IntentRequest',
      requestId: 'amzn1.echo-api.request.integration',
      timestamp: new Date().toISOString(),
      locale: 'en-US',
    },
  } as unknown as RequestEnvelope;
}

const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
const logger: Logger = {
  info: (message, fields) => lines.push({ level: 'info', message, fields }),
  warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
  error: (message, fields) => lines.push({ level: 'error', message, fields }),
};
const send = createProgressiveSender(globalThis.fetch, logger, 2000);
const cleanups: Array<() => Promise<void>> = [];

beforeEach(() => {
  lines.length = 0;
});
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function recorder(host: string, port?: number, answer?: Parameters<typeof startRecorder>[2]) {
  const started = await startRecorder(host, port, answer);
  cleanups.push(started.close);
  return started;
}

/** This machine's first IPv4 address that is not loopback, if it has one. */
const networkAddress = Object.values(networkInterfaces())
  .flat()
  .find((info) => info && info.family === 'IPv4' && !info.internal)?.address;
const hasIpv6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((info) => info?.family === 'IPv6' && info.address === '::1');
/** Linux answers on all of 127.0.0.0/8; other systems configure 127.0.0.1 only. */
const has127002 = process.platform === 'linux';

function expectDirective(received: Received[]): void {
  expect(received).toHaveLength(1);
  const [post] = received as [Received];
  expect(post.method).toBe('POST');
  expect(post.url).toBe('/v1/directives');
  expect(post.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(post.headers['content-type']).toBe('application/json');
  expect(JSON.parse(post.body)).toEqual({
    header: { requestId: 'amzn1.echo-api.request.integration' },
    directive: { type: 'VoicePlayer.Speak', speech: '<speak>One moment while I check with Spotify.</speak>' },
  });
}

describe('the progressive sender over real HTTP', () => {
  it('posts the directive to a loopback endpoint at 127.0.0.1', async () => {
    const alexa = await recorder('127.0.0.1');
    await send(envelope(`http://127.0.0.1:${alexa.port}`), 'One moment while I check with Spotify.');
    expectDirective(alexa.received);
    expect(lines).toEqual([]);
  });

  it('posts the directive to a loopback endpoint named localhost', async () => {
    // localhost may resolve to 127.0.0.1 or ::1 first: both listen on the port when the machine has both.
    const v4 = await recorder('127.0.0.1');
    const v6 = hasIpv6Loopback ? await recorder('::1', v4.port) : undefined;
    await send(envelope(`http://localhost:${v4.port}/`), 'One moment while I check with Spotify.');
    expectDirective([...v4.received, ...(v6?.received ?? [])]);
  });

  (hasIpv6Loopback ? it : it.skip)('posts the directive to a loopback endpoint at [::1]', async () => {
    const alexa = await recorder('::1');
    await send(envelope(`http://[::1]:${alexa.port}`), 'One moment while I check with Spotify.');
    expectDirective(alexa.received);
  });

  // If this machine has no network address, refusal is still covered by test/unit/progressive-response.test.ts
  // with a recording fetch.
  (networkAddress ? it : it.skip)(
    "sends nothing to this machine's network address, which a plain fetch reaches",
    async () => {
      const other = await recorder(networkAddress as string);
      const endpoint = `http://${networkAddress}:${other.port}`;
      // Reachable: the refusal below is the sender's, not the network's.
      const probe = await fetch(`${endpoint}/probe`);
      expect(probe.status).toBe(204);
      expect(other.received).toHaveLength(1);

      await send(envelope(endpoint), 'One moment while I check with Spotify.');
      expect(other.received).toHaveLength(1);
      expect(lines).toEqual([
        {
          level: 'warn',
          message: 'progressive response skipped: apiEndpoint not allowed',
          fields: { reason: 'host', protocol: 'http:', host: networkAddress },
        },
      ]);
      expect(JSON.stringify(lines)).not.toContain(TOKEN);
    },
  );

  (has127002 ? it : it.skip)('sends nothing to 127.0.0.2, loopback but not an allowed name', async () => {
    const other = await recorder('127.0.0.2');
    const endpoint = `http://127.0.0.2:${other.port}`;
    expect((await fetch(`${endpoint}/probe`)).status).toBe(204);
    await send(envelope(endpoint), 'One moment while I check with Spotify.');
    expect(other.received.map((r) => r.url)).toEqual(['/probe']);
    expect(lines).toMatchObject([{ level: 'warn', fields: { reason: 'host', host: '127.0.0.2' } }]);
  });

  it('does not follow a redirect: the token never reaches where it points', async () => {
    const elsewhere = await recorder(has127002 ? '127.0.0.2' : '127.0.0.1');
    const target = `http://${has127002 ? '127.0.0.2' : '127.0.0.1'}:${elsewhere.port}/v1/directives`;
    const redirecting = await recorder('127.0.0.1', 0, (res) =>
      res.writeHead(307, { location: target }).end(),
    );
    await send(envelope(`http://127.0.0.1:${redirecting.port}`), 'One moment while I check with Spotify.');
    expect(redirecting.received).toHaveLength(1);
    expect(elsewhere.received).toEqual([]);
    expect(lines).toEqual([
      { level: 'warn', message: 'progressive response failed', fields: { error: 'TypeError' } },
    ]);
  });
});
