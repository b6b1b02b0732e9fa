import { constants, createVerify, publicDecrypt, verify, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';

/**
 * The digest and signature algorithms a CMS SignerInfo may name, mapped to
 * node:crypto. pkijs 4 has no Ed25519, and WebCrypto wants IEEE P1363 ECDSA
 * values, so signature values are checked with node:crypto directly.
 */

const DIGESTS: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.2.5', 'md5'],
  ['1.3.14.3.2.26', 'sha1'],
  ['2.16.840.1.101.3.4.2.4', 'sha224'],
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
  ['2.16.840.1.101.3.4.2.8', 'sha3-256'],
  ['2.16.840.1.101.3.4.2.9', 'sha3-384'],
  ['2.16.840.1.101.3.4.2.10', 'sha3-512'],
]);

/** Digests this module never accepts, whatever the policy. */
const BROKEN_DIGESTS = new Set(['md5']);

export type SignatureFamily = 'RSASSA-PKCS1-v1_5' | 'RSASSA-PSS' | 'ECDSA' | 'Ed25519';

/** A signature algorithm with its hash resolved; Ed25519 hashes internally, so `hash` is undefined there. */
export interface SignatureScheme {
  family: SignatureFamily;
  hash?: string;
  /** RSASSA-PSS salt length in bytes. */
  saltLength?: number;
}

const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
const OID_MGF1 = '1.2.840.113549.1.1.8';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_ED25519 = '1.3.101.112';

/** Signature OIDs that fix their own hash (RFC 8017 Appendix C, RFC 5758 §3.2, NIST CSOR). */
const HASHED_SIGNATURES: ReadonlyMap<string, SignatureScheme> = new Map([
  ['1.2.840.113549.1.1.4', { family: 'RSASSA-PKCS1-v1_5', hash: 'md5' }],
  ['1.2.840.113549.1.1.5', { family: 'RSASSA-PKCS1-v1_5', hash: 'sha1' }],
  ['1.2.840.113549.1.1.14', { family: 'RSASSA-PKCS1-v1_5', hash: 'sha224' }],
  ['1.2.840.113549.1.1.11', { family: 'RSASSA-PKCS1-v1_5', hash: 'sha256' }],
  ['1.2.840.113549.1.1.12', { family: 'RSASSA-PKCS1-v1_5', hash: 'sha384' }],
  ['1.2.840.113549.1.1.13', { family: 'RSASSA-PKCS1-v1_5', hash: 'sha512' }],
  ['2.16.840.1.101.3.4.3.14', { family: 'RSASSA-PKCS1-v1_5', hash: 'sha3-256' }],
  ['2.16.840.1.101.3.4.3.15', { family: 'RSASSA-PKCS1-v1_5', hash: 'sha3-384' }],
  ['2.16.840.1.101.3.4.3.16', { family: 'RSASSA-PKCS1-v1_5', hash: 'sha3-512' }],
  ['1.2.840.10045.4.1', { family: 'ECDSA', hash: 'sha1' }],
  ['1.2.840.10045.4.3.1', { family: 'ECDSA', hash: 'sha224' }],
  ['1.2.840.10045.4.3.2', { family: 'ECDSA', hash: 'sha256' }],
  ['1.2.840.10045.4.3.3', { family: 'ECDSA', hash: 'sha384' }],
  ['1.2.840.10045.4.3.4', { family: 'ECDSA', hash: 'sha512' }],
  ['2.16.840.1.101.3.4.3.10', { family: 'ECDSA', hash: 'sha3-256' }],
  ['2.16.840.1.101.3.4.3.11', { family: 'ECDSA', hash: 'sha3-384' }],
  ['2.16.840.1.101.3.4.3.12', { family: 'ECDSA', hash: 'sha3-512' }],
]);

/** Key types node:crypto reports for each family. */
const KEY_TYPES: Record<SignatureFamily, readonly string[]> = {
  'RSASSA-PKCS1-v1_5': ['rsa'],
  'RSASSA-PSS': ['rsa', 'rsa-pss'],
  ECDSA: ['ec'],
  Ed25519: ['ed25519'],
};

/** Named curves of at least 256 bits, as node:crypto names them. */
const STRONG_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1', 'brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1']);

/** Returns the node:crypto name of a digest OID, or undefined when it is not known. */
export function digestName(oid: string): string | undefined {
  return DIGESTS.get(oid);
}

/**
 * Resolves a SignerInfo's signatureAlgorithm into a scheme. A bare
 * rsaEncryption or id-ecPublicKey (common in PDF signers) takes the hash of
 * the digestAlgorithm. Returns a message when the algorithm is unsupported.
 */
export function resolveSignatureScheme(algorithm: pkijs.AlgorithmIdentifier, digest: string): SignatureScheme | string {
  const oid = algorithm.algorithmId;
  const fixed = HASHED_SIGNATURES.get(oid);
  if (fixed) return fixed;
  if (oid === OID_RSA_ENCRYPTION) return { family: 'RSASSA-PKCS1-v1_5', hash: digest };
  if (oid === OID_EC_PUBLIC_KEY) return { family: 'ECDSA', hash: digest };
  if (oid === OID_ED25519) return { family: 'Ed25519' };
  if (oid === OID_RSASSA_PSS) return resolvePss(algorithm);
  return `signature algorithm ${oid} is not supported`;
}

/** Reads RSASSA-PSS-params (RFC 4055 §3.1); node:crypto uses the message hash for MGF1 too. */
function resolvePss(algorithm: pkijs.AlgorithmIdentifier): SignatureScheme | string {
  if (algorithm.algorithmParams === undefined) return 'RSASSA-PSS without parameters is not supported';
  let params: pkijs.RSASSAPSSParams;
  try {
    params = new pkijs.RSASSAPSSParams({ schema: algorithm.algorithmParams });
  } catch (error) {
    return `RSASSA-PSS parameters do not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
  const hash = digestName(params.hashAlgorithm.algorithmId);
  if (hash === undefined) return `RSASSA-PSS hash ${params.hashAlgorithm.algorithmId} is not supported`;
  if (params.maskGenAlgorithm.algorithmId !== OID_MGF1) {
    return `RSASSA-PSS mask generation ${params.maskGenAlgorithm.algorithmId} is not supported`;
  }
  const mgfHash = mgf1Hash(params.maskGenAlgorithm);
  if (mgfHash !== hash) return `RSASSA-PSS with MGF1 hash ${mgfHash ?? 'unknown'} and message hash ${hash} is not supported`;
  if (params.trailerField !== 1) return `RSASSA-PSS trailer field ${params.trailerField} is not supported`;
  if (!Number.isSafeInteger(params.saltLength) || params.saltLength < 0 || params.saltLength > 1024) {
    return `RSASSA-PSS salt length ${params.saltLength} is invalid`;
  }
  return { family: 'RSASSA-PSS', hash, saltLength: params.saltLength };
}

function mgf1Hash(mask: pkijs.AlgorithmIdentifier): string | undefined {
  try {
    const inner = new pkijs.AlgorithmIdentifier({ schema: mask.algorithmParams });
    return digestName(inner.algorithmId);
  } catch {
    return undefined;
  }
}

/** Returns a message when `key` cannot make signatures of `scheme`, else undefined. */
export function checkKeyType(scheme: SignatureScheme, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType ?? 'unknown';
  if (KEY_TYPES[scheme.family].includes(type)) return undefined;
  return `signer certificate has a key of type ${type}, which cannot make ${scheme.family} signatures`;
}

/**
 * Verifies a signature value over the concatenation of `chunks`, which are
 * hashed one after the other so a large signed revision is never copied.
 * ECDSA values are DER Ecdsa-Sig-Value, and OpenSSL accepts a high S as other
 * CMS signers produce it.
 */
export function verifySignatureValue(scheme: SignatureScheme, key: KeyObject, chunks: Uint8Array[], signature: Uint8Array): boolean {
  try {
    if (scheme.family === 'Ed25519') {
      // RFC 8419 §3.1: pure EdDSA over the whole message, so it needs one buffer.
      return verify(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), key, signature);
    }
    const verifier = createVerify(scheme.hash!);
    for (const chunk of chunks) verifier.update(chunk);
    if (scheme.family === 'RSASSA-PSS') {
      return verifier.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength }, signature);
    }
    if (scheme.family === 'ECDSA') return verifier.verify({ key, dsaEncoding: 'der' }, signature);
    return verifier.verify({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    // OpenSSL raises on values it cannot decode (a truncated ECDSA SEQUENCE, a
    // too-long RSA value): for the caller that is a signature that does not verify.
    return false;
  }
}

/**
 * Returns the digest inside an RSASSA-PKCS1-v1_5 signature value (the
 * DigestInfo of RFC 8017 §9.2), or undefined when the value does not decrypt
 * to one. A different digest there means the document changed, not that the value was forged.
 */
export function recoverPkcs1Digest(key: KeyObject, signature: Uint8Array): Uint8Array | undefined {
  let digestInfo: Buffer;
  try {
    digestInfo = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return undefined;
  }
  // DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }; the digest is the trailing OCTET STRING.
  const length = digestInfo.length;
  for (const size of [20, 28, 32, 48, 64]) {
    const header = length - size - 2;
    if (header > 0 && digestInfo[header] === 0x04 && digestInfo[header + 1] === size) return new Uint8Array(digestInfo.subarray(header + 2));
  }
  return undefined;
}

/** Limits of the default policy that a signature may fall short of. */
export interface CryptoPolicy {
  minRsaBits: number;
  allowSha1: boolean;
}

/** Returns the reasons the algorithms fall below `policy`, empty when they meet it. */
export function cryptoConstraintProblems(digest: string, scheme: SignatureScheme, key: KeyObject, policy: CryptoPolicy): string[] {
  const problems: string[] = [];
  for (const [role, hash] of [['digest', digest], ['signature hash', scheme.hash]] as const) {
    if (hash === undefined) continue;
    if (BROKEN_DIGESTS.has(hash)) problems.push(`${role} ${hash} is broken`);
    else if (hash === 'sha1' && !policy.allowSha1) problems.push(`${role} sha1 is below the policy`);
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (scheme.family.startsWith('RSASSA')) {
    const bits = details.modulusLength ?? 0;
    if (bits < policy.minRsaBits) problems.push(`RSA key has ${bits} bits, below the policy's ${policy.minRsaBits}`);
  }
  if (scheme.family === 'ECDSA' && !STRONG_CURVES.has(details.namedCurve ?? '')) {
    problems.push(`ECDSA curve ${details.namedCurve ?? 'unknown'} is below 256 bits or not supported`);
  }
  if (problems.length > 1) return [...new Set(problems)];
  return problems;
}
