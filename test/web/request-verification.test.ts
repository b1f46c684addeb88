/**
 * The verifiers and the certificate chain cache on their own (no HTTP server): every URL rule, every chain
 * rule, the cache's expiry and re-checks, and the timestamp window on both sides.
 */
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  CertChainCache,
  CertificateChainError,
  hasSanDnsName,
  httpsCertChainFetcher,
  parsePemChain,
  validateSigningChain,
  DEFAULT_FAILURE_TTL_MS,
} from '../../lambda/src/web/cert-chain';
import type { Verifier } from 'ask-sdk-express-adapter';
import {
  AlexaSignatureVerifier,
  AlexaTimestampVerifier,
  cheapChecksFirst,
  createAlexaVerifiers,
  RequestVerificationError,
  SkillIdVerifier,
  validateCertChainUrl,
} from '../../lambda/src/web/request-verification';
import { CHAIN_BASE_URL, createTestPki, issue, signBody } from './pki';
import type { ChainName, TestPki } from './pki';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});

describe('validateCertChainUrl', () => {
  it.each([
    [
      'https://s3.amazonaws.com/echo.api/echo-api-cert.pem',
      'https://s3.amazonaws.com/echo.api/echo-api-cert.pem',
    ],
    [
      'HTTPS://S3.AmazonAWS.COM/echo.api/echo-api-cert.pem',
      'https://s3.amazonaws.com/echo.api/echo-api-cert.pem',
    ],
    [
      'https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem',
      'https://s3.amazonaws.com/echo.api/echo-api-cert.pem',
    ],
    [
      'https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem',
      'https://s3.amazonaws.com/echo.api/echo-api-cert.pem',
    ],
    [
      'https://s3.amazonaws.com/echo.api/./echo-api-cert.pem',
      'https://s3.amazonaws.com/echo.api/echo-api-cert.pem',
    ],
  ])('accepts %s (as %s)', (raw, normalised) => {
    expect(validateCertChainUrl(raw)).toBe(normalised);
  });

  it.each([
    ['http://s3.amazonaws.com/echo.api/echo-api-cert.pem', /not https/],
    ['ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem', /not https/],
    ['https://notamazon.com/echo.api/echo-api-cert.pem', /host/],
    ['https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem', /host/],
    ['https://s3-external-1.amazonaws.com/echo.api/echo-api-cert.pem', /host/],
    ['https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem', /path/],
    ['https://s3.amazonaws.com/invalid.path/echo-api-cert.pem', /path/],
    ['https://s3.amazonaws.com/echo.api/../x/echo-api-cert.pem', /path/],
    ['https://s3.amazonaws.com/echo.api/../echo-api-cert.pem', /path/],
    ['https://s3.amazonaws.com/echo.api/%2e%2e/x.pem', /path/],
    ['https://s3.amazonaws.com/echo.api/.%2E/x.pem', /path/],
    ['https://s3.amazonaws.com/echo.api\\..\\x.pem', /path/],
    ['https://s3.amazonaws.com/echo.api/..%2fx.pem', /encoded/],
    ['https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem', /port/],
    ['https://s3.amazonaws.com:8443/echo.api/echo-api-cert.pem', /port/],
    ['https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem', /user info/],
    ['not a url', /not a URL/],
  ])('refuses %s', (raw, why) => {
    expect(() => validateCertChainUrl(raw)).toThrow(RequestVerificationError);
    expect(() => validateCertChainUrl(raw)).toThrow(why);
  });
});

describe('validateSigningChain', () => {
  const roots = () => [new X509Certificate(pki.root.certPem)];
  const check = (name: ChainName) =>
    validateSigningChain(parsePemChain(pki.chains[name].pem), roots(), Date.now());

  it('accepts a chain through an intermediate to a trusted root', () => {
    const chain = check('good');
    expect(chain.path.map((c) => c.subject)).toEqual([
      'CN=echo-api.amazon.com',
      'CN=Test Alexa Intermediate CA',
      'CN=Test Alexa Root CA',
    ]);
  });

  it.each<[ChainName, RegExp]>([
    ['expired', /expired or not yet valid/],
    ['notYetValid', /expired or not yet valid/],
    ['wrongSan', /echo-api\.amazon\.com missing/],
    ['untrusted', /does not lead to a trusted root/],
    ['missingIntermediate', /does not lead to a trusted root/],
    ['caLeaf', /is a CA/],
    ['issuedByLeaf', /does not lead to a trusted root/],
  ])('refuses the %s chain', (name, why) => {
    expect(() => check(name)).toThrow(CertificateChainError);
    expect(() => check(name)).toThrow(why);
  });

  it.each([
    [['echo-api.amazon.com'], true],
    [['other.example', 'ECHO-API.AMAZON.COM'], true],
    [['*.amazon.com'], false],
    [['echo-api.amazon.com.evil.example'], false],
    [['x, DNS:echo-api.amazon.com'], false],
    [[], false],
  ])('SAN %j holds echo-api.amazon.com: %s', (dnsNames, expected) => {
    // The subject CN is echo-api.amazon.com each time: it must not count.
    const cert = issue({ subject: 'echo-api.amazon.com', keys: pki.otherKeys, dnsNames });
    expect(hasSanDnsName(new X509Certificate(cert.certPem), 'echo-api.amazon.com')).toBe(expected);
  });

  it('refuses a chain when the trusted root itself has expired', () => {
    const old = issue({
      subject: 'Old Root',
      ca: true,
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const leaf = issue({ subject: 'echo-api.amazon.com', issuer: old, dnsNames: ['echo-api.amazon.com'] });
    expect(() =>
      validateSigningChain(parsePemChain(leaf.certPem), [new X509Certificate(old.certPem)], Date.now()),
    ).toThrow(/trusted root expired/);
  });

  it('refuses empty, unreadable and overlong chains', () => {
    expect(() => parsePemChain('')).toThrow(/no certificate/);
    expect(() => parsePemChain('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toThrow(
      /unreadable/,
    );
    expect(() => parsePemChain(Array(11).fill(pki.root.certPem).join('\n'))).toThrow(/more than 10/);
  });
});

describe('CertChainCache', () => {
  const url = `${CHAIN_BASE_URL}good.pem`;

  function cacheWith(
    pem: string,
    options: { ttlMs?: number; failureTtlMs?: number; maxFailureEntries?: number } = {},
  ) {
    let clock = Date.now();
    const fetches: string[] = [];
    const cache = new CertChainCache({
      fetch: async (u) => {
        fetches.push(u);
        if (u.includes('missing'))
          throw new CertificateChainError('certificate chain download answered HTTP 404');
        return pem;
      },
      trustedRoots: [pki.root.certPem],
      now: () => clock,
      ...options,
    });
    return { cache, fetches, advance: (ms: number) => (clock += ms) };
  }

  it('downloads and validates a chain once, then answers from the cache', async () => {
    const { cache, fetches } = cacheWith(pki.chains.good.pem);
    const [a, b] = await Promise.all([cache.signingCertificate(url), cache.signingCertificate(url)]);
    const c = await cache.signingCertificate(url);
    expect(a.subject).toBe('CN=echo-api.amazon.com');
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(fetches).toEqual([url]);
  });

  it('downloads again once the entry has expired', async () => {
    const { cache, fetches, advance } = cacheWith(pki.chains.good.pem, { ttlMs: 60_000 });
    await cache.signingCertificate(url);
    advance(59_000);
    await cache.signingCertificate(url);
    expect(fetches).toHaveLength(1);
    advance(2_000);
    await cache.signingCertificate(url);
    expect(fetches).toHaveLength(2);
  });

  it('re-checks validity dates of a cached chain: an expired certificate is not served from the cache', async () => {
    // A year-long TTL, so only the date check can notice.
    const { cache, fetches, advance } = cacheWith(pki.chains.good.pem, { ttlMs: 10 * 365 * 86_400_000 });
    await cache.signingCertificate(url);
    advance(400 * 86_400_000); // past the certificates' NotAfter
    await expect(cache.signingCertificate(url)).rejects.toThrow(/expired or not yet valid/);
    expect(fetches).toHaveLength(2);
    expect(cache.size).toBe(0);
  });

  it('caches a failed validation for 10 s by default, then tries again', async () => {
    const { cache, fetches, advance } = cacheWith(pki.chains.wrongSan.pem);
    await expect(cache.signingCertificate(url)).rejects.toThrow(/echo-api\.amazon\.com missing/);
    advance(DEFAULT_FAILURE_TTL_MS - 1_000);
    await expect(cache.signingCertificate(url)).rejects.toThrow(/echo-api\.amazon\.com missing/);
    expect(fetches).toHaveLength(1);
    expect(cache.size).toBe(0);
    expect(cache.failureCount).toBe(1);
    advance(2_000);
    await expect(cache.signingCertificate(url)).rejects.toThrow(CertificateChainError);
    expect(fetches).toHaveLength(2);
  });

  it('caches a failed download, also for requests made while it was running', async () => {
    const { cache, fetches } = cacheWith(pki.chains.good.pem);
    const missing = `${CHAIN_BASE_URL}missing.pem`;
    const attempts = Array.from({ length: 5 }, () => cache.signingCertificate(missing));
    for (const attempt of attempts) await expect(attempt).rejects.toThrow(/HTTP 404/);
    await expect(cache.signingCertificate(missing)).rejects.toThrow(/HTTP 404/);
    expect(fetches).toEqual([missing]);
  });

  it('keeps at most maxFailureEntries failures, and none with failureTtlMs 0', async () => {
    const bounded = cacheWith(pki.chains.good.pem, { maxFailureEntries: 2 });
    for (const name of ['a', 'b', 'c']) {
      await expect(
        bounded.cache.signingCertificate(`${CHAIN_BASE_URL}missing-${name}.pem`),
      ).rejects.toThrow();
    }
    expect(bounded.cache.failureCount).toBe(2);
    // The oldest was dropped, so it is fetched again; the newest is still answered from the cache.
    await expect(bounded.cache.signingCertificate(`${CHAIN_BASE_URL}missing-a.pem`)).rejects.toThrow();
    await expect(bounded.cache.signingCertificate(`${CHAIN_BASE_URL}missing-c.pem`)).rejects.toThrow();
    expect(bounded.fetches).toHaveLength(4);

    const off = cacheWith(pki.chains.wrongSan.pem, { failureTtlMs: 0 });
    await expect(off.cache.signingCertificate(url)).rejects.toThrow();
    await expect(off.cache.signingCertificate(url)).rejects.toThrow();
    expect(off.fetches).toHaveLength(2);
  });

  it('keeps at most maxEntries chains', async () => {
    const cache = new CertChainCache({
      fetch: async () => pki.chains.good.pem,
      trustedRoots: [pki.root.certPem],
      maxEntries: 2,
    });
    for (const name of ['a', 'b', 'c']) await cache.signingCertificate(`${CHAIN_BASE_URL}${name}.pem`);
    expect(cache.size).toBe(2);
  });
});

describe('httpsCertChainFetcher', () => {
  // A local HTTPS server standing in for S3, its certificate issued by the test root.
  let server: https.Server;
  let base: string;
  let agent: https.Agent;
  const big = 'x'.repeat(70 * 1024);

  beforeAll(async () => {
    const tlsCert = issue({ subject: '127.0.0.1', issuer: pki.root, ipAddresses: ['127.0.0.1'] });
    server = https.createServer(
      { key: tlsCert.keys.privateKeyPem, cert: `${tlsCert.certPem}\n${pki.root.certPem}` },
      (req, res) => {
        if (req.url === '/echo.api/good.pem') res.end(pki.chains.good.pem);
        else if (req.url === '/echo.api/big.pem') res.end(big);
        else if (req.url === '/echo.api/chunked-big.pem') {
          res.write(big.slice(0, 40 * 1024));
          res.end(big.slice(40 * 1024));
        } else if (req.url === '/echo.api/slow.pem') setTimeout(() => res.end(pki.chains.good.pem), 2000);
        else if (req.url === '/echo.api/redirect.pem')
          res.writeHead(302, { Location: '/echo.api/good.pem' }).end();
        else res.writeHead(404).end();
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    agent = new https.Agent({ ca: pki.root.certPem });
  });

  afterAll(async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('downloads a chain', async () => {
    const fetchChain = httpsCertChainFetcher({ agent });
    await expect(fetchChain(`${base}/echo.api/good.pem`)).resolves.toBe(pki.chains.good.pem);
  });

  it.each([
    ['/echo.api/missing.pem', /HTTP 404/],
    ['/echo.api/redirect.pem', /HTTP 302/],
    ['/echo.api/big.pem', /larger than/],
    ['/echo.api/chunked-big.pem', /larger than/],
    ['/echo.api/slow.pem', /took over 300 ms/],
  ])('refuses %s', async (path, why) => {
    const fetchChain = httpsCertChainFetcher({ agent, timeoutMs: 300, maxBytes: 64 * 1024 });
    await expect(fetchChain(`${base}${path}`)).rejects.toThrow(why);
  });

  it('refuses a server whose TLS certificate is not trusted', async () => {
    const fetchChain = httpsCertChainFetcher({ timeoutMs: 2000 });
    await expect(fetchChain(`${base}/echo.api/good.pem`)).rejects.toThrow(/download failed/);
  });
});

describe('AlexaSignatureVerifier', () => {
  const body = JSON.stringify({ request: { type: 'LaunchRequest', timestamp: new Date().toISOString() } });

  function verifierServing(name: ChainName) {
    const fetches: string[] = [];
    const verifier = new AlexaSignatureVerifier({
      cache: {
        fetch: async (u) => {
          fetches.push(u);
          return pki.chains[name].pem;
        },
        trustedRoots: [pki.root.certPem],
      },
    });
    return { verifier, fetches };
  }

  it('accepts a body signed by the signing certificate, headers in any case', async () => {
    const { verifier } = verifierServing('good');
    await expect(
      verifier.verify(body, {
        signaturecertchainurl: `${CHAIN_BASE_URL}good.pem`,
        'signature-256': signBody(body, pki.chains.good.keys),
      }),
    ).resolves.toBeUndefined();
  });

  it('refuses a changed body, another key, a missing or malformed signature, and the legacy header alone', async () => {
    const { verifier } = verifierServing('good');
    const url = `${CHAIN_BASE_URL}good.pem`;
    const good = signBody(body, pki.chains.good.keys);
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ signaturecertchainurl: url, 'signature-256': good }, `${body} `, /does not match/],
      [
        { signaturecertchainurl: url, 'signature-256': signBody(body, pki.otherKeys) },
        body,
        /does not match/,
      ],
      [{ signaturecertchainurl: url }, body, /Signature-256 header missing/],
      [{ signaturecertchainurl: url, signature: good }, body, /Signature-256 header missing/],
      [{ 'signature-256': good }, body, /SignatureCertChainUrl header missing/],
      [{ signaturecertchainurl: url, 'signature-256': 'not base64!' }, body, /not base64/],
    ];
    for (const [headers, sent, why] of cases) {
      await expect(verifier.verify(sent, headers)).rejects.toThrow(why);
    }
  });

  it('refuses a body that is not a JSON object before downloading, even when used alone', async () => {
    const { verifier, fetches } = verifierServing('good');
    for (const sent of ['not json', '[1]']) {
      await expect(
        verifier.verify(sent, {
          signaturecertchainurl: `${CHAIN_BASE_URL}good.pem`,
          'signature-256': signBody(sent, pki.chains.good.keys),
        }),
      ).rejects.toThrow(/JSON/);
    }
    expect(fetches).toEqual([]);
  });

  it('never downloads from a URL that breaks the rules', async () => {
    const { verifier, fetches } = verifierServing('good');
    await expect(
      verifier.verify(body, {
        signaturecertchainurl: 'https://s3.amazonaws.com/echo.api/../x/good.pem',
        'signature-256': signBody(body, pki.chains.good.keys),
      }),
    ).rejects.toThrow(/path/);
    expect(fetches).toEqual([]);
  });
});

describe('AlexaTimestampVerifier', () => {
  const NOW = Date.parse('2026-01-01T12:00:00Z');
  const verifier = new AlexaTimestampVerifier({ now: () => NOW });
  const envelope = (offsetMs: number, type = 'IntentRequest') =>
    JSON.stringify({ request: { type, timestamp: new Date(NOW + offsetMs).toISOString() } });

  it.each([
    ['now', 0, 'IntentRequest'],
    ['149 s old', -149_000, 'IntentRequest'],
    ['149 s ahead', 149_000, 'IntentRequest'],
    ['a skill event 59 min old', -59 * 60_000, 'AlexaSkillEvent.SkillDisabled'],
  ])('accepts %s', async (_name, offset, type) => {
    await expect(verifier.verify(envelope(offset, type))).resolves.toBeUndefined();
  });

  it.each([
    ['151 s old', -151_000, 'IntentRequest', /too old/],
    ['151 s ahead', 151_000, 'IntentRequest', /future/],
    ['an hour ahead', 3_600_000, 'IntentRequest', /future/],
    ['a skill event 61 min old', -61 * 60_000, 'AlexaSkillEvent.SkillEnabled', /too old/],
    ['a skill event 151 s ahead', 151_000, 'AlexaSkillEvent.SkillEnabled', /future/],
  ])('refuses %s', async (_name, offset, type, why) => {
    await expect(verifier.verify(envelope(offset, type))).rejects.toThrow(why);
  });

  it('refuses missing, unreadable timestamps and bodies that are not JSON objects', async () => {
    await expect(verifier.verify(JSON.stringify({ request: { type: 'LaunchRequest' } }))).rejects.toThrow(
      /missing/,
    );
    await expect(
      verifier.verify(JSON.stringify({ request: { type: 'LaunchRequest', timestamp: 'yesterday' } })),
    ).rejects.toThrow(/unreadable/);
    await expect(verifier.verify('not json')).rejects.toThrow(/not JSON/);
    await expect(verifier.verify('[1]')).rejects.toThrow(/not a JSON object/);
  });

  it('refuses windows wider than Amazon allows', () => {
    expect(() => new AlexaTimestampVerifier({ maxAgeMs: 150_001 })).toThrow(RangeError);
    expect(() => new AlexaTimestampVerifier({ skillEventMaxAgeMs: 3_600_001 })).toThrow(RangeError);
    expect(() => new AlexaTimestampVerifier({ maxFutureSkewMs: -1 })).toThrow(RangeError);
  });
});

describe('SkillIdVerifier', () => {
  const verifier = new SkillIdVerifier('amzn1.ask.skill.mine');
  const envelope = (contextId: string, sessionId?: string) =>
    JSON.stringify({
      ...(sessionId ? { session: { application: { applicationId: sessionId } } } : {}),
      context: { System: { application: { applicationId: contextId } } },
      request: { type: 'LaunchRequest' },
    });

  it('accepts envelopes for this skill', async () => {
    await expect(verifier.verify(envelope('amzn1.ask.skill.mine'))).resolves.toBeUndefined();
    await expect(
      verifier.verify(envelope('amzn1.ask.skill.mine', 'amzn1.ask.skill.mine')),
    ).resolves.toBeUndefined();
  });

  it('refuses envelopes for another skill, in the context or the session, and malformed ones', async () => {
    await expect(verifier.verify(envelope('amzn1.ask.skill.other'))).rejects.toThrow(/another skill/);
    await expect(verifier.verify(envelope('amzn1.ask.skill.mine', 'amzn1.ask.skill.other'))).rejects.toThrow(
      /session is for another skill/,
    );
    await expect(verifier.verify(JSON.stringify({ request: { type: 'LaunchRequest' } }))).rejects.toThrow(
      /another skill/,
    );
    await expect(verifier.verify(JSON.stringify({ context: {} }))).rejects.toThrow(/request type missing/);
  });
});

describe('cheapChecksFirst', () => {
  function recording(name: string, log: string[], { costly = false, fails = false } = {}): Verifier {
    return Object.assign(
      {
        verify: async () => {
          log.push(name);
          if (fails) throw new RequestVerificationError(`${name} failed`);
        },
      },
      costly ? { costly: true as const } : {},
    );
  }

  it('runs the costly verifiers last, one at a time, and stops at the first failure', async () => {
    const log: string[] = [];
    const all = cheapChecksFirst([
      recording('signature', log, { costly: true }),
      recording('skill id', log),
      recording('timestamp', log),
    ]);
    await expect(all.verify('{}')).resolves.toBeUndefined();
    expect(log).toEqual(['skill id', 'timestamp', 'signature']);

    log.length = 0;
    const failing = cheapChecksFirst([
      recording('signature', log, { costly: true }),
      recording('skill id', log, { fails: true }),
      recording('timestamp', log),
    ]);
    await expect(failing.verify('{}')).rejects.toThrow('skill id failed');
    expect(log).toEqual(['skill id']);
  });

  it('createAlexaVerifiers lists the signature verifier last and marks it costly', () => {
    const verifiers = createAlexaVerifiers({ skillId: 'amzn1.ask.skill.mine' });
    expect(verifiers.map((v) => v.constructor.name)).toEqual([
      'SkillIdVerifier',
      'AlexaTimestampVerifier',
      'AlexaSignatureVerifier',
    ]);
    expect((verifiers[2] as AlexaSignatureVerifier).costly).toBe(true);
  });
});
