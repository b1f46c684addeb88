/**
 * Verifiers for requests reaching the skill over HTTPS, implementing ask-sdk-express-adapter's `Verifier`
 * interface and passed to `new ExpressAdapter(skill, false, false, verifiers)` in place of the adapter's own
 * (see ../shared/reference/alexa-platform.md §2.2–2.4). They differ from the adapter's where it has gaps:
 *
 * - `AlexaSignatureVerifier`: the `SignatureCertChainUrl` path is normalised (WHATWG URL parsing resolves
 *   `.`/`..` segments, also percent-encoded ones, and backslashes) before the `/echo.api/` prefix check, and
 *   the normalised URL is the one downloaded; the certificate cache expires and re-checks dates
 *   (`CertChainCache`); chains are validated with OpenSSL (`X509Certificate`), so ECDSA roots count too.
 * - `AlexaTimestampVerifier`: rejects timestamps too far in the future as well as too old ones.
 * - `SkillIdVerifier`: refuses envelopes for another skill (or without the ids) before the skill runs, so
 *   no handler or store is touched; the skill's own `withSkillId` check stays as a second line.
 *
 * Every verifier throws an Error whose message names the broken rule; the adapter turns it into a 400.
 *
 * The adapter runs its verifiers concurrently (`Promise.all`), so a request refused for its skill id,
 * timestamp or JSON would still start a certificate download. `cheapChecksFirst` (used by `createServer`)
 * runs them in order instead: every verifier not marked `costly` first, and the costly ones
 * (`AlexaSignatureVerifier`, which may download a chain) only when all of those have passed.
 */
import { verify as verifySignature } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Verifier } from 'ask-sdk-express-adapter';
import { CertChainCache } from './cert-chain';
import type { CertChainCacheOptions } from './cert-chain';

export const SIGNATURE_HEADER = 'signature-256';
export const CERT_CHAIN_URL_HEADER = 'signaturecertchainurl';
export const CERT_CHAIN_URL_HOST = 's3.amazonaws.com';
export const CERT_CHAIN_URL_PATH_PREFIX = '/echo.api/';
/** Normal requests may be this old (Amazon's limit; the adapter's MAXIMUM_NORMAL_REQUEST_TOLERANCE_IN_MILLIS). */
export const MAX_REQUEST_AGE_MS = 150_000;
/** AlexaSkillEvent.* requests may be this old. */
export const MAX_SKILL_EVENT_AGE_MS = 3_600_000;
/** Clocks differ a little; a timestamp further ahead than this is refused. */
export const MAX_FUTURE_SKEW_MS = 150_000;

/**
 * A verifier that may do expensive or outbound work (a certificate download). `cheapChecksFirst` runs it
 * only after every other verifier has passed.
 */
export interface CostlyVerifier extends Verifier {
  readonly costly: true;
}

function isCostly(verifier: Verifier): boolean {
  return (verifier as Partial<CostlyVerifier>).costly === true;
}

/** A request that failed verification; the message names the rule. */
export class RequestVerificationError extends Error {
  override readonly name = 'RequestVerificationError';
}

function header(headers: IncomingHttpHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
    return value;
  }
  return undefined;
}

/**
 * Checks a `SignatureCertChainUrl` against Amazon's rules and returns the normalised URL to download:
 * scheme https and host s3.amazonaws.com (both case-insensitive), no port other than 443, no user info, and
 * a path that starts with `/echo.api/` (case-sensitive) AFTER `.`/`..` segments are resolved. Encoded `.`,
 * `/` or `\` left in the path are refused outright.
 */
export function validateCertChainUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new RequestVerificationError('SignatureCertChainUrl is not a URL');
  }
  if (url.protocol !== 'https:') throw new RequestVerificationError('SignatureCertChainUrl is not https');
  if (url.hostname !== CERT_CHAIN_URL_HOST) {
    throw new RequestVerificationError(`SignatureCertChainUrl host is not ${CERT_CHAIN_URL_HOST}`);
  }
  // URL drops the default port, so any port left here is not 443.
  if (url.port !== '') throw new RequestVerificationError('SignatureCertChainUrl port is not 443');
  if (url.username || url.password) {
    throw new RequestVerificationError('SignatureCertChainUrl carries user info');
  }
  // WHATWG parsing has already resolved "." and ".." segments (also "%2e" forms) and turned "\" into "/".
  const path = url.pathname;
  if (/%2e|%2f|%5c/i.test(path)) {
    throw new RequestVerificationError('SignatureCertChainUrl path has encoded dots or slashes');
  }
  if (!path.startsWith(CERT_CHAIN_URL_PATH_PREFIX)) {
    throw new RequestVerificationError(
      `SignatureCertChainUrl path does not start with ${CERT_CHAIN_URL_PATH_PREFIX}`,
    );
  }
  url.hash = '';
  return url.href;
}

function parseEnvelope(requestEnvelope: string): Record<string, unknown> {
  if (typeof requestEnvelope !== 'string') throw new RequestVerificationError('request body missing');
  let parsed: unknown;
  try {
    parsed = JSON.parse(requestEnvelope);
  } catch {
    throw new RequestVerificationError('request body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestVerificationError('request body is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function field(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface SignatureVerifierOptions {
  /** Shared cache of validated chains; default a new one built from `cache`. */
  certificates?: CertChainCache;
  /** Options for the default cache: fetcher, trusted roots, ttl, clock. */
  cache?: CertChainCacheOptions;
}

/**
 * Alexa's request signature: the `Signature-256` header is a base64 RSA-SHA256 signature of the raw body,
 * made with the key of the signing certificate named by `SignatureCertChainUrl`.
 */
export class AlexaSignatureVerifier implements CostlyVerifier {
  readonly costly = true;
  readonly certificates: CertChainCache;

  constructor(options: SignatureVerifierOptions = {}) {
    this.certificates = options.certificates ?? new CertChainCache(options.cache);
  }

  async verify(requestEnvelope: string, headers?: IncomingHttpHeaders): Promise<void> {
    if (typeof requestEnvelope !== 'string' || requestEnvelope.length === 0) {
      throw new RequestVerificationError('request body missing');
    }
    const chainUrl = header(headers, CERT_CHAIN_URL_HEADER);
    if (!chainUrl) throw new RequestVerificationError('SignatureCertChainUrl header missing');
    const signature = header(headers, SIGNATURE_HEADER)?.trim();
    if (!signature) throw new RequestVerificationError('Signature-256 header missing');
    if (!BASE64.test(signature)) throw new RequestVerificationError('Signature-256 is not base64');
    // Alexa only signs JSON objects: anything else is refused here too, before any download, even when this
    // verifier is used alone or outside cheapChecksFirst.
    parseEnvelope(requestEnvelope);

    const url = validateCertChainUrl(chainUrl);
    let certificate;
    try {
      certificate = await this.certificates.signingCertificate(url);
    } catch (error) {
      throw new RequestVerificationError(`signing certificate refused: ${(error as Error).message}`);
    }
    const ok = verifySignature(
      'sha256',
      Buffer.from(requestEnvelope, 'utf8'),
      certificate.publicKey,
      Buffer.from(signature, 'base64'),
    );
    if (!ok) throw new RequestVerificationError('Signature-256 does not match the request body');
  }
}

export interface TimestampVerifierOptions {
  maxAgeMs?: number;
  skillEventMaxAgeMs?: number;
  maxFutureSkewMs?: number;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

/**
 * `request.timestamp` must be at most 150 s old (AlexaSkillEvent.* requests: one hour) and at most 150 s
 * ahead of this server's clock. Larger windows than Amazon's are refused at construction.
 */
export class AlexaTimestampVerifier implements Verifier {
  private readonly maxAgeMs: number;
  private readonly skillEventMaxAgeMs: number;
  private readonly maxFutureSkewMs: number;
  private readonly now: () => number;

  constructor(options: TimestampVerifierOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? MAX_REQUEST_AGE_MS;
    this.skillEventMaxAgeMs = options.skillEventMaxAgeMs ?? MAX_SKILL_EVENT_AGE_MS;
    this.maxFutureSkewMs = options.maxFutureSkewMs ?? MAX_FUTURE_SKEW_MS;
    this.now = options.now ?? Date.now;
    const windows = [this.maxAgeMs, this.skillEventMaxAgeMs, this.maxFutureSkewMs];
    if (windows.some((ms) => !Number.isFinite(ms) || ms < 0)) {
      throw new RangeError('timestamp windows must be non-negative numbers');
    }
    if (this.maxAgeMs > MAX_REQUEST_AGE_MS || this.skillEventMaxAgeMs > MAX_SKILL_EVENT_AGE_MS) {
      throw new RangeError('timestamp windows may not exceed Amazon limits (150 s, 1 h for skill events)');
    }
  }

  async verify(requestEnvelope: string): Promise<void> {
    const envelope = parseEnvelope(requestEnvelope);
    const timestamp = field(envelope, 'request', 'timestamp');
    if (typeof timestamp !== 'string' || timestamp === '') {
      throw new RequestVerificationError('request timestamp missing');
    }
    const at = Date.parse(timestamp);
    if (!Number.isFinite(at)) throw new RequestVerificationError('request timestamp unreadable');
    const type = field(envelope, 'request', 'type');
    const isSkillEvent = typeof type === 'string' && type.startsWith('AlexaSkillEvent.');
    const now = this.now();
    if (now - at > (isSkillEvent ? this.skillEventMaxAgeMs : this.maxAgeMs)) {
      throw new RequestVerificationError('request timestamp too old');
    }
    if (at - now > this.maxFutureSkewMs) {
      throw new RequestVerificationError('request timestamp too far in the future');
    }
  }
}

/**
 * The envelope is for this skill: `context.System.application.applicationId` (what ask-sdk-core's
 * `withSkillId` checks) and, when there is a session, `session.application.applicationId` equal `skillId`.
 * Runs even with `--insecure-local`, and makes a malformed envelope a 400 rather than a skill failure.
 */
export class SkillIdVerifier implements Verifier {
  constructor(private readonly skillId: string) {
    if (!skillId) throw new TypeError('SkillIdVerifier needs the skill id');
  }

  async verify(requestEnvelope: string): Promise<void> {
    const envelope = parseEnvelope(requestEnvelope);
    if (typeof field(envelope, 'request', 'type') !== 'string') {
      throw new RequestVerificationError('request type missing');
    }
    if (field(envelope, 'context', 'System', 'application', 'applicationId') !== this.skillId) {
      throw new RequestVerificationError('request is for another skill');
    }
    const session = field(envelope, 'session');
    if (session !== undefined && field(session, 'application', 'applicationId') !== this.skillId) {
      throw new RequestVerificationError('session is for another skill');
    }
  }
}

export interface AlexaVerifierOptions {
  skillId: string;
  signature?: SignatureVerifierOptions;
  timestamp?: TimestampVerifierOptions;
}

/**
 * The full set for production: skill id, timestamp, then signature (with certificate chain), cheapest
 * first. Run them with `cheapChecksFirst` (createServer does), not the adapter's concurrent loop.
 */
export function createAlexaVerifiers(options: AlexaVerifierOptions): Verifier[] {
  return [
    new SkillIdVerifier(options.skillId),
    new AlexaTimestampVerifier(options.timestamp),
    new AlexaSignatureVerifier(options.signature),
  ];
}

/**
 * One verifier running `verifiers` one at a time: those not marked `costly` first, in the order given, then
 * the costly ones; the first failure stops it. So a request refused for its skill id, timestamp or JSON
 * never causes a certificate download.
 */
export function cheapChecksFirst(verifiers: readonly Verifier[]): Verifier {
  const ordered = [...verifiers.filter((v) => !isCostly(v)), ...verifiers.filter(isCostly)];
  return {
    async verify(requestEnvelope: string, headers?: IncomingHttpHeaders): Promise<void> {
      for (const verifier of ordered) await verifier.verify(requestEnvelope, headers);
    },
  };
}
