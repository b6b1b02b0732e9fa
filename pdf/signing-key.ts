import { createPrivateKey, KeyObject, webcrypto, X509Certificate } from 'node:crypto';

import { decodePemBlocks } from './pem.js';
import { PdfSignError } from './sign-errors.js';

/** Digest algorithms by their WebCrypto names. */
export type DigestName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/**
 * Signature scheme of a key for a CMS SignerInfo. The digest is both the
 * message-digest algorithm and, for RSA and ECDSA, the hash inside the
 * signature algorithm.
 */
export type SignatureProfile =
  | { kind: 'rsa-pkcs1'; digest: 'SHA-256' }
  | { kind: 'rsa-pss'; digest: 'SHA-256' }
  | { kind: 'ecdsa'; curve: 'P-256' | 'P-384'; digest: 'SHA-256' | 'SHA-384' }
  // RFC 8419 §3: with signed attributes, Ed25519 signers use SHA-512 for the message digest.
  | { kind: 'ed25519'; digest: 'SHA-512' };

/** A private key with the profile it signs with. */
export interface SigningKey {
  keyObject: KeyObject;
  profile: SignatureProfile;
}

/** Smallest RSA modulus accepted, in bits; verifiers treat smaller keys as too weak. */
export const MIN_RSA_BITS = 2048;
/** Largest PEM key text read, in characters. */
const MAX_KEY_INPUT = 64 * 1024;

const CURVES: Readonly<Record<string, { curve: 'P-256' | 'P-384'; digest: 'SHA-256' | 'SHA-384' }>> = {
  prime256v1: { curve: 'P-256', digest: 'SHA-256' },
  secp384r1: { curve: 'P-384', digest: 'SHA-384' },
};

/**
 * Reads a private key (a node KeyObject or PKCS#8 PEM) and picks its
 * signature profile: RSA PKCS#1 v1.5 or, with `rsaPss`, RSA-PSS with SHA-256;
 * ECDSA P-256 with SHA-256 and P-384 with SHA-384; Ed25519 with SHA-512.
 *
 * @throws PdfSignError `invalid_key` for anything but a private key, and
 *   `unsupported_key` for another type or curve, or RSA under 2048 bits.
 */
export function readSigningKey(input: KeyObject | string, options: { rsaPss?: boolean } = {}): SigningKey {
  const keyObject = toKeyObject(input);
  const type = keyObject.asymmetricKeyType;
  const details = keyObject.asymmetricKeyDetails ?? {};

  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      throw new PdfSignError('unsupported_key', `RSA key has ${bits} bits, want at least ${MIN_RSA_BITS}`, {
        limit: MIN_RSA_BITS,
        actual: bits,
      });
    }
    return { keyObject, profile: options.rsaPss ? { kind: 'rsa-pss', digest: 'SHA-256' } : { kind: 'rsa-pkcs1', digest: 'SHA-256' } };
  }
  if (type === 'ec') {
    const curve = CURVES[details.namedCurve ?? ''];
    if (!curve) {
      throw new PdfSignError('unsupported_key', `EC key on curve ${details.namedCurve}, want P-256 (prime256v1) or P-384 (secp384r1)`, {
        actual: details.namedCurve,
      });
    }
    return { keyObject, profile: { kind: 'ecdsa', ...curve } };
  }
  if (type === 'ed25519') return { keyObject, profile: { kind: 'ed25519', digest: 'SHA-512' } };
  throw new PdfSignError('unsupported_key', `${type} keys cannot sign here, want RSA, EC P-256/P-384 or Ed25519`, { actual: type });
}

function toKeyObject(input: KeyObject | string): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== 'private') {
      throw new PdfSignError('invalid_key', `the signing key is a ${input.type} key, want a private key`, { actual: input.type });
    }
    return input;
  }
  if (typeof input !== 'string' || input.length > MAX_KEY_INPUT) {
    throw new PdfSignError('invalid_key', `the signing key must be PKCS#8 PEM text of at most ${MAX_KEY_INPUT} characters`, {
      limit: MAX_KEY_INPUT,
    });
  }
  const blocks = decodePemBlocks(input, 'PRIVATE KEY');
  if (blocks.length !== 1) {
    throw new PdfSignError('invalid_key', `the signing key has ${blocks.length} PRIVATE KEY PEM blocks, want exactly one (PKCS#8, RFC 5208)`, {
      actual: blocks.length,
    });
  }
  try {
    return createPrivateKey({ key: Buffer.from(blocks[0]), format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new PdfSignError('invalid_key', `the signing key is not a valid PKCS#8 private key: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Checks that `certificateDer` is an X.509 certificate for the public half of `key`.
 *
 * @throws PdfSignError `invalid_certificate` when OpenSSL cannot parse the
 *   certificate, and `key_certificate_mismatch` when the keys differ.
 */
export function checkKeyMatchesCertificate(key: SigningKey, certificateDer: Uint8Array): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificateDer);
  } catch (error) {
    throw new PdfSignError('invalid_certificate', `the signer certificate is not a valid X.509 certificate: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!certificate.checkPrivateKey(key.keyObject)) {
    throw new PdfSignError(
      'key_certificate_mismatch',
      `the private key does not match the public key of certificate ${certificate.subject.replaceAll('\n', ', ')}`,
    );
  }
}

/**
 * Imports the key into WebCrypto for pkijs. Ed25519 is signed without pkijs,
 * which has no mapping for it, so it has no CryptoKey here.
 */
export async function toCryptoKey(key: SigningKey): Promise<webcrypto.CryptoKey> {
  const pkcs8 = new Uint8Array(key.keyObject.export({ format: 'der', type: 'pkcs8' }));
  const profile = key.profile;
  let algorithm: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  if (profile.kind === 'rsa-pkcs1') algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: profile.digest };
  else if (profile.kind === 'rsa-pss') algorithm = { name: 'RSA-PSS', hash: profile.digest };
  else if (profile.kind === 'ecdsa') algorithm = { name: 'ECDSA', namedCurve: profile.curve };
  else throw new PdfSignError('unsupported_key', 'Ed25519 keys are signed with node:crypto, not through WebCrypto and pkijs');
  return webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
}
