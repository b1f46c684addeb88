/**
 * The web service over real HTTP on 127.0.0.1: the real skill with its DynamoDB store on the jest global
 * dynalite, Alexa-like signatures from a test PKI (trusted roots and the chain download injected, so
 * nothing leaves the machine). Every refused request is checked to have touched no state: the store saw
 * no read or write.
 */
import { randomUUID } from 'node:crypto';
import type { RequestEnvelope } from 'ask-sdk-model';
import type { Verifier } from 'ask-sdk-express-adapter';
import type { Logger } from '../../lambda/src/platform/logger';
import { buildSkill } from '../../lambda/src/skill';
import type { StoreOperation } from '../../lambda/src/state/dynamo-progress-store';
import {
  AlexaSignatureVerifier,
  AlexaTimestampVerifier,
  createAlexaVerifiers,
} from '../../lambda/src/web/request-verification';
import { createServer } from '../../lambda/src/web/server';
import type { WebServer } from '../../lambda/src/web/server';
import { createTestTable } from '../support/test-table';
import type { TestTable } from '../support/test-table';
import { send, sendInTwoParts } from './http';
import type { Answer } from './http';
import { CHAIN_BASE_URL, createTestPki, signBody } from './pki';
import type { ChainName, KeyPair, TestPki } from './pki';

const SKILL_ID = 'amzn1.ask.skill.web-test';
const OTHER_SKILL_ID = 'amzn1.ask.skill.someone-else';
const WELCOME = /Hi, I&apos;m Speaker Helper/;

let pki: TestPki;
let table: TestTable;
const operations: StoreOperation[] = [];
const fetches: string[] = [];
let verifierCalls = 0;
const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
const logger: Logger = {
  info: (message, fields) => logs.push({ level: 'info', message, fields }),
  warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
  error: (message, fields) => logs.push({ level: 'error', message, fields }),
};

/** Counts how often verification started (it must not for refused-before-reading requests). */
const countingVerifier: Verifier = {
  verify: async () => {
    verifierCalls += 1;
  },
};

function makeSkill() {
  return buildSkill({
    store: table.store({ onOperation: (operation) => operations.push(operation) }),
    logger,
    skillId: SKILL_ID,
    progressive: async () => undefined,
  });
}

function signatureOptions() {
  return {
    cache: {
      fetch: async (url: string) => {
        fetches.push(url);
        const name = url.slice(CHAIN_BASE_URL.length).replace(/\.pem$/, '') as ChainName;
        const chain = pki.chains[name];
        if (!url.startsWith(CHAIN_BASE_URL) || !chain) throw new Error(`no chain at ${url}`);
        return chain.pem;
      },
      trustedRoots: [pki.root.certPem],
    },
  };
}

const servers: WebServer[] = [];
async function start(options: Omit<Parameters<typeof createServer>[0], 'skill'>): Promise<number> {
  const web = createServer({ skill: makeSkill(), logger, ...options });
  servers.push(web);
  return (await web.listen(0, '127.0.0.1')).port;
}

let port: number;

beforeAll(async () => {
  pki = createTestPki();
  table = await createTestTable('web');
  port = await start({
    verifiers: [
      countingVerifier,
      ...createAlexaVerifiers({ skillId: SKILL_ID, signature: signatureOptions() }),
    ],
  });
});

afterAll(async () => {
  await Promise.all(servers.map((web) => web.close({ graceMs: 100 })));
  table.dispose();
});

function launch(options: { skillId?: string; timestamp?: Date; userId?: string } = {}): RequestEnvelope {
  const skillId = options.skillId ?? SKILL_ID;
  const userId = options.userId ?? `amzn1.ask.account.${randomUUID()}`;
  return {
    version: '1.0',
    session: {
      new: true,
      sessionId: `amzn1.echo-api.session.${randomUUID()}`,
      application: { applicationId: skillId },
      user: { userId },
    },
    context: {
      System: {
        application: { applicationId: skillId },
        user: { userId },
        device: { deviceId: 'amzn1.ask.device.TEST', supportedInterfaces: {} },
        apiEndpoint: 'https://api.amazonalexa.com',
      },
    },
    request: {
      type: 'LaunchRequest',
      requestId: `amzn1.echo-api.request.${randomUUID()}`,
      timestamp: (options.timestamp ?? new Date()).toISOString(),
      locale: 'en-US',
    },
  } as RequestEnvelope;
}

interface SignOptions {
  chain?: ChainName;
  url?: string;
  keys?: KeyPair;
}

/** The body and the headers Alexa would send for `envelope`. */
function signed(envelope: RequestEnvelope | string, options: SignOptions = {}) {
  const chain = options.chain ?? 'good';
  const body = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
  return {
    body,
    headers: {
      SignatureCertChainUrl: options.url ?? `${CHAIN_BASE_URL}${chain}.pem`,
      'Signature-256': signBody(body, options.keys ?? pki.chains[chain].keys),
    },
  };
}

function speech(answer: Answer): string {
  const envelope = answer.json() as { response?: { outputSpeech?: { ssml?: string } } };
  return envelope.response?.outputSpeech?.ssml ?? '';
}

/** Runs `act`, then checks the answer and that neither the store nor (optionally) the fetcher was used. */
async function expectRefused(
  act: () => Promise<Answer>,
  status: number,
  error: string | RegExp,
  { fetched = undefined as boolean | undefined } = {},
): Promise<Answer> {
  const opsBefore = operations.length;
  const fetchesBefore = fetches.length;
  const answer = await act();
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/application\/json/);
  expect((answer.json() as { error: string }).error).toMatch(error);
  expect(operations.slice(opsBefore)).toEqual([]);
  if (fetched === false) expect(fetches.length).toBe(fetchesBefore);
  return answer;
}

describe('a correctly signed request', () => {
  it("gets the skill's answer (and the skill reads and writes the user's progress)", async () => {
    const before = operations.length;
    const answer = await send(port, signed(launch()));
    expect(answer.status).toBe(200);
    expect(speech(answer)).toMatch(WELCOME);
    expect(operations.slice(before)).toContain('load');
  });

  it('is served at /alexa as well', async () => {
    const answer = await send(port, { path: '/alexa', ...signed(launch()) });
    expect(answer.status).toBe(200);
    expect(speech(answer)).toMatch(WELCOME);
  });

  it('is accepted when it is a skill event up to an hour old', async () => {
    const envelope = {
      version: '1.0',
      context: launch().context,
      request: {
        type: 'AlexaSkillEvent.SkillEnabled',
        requestId: `amzn1.echo-api.request.${randomUUID()}`,
        timestamp: new Date(Date.now() - 30 * 60_000).toISOString(),
        eventCreationTime: new Date(Date.now() - 30 * 60_000).toISOString(),
        eventPublishingTime: new Date(Date.now() - 30 * 60_000).toISOString(),
      },
    };
    const answer = await send(port, signed(JSON.stringify(envelope)));
    expect(answer.status).toBe(200);
  });
});

describe('refused requests do not touch state', () => {
  it('a body that does not match the signature', async () => {
    const good = signed(launch());
    const tampered = good.body.replace('LaunchRequest', 'LaunchRequest ');
    await expectRefused(() => send(port, { ...good, body: tampered }), 400, 'request verification failed');
  });

  it('a signature made with another key', async () => {
    await expectRefused(
      () => send(port, signed(launch(), { keys: pki.otherKeys })),
      400,
      'request verification failed',
    );
  });

  it('a missing Signature-256 (also when only the legacy SHA-1 Signature header is sent)', async () => {
    const { body, headers } = signed(launch());
    await expectRefused(
      () => send(port, { body, headers: { SignatureCertChainUrl: headers.SignatureCertChainUrl } }),
      400,
      'request verification failed',
    );
    await expectRefused(
      () =>
        send(port, {
          body,
          headers: {
            SignatureCertChainUrl: headers.SignatureCertChainUrl,
            Signature: headers['Signature-256'],
          },
        }),
      400,
      'request verification failed',
    );
  });

  it('a missing SignatureCertChainUrl', async () => {
    const { body, headers } = signed(launch());
    await expectRefused(
      () => send(port, { body, headers: { 'Signature-256': headers['Signature-256'] } }),
      400,
      'request verification failed',
      { fetched: false },
    );
  });

  it('no signature headers at all', async () => {
    await expectRefused(
      () => send(port, { body: JSON.stringify(launch()) }),
      400,
      'request verification failed',
    );
  });

  it.each([
    ['http', 'http://s3.amazonaws.com/echo.api/good.pem'],
    ['a wrong host', 'https://s3.amazonaws.com.evil.example/echo.api/good.pem'],
    ['another host on S3', 'https://evil.s3.amazonaws.com/echo.api/good.pem'],
    ['a path not under /echo.api/', 'https://s3.amazonaws.com/other/good.pem'],
    ['a path leaving /echo.api/ with ..', 'https://s3.amazonaws.com/echo.api/../x/good.pem'],
    ['a path leaving /echo.api/ with %2e%2e', 'https://s3.amazonaws.com/echo.api/%2e%2e/good.pem'],
    ['a path in another case', 'https://s3.amazonaws.com/ECHO.API/good.pem'],
    ['a wrong port', 'https://s3.amazonaws.com:8443/echo.api/good.pem'],
  ])('a certificate URL with %s (never downloaded)', async (_name, url) => {
    await expectRefused(() => send(port, signed(launch(), { url })), 400, 'request verification failed', {
      fetched: false,
    });
  });

  it.each<[string, ChainName]>([
    ['an expired signing certificate', 'expired'],
    ['a signing certificate not valid yet', 'notYetValid'],
    ['a signing certificate without echo-api.amazon.com in its SAN', 'wrongSan'],
    ['a chain to an untrusted root', 'untrusted'],
    ['a chain missing its intermediate', 'missingIntermediate'],
    ['a chain through a certificate that is not a CA', 'issuedByLeaf'],
  ])('%s', async (_name, chain) => {
    await expectRefused(() => send(port, signed(launch(), { chain })), 400, 'request verification failed');
  });

  it('a timestamp older than 150 s', async () => {
    const old = new Date(Date.now() - 160_000);
    await expectRefused(
      () => send(port, signed(launch({ timestamp: old }))),
      400,
      'request verification failed',
    );
  });

  it('a timestamp more than 150 s in the future', async () => {
    const future = new Date(Date.now() + 160_000);
    await expectRefused(
      () => send(port, signed(launch({ timestamp: future }))),
      400,
      'request verification failed',
    );
  });

  it('a skill event older than an hour', async () => {
    const at = new Date(Date.now() - 61 * 60_000).toISOString();
    const envelope = {
      version: '1.0',
      context: launch().context,
      request: { type: 'AlexaSkillEvent.SkillDisabled', requestId: 'r', timestamp: at },
    };
    await expectRefused(
      () => send(port, signed(JSON.stringify(envelope))),
      400,
      'request verification failed',
    );
  });

  it('a correctly signed request for another skill', async () => {
    await expectRefused(
      () => send(port, signed(launch({ skillId: OTHER_SKILL_ID }))),
      400,
      'request verification failed',
    );
  });

  it("another skill's request is a clean 400 from the skill's own withSkillId check too", async () => {
    // Without SkillIdVerifier: the adapter's "Skill dispatch failed" 500 is mapped to a 400.
    const bare = await start({
      verifiers: [new AlexaSignatureVerifier(signatureOptions()), new AlexaTimestampVerifier()],
    });
    await expectRefused(
      () => send(bare, signed(launch({ skillId: OTHER_SKILL_ID }))),
      400,
      'request is not for this skill',
    );
    expect(logs).toContainEqual(expect.objectContaining({ message: 'request refused: for another skill' }));
  });

  it('a body over the limit, by Content-Length, before any verification work', async () => {
    const callsBefore = verifierCalls;
    const big = JSON.stringify({ ...launch(), padding: 'x'.repeat(200 * 1024) });
    await expectRefused(() => send(port, signed(big)), 413, 'too large', { fetched: false });
    expect(verifierCalls).toBe(callsBefore);
  });

  it('a chunked body over the limit, while reading, before any verification work', async () => {
    const callsBefore = verifierCalls;
    const big = JSON.stringify({ ...launch(), padding: 'x'.repeat(150 * 1024) });
    await expectRefused(() => send(port, { ...signed(big), chunked: true }), 413, 'too large', {
      fetched: false,
    });
    expect(verifierCalls).toBe(callsBefore);
  });

  it('a compressed body', async () => {
    const { body, headers } = signed(launch());
    await expectRefused(
      () => send(port, { body, headers: { ...headers, 'Content-Encoding': 'gzip' } }),
      415,
      'compressed',
      { fetched: false },
    );
  });

  it('a body that is not JSON', async () => {
    await expectRefused(() => send(port, signed('not json')), 400, 'request verification failed');
  });
});

describe('other routes', () => {
  it('GET /health answers ok without touching the store or verifying anything', async () => {
    const opsBefore = operations.length;
    const callsBefore = verifierCalls;
    const answer = await send(port, { method: 'GET', path: '/health' });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ status: 'ok' });
    expect(operations.length).toBe(opsBefore);
    expect(verifierCalls).toBe(callsBefore);
  });

  it('answers 404 elsewhere and 405 for other methods on the skill paths', async () => {
    expect((await send(port, { method: 'GET', path: '/nope' })).status).toBe(404);
    const get = await send(port, { method: 'GET', path: '/' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });
});

describe('insecure local mode', () => {
  it('refuses to build a server without verifiers unless insecureLocal is set', () => {
    expect(() => createServer({ skill: makeSkill(), verifiers: [] })).toThrow(/no request verifiers/);
  });

  it('refuses a body limit the adapter cannot honour', () => {
    expect(() =>
      createServer({
        skill: makeSkill(),
        verifiers: [countingVerifier],
        limits: { maxBodyBytes: 128 * 1024 },
      }),
    ).toThrow(RangeError);
  });

  it('accepts an unsigned request and warns on every request', async () => {
    const insecure = await start({ verifiers: [], insecureLocal: true });
    const warningsBefore = logs.filter((l) => l.message.startsWith('INSECURE')).length;
    const answer = await send(insecure, { body: JSON.stringify(launch()) });
    expect(answer.status).toBe(200);
    expect(speech(answer)).toMatch(WELCOME);
    expect(logs.filter((l) => l.message.startsWith('INSECURE')).length).toBe(warningsBefore + 1);
  });
});

describe('graceful close', () => {
  it('finishes an in-flight request, refuses new connections, then closes', async () => {
    const web = createServer({ skill: makeSkill(), verifiers: [], insecureLocal: true, logger });
    const { port: own } = await web.listen(0, '127.0.0.1');
    const inFlight = sendInTwoParts(own, { body: JSON.stringify(launch()) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(web.inFlight()).toBe(1);

    let closed = false;
    const closing = web.close({ graceMs: 5000 }).then(() => (closed = true));
    await expect(send(own, { method: 'GET', path: '/health' })).rejects.toThrow(/ECONNREFUSED/);
    expect(closed).toBe(false);

    inFlight.finish();
    const answer = await inFlight.answer;
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    expect(speech(answer)).toMatch(WELCOME);
    await closing;
    expect(closed).toBe(true);
  });

  it('cuts requests still running when the grace period ends', async () => {
    const web = createServer({ skill: makeSkill(), verifiers: [], insecureLocal: true, logger });
    const { port: own } = await web.listen(0, '127.0.0.1');
    const stuck = sendInTwoParts(own, { body: JSON.stringify(launch()) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await web.close({ graceMs: 200 });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(stuck.answer).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
