import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * The pilot's PKI: national CAs of the participating countries and the
 * certificates of conformity assessment bodies (CABs). A CAB certificate
 * issued by a national CA names its CAB by the code in the subject's
 * organizationIdentifier, which is how the key registry binds it to the CAB.
 */

type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** organizationIdentifier (X.520, ETSI EN 319 412-1 §5.1.4). */
export const OID_ORGANIZATION_IDENTIFIER = '2.5.4.97';

export type KeyAlgorithm = 'ECDSA-P256' | 'RSA-2048' | 'RSA-3072';

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** A certificate with the key pair it certifies. */
export interface CertifiedKey {
  certificate: x509.X509Certificate;
  /** The certificate as DER. */
  der: Uint8Array;
  certificatePem: string;
  keys: CryptoKeyPair;
  /** The private key as PKCS#8 PEM, the format the PDF signer's `--key` option reads. */
  privateKeyPem: string;
  keyAlgorithm: KeyAlgorithm;
  /** Lowercase hex SHA-256 of the DER certificate, as the key registry names it. */
  sha256: string;
}

export interface CabCertificateOptions {
  cabCode: string;
  cabName: string;
  country: string;
  notBefore: Date;
  notAfter: Date;
  keyAlgorithm?: KeyAlgorithm;
  /** Subject common name; defaults to the CAB name. */
  commonName?: string;
}

const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ECDSA-P256', 'RSA-2048', 'RSA-3072'];

// The development genesis participants, spread over all three algorithms.
const PARTICIPANT_KEY_ALGORITHMS: Readonly<Record<string, KeyAlgorithm>> = {
  UZ: 'ECDSA-P256',
  AZ: 'RSA-3072',
  KG: 'RSA-2048',
  PK: 'ECDSA-P256',
  TJ: 'RSA-2048',
};

/**
 * Picks a key algorithm per country so the pilot exercises ECDSA and both RSA
 * sizes: the same country always gets the same algorithm.
 */
export function keyAlgorithmForCountry(country: string): KeyAlgorithm {
  const assigned = PARTICIPANT_KEY_ALGORITHMS[country];
  if (assigned) return assigned;
  let sum = 0;
  for (const char of country) sum += char.charCodeAt(0);
  return KEY_ALGORITHMS[sum % KEY_ALGORITHMS.length];
}

/** Creates a self-signed national CA certificate (RFC 5280 §4.2.1.9: a CA with keyCertSign). */
export async function createNationalCa(
  country: string,
  name: string,
  validity: Validity,
  keyAlgorithm: KeyAlgorithm = keyAlgorithmForCountry(country),
): Promise<CertifiedKey> {
  checkCountry(country);
  const keys = await generateKeys(keyAlgorithm);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ C: [country] }, { O: [name] }, { CN: [`${name} Root CA`] }],
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    signingAlgorithm: signingAlgorithm(keyAlgorithm),
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return certified(certificate, keys, keyAlgorithm);
}

/** Creates a CAB's end-entity signing certificate issued by national CA `ca`. */
export async function createCabCertificate(ca: CertifiedKey, options: CabCertificateOptions): Promise<CertifiedKey> {
  checkCountry(options.country);
  const keyAlgorithm = options.keyAlgorithm ?? keyAlgorithmForCountry(options.country);
  const keys = await generateKeys(keyAlgorithm);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: cabSubject(options),
    issuer: ca.certificate.subjectName,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: signingAlgorithm(ca.keyAlgorithm),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      signingKeyUsage(),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
  return certified(certificate, keys, keyAlgorithm);
}

/** Creates a CAB's own self-signed signing certificate, registered directly with `cabkey.register`. */
export async function createSelfSignedCabCertificate(options: CabCertificateOptions): Promise<CertifiedKey> {
  checkCountry(options.country);
  const keyAlgorithm = options.keyAlgorithm ?? keyAlgorithmForCountry(options.country);
  const keys = await generateKeys(keyAlgorithm);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: cabSubject(options),
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: signingAlgorithm(keyAlgorithm),
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      signingKeyUsage(),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return certified(certificate, keys, keyAlgorithm);
}

/**
 * Creates a CAB certificate from `ca` that expired one day before `now`
 * (valid for the year before that), for the cases where registration must
 * fail with certificate_expired.
 */
export async function createExpiredCabCertificate(
  ca: CertifiedKey,
  options: Omit<CabCertificateOptions, 'notBefore' | 'notAfter'>,
  now: Date,
): Promise<CertifiedKey> {
  const day = 24 * 60 * 60 * 1000;
  return createCabCertificate(ca, {
    ...options,
    notBefore: new Date(now.getTime() - 366 * day),
    notAfter: new Date(now.getTime() - day),
  });
}

/** Encodes DER as PEM with 64-character lines (RFC 7468 §2). */
export function toPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Returns the lowercase hex SHA-256 of `der`. */
export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

function checkCountry(country: string): void {
  if (!/^[A-Z]{2}$/.test(country)) {
    throw new RangeError(`country ${JSON.stringify(country)} is not an ISO 3166-1 alpha-2 code`);
  }
}

function cabSubject(options: CabCertificateOptions): x509.Name {
  return new x509.Name([
    { C: [options.country] },
    { O: [options.cabName] },
    { [OID_ORGANIZATION_IDENTIFIER]: [{ utf8String: options.cabCode }] },
    { CN: [options.commonName ?? options.cabName] },
  ]);
}

function signingKeyUsage(): x509.KeyUsagesExtension {
  return new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true);
}

async function generateKeys(keyAlgorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  const subtle = webcrypto.subtle;
  if (keyAlgorithm === 'ECDSA-P256') {
    return subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  }
  return subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: keyAlgorithm === 'RSA-2048' ? 2048 : 3072,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  );
}

function signingAlgorithm(keyAlgorithm: KeyAlgorithm): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return keyAlgorithm === 'ECDSA-P256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
}

/** Generates a random positive 16-byte serial with the top bit clear, so DER needs no padding byte. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] % 0x7f) + 1;
  return Buffer.from(bytes).toString('hex');
}

async function certified(certificate: x509.X509Certificate, keys: CryptoKeyPair, keyAlgorithm: KeyAlgorithm): Promise<CertifiedKey> {
  const der = new Uint8Array(certificate.rawData);
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    certificate,
    der,
    certificatePem: toPem(der, 'CERTIFICATE'),
    keys,
    privateKeyPem: toPem(pkcs8, 'PRIVATE KEY'),
    keyAlgorithm,
    sha256: sha256Hex(der),
  };
}
