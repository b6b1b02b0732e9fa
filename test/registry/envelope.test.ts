import { describe, expect, it } from 'vitest';

import { generatePrivateKey, parseVerifierKey, verifierKeyOf } from '../../ledger/note.js';
import {
  checkFreshness,
  decodeLeaf,
  encodeLeaf,
  envelopeDedupKey,
  parseEnvelope,
  signEnvelope,
  signingMessage,
  validateEnvelope,
  verifyEnvelopeSignature,
} from '../../registry/envelope.js';
import { RuleError } from '../../registry/errors.js';
import { toHex } from '../../registry/encoding.js';

const key = generatePrivateKey('registrar:UZ');
const publicKey = parseVerifierKey(verifierKeyOf(key)).publicKey;
const NOW = Date.parse('2026-12-04T10:15:00.000Z');
const NONCE = new Uint8Array(16).fill(7);

function sample() {
  return signEnvelope(
    { kind: 'actor.revoke', body: { reason: 'left the service', actor: 'authority:UZ' }, actor: 'registrar:UZ' },
    key,
    { now: NOW, nonce: NONCE },
  );
}

function codeOf(action: () => unknown): string {
  try {
    action();
    return 'accepted';
  } catch (error) {
    if (error instanceof RuleError) return error.code;
    throw error;
  }
}

describe('envelope', () => {
  it('signs the canonical bytes of the hand-written form', () => {
    const envelope = sample();
    const keyId = key.keyId.toString(16).padStart(8, '0');
    const expected =
      'ecert-ledger/entry/v1\n' +
      `{"actor":"registrar:UZ","body":{"actor":"authority:UZ","reason":"left the service"},` +
      `"keyId":"${keyId}","kind":"actor.revoke","nonce":"BwcHBwcHBwcHBwcHBwcHBw",` +
      `"signedAt":"2026-12-04T10:15:00.000Z","v":1}`;
    expect(Buffer.from(signingMessage(envelope)).toString('utf8')).toBe(expected);
  });

  it('encodes the leaf as canonical JSON with loggedAt', () => {
    const envelope = sample();
    const text = Buffer.from(encodeLeaf(envelope, NOW + 5)).toString('utf8');
    expect(text.startsWith('{"actor":"registrar:UZ","body":{"actor":"authority:UZ","reason":"left the service"},"keyId":')).toBe(true);
    expect(text).toContain(`"loggedAt":${NOW + 5},"nonce":"BwcHBwcHBwcHBwcHBwcHBw","sig":"${envelope.sig}","signedAt"`);
    expect(text.endsWith('"v":1}')).toBe(true);
  });

  it('verifies its own signature', () => {
    expect(verifyEnvelopeSignature(sample(), publicKey)).toBe(true);
  });

  it('fails the signature when any field changes', () => {
    const envelope = sample();
    expect(verifyEnvelopeSignature({ ...envelope, signedAt: '2026-12-04T10:15:00.001Z' }, publicKey)).toBe(false);
    expect(verifyEnvelopeSignature({ ...envelope, body: { ...envelope.body, reason: 'other' } }, publicKey)).toBe(false);
    expect(verifyEnvelopeSignature({ ...envelope, actor: 'registrar:KG' }, publicKey)).toBe(false);
    const other = parseVerifierKey(verifierKeyOf(generatePrivateKey('registrar:UZ'))).publicKey;
    expect(verifyEnvelopeSignature(envelope, other)).toBe(false);
  });

  it('dedup key ignores loggedAt but not the signature', () => {
    const envelope = sample();
    const early = decodeLeaf(encodeLeaf(envelope, NOW));
    const late = decodeLeaf(encodeLeaf(envelope, NOW + 60_000));
    expect(toHex(envelopeDedupKey(early))).toBe(toHex(envelopeDedupKey(envelope)));
    expect(toHex(envelopeDedupKey(late))).toBe(toHex(envelopeDedupKey(envelope)));
    const resigned = signEnvelope({ kind: envelope.kind, body: envelope.body, actor: envelope.actor }, key, { now: NOW });
    expect(toHex(envelopeDedupKey(resigned))).not.toBe(toHex(envelopeDedupKey(envelope)));
  });

  it('decodes a leaf back to the same envelope', () => {
    const envelope = sample();
    expect(decodeLeaf(encodeLeaf(envelope, NOW))).toEqual({ ...envelope, loggedAt: NOW });
  });

  it('rejects a leaf that is not canonical', () => {
    const text = Buffer.from(encodeLeaf(sample(), NOW)).toString('utf8');
    const spaced = text.replace('"v":1}', '"v": 1}');
    expect(codeOf(() => decodeLeaf(Buffer.from(spaced)))).toBe('non_canonical_leaf');
  });

  it('rejects integers above 2^53 in a submission', () => {
    const text = JSON.stringify(sample()).replace('"v":1', '"v":9007199254740993');
    expect(codeOf(() => parseEnvelope(text))).toBe('unsafe_integer');
  });

  it('rejects each malformed field with its code', () => {
    const envelope = sample() as unknown as Record<string, unknown>;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...envelope, v: 2 }, 'unsupported_version'],
      [{ ...envelope, kind: 'cab.delete' }, 'unknown_kind'],
      [{ ...envelope, actor: 'registrar:uz' }, 'invalid_actor'],
      [{ ...envelope, keyId: 'ABCDEF12' }, 'invalid_key_id'],
      [{ ...envelope, signedAt: '2026-12-04T10:15:00Z' }, 'invalid_signed_at'],
      [{ ...envelope, signedAt: '2026-02-30T10:15:00.000Z' }, 'invalid_signed_at'],
      [{ ...envelope, nonce: 'BwcHBwcHBwcHBwcHBwcHBw==' }, 'invalid_nonce'],
      [{ ...envelope, nonce: 'BwcHBwcHBwcHBwcHBwcHBx' }, 'invalid_nonce'],
      [{ ...envelope, sig: 'AAAA' }, 'invalid_signature_encoding'],
      [{ ...envelope, body: { actor: 'authority:UZ' } }, 'invalid_body'],
      [{ ...envelope, loggedAt: NOW }, 'invalid_envelope'],
      [{ ...envelope, extra: 1 }, 'invalid_envelope'],
      [{ ...envelope, sig: undefined }, 'invalid_envelope'],
    ];
    for (const [value, code] of cases) {
      const input = JSON.parse(JSON.stringify(value));
      expect(codeOf(() => validateEnvelope(input)), JSON.stringify(value).slice(0, 60)).toBe(code);
    }
  });

  it('rejects a leaf with a bad loggedAt', () => {
    const text = Buffer.from(encodeLeaf(sample(), NOW)).toString('utf8').replace(`"loggedAt":${NOW}`, '"loggedAt":-1');
    expect(codeOf(() => decodeLeaf(Buffer.from(text)))).toBe('invalid_logged_at');
  });

  it('rejects a leaf over 65,535 bytes', () => {
    const standards = Array.from({ length: 200 }, (_, i) => `${i} ${'€'.repeat(150)}`);
    const big = signEnvelope(
      {
        kind: 'accreditation.set',
        body: {
          cabCode: 'UZ-UZAC-0042',
          standard: 'ISO/IEC 17065',
          accreditationBody: 'UZAC',
          number: 'A-1',
          scope: { hsCodes: ['85'], regulations: [], standards },
          validFrom: '2026-01-01',
          validUntil: '2030-01-01',
          status: 'active',
          effectiveAt: '2026-01-01T00:00:00.000Z',
        },
        actor: 'registrar:UZ',
      },
      key,
    );
    expect(codeOf(() => encodeLeaf(big, NOW))).toBe('leaf_too_large');
  });

  it('checks freshness within five minutes either way', () => {
    expect(codeOf(() => checkFreshness('2026-12-04T10:15:00.000Z', NOW + 300_000))).toBe('accepted');
    expect(codeOf(() => checkFreshness('2026-12-04T10:15:00.000Z', NOW - 300_000))).toBe('accepted');
    expect(codeOf(() => checkFreshness('2026-12-04T10:15:00.000Z', NOW + 300_001))).toBe('stale_signature');
    expect(codeOf(() => checkFreshness('2026-12-04T10:15:00.000Z', NOW - 300_001))).toBe('stale_signature');
  });
});
