import { describe, expect, it } from 'vitest';

import { signRequest, requestKeyId } from '../../../api/http-signature/sign.js';
import { NoteError } from '../../../ledger/errors.js';
import { generatePrivateKey, SIG_TYPE_COSIGNATURE } from '../../../ledger/note.js';

const URL_BASE = 'http://127.0.0.1:8080';

describe('requestKeyId', () => {
  it('formats the actor and 8 hex digits', () => {
    expect(requestKeyId('authority:UZ', 0x1a2b3c4d)).toBe('authority:UZ+1a2b3c4d');
    expect(requestKeyId('operator', 0x0000002a)).toBe('operator+0000002a');
    expect(requestKeyId('registrar:KG', 0xffffffff)).toBe('registrar:KG+ffffffff');
  });

  it('rejects a bad actor or key ID', () => {
    expect(() => requestKeyId('nobody', 1)).toThrow(RangeError);
    expect(() => requestKeyId('authority:UZ', -1)).toThrow(RangeError);
    expect(() => requestKeyId('authority:UZ', 2 ** 32)).toThrow(RangeError);
  });
});

describe('signRequest', () => {
  it('returns lowercase headers with the digest and signature fields', async () => {
    const key = generatePrivateKey('authority:UZ');
    const headers = await signRequest(
      { method: 'POST', url: `${URL_BASE}/v1/exchanges`, headers: { 'Content-Type': 'application/pdf' }, body: new Uint8Array([1]) },
      key,
      { created: 1_800_000_000, nonce: 'abcdefghijklmnop' },
    );
    expect(Object.keys(headers).sort()).toEqual(['content-digest', 'content-type', 'signature', 'signature-input']);
    expect(headers['content-type']).toBe('application/pdf');
    expect(headers['signature-input']).toBe(
      `ecert=("@method" "@path" "@query" "content-digest");created=1800000000;nonce="abcdefghijklmnop";keyid="${requestKeyId('authority:UZ', key.keyId)}";alg="ed25519"`,
    );
    expect(headers['signature']).toMatch(/^ecert=:[A-Za-z0-9+/]{86}==:$/);
  });

  it('draws a fresh nonce for each request', async () => {
    const key = generatePrivateKey('authority:UZ');
    const first = await signRequest({ method: 'GET', url: `${URL_BASE}/v1/inbox` }, key);
    const second = await signRequest({ method: 'GET', url: `${URL_BASE}/v1/inbox` }, key);
    const nonceOf = (input: string): string => /nonce="([^"]+)"/.exec(input)![1]!;
    expect(nonceOf(first['signature-input']!)).not.toBe(nonceOf(second['signature-input']!));
  });

  it('rejects a cosignature key', async () => {
    const key = generatePrivateKey('witness:KG', SIG_TYPE_COSIGNATURE);
    await expect(signRequest({ method: 'GET', url: `${URL_BASE}/v1/inbox` }, key)).rejects.toBeInstanceOf(NoteError);
  });

  it('rejects malformed requests and options', async () => {
    const key = generatePrivateKey('authority:UZ');
    const get = { method: 'GET', url: `${URL_BASE}/v1/inbox` };
    await expect(signRequest({ ...get, url: '/v1/inbox' }, key)).rejects.toThrow(/not an absolute URL/);
    await expect(signRequest({ ...get, method: 'GET /x' }, key)).rejects.toThrow(/HTTP method/);
    await expect(signRequest(get, key, { nonce: 'short' })).rejects.toThrow(/nonce/);
    await expect(signRequest(get, key, { created: 1.5 })).rejects.toThrow(/created/);
    await expect(signRequest(get, key, { created: 100, expires: 100 })).rejects.toThrow(/expires/);
    await expect(signRequest({ ...get, headers: { Signature: 'x=:AAAA:' } }, key)).rejects.toThrow(/set by signRequest/);
    await expect(signRequest({ ...get, headers: { 'Content-Digest': 'sha-256=:AAAA:' } }, key)).rejects.toThrow(/set by signRequest/);
    await expect(signRequest({ ...get, headers: { Accept: 'a', accept: 'b' } }, key)).rejects.toThrow(/twice/);
  });
});
