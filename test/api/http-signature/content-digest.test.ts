import { describe, expect, it } from 'vitest';

import { ApiError } from '../../../api/errors.js';
import { checkContentDigest, formatContentDigest, parseContentDigest } from '../../../api/http-signature/content-digest.js';
import { sha256 } from '../../../ledger/hash.js';

/** Returns the code of the ApiError `run` throws. */
function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return (error as ApiError).code;
  }
  throw new Error('expected an ApiError, but nothing was thrown');
}

describe('content digest', () => {
  it('formats the empty body', () => {
    // The value `printf '' | openssl dgst -sha256 -binary | base64` prints.
    expect(formatContentDigest(new Uint8Array(0))).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  });

  it('formats a JSON body', () => {
    // `printf '{"hello": "world"}' | openssl dgst -sha256 -binary | base64`.
    const body = new TextEncoder().encode('{"hello": "world"}');
    expect(formatContentDigest(body)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
  });

  it('parses what it formats', () => {
    const body = new TextEncoder().encode('body bytes');
    expect(Buffer.from(parseContentDigest(formatContentDigest(body)))).toEqual(Buffer.from(sha256(body)));
  });

  it('ignores members of other algorithms', () => {
    const body = new Uint8Array([1, 2, 3]);
    const header = `sha-512=:${Buffer.alloc(64).toString('base64')}:, ${formatContentDigest(body)}`;
    expect(Buffer.from(parseContentDigest(header))).toEqual(Buffer.from(sha256(body)));
  });

  it('unusable headers raise content_digest_missing', () => {
    const cases: (string | undefined)[] = [
      undefined,
      '',
      '   ',
      'sha-256',
      'sha-256=abc',
      'sha-256=:AAAA:',
      'sha-256=(:AAAA:)',
      `sha-512=:${Buffer.alloc(64).toString('base64')}:`,
      'sha-256=:not base64:',
      `sha-256=:${Buffer.alloc(32).toString('base64')}:, ${'x'.repeat(1100)}=1`,
      'SHA-256=:AAAA:',
    ];
    for (const header of cases) {
      expect(codeOf(() => parseContentDigest(header)), String(header)).toBe('content_digest_missing');
    }
  });

  it('a different body raises content_digest_mismatch', () => {
    const declared = parseContentDigest(formatContentDigest(new Uint8Array([1])));
    expect(codeOf(() => checkContentDigest(declared, sha256(new Uint8Array([2]))))).toBe('content_digest_mismatch');
    expect(() => checkContentDigest(declared, sha256(new Uint8Array([1])))).not.toThrow();
  });
});
