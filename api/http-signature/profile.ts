/**
 * The hub's profile of RFC 9421 HTTP Message Signatures for document-transfer requests: the
 * signature label, algorithm, covered components, nonce format and the `keyid` syntax
 * `<actor>+<hexid>`, where `hexid` is the actor's note key ID as 8 lowercase hex digits.
 */
import { isActorName } from '../../registry/formats.js';
import { ApiError } from '../errors.js';

/** Label of the hub's signature in `Signature-Input` and `Signature`; other labels are ignored. */
export const SIGNATURE_LABEL = 'ecert';

/** The only accepted `alg` parameter (RFC 9421 §3.3.6). */
export const SIGNATURE_ALGORITHM = 'ed25519';

/** Components every signature covers, in this order. */
export const COVERED_COMPONENTS = ['@method', '@path', '@query', 'content-digest'] as const;

/** Signature parameters every signature carries; `expires` is the only optional one. */
export const REQUIRED_PARAMETERS = ['created', 'nonce', 'keyid', 'alg'] as const;

/** 16 to 64 characters of the base64url alphabet. */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

const HEX_KEY_ID_PATTERN = /^[0-9a-f]{8}$/;

// The longest actor name is `authority:CC-` plus a 32-character suffix (45 characters), so a
// longer keyid is rejected before any pattern runs on it.
const MAX_KEYID_LENGTH = 128;

/** Formats the `keyid` of an actor's key, for example `authority:UZ+1a2b3c4d`. */
export function requestKeyId(actor: string, keyId: number): string {
  if (!isActorName(actor)) {
    throw new RangeError(`actor name ${JSON.stringify(actor)} is invalid; want operator, registrar:CC or authority:CC`);
  }
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) {
    throw new RangeError(`key ID ${keyId} is not an unsigned 32-bit integer`);
  }
  return `${actor}+${keyId.toString(16).padStart(8, '0')}`;
}

/**
 * Parses a `keyid` parameter into the actor name and key ID. The split is at the last '+', and
 * the part after it must be exactly 8 lowercase hex digits. Throws ApiError 401
 * `signature_invalid`.
 */
export function parseRequestKeyId(keyid: string): { actor: string; keyId: number } {
  if (keyid.length > MAX_KEYID_LENGTH) {
    throw invalidKeyId(keyid, `it has ${keyid.length} characters, max ${MAX_KEYID_LENGTH}`);
  }
  const plus = keyid.lastIndexOf('+');
  if (plus < 0) throw invalidKeyId(keyid, "it has no '+' between the actor and the key ID");
  const actor = keyid.slice(0, plus);
  const hexId = keyid.slice(plus + 1);
  if (!isActorName(actor)) {
    throw invalidKeyId(keyid, `${JSON.stringify(actor)} is not an actor name (operator, registrar:CC, authority:CC)`);
  }
  if (!HEX_KEY_ID_PATTERN.test(hexId)) {
    throw invalidKeyId(keyid, `key ID ${JSON.stringify(hexId)} is not 8 lowercase hex digits`);
  }
  return { actor, keyId: Number.parseInt(hexId, 16) };
}

function invalidKeyId(keyid: string, reason: string): ApiError {
  return new ApiError(
    401,
    'signature_invalid',
    `signature keyid ${quoteForMessage(keyid)} is invalid: ${reason}; want <actor>+<8 hex digits>, for example authority:UZ+1a2b3c4d`,
  );
}

/** Quotes an attacker-controlled value for an error message, cut to 80 characters. */
export function quoteForMessage(value: string): string {
  const truncated = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(truncated);
}
