import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ApiError } from '../../../api/errors.js';
import { checkContentDigest } from '../../../api/http-signature/content-digest.js';
import { requestKeyId } from '../../../api/http-signature/sign.js';
import { RequestVerifier } from '../../../api/http-signature/verify.js';
import { sha256 } from '../../../ledger/hash.js';
import { generatePrivateKey } from '../../../ledger/note.js';
import { T0 } from '../../registry/fixture.js';
import { craftRequest, NOW_SECONDS, rejectionOf, SignatureFixture, type ReceivedRequest } from './fixture.js';

const EMPTY_SHA256 = sha256(new Uint8Array(0));

/** Returns a copy of the request with one header replaced (or removed with undefined). */
function withHeader(request: ReceivedRequest, name: string, value: string | string[] | undefined): ReceivedRequest {
  return { ...request, headers: { ...request.headers, [name]: value } };
}

function header(request: ReceivedRequest, name: string): string {
  return request.headers[name] as string;
}

async function codeOf(fixture: SignatureFixture, request: ReceivedRequest): Promise<string> {
  return (await rejectionOf(fixture.verify(request))).code;
}

describe('request signature round trip', () => {
  it('GET with a query verifies', async () => {
    const fixture = new SignatureFixture();
    const result = await fixture.verify(await fixture.sign('GET', '/v1/inbox?status=all&limit=10'));
    const key = fixture.key();
    expect(result.signer.actor).toBe('authority:UZ');
    expect(result.signer.keyId).toBe(key.keyId);
    expect(result.signer.roles).toEqual(['sender', 'receiver']);
    expect(Buffer.from(result.contentSha256)).toEqual(Buffer.from(EMPTY_SHA256));
  });

  it('GET without a query verifies', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/exchanges/abc');
    expect(header(request, 'signature-input')).toMatch(/^ecert=\("@method" "@path" "@query" "content-digest"\);created=\d+;nonce="[A-Za-z0-9_-]{32}";keyid="authority:UZ\+[0-9a-f]{8}";alg="ed25519"$/);
    const result = await fixture.verify(request);
    expect(result.signer.actor).toBe('authority:UZ');
  });

  it('POST with a body verifies and returns the body digest', async () => {
    const fixture = new SignatureFixture();
    const body = new TextEncoder().encode('%PDF-1.7 test body');
    const result = await fixture.verify(await fixture.sign('POST', '/v1/exchanges', { body }));
    expect(Buffer.from(result.contentSha256)).toEqual(Buffer.from(sha256(body)));
    expect(() => checkContentDigest(result.contentSha256, sha256(body))).not.toThrow();
  });

  it('when the body differs from its digest, checkContentDigest raises content_digest_mismatch', async () => {
    const fixture = new SignatureFixture();
    const body = new TextEncoder().encode('sent body');
    const result = await fixture.verify(await fixture.sign('POST', '/v1/exchanges', { body }));
    const error = (() => {
      try {
        checkContentDigest(result.contentSha256, sha256(new TextEncoder().encode('other body')));
      } catch (caught) {
        return caught as ApiError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('content_digest_mismatch');
    expect(error?.statusCode).toBe(400);
  });

  it('header names in any case and as arrays are read', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const headers = {
      'Signature-Input': header(request, 'signature-input'),
      SIGNATURE: [header(request, 'signature')],
      'Content-Digest': header(request, 'content-digest'),
    };
    const result = await fixture.verify({ ...request, headers });
    expect(result.signer.actor).toBe('authority:UZ');
  });

  it('signatures under other labels are ignored', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const other = withHeader(
      withHeader(request, 'signature-input', `proxy=("@method");created=1, ${header(request, 'signature-input')}`),
      'signature',
      `proxy=:AAAA:, ${header(request, 'signature')}`,
    );
    const result = await fixture.verify(other);
    expect(result.signer.actor).toBe('authority:UZ');
  });

  it('an expires in the future is accepted', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox', { expires: NOW_SECONDS + 60 });
    expect(header(request, 'signature-input')).toContain(';expires=');
    await expect(fixture.verify(request)).resolves.toBeDefined();
  });

  it('created up to 5 s ahead of the hub clock is accepted', async () => {
    const fixture = new SignatureFixture();
    await expect(fixture.verify(await fixture.sign('GET', '/v1/inbox', { created: NOW_SECONDS + 5 }))).resolves.toBeDefined();
  });
});

describe('missing or malformed signature fields', () => {
  it('when both signature headers are absent, it raises signature_missing', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const bare = withHeader(withHeader(request, 'signature', undefined), 'signature-input', undefined);
    const error = await rejectionOf(fixture.verify(bare));
    expect(error.code).toBe('signature_missing');
    expect(error.statusCode).toBe(401);
  });

  it('when only other labels are present, it raises signature_missing', async () => {
    const fixture = new SignatureFixture();
    const request = await craftRequest('GET', '/v1/inbox', { key: fixture.key(), label: 'sig1' });
    const error = await rejectionOf(fixture.verify(request));
    expect(error.code).toBe('signature_missing');
    expect(error.message).toContain('sig1');
  });

  it('when only Signature-Input has the label, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    expect(await codeOf(fixture, withHeader(request, 'signature', undefined))).toBe('signature_invalid');
    expect(await codeOf(fixture, withHeader(request, 'signature', 'other=:AAAA:'))).toBe('signature_invalid');
  });

  it('when a field is not a structured dictionary, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    expect(await codeOf(fixture, withHeader(request, 'signature-input', 'ecert=("@method"'))).toBe('signature_invalid');
    expect(await codeOf(fixture, withHeader(request, 'signature', 'ecert=:not base64!:'))).toBe('signature_invalid');
  });

  it('when the label appears twice, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const input = header(request, 'signature-input');
    const doubled = withHeader(request, 'signature-input', [input, input]);
    const error = await rejectionOf(fixture.verify(doubled));
    expect(error.code).toBe('signature_invalid');
    expect(error.message).toContain('2 members labelled ecert');
    const signature = header(request, 'signature');
    expect(await codeOf(fixture, withHeader(request, 'signature', `${signature}, ${signature}`))).toBe('signature_invalid');
  });

  it('a label inside a quoted string is not counted as a member', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const input = `other=("x, ecert=(");created=1, ${header(request, 'signature-input')}`;
    await expect(fixture.verify(withHeader(request, 'signature-input', input))).resolves.toBeDefined();
  });

  it('when a field is too long, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const padded = `${header(request, 'signature-input')}, pad="${'x'.repeat(9000)}"`;
    const error = await rejectionOf(fixture.verify(withHeader(request, 'signature-input', padded)));
    expect(error.code).toBe('signature_invalid');
    expect(error.message).toContain('max 8192');
  });

  it('when a field has too many members, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const others = Array.from({ length: 8 }, (_, i) => `s${i}=:AAAA:`).join(', ');
    expect(await codeOf(fixture, withHeader(request, 'signature', `${others}, ${header(request, 'signature')}`))).toBe('signature_invalid');
  });

  it('when the signature is not 64 bytes, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    expect(await codeOf(fixture, withHeader(request, 'signature', 'ecert=:AAAA:'))).toBe('signature_invalid');
    expect(await codeOf(fixture, withHeader(request, 'signature', 'ecert="text"'))).toBe('signature_invalid');
  });

  it('when a header value has the wrong type, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const hostile = withHeader(request, 'signature', [42] as unknown as string[]);
    expect(await codeOf(fixture, hostile)).toBe('signature_invalid');
  });
});

describe('signature profile', () => {
  it('when the components differ, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const key = fixture.key();
    const lists = [
      ['@method', '@path', 'content-digest'],
      ['@path', '@method', '@query', 'content-digest'],
      ['@method', '@path', '@query', 'content-digest', '@authority'],
      ['@method', '@path', '@query', 'content-digest;sf'],
      ['@method', '@target-uri', '@query', 'content-digest'],
    ];
    for (const fields of lists) {
      const error = await rejectionOf(fixture.verify(await craftRequest('GET', '/v1/inbox', { key, fields })));
      expect(error.code, fields.join(' ')).toBe('signature_invalid');
      expect(error.message, fields.join(' ')).toContain('want exactly');
    }
  });

  it('when alg is not ed25519, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const error = await rejectionOf(fixture.verify(await craftRequest('GET', '/v1/inbox', { key: fixture.key(), alg: 'hmac-sha256' })));
    expect(error.code).toBe('signature_invalid');
    expect(error.message).toContain('"hmac-sha256"');
  });

  it('when a required parameter is absent, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const key = fixture.key();
    for (const missing of ['created', 'nonce', 'keyid', 'alg']) {
      const params = ['created', 'nonce', 'keyid', 'alg'].filter((name) => name !== missing);
      const error = await rejectionOf(fixture.verify(await craftRequest('GET', '/v1/inbox', { key, params })));
      expect(error.code, missing).toBe('signature_invalid');
      expect(error.message, missing).toContain(`no ${missing} parameter`);
    }
  });

  it('when an unknown parameter is present, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await craftRequest('GET', '/v1/inbox', {
      key: fixture.key(),
      params: ['created', 'nonce', 'keyid', 'alg', 'tag'],
      paramValues: { tag: 'app' },
    });
    const error = await rejectionOf(fixture.verify(request));
    expect(error.code).toBe('signature_invalid');
    expect(error.message).toContain('"tag"');
  });

  it('when the nonce is malformed, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const key = fixture.key();
    for (const nonce of ['short', 'x'.repeat(65), 'has space in it 0123', 'plus+sign+is+not+allowed']) {
      const request = await craftRequest('GET', '/v1/inbox', { key, paramValues: { nonce } });
      expect(await codeOf(fixture, request), nonce).toBe('signature_invalid');
    }
  });

  it('when created is not an integer, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const input = header(request, 'signature-input').replace(/created=\d+/, 'created=1.5');
    expect(await codeOf(fixture, withHeader(request, 'signature-input', input))).toBe('signature_invalid');
  });

  it('when the keyid is malformed, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const key = fixture.key();
    const hexId = requestKeyId(key.name, key.keyId).slice(-8);
    const keyids = [
      'authority:UZ',
      `authority:UZ+${hexId.toUpperCase()}`,
      'authority:UZ+123',
      `authority:UZ+${hexId}0`,
      `Authority:UZ+${hexId}`,
      `authority:UZ+extra+${hexId}`,
      `${'a'.repeat(200)}+${hexId}`,
    ];
    for (const keyid of keyids) {
      const error = await rejectionOf(fixture.verify(await craftRequest('GET', '/v1/inbox', { key, keyid })));
      expect(error.code, keyid).toBe('signature_invalid');
      expect(error.message, keyid).toContain('keyid');
    }
  });
});

describe('tampered requests', () => {
  it('when the method changes, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    expect(await codeOf(fixture, { ...request, method: 'DELETE' })).toBe('signature_invalid');
  });

  it('when the path changes, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/exchanges/one');
    expect(await codeOf(fixture, { ...request, pathAndQuery: '/v1/exchanges/two' })).toBe('signature_invalid');
  });

  it('when the query changes, is added or is removed, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const withQuery = await fixture.sign('GET', '/v1/inbox?status=all');
    expect(await codeOf(fixture, { ...withQuery, pathAndQuery: '/v1/inbox?status=pending' })).toBe('signature_invalid');
    expect(await codeOf(fixture, { ...withQuery, pathAndQuery: '/v1/inbox' })).toBe('signature_invalid');
    const withoutQuery = await fixture.sign('GET', '/v1/inbox');
    expect(await codeOf(fixture, { ...withoutQuery, pathAndQuery: '/v1/inbox?status=all' })).toBe('signature_invalid');
  });

  it('an empty query signs the same as no query', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    await expect(fixture.verify({ ...request, pathAndQuery: '/v1/inbox?' })).resolves.toBeDefined();
  });

  it('when the target is not in normal form, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    for (const target of ['/v1/x/../inbox', '//evil.example/v1/inbox', 'v1/inbox', '/v1/inbox#frag', '/v1/%2e%2e/inbox']) {
      expect(await codeOf(fixture, { ...request, pathAndQuery: target }), target).toBe('signature_invalid');
    }
  });

  it('when a signature byte changes, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const signature = header(request, 'signature');
    const bytes = Buffer.from(signature.slice('ecert=:'.length, -1), 'base64');
    bytes[10] = bytes[10]! ^ 0x01;
    const tampered = withHeader(request, 'signature', `ecert=:${bytes.toString('base64')}:`);
    const error = await rejectionOf(fixture.verify(tampered));
    expect(error.code).toBe('signature_invalid');
    expect(error.message).toContain('does not verify');
  });

  it('when the digest header changes, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('POST', '/v1/exchanges', { body: new Uint8Array([1, 2, 3]) });
    const other = await fixture.sign('POST', '/v1/exchanges', { body: new Uint8Array([4, 5, 6]) });
    expect(await codeOf(fixture, withHeader(request, 'content-digest', header(other, 'content-digest')))).toBe('signature_invalid');
  });
});

describe('content digest header', () => {
  it('when Content-Digest is absent or unusable, it raises content_digest_missing', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    const values = [undefined, '', 'sha-512=:AAAA:', 'sha-256=("a")', 'sha-256=:AAAA:', 'not a dictionary ;;'];
    for (const value of values) {
      const error = await rejectionOf(fixture.verify(withHeader(request, 'content-digest', value)));
      expect(error.code, String(value)).toBe('content_digest_missing');
      expect(error.statusCode, String(value)).toBe(400);
    }
  });
});

describe('freshness', () => {
  it('when created is older than 5 minutes, it raises signature_stale', async () => {
    const fixture = new SignatureFixture();
    const error = await rejectionOf(fixture.verify(await fixture.sign('GET', '/v1/inbox', { created: NOW_SECONDS - 301 })));
    expect(error.code).toBe('signature_stale');
    expect(error.message).toContain('older than 300 s');
  });

  it('created exactly 5 minutes old is accepted', async () => {
    const fixture = new SignatureFixture({ startedAt: T0 - 600_000 });
    await expect(fixture.verify(await fixture.sign('GET', '/v1/inbox', { created: NOW_SECONDS - 300 }))).resolves.toBeDefined();
  });

  it('when created is ahead of the hub clock, it raises signature_stale', async () => {
    const fixture = new SignatureFixture();
    const error = await rejectionOf(fixture.verify(await fixture.sign('GET', '/v1/inbox', { created: NOW_SECONDS + 6 })));
    expect(error.code).toBe('signature_stale');
    expect(error.message).toContain('ahead');
  });

  it('when created is before the hub started, it raises signature_before_start', async () => {
    const fixture = new SignatureFixture({ startedAt: T0 - 10_000 });
    const before = await rejectionOf(fixture.verify(await fixture.sign('GET', '/v1/inbox', { created: NOW_SECONDS - 20 })));
    expect(before.code).toBe('signature_before_start');
    expect(before.statusCode).toBe(503);
    expect(before.retryAfter).toBeGreaterThanOrEqual(1);
    expect(before.message).toContain('hub began accepting');
    // Within the 5 s skew after the start, the previous run may have accepted the same pair.
    const withinSkew = await rejectionOf(fixture.verify(await fixture.sign('GET', '/v1/inbox', { created: NOW_SECONDS - 8 })));
    expect(withinSkew.code).toBe('signature_before_start');
    await expect(fixture.verify(await fixture.sign('GET', '/v1/inbox', { created: NOW_SECONDS - 5 }))).resolves.toBeDefined();
  });

  it('when expires has passed, it raises signature_stale', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox', { created: NOW_SECONDS - 20, expires: NOW_SECONDS - 10 });
    const error = await rejectionOf(fixture.verify(request));
    expect(error.code).toBe('signature_stale');
    expect(error.message).toContain('expired');
  });

  it('when expires is before created, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const request = await craftRequest('GET', '/v1/inbox', {
      key: fixture.key(),
      params: ['created', 'expires', 'nonce', 'keyid', 'alg'],
      paramValues: { expires: new Date((NOW_SECONDS - 1) * 1000) },
    });
    expect(await codeOf(fixture, request)).toBe('signature_invalid');
  });
});

describe('replay', () => {
  it('when the same request is verified twice, it raises signature_replayed', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox', { nonce: 'fixed-nonce-0123456789' });
    await fixture.verify(request);
    const error = await rejectionOf(fixture.verify(request));
    expect(error.code).toBe('signature_replayed');
    expect(error.message).toContain('fixed-nonce-0123456789');
  });

  it('when two copies are verified concurrently, exactly one passes', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('POST', '/v1/exchanges', { body: new Uint8Array(100) });
    const results = await Promise.allSettled([fixture.verify(request), fixture.verify(request), fixture.verify(request)]);
    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const codes = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as ApiError).code] : []));
    expect(fulfilled).toHaveLength(1);
    expect(codes).toEqual(['signature_replayed', 'signature_replayed']);
  });

  it('the same nonce under another key is not a replay', async () => {
    const fixture = new SignatureFixture();
    const nonce = 'shared-nonce-0123456789';
    await fixture.verify(await fixture.sign('GET', '/v1/inbox', { nonce }));
    const other = await fixture.sign('GET', '/v1/inbox', { nonce, key: fixture.key('authority:KG') });
    expect((await fixture.verify(other)).signer.actor).toBe('authority:KG');
  });

  it('a forged request does not use up the nonce', async () => {
    const fixture = new SignatureFixture();
    const request = await fixture.sign('GET', '/v1/inbox');
    expect(await codeOf(fixture, { ...request, method: 'POST' })).toBe('signature_invalid');
    await expect(fixture.verify(request)).resolves.toBeDefined();
  });

  it('full nonce store raises busy', async () => {
    const fixture = new SignatureFixture({ maxNonces: 2 });
    await fixture.verify(await fixture.sign('GET', '/v1/inbox'));
    await fixture.verify(await fixture.sign('GET', '/v1/inbox'));
    const error = await rejectionOf(fixture.verify(await fixture.sign('GET', '/v1/inbox')));
    expect(error.code).toBe('busy');
    expect(error.statusCode).toBe(503);
    expect(error.retryAfter).toBe(301);
    fixture.now = T0 + 300_001;
    await expect(fixture.verify(await fixture.sign('GET', '/v1/inbox', { created: NOW_SECONDS + 300 }))).resolves.toBeDefined();
  });
});

describe('signer key', () => {
  it('when the actor is not registered, it raises unknown_key', async () => {
    const fixture = new SignatureFixture();
    const error = await rejectionOf(fixture.verify(await fixture.sign('GET', '/v1/inbox', { key: fixture.key('authority:AZ') })));
    expect(error.code).toBe('unknown_key');
    expect(error.message).toContain('authority:AZ');
  });

  it('when the key ID is not the registered one, it raises unknown_key', async () => {
    const fixture = new SignatureFixture();
    const stranger = generatePrivateKey('authority:UZ');
    expect(await codeOf(fixture, await fixture.sign('GET', '/v1/inbox', { key: stranger }))).toBe('unknown_key');
  });

  it('when the key ID matches but the key differs, it raises signature_invalid', async () => {
    const fixture = new SignatureFixture();
    const registered = fixture.key();
    const forger = { ...generatePrivateKey('authority:UZ'), keyId: registered.keyId };
    expect(await codeOf(fixture, await fixture.sign('GET', '/v1/inbox', { key: forger }))).toBe('signature_invalid');
  });

  it('when the actor is revoked, it raises key_revoked', async () => {
    const fixture = new SignatureFixture();
    fixture.log.accept('actor.revoke', { actor: 'authority:UZ', reason: 'moved' }, 'registrar:UZ');
    const error = await rejectionOf(fixture.verify(await fixture.sign('GET', '/v1/inbox')));
    expect(error.code).toBe('key_revoked');
  });

  it('when the key lookup fails, it raises internal_error', async () => {
    const verifier = new RequestVerifier({
      lookup: () => {
        throw new Error('registry unavailable');
      },
      now: () => T0,
      startedAt: T0 - 60_000,
    });
    const fixture = new SignatureFixture();
    const error = await rejectionOf(verifier.verify(await fixture.sign('GET', '/v1/inbox')));
    expect(error.code).toBe('internal_error');
    expect(error.statusCode).toBe(500);
  });
});

describe('hostile headers', () => {
  it('any header values give an ApiError, never another error', async () => {
    const fixture = new SignatureFixture();
    const valid = await fixture.sign('GET', '/v1/inbox');
    const fieldText = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.constantFrom(header(valid, 'signature-input'), header(valid, 'signature'), 'ecert=()', 'ecert=?1', 'ecert;a=1'),
    );
    await fc.assert(
      fc.asyncProperty(fieldText, fieldText, fc.option(fieldText, { nil: undefined }), async (input, signature, digest) => {
        const request = { method: 'GET', pathAndQuery: '/v1/inbox', headers: { 'signature-input': input, signature, 'content-digest': digest } };
        try {
          await fixture.verify(request);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          expect((error as ApiError).statusCode).toBeLessThan(500);
          return;
        }
        // Only the valid pair can pass, and only once.
        expect(input).toBe(header(valid, 'signature-input'));
      }),
      { numRuns: 300 },
    );
  });
});
