/**
 * The signing message cut from a leaf's bytes (signingMessageOfLeaf) against the one serialised
 * from the envelope (signingMessage), and messages bound to decoded envelopes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { generatePrivateKey, parseVerifierKey, verifierKeyOf } from '../../ledger/note.js';
import { canonicalBytes } from '../../registry/encoding.js';
import {
  bindSigningMessage,
  decodeLeaf,
  encodeLeaf,
  signEnvelope,
  signingMessage,
  signingMessageOfLeaf,
  verifyEnvelopeSignature,
  type LoggedEnvelope,
  type UnsignedEnvelope,
} from '../../registry/envelope.js';
import { RuleError } from '../../registry/errors.js';

const key = generatePrivateKey('registrar:UZ');
const publicKey = parseVerifierKey(verifierKeyOf(key)).publicKey;
const NOW = Date.parse('2026-12-04T10:15:00.000Z');

/** Any strings in every field, so quotes, escapes and multi-byte UTF-8 meet the cut. */
const anyEnvelope = fc.record({
  v: fc.constant(1 as const),
  kind: fc.string(),
  body: fc.jsonValue(),
  actor: fc.string(),
  keyId: fc.string(),
  signedAt: fc.string(),
  nonce: fc.string(),
  sig: fc.string(),
  loggedAt: fc.maxSafeNat(),
});

function revocation(reason: string, nonce: Uint8Array) {
  return signEnvelope({ kind: 'actor.revoke', body: { reason, actor: 'authority:UZ' }, actor: 'registrar:UZ' }, key, { now: NOW, nonce });
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

describe('signingMessageOfLeaf', () => {
  it('when the leaf is the canonical JSON of any envelope, it equals signingMessage', () => {
    fc.assert(
      fc.property(anyEnvelope, (envelope) => {
        const leaf = canonicalBytes(envelope);
        const cut = signingMessageOfLeaf(leaf, envelope as unknown as LoggedEnvelope);
        expect(Buffer.from(cut).equals(Buffer.from(signingMessage(envelope as unknown as UnsignedEnvelope)))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('when a signed leaf decodes, it equals signingMessage and verifies', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (reason, nonce) => {
        const leaf = encodeLeaf(revocation(reason, nonce), NOW + 1);
        const envelope = decodeLeaf(leaf);
        const cut = signingMessageOfLeaf(leaf, envelope);
        expect(Buffer.from(cut).equals(Buffer.from(signingMessage(envelope)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a leaf of another envelope', () => {
    const first = decodeLeaf(encodeLeaf(revocation('first', new Uint8Array(16).fill(1)), NOW));
    const second = encodeLeaf(revocation('second', new Uint8Array(16).fill(2)), NOW);
    expect(codeOf(() => signingMessageOfLeaf(second, first))).toBe('non_canonical_leaf');
  });

  it('rejects a leaf with another loggedAt', () => {
    const envelope = revocation('moved', new Uint8Array(16).fill(3));
    const decoded = decodeLeaf(encodeLeaf(envelope, NOW));
    expect(codeOf(() => signingMessageOfLeaf(encodeLeaf(envelope, NOW + 1), decoded))).toBe('non_canonical_leaf');
  });

  it('rejects a leaf shorter than its tail', () => {
    const decoded = decodeLeaf(encodeLeaf(revocation('short', new Uint8Array(16).fill(4)), NOW));
    expect(codeOf(() => signingMessageOfLeaf(new Uint8Array(3), decoded))).toBe('non_canonical_leaf');
  });
});

describe('bindSigningMessage', () => {
  it('own message binds and verifies', () => {
    const leaf = encodeLeaf(revocation('bound', new Uint8Array(16).fill(5)), NOW);
    const envelope = decodeLeaf(leaf);
    expect(bindSigningMessage(envelope, signingMessageOfLeaf(leaf, envelope))).toBe(true);
    expect(verifyEnvelopeSignature(envelope, publicKey)).toBe(true);
  });

  it('message of another entry binds nothing', () => {
    const envelope = decodeLeaf(encodeLeaf(revocation('mine', new Uint8Array(16).fill(6)), NOW));
    const other = revocation('mine', new Uint8Array(16).fill(7));
    expect(bindSigningMessage(envelope, signingMessage(other))).toBe(false);
    expect(Object.isFrozen(envelope)).toBe(false);
    expect(verifyEnvelopeSignature(envelope, publicKey)).toBe(true);
  });

  it('message shorter than head and tail binds nothing', () => {
    const envelope = decodeLeaf(encodeLeaf(revocation('short', new Uint8Array(16).fill(8)), NOW));
    expect(bindSigningMessage(envelope, new Uint8Array(10))).toBe(false);
  });

  it('verifies against the bound message', () => {
    const signed = revocation('original reason', new Uint8Array(16).fill(9));
    const changed = decodeLeaf(encodeLeaf({ ...signed, body: { reason: 'changed reason', actor: 'authority:UZ' } }, NOW));
    expect(verifyEnvelopeSignature(changed, publicKey)).toBe(false);
    expect(bindSigningMessage(changed, signingMessage(signed))).toBe(true);
    expect(verifyEnvelopeSignature(changed, publicKey)).toBe(true);
  });

  it('freezes the envelope and its body', () => {
    const leaf = encodeLeaf(revocation('frozen', new Uint8Array(16).fill(10)), NOW);
    const envelope = decodeLeaf(leaf);
    bindSigningMessage(envelope, signingMessageOfLeaf(leaf, envelope));
    expect(Object.isFrozen(envelope)).toBe(true);
    expect(Object.isFrozen(envelope.body)).toBe(true);
    expect(() => {
      (envelope.body as { reason: string }).reason = 'rewritten';
    }).toThrow(TypeError);
  });
});
