/**
 * Alexa's signing certificate chain: download (bounded), validation, and a cache with an expiry.
 *
 * Alexa names a PEM chain in the `SignatureCertChainUrl` header. Before its first certificate (the signing
 * certificate) may verify a request's signature, the chain must pass `validateSigningChain`:
 *
 * - the signing certificate is within its NotBefore/NotAfter dates, lists `echo-api.amazon.com` as a DNS name
 *   in its Subject Alternative Names, is not a CA, and has an RSA key (Alexa signs with RSA-SHA256);
 * - it chains to one of the trusted roots (default: Node's bundled Mozilla store, `tls.rootCertificates`):
 *   each step is checked with OpenSSL through `X509Certificate#checkIssued` (issuer/subject names, key
 *   identifiers, the issuer's key usage) and `X509Certificate#verify` (the signature), each intermediate
 *   must be a CA and within its dates, and so must the root it ends at.
 *
 * Not checked (as in ask-sdk-express-adapter 2.14.0): revocation, path-length and name constraints.
 *
 * The cache (`CertChainCache`) fixes the adapter's gaps: entries expire (default after one hour, and never
 * later than the earliest NotAfter in the chain), the validity dates of every certificate of a cached chain
 * are checked again on each use, concurrent requests for one URL share one download, and the number of
 * entries is bounded. Failures (download or validation) are cached too, briefly (default 10 s, bounded):
 * the URL is caller-chosen, so without that one bad URL would make the server fetch on every request.
 */
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { rootCertificates } from 'node:tls';

/** Downloads the PEM text at `url` (already validated by the caller). Rejects on any failure. */
export type CertChainFetcher = (url: string) => Promise<string>;

/** The DNS name Alexa's signing certificate must carry in its Subject Alternative Names. */
export const ALEXA_SIGNING_CERT_SAN = 'echo-api.amazon.com';
/** Amazon's chain is a few kB; anything much larger is not it. */
export const DEFAULT_MAX_CHAIN_BYTES = 64 * 1024;
export const DEFAULT_FETCH_TIMEOUT_MS = 3000;
export const DEFAULT_CACHE_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_MAX_CACHE_ENTRIES = 32;
/** Long enough that a URL repeated in a flood costs one download a minute; short enough to recover soon. */
/**
 * Short: long enough that one bad URL costs a handful of downloads a minute, short enough that a real
 * Amazon URL which failed once (a network error) refuses Alexa's requests for seconds, not a minute.
 */
export const DEFAULT_FAILURE_TTL_MS = 10_000;
export const DEFAULT_MAX_FAILURE_ENTRIES = 256;
const MAX_CHAIN_CERTIFICATES = 10;

/** Why a certificate chain was refused; the message names the rule (never secrets). */
export class CertificateChainError extends Error {
  override readonly name = 'CertificateChainError';
}

export interface HttpsFetcherOptions {
  /** Whole download, connection included. */
  timeoutMs?: number;
  maxBytes?: number;
  /** Default Node's global agent (Node's CA store checks S3's server certificate). */
  agent?: https.Agent;
}

/**
 * The default fetcher: one HTTPS GET (server certificate checked by Node as usual, no redirects followed),
 * status 200 only, at most `maxBytes` (by Content-Length up front and by counting), within `timeoutMs`.
 */
export function httpsCertChainFetcher(options: HttpsFetcherOptions = {}): CertChainFetcher {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CHAIN_BYTES;
  const agent = options.agent;
  return (url) =>
    new Promise<string>((resolve, reject) => {
      const fail = (message: string) => {
        request.destroy();
        reject(new CertificateChainError(message));
      };
      const target = new URL(url);
      if (target.protocol !== 'https:') {
        reject(new CertificateChainError('certificate chain URL is not https'));
        return;
      }
      // One options object (not url + options): the form every wrapper of https.get understands.
      const request = https.get(
        {
          protocol: target.protocol,
          hostname: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port || 443,
          path: `${target.pathname}${target.search}`,
          timeout: timeoutMs,
          agent,
          headers: { Accept: '*/*' },
        },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            fail(`certificate chain download answered HTTP ${response.statusCode ?? 0}`);
            return;
          }
          const declared = Number(response.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) {
            fail(`certificate chain is larger than ${maxBytes} bytes`);
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) fail(`certificate chain is larger than ${maxBytes} bytes`);
            else chunks.push(chunk);
          });
          response.on('end', () => {
            clearTimeout(deadline);
            resolve(Buffer.concat(chunks).toString('utf8'));
          });
          response.on('error', (error) => fail(`certificate chain download failed: ${error.message}`));
        },
      );
      const deadline = setTimeout(
        () => fail(`certificate chain download took over ${timeoutMs} ms`),
        timeoutMs,
      );
      deadline.unref();
      request.on('timeout', () => fail(`certificate chain download took over ${timeoutMs} ms`));
      request.on('error', (error) => {
        clearTimeout(deadline);
        reject(
          error instanceof CertificateChainError
            ? error
            : new CertificateChainError(`certificate chain download failed: ${error.message}`),
        );
      });
      request.on('close', () => clearTimeout(deadline));
    });
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM chain, in order. Throws when there are none, too many, or one is unreadable. */
export function parsePemChain(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new CertificateChainError('no certificate in the chain');
  if (blocks.length > MAX_CHAIN_CERTIFICATES) {
    throw new CertificateChainError(`more than ${MAX_CHAIN_CERTIFICATES} certificates in the chain`);
  }
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new CertificateChainError('unreadable certificate in the chain');
    }
  });
}

/** Parses trusted roots once; unreadable entries are skipped. */
export function parseTrustedRoots(pems: readonly string[]): X509Certificate[] {
  const roots: X509Certificate[] = [];
  for (const pem of pems) {
    try {
      roots.push(new X509Certificate(pem));
    } catch {
      // A root Node cannot parse cannot anchor anything either.
    }
  }
  return roots;
}

function notBefore(cert: X509Certificate): number {
  return Date.parse(cert.validFrom);
}

function notAfter(cert: X509Certificate): number {
  return Date.parse(cert.validTo);
}

/** Within NotBefore..NotAfter at `now`; unparsable dates count as outside. */
export function isCurrentlyValid(cert: X509Certificate, now: number): boolean {
  const from = notBefore(cert);
  const to = notAfter(cert);
  return Number.isFinite(from) && Number.isFinite(to) && from <= now && now <= to;
}

/**
 * `name` is one of the certificate's SAN DNS names, exactly (case-insensitive): OpenSSL's X509_check_host
 * with no wildcards and no fallback to the subject CN. (Parsing Node's `subjectAltName` text instead is
 * ambiguous for names containing ", ".)
 */
export function hasSanDnsName(cert: X509Certificate, name: string): boolean {
  return cert.checkHost(name, { subject: 'never', wildcards: false, partialWildcards: false }) !== undefined;
}

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export interface ValidatedChain {
  /** The signing certificate (first in the chain). */
  signing: X509Certificate;
  /** Signing certificate, intermediates used, and the trusted root reached, in that order. */
  path: X509Certificate[];
  /** The earliest NotAfter on the path (epoch ms). */
  notAfter: number;
}

/**
 * Checks the chain as Alexa's documentation requires (see the file comment) and returns the path it found
 * from the signing certificate to a trusted root. Throws CertificateChainError naming the failed rule.
 */
export function validateSigningChain(
  certs: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  now: number,
): ValidatedChain {
  const signing = certs[0];
  if (!signing) throw new CertificateChainError('no certificate in the chain');
  if (!isCurrentlyValid(signing, now)) {
    throw new CertificateChainError('signing certificate expired or not yet valid');
  }
  if (!hasSanDnsName(signing, ALEXA_SIGNING_CERT_SAN)) {
    throw new CertificateChainError(`${ALEXA_SIGNING_CERT_SAN} missing from the signing certificate's SAN`);
  }
  if (signing.ca) throw new CertificateChainError('signing certificate is a CA certificate');
  if (signing.publicKey.asymmetricKeyType !== 'rsa') {
    throw new CertificateChainError('signing certificate has no RSA key');
  }

  const path = [signing];
  const used = new Set<number>([0]);
  let current = signing;
  for (let depth = 0; depth < MAX_CHAIN_CERTIFICATES; depth += 1) {
    const root = roots.find((candidate) => issuedBy(current, candidate));
    if (root) {
      if (!isCurrentlyValid(root, now)) throw new CertificateChainError('trusted root expired');
      path.push(root);
      return { signing, path, notAfter: Math.min(...path.map(notAfter)) };
    }
    const next = certs.findIndex(
      (candidate, index) => !used.has(index) && candidate.ca && issuedBy(current, candidate),
    );
    const intermediate = certs[next];
    if (next < 0 || !intermediate) {
      throw new CertificateChainError('certificate chain does not lead to a trusted root');
    }
    if (!isCurrentlyValid(intermediate, now)) {
      throw new CertificateChainError('intermediate certificate expired or not yet valid');
    }
    used.add(next);
    path.push(intermediate);
    current = intermediate;
  }
  throw new CertificateChainError('certificate chain too long');
}

export interface CertChainCacheOptions {
  /** Default: `httpsCertChainFetcher()`. Tests give their own. */
  fetch?: CertChainFetcher;
  /** PEM texts; default Node's bundled roots (`tls.rootCertificates`). */
  trustedRoots?: readonly string[];
  /** How long a validated chain is reused before it is downloaded and validated again. */
  ttlMs?: number;
  maxEntries?: number;
  /** How long a failed download or validation is answered from the cache (0: not cached). */
  failureTtlMs?: number;
  maxFailureEntries?: number;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

interface CacheEntry {
  chain: ValidatedChain;
  expiresAt: number;
}

interface FailureEntry {
  error: Error;
  expiresAt: number;
}

/**
 * Validated signing certificates by chain URL. `signingCertificate(url)` answers from the cache while the
 * entry is fresh and every certificate on its path is still within its dates; otherwise it downloads and
 * validates the chain again. A URL whose download or validation failed is answered with the same error,
 * without a download, until `failureTtlMs` has passed.
 */
export class CertChainCache {
  private readonly fetchChain: CertChainFetcher;
  private readonly rootPems: readonly string[];
  private roots: X509Certificate[] | undefined;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly failureTtlMs: number;
  private readonly maxFailureEntries: number;
  private readonly entries = new Map<string, CacheEntry>();
  private readonly failures = new Map<string, FailureEntry>();
  private readonly pending = new Map<string, Promise<ValidatedChain>>();

  constructor(options: CertChainCacheOptions = {}) {
    this.fetchChain = options.fetch ?? httpsCertChainFetcher();
    this.rootPems = options.trustedRoots ?? rootCertificates;
    this.ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_CACHE_ENTRIES);
    this.failureTtlMs = Math.max(0, options.failureTtlMs ?? DEFAULT_FAILURE_TTL_MS);
    this.maxFailureEntries = Math.max(1, options.maxFailureEntries ?? DEFAULT_MAX_FAILURE_ENTRIES);
    this.now = options.now ?? Date.now;
  }

  /** Number of cached chains (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  /** Number of cached failures (for tests and diagnostics). */
  get failureCount(): number {
    return this.failures.size;
  }

  /** The validated signing certificate for `url`, which the caller has already checked against the URL rules. */
  async signingCertificate(url: string): Promise<X509Certificate> {
    const now = this.now();
    const cached = this.entries.get(url);
    if (cached) {
      if (now < cached.expiresAt && cached.chain.path.every((cert) => isCurrentlyValid(cert, now))) {
        return cached.chain.signing;
      }
      this.entries.delete(url);
    }
    const failed = this.failures.get(url);
    if (failed) {
      if (now < failed.expiresAt) throw failed.error;
      this.failures.delete(url);
    }
    let loading = this.pending.get(url);
    if (!loading) {
      loading = this.load(url).finally(() => this.pending.delete(url));
      this.pending.set(url, loading);
    }
    return (await loading).signing;
  }

  private async load(url: string): Promise<ValidatedChain> {
    let chain: ValidatedChain;
    let now: number;
    try {
      const pem = await this.fetchChain(url);
      this.roots ??= parseTrustedRoots(this.rootPems);
      now = this.now();
      chain = validateSigningChain(parsePemChain(pem), this.roots, now);
    } catch (error) {
      this.rememberFailure(url, error);
      throw error;
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(url, { chain, expiresAt: Math.min(now + this.ttlMs, chain.notAfter) });
    return chain;
  }

  private rememberFailure(url: string, error: unknown): void {
    if (this.failureTtlMs === 0) return;
    const now = this.now();
    // Entries share one TTL, so insertion order is expiry order: drop the expired ones from the front, then
    // the oldest while full, so a flood of distinct URLs cannot grow the map past its bound.
    for (const [key, entry] of this.failures) {
      if (entry.expiresAt > now) break;
      this.failures.delete(key);
    }
    while (this.failures.size >= this.maxFailureEntries) {
      const oldest = this.failures.keys().next();
      if (oldest.done) break;
      this.failures.delete(oldest.value);
    }
    const cause = error instanceof Error ? error : new CertificateChainError(String(error));
    this.failures.delete(url); // re-inserted at the end, keeping the map in expiry order
    this.failures.set(url, { error: cause, expiresAt: now + this.failureTtlMs });
  }
}
