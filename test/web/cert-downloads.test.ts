/**
 * When the web service downloads certificate chains (issue 11), counted at a local HTTPS host standing in
 * for s3.amazonaws.com (its TLS certificate from the test PKI; the verifier's fetcher is the real
 * `httpsCertChainFetcher`, pointed there): a request refused for its skill id, timestamp or JSON never
 * causes a download, whatever order the verifiers are given in, and a chain URL that fails is fetched once
 * however often it is repeated within the failure cache window.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SkillBuilders } from 'ask-sdk-core';
import type { Verifier } from 'ask-sdk-express-adapter';
import { httpsCertChainFetcher } from '../../lambda/src/web/cert-chain';
import {
  AlexaSignatureVerifier,
  AlexaTimestampVerifier,
  createAlexaVerifiers,
  SkillIdVerifier,
} from '../../lambda/src/web/request-verification';
import type { SignatureVerifierOptions } from '../../lambda/src/web/request-verification';
import { createServer } from '../../lambda/src/web/server';
import type { WebServer } from '../../lambda/src/web/server';
import { send } from './http';
import { CHAIN_BASE_URL, createTestPki, issue, signBody } from './pki';
import type { TestPki } from './pki';

const SKILL_ID = 'amzn1.ask.skill.cert-downloads-test';

let pki: TestPki;
let certHost: https.Server;
let agent: https.Agent;
let certBase: string;
/** Requests the cert host received, by path. */
const hits = new Map<string, number>();
const hitsAt = (name: string) => hits.get(`/echo.api/${name}`) ?? 0;
const totalHits = () => [...hits.values()].reduce((a, b) => a + b, 0);
/** Downloads started (counted synchronously, so one still in flight when a refusal is answered counts). */
let fetchCalls = 0;

const servers: WebServer[] = [];

beforeAll(async () => {
  pki = createTestPki();
  const tls = issue({ subject: '127.0.0.1', issuer: pki.root, ipAddresses: ['127.0.0.1'] });
  certHost = https.createServer(
    { key: tls.keys.privateKeyPem, cert: `${tls.certPem}\n${pki.root.certPem}` },
    (req, res) => {
      const path = req.url ?? '';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path.startsWith('/echo.api/good-')) res.end(pki.chains.good.pem);
      else if (path.startsWith('/echo.api/wrongsan-')) res.end(pki.chains.wrongSan.pem);
      else res.writeHead(404).end();
    },
  );
  await new Promise<void>((resolve) => certHost.listen(0, '127.0.0.1', resolve));
  certBase = `https://127.0.0.1:${(certHost.address() as AddressInfo).port}/echo.api/`;
  agent = new https.Agent({ ca: pki.root.certPem });
});

afterAll(async () => {
  await Promise.all(servers.map((web) => web.close({ graceMs: 0 })));
  agent.destroy();
  certHost.closeAllConnections();
  await new Promise((resolve) => certHost.close(resolve));
});

function signatureOptions(): SignatureVerifierOptions {
  const download = httpsCertChainFetcher({ agent, timeoutMs: 2000 });
  return {
    cache: {
      // The URL has passed the s3.amazonaws.com/echo.api/ rules; only the host it goes to is swapped.
      fetch: (url) => {
        fetchCalls += 1;
        return download(url.replace(CHAIN_BASE_URL, certBase));
      },
      trustedRoots: [pki.root.certPem],
    },
  };
}

async function start(verifiers: Verifier[]): Promise<number> {
  const skill = SkillBuilders.custom()
    .addRequestHandlers({
      canHandle: () => true,
      handle: (input) => input.responseBuilder.speak('ok').getResponse(),
    })
    .withSkillId(SKILL_ID)
    .create();
  const web = createServer({ skill, verifiers });
  servers.push(web);
  return (await web.listen(0, '127.0.0.1')).port;
}

function envelope(options: { skillId?: string; offsetMs?: number } = {}): string {
  const application = { applicationId: options.skillId ?? SKILL_ID };
  const user = { userId: `amzn1.ask.account.${randomUUID()}` };
  return JSON.stringify({
    version: '1.0',
    session: { new: true, sessionId: `amzn1.echo-api.session.${randomUUID()}`, application, user },
    context: { System: { application, user, device: { deviceId: 'd', supportedInterfaces: {} } } },
    request: {
      type: 'LaunchRequest',
      requestId: `amzn1.echo-api.request.${randomUUID()}`,
      timestamp: new Date(Date.now() + (options.offsetMs ?? 0)).toISOString(),
      locale: 'en-US',
    },
  });
}

/** POSTs `body` correctly signed by the good chain's key, naming `chain` under /echo.api/. */
function post(port: number, body: string, chain: string) {
  return send(port, {
    body,
    headers: {
      SignatureCertChainUrl: `${CHAIN_BASE_URL}${chain}`,
      'Signature-256': signBody(body, pki.chains.good.keys),
    },
  });
}

const refusedCheaply: Array<[string, () => string]> = [
  ['another skill', () => envelope({ skillId: 'amzn1.ask.skill.someone-else' })],
  ['a timestamp 160 s old', () => envelope({ offsetMs: -160_000 })],
  ['a timestamp 160 s ahead', () => envelope({ offsetMs: 160_000 })],
  ['a body that is not JSON', () => 'not json'],
  ['a JSON body that is not an object', () => '[1]'],
];

describe('refused requests download nothing', () => {
  let port: number;
  beforeAll(async () => {
    port = await start(createAlexaVerifiers({ skillId: SKILL_ID, signature: signatureOptions() }));
  });

  it('a correct request downloads its chain once (the counting works)', async () => {
    expect((await post(port, envelope(), 'good-control.pem')).status).toBe(200);
    expect((await post(port, envelope(), 'good-control.pem')).status).toBe(200);
    expect(hitsAt('good-control.pem')).toBe(1);
  });

  it.each(refusedCheaply)('%s', async (_name, body) => {
    const [hitsBefore, callsBefore] = [totalHits(), fetchCalls];
    const chain = `good-${randomUUID()}.pem`;
    const answer = await post(port, body(), chain);
    expect(answer.status).toBe(400);
    expect(fetchCalls).toBe(callsBefore);
    expect(hitsAt(chain)).toBe(0);
    expect(totalHits()).toBe(hitsBefore);
  });

  it.each(refusedCheaply)('%s, with the signature verifier given first', async (_name, body) => {
    // Order given to createServer does not matter: the costly verifier runs last.
    const reordered = await start([
      new AlexaSignatureVerifier(signatureOptions()),
      new AlexaTimestampVerifier(),
      new SkillIdVerifier(SKILL_ID),
    ]);
    const [hitsBefore, callsBefore] = [totalHits(), fetchCalls];
    const answer = await post(reordered, body(), `good-${randomUUID()}.pem`);
    expect(answer.status).toBe(400);
    expect(fetchCalls).toBe(callsBefore);
    expect(totalHits()).toBe(hitsBefore);
  });
});

describe('a failing certificate URL is fetched once within the failure cache window', () => {
  let port: number;
  beforeAll(async () => {
    port = await start(createAlexaVerifiers({ skillId: SKILL_ID, signature: signatureOptions() }));
  });

  it.each([
    ['answers 404', 'missing-1.pem'],
    ['serves a chain that fails validation', 'wrongsan-1.pem'],
  ])('a URL that %s', async (_name, chain) => {
    const callsBefore = fetchCalls;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await post(port, envelope(), chain)).status);
    const together = await Promise.all(Array.from({ length: 5 }, () => post(port, envelope(), chain)));
    statuses.push(...together.map((answer) => answer.status));
    expect(statuses).toEqual(Array(8).fill(400));
    expect(hitsAt(chain)).toBe(1);
    expect(fetchCalls - callsBefore).toBe(1);
  });
});
