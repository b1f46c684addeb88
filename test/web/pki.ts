/**
 * A throw-away PKI for the web-service tests: a root CA, an intermediate, and signing certificates shaped
 * like Alexa's (SAN echo-api.amazon.com), made with node-forge on keys from Node's crypto. Nothing here
 * touches the network; the tests inject these as trusted roots and serve the chains from a fake fetcher.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

const { pki } = forge;
const DAY = 24 * 60 * 60 * 1000;

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function rsaKeys(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface Issued {
  keys: KeyPair;
  certPem: string;
  subject: string;
}

export interface CertOptions {
  subject: string;
  /** Signs the certificate; self-signed when absent. */
  issuer?: Issued;
  keys?: KeyPair;
  ca?: boolean;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

let serial = 1;

export function issue(options: CertOptions): Issued {
  const keys = options.keys ?? rsaKeys();
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(keys.publicKeyPem);
  serial += 1;
  // DER integers are minimal and positive: no leading 00 byte, first byte below 0x80.
  cert.serialNumber = `1${serial.toString(16).padStart(7, '0')}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY);
  const subject = [{ name: 'commonName', value: options.subject }];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? [{ name: 'commonName', value: options.issuer.subject }] : subject);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: options.ca === true, critical: true },
    options.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  const altNames = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  cert.setExtensions(extensions);
  const signer = options.issuer?.keys ?? keys;
  cert.sign(pki.privateKeyFromPem(signer.privateKeyPem), forge.md.sha256.create());
  return { keys, certPem: pki.certificateToPem(cert), subject: options.subject };
}

/** Base64 RSA-SHA256 signature of `body` (the UTF-8 bytes), as Alexa puts in Signature-256. */
export function signBody(body: string, keys: KeyPair): string {
  return createSign('RSA-SHA256').update(Buffer.from(body, 'utf8')).sign(keys.privateKeyPem, 'base64');
}

export type ChainName =
  | 'good'
  | 'missingIntermediate'
  | 'expired'
  | 'notYetValid'
  | 'wrongSan'
  | 'untrusted'
  | 'caLeaf'
  | 'issuedByLeaf';

export interface SigningChain {
  pem: string;
  keys: KeyPair;
}

export interface TestPki {
  root: Issued;
  intermediate: Issued;
  /** Valid Alexa-like signing certificate, issued by the intermediate. */
  signing: Issued;
  /**
   * Chains (PEM text) as an Alexa URL would serve them, signing certificate first, each with the signing
   * certificate's keys:
   * - good: signing certificate and intermediate;
   * - missingIntermediate: the signing certificate alone, which cannot reach the root;
   * - expired, notYetValid, wrongSan: a signing certificate failing that rule;
   * - untrusted: a chain to a root with the trusted root's name but another key;
   * - caLeaf: a "signing" certificate that is itself a CA;
   * - issuedByLeaf: a signing certificate issued by a certificate that is not a CA.
   */
  chains: Record<ChainName, SigningChain>;
  /** A key whose signatures the good certificate does not vouch for. */
  otherKeys: KeyPair;
}

export function createTestPki(): TestPki {
  const root = issue({ subject: 'Test Alexa Root CA', ca: true });
  const intermediate = issue({ subject: 'Test Alexa Intermediate CA', issuer: root, ca: true });
  const san = ['echo-api.amazon.com'];
  const signing = issue({ subject: 'echo-api.amazon.com', issuer: intermediate, dnsNames: san });
  const chain = (...certs: [Issued, ...Issued[]]): SigningChain => ({
    pem: certs.map((c) => c.certPem).join('\n'),
    keys: certs[0].keys,
  });
  const expired = issue({
    subject: 'echo-api.amazon.com',
    issuer: intermediate,
    dnsNames: san,
    notBefore: new Date(Date.now() - 30 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  const notYetValid = issue({
    subject: 'echo-api.amazon.com',
    issuer: intermediate,
    dnsNames: san,
    notBefore: new Date(Date.now() + DAY),
  });
  const wrongSan = issue({
    subject: 'echo-api.amazon.com',
    issuer: intermediate,
    dnsNames: ['echo-api.amazon.com.evil.example', 'other.amazon.com'],
  });
  const strangerRoot = issue({ subject: 'Test Alexa Root CA', ca: true });
  const strangerIntermediate = issue({
    subject: 'Test Alexa Intermediate CA',
    issuer: strangerRoot,
    ca: true,
  });
  const untrusted = issue({ subject: 'echo-api.amazon.com', issuer: strangerIntermediate, dnsNames: san });
  const caLeaf = issue({ subject: 'echo-api.amazon.com', issuer: intermediate, dnsNames: san, ca: true });
  const plainLeaf = issue({ subject: 'Not A CA', issuer: intermediate, dnsNames: ['plain.example'] });
  const issuedByLeaf = issue({ subject: 'echo-api.amazon.com', issuer: plainLeaf, dnsNames: san });
  return {
    root,
    intermediate,
    signing,
    chains: {
      good: chain(signing, intermediate),
      missingIntermediate: chain(signing),
      expired: chain(expired, intermediate),
      notYetValid: chain(notYetValid, intermediate),
      wrongSan: chain(wrongSan, intermediate),
      untrusted: chain(untrusted, strangerIntermediate, strangerRoot),
      caLeaf: chain(caLeaf, intermediate),
      issuedByLeaf: chain(issuedByLeaf, plainLeaf, intermediate),
    },
    otherKeys: rsaKeys(),
  };
}

export const CHAIN_BASE_URL = 'https://s3.amazonaws.com/echo.api/';
