/**
 * Checks against RFC 9421 itself: the Appendix B.2.6 Ed25519 example reproduced through the
 * package with the Appendix B.1.4 test key, and our signatures checked by a signature base
 * rebuilt by hand from RFC 9421 §2.5.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

import { httpbis, type Request } from 'http-message-signatures';
import { describe, expect, it } from 'vitest';

import { signRequest } from '../../../api/http-signature/sign.js';
import { ed25519Sign, ed25519Verify, generatePrivateKey } from '../../../ledger/note.js';

// RFC 9421 Appendix B.1.4, test-key-ed25519.
const RFC_PRIVATE_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
`;
const RFC_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
`;

// RFC 9421 Appendix B.2.6: the test-request message and the fields signed under sig-b26.
const RFC_REQUEST: Request = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    Host: 'example.com',
    Date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'Content-Type': 'application/json',
    'Content-Length': '18',
  },
};
const RFC_FIELDS = ['date', '@method', '@path', '@authority', 'content-type', 'content-length'];
const RFC_SIGNATURE_INPUT =
  'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const RFC_SIGNATURE = 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';

/** Returns the raw 32-byte key at the end of an Ed25519 PKCS #8 or SPKI DER encoding (RFC 8410). */
function rawKeyOf(der: Buffer): Uint8Array {
  return new Uint8Array(der.subarray(der.length - 32));
}

const rfcSeed = rawKeyOf(createPrivateKey(RFC_PRIVATE_KEY_PEM).export({ format: 'der', type: 'pkcs8' }));
const rfcPublicKey = rawKeyOf(createPublicKey(RFC_PUBLIC_KEY_PEM).export({ format: 'der', type: 'spki' }));

function signB26(signer: (data: Buffer) => Buffer): Promise<Request> {
  return httpbis.signMessage(
    {
      key: { id: 'test-key-ed25519', sign: async (data) => signer(data) },
      name: 'sig-b26',
      params: ['created', 'keyid'],
      fields: RFC_FIELDS,
      paramValues: { created: new Date(1618884473 * 1000) },
    },
    RFC_REQUEST,
  );
}

describe('RFC 9421 B.2.6 example', () => {
  it('the package reproduces the signature with the PEM key', async () => {
    const privateKey = createPrivateKey(RFC_PRIVATE_KEY_PEM);
    const signed = await signB26((data) => sign(null, data, privateKey));
    expect(signed.headers['Signature-Input']).toBe(RFC_SIGNATURE_INPUT);
    expect(signed.headers['Signature']).toBe(RFC_SIGNATURE);
  });

  it('the ledger signer reproduces it from the raw seed', async () => {
    const signed = await signB26((data) => Buffer.from(ed25519Sign(rfcSeed, data)));
    expect(signed.headers['Signature']).toBe(RFC_SIGNATURE);
  });

  it('the package verifies it with the raw public key', async () => {
    const message = { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, 'Signature-Input': RFC_SIGNATURE_INPUT, Signature: RFC_SIGNATURE } };
    const key = { id: 'test-key-ed25519', algs: ['ed25519'], verify: async (data: Buffer, signature: Buffer) => ed25519Verify(rfcPublicKey, data, signature) };
    const config = { keyLookup: async () => key, tolerance: Number.MAX_SAFE_INTEGER };
    expect(await httpbis.verifyMessage(config, message)).toBe(true);
    const altered = { ...message, headers: { ...message.headers, Date: 'Tue, 20 Apr 2021 02:07:56 GMT' } };
    expect(await httpbis.verifyMessage(config, altered)).toBe(false);
  });
});

describe('signature base rebuilt by hand', () => {
  const key = generatePrivateKey('authority:UZ');
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.publicKey).toString('base64url') },
    format: 'jwk',
  });
  const keyid = `authority:UZ+${key.keyId.toString(16).padStart(8, '0')}`;
  // SHA-256 of the empty string, as `openssl dgst -sha256 -binary | base64` prints it.
  const emptyDigest = 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:';

  for (const { target, query } of [
    { target: '/v1/inbox?status=all', query: '?status=all' },
    { target: '/v1/inbox', query: '?' },
  ]) {
    it(`verifies with node:crypto for ${target}`, async () => {
      const headers = await signRequest({ method: 'GET', url: `http://127.0.0.1:8080${target}` }, key, {
        created: 1_800_000_000,
        nonce: 'interop-nonce-0123456789',
      });
      const parameters = `("@method" "@path" "@query" "content-digest");created=1800000000;nonce="interop-nonce-0123456789";keyid="${keyid}";alg="ed25519"`;
      // RFC 9421 §2.5: one line per covered component, `"name": value`, then the
      // "@signature-params" line, joined by LF with no trailing newline.
      const base = [
        '"@method": GET',
        '"@path": /v1/inbox',
        `"@query": ${query}`,
        `"content-digest": ${emptyDigest}`,
        `"@signature-params": ${parameters}`,
      ].join('\n');

      expect(headers['content-digest']).toBe(emptyDigest);
      expect(headers['signature-input']).toBe(`ecert=${parameters}`);
      const signature = Buffer.from(/^ecert=:([A-Za-z0-9+/=]+):$/.exec(headers['signature']!)![1]!, 'base64');
      expect(signature).toHaveLength(64);
      expect(verify(null, Buffer.from(base, 'utf8'), publicKey, signature)).toBe(true);
      expect(verify(null, Buffer.from(base.replace('GET', 'PUT'), 'utf8'), publicKey, signature)).toBe(false);
    });
  }
});
