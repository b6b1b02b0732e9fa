/**
 * RFC 9530 `Content-Digest` with the `sha-256` algorithm: a structured-field dictionary
 * (RFC 8941) whose `sha-256` member is the byte sequence of the body's SHA-256. Every signed
 * transfer request carries it, also one without a body (the digest of the empty string).
 */
import { isInnerList, parseDictionary, serializeDictionary } from 'structured-headers';

import { encodeBase64 } from '../../ledger/note.js';
import { equalHashes, HASH_SIZE, sha256 } from '../../ledger/hash.js';
import { ApiError } from '../errors.js';
import { quoteForMessage } from './profile.js';

/** Maximum length of the header value; ours has 55 characters, and the rest leaves room for other algorithms. */
export const MAX_CONTENT_DIGEST_LENGTH = 1024;

const SHA_256_KEY = 'sha-256';
const EXPECTED_FORM = "send 'Content-Digest: sha-256=:<base64 of the body's SHA-256>:'";

/** Formats the `Content-Digest` value of a body: `sha-256=:<base64>:`. */
export function formatContentDigest(body: Uint8Array): string {
  return serializeDictionary(new Map([[SHA_256_KEY, [sha256(body), new Map()]]]));
}

/**
 * Parses a `Content-Digest` value (attacker-controlled) and returns the 32 bytes of its
 * `sha-256` member; members of other algorithms are ignored. Throws ApiError 400
 * `content_digest_missing` when the header is absent, too long, not a dictionary, or has no
 * 32-byte `sha-256` member.
 */
export function parseContentDigest(header: string | undefined): Uint8Array {
  if (header === undefined || header.trim() === '') {
    throw digestMissing(`the request has no Content-Digest header; ${EXPECTED_FORM}`);
  }
  if (header.length > MAX_CONTENT_DIGEST_LENGTH) {
    throw digestMissing(`Content-Digest has ${header.length} characters, max ${MAX_CONTENT_DIGEST_LENGTH}; ${EXPECTED_FORM}`);
  }
  let dictionary;
  try {
    dictionary = parseDictionary(header);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw digestMissing(`Content-Digest ${quoteForMessage(header)} is not a structured-field dictionary (${reason}); ${EXPECTED_FORM}`);
  }
  const member = dictionary.get(SHA_256_KEY);
  if (member === undefined) {
    const found = [...dictionary.keys()].join(', ') || 'none';
    throw digestMissing(`Content-Digest has no sha-256 member (members: ${found}); ${EXPECTED_FORM}`);
  }
  const value = isInnerList(member) ? undefined : member[0];
  if (!(value instanceof ArrayBuffer) || value.byteLength !== HASH_SIZE) {
    throw digestMissing(`Content-Digest sha-256 member is not a ${HASH_SIZE}-byte byte sequence; ${EXPECTED_FORM}`);
  }
  return new Uint8Array(value);
}

/** Checks the body's SHA-256 against the one `Content-Digest` declares. Throws ApiError 400 `content_digest_mismatch`. */
export function checkContentDigest(expected: Uint8Array, bodySha256: Uint8Array): void {
  if (!equalHashes(expected, bodySha256)) {
    throw new ApiError(
      400,
      'content_digest_mismatch',
      `the body's SHA-256 is ${encodeBase64(bodySha256)} but Content-Digest declares ${encodeBase64(expected)}; ` +
        'compute Content-Digest over the exact body bytes sent',
    );
  }
}

function digestMissing(message: string): ApiError {
  return new ApiError(400, 'content_digest_missing', message);
}
