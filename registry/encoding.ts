import canonicalize from 'canonicalize';

import { RuleError } from './errors.js';

/**
 * Returns the RFC 8785 canonical JSON of a value.
 * @throws RuleError `not_canonicalizable` for values JSON cannot carry (NaN, cycles, lone surrogates).
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RuleError('not_canonicalizable', `value has no canonical JSON: ${reason}`, { reason }, { cause });
  }
  if (text === undefined) {
    throw new RuleError('not_canonicalizable', 'value has no JSON representation', {});
  }
  return text;
}

/** Returns the UTF-8 bytes of the RFC 8785 canonical JSON of a value. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(canonicalJson(value), 'utf8'));
}

/**
 * Decodes standard base64 (with padding) and rejects any other spelling of the same
 * bytes, so one value has one text form. `field` names the value in the error.
 * @throws RuleError `invalid_base64`.
 */
export function decodeBase64(text: string, field: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new RuleError('invalid_base64', `${field} is not canonical standard base64`, { field });
  }
  return new Uint8Array(bytes);
}

/**
 * Decodes base64url without padding and rejects non-canonical spellings.
 * @throws RuleError `invalid_base64`.
 */
export function decodeBase64Url(text: string, field: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw new RuleError('invalid_base64', `${field} is not canonical base64url without padding`, { field });
  }
  return new Uint8Array(bytes);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
