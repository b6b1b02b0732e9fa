/**
 * The leaf decoding and signature checks the replay workers run, called here in-process.
 */
import { describe, expect, it } from 'vitest';

import { ed25519Verify } from '../../ledger/note.js';
import { checkedTriple, decodedMessage, decodeLeafBatch, packLeaves, UNCHECKED } from '../../monitor/leaf-batch.js';
import { decodeLeaf, encodeLeaf, signingMessage, type SignedEnvelope } from '../../registry/envelope.js';
import { documentBody, TestLog } from '../registry/fixture.js';

const log = new TestLog();
const authority = log.key('authority:UZ');
const leaves = [0, 1].map((i) => encodeLeaf(log.sign('document.register', documentBody(String(i).padStart(64, '0')), 'authority:UZ'), log.now));
const forged = (() => {
  const envelope = JSON.parse(Buffer.from(leaves[1]!).toString('utf8')) as SignedEnvelope & { loggedAt: number };
  return encodeLeaf({ ...envelope, body: { ...(envelope.body as object), number: 'CC-forged' } } as SignedEnvelope, envelope.loggedAt);
})();
const keys = new Map([['authority:UZ', authority.publicKey]]);

describe('decodeLeafBatch', () => {
  it('decodes and verifies each leaf in order', () => {
    const decoded = decodeLeafBatch(packLeaves([leaves[0]!, forged, leaves[1]!]), keys, ed25519Verify);
    expect(decoded.envelopes).toEqual([decodeLeaf(leaves[0]!), decodeLeaf(forged), decodeLeaf(leaves[1]!)]);
    expect([...decoded.verdicts]).toEqual([1, 0, 1]);
  });

  it('returns the exact triple each verdict is for', () => {
    const decoded = decodeLeafBatch(packLeaves([leaves[0]!, leaves[1]!]), keys, ed25519Verify);
    for (const i of [0, 1]) {
      const envelope = decodeLeaf(leaves[i]!);
      const triple = checkedTriple(decoded, i)!;
      expect(Buffer.from(triple.message).equals(Buffer.from(signingMessage(envelope)))).toBe(true);
      expect(Buffer.from(triple.signature).toString('base64')).toBe(envelope.sig);
      expect(Buffer.from(triple.publicKey).equals(Buffer.from(authority.publicKey))).toBe(true);
      expect(triple.valid).toBe(true);
    }
  });

  it('unknown actor is unchecked', () => {
    const decoded = decodeLeafBatch(packLeaves([leaves[0]!]), new Map(), ed25519Verify);
    expect(decoded.envelopes[0]?.actor).toBe('authority:UZ');
    expect(decoded.verdicts[0]).toBe(UNCHECKED);
    expect(checkedTriple(decoded, 0)).toBeUndefined();
  });

  it('undecodable leaf is null and unchecked', () => {
    const bad = new TextEncoder().encode('{"not":"an envelope"}');
    const decoded = decodeLeafBatch(packLeaves([bad, leaves[0]!]), keys, ed25519Verify);
    expect(decoded.envelopes[0]).toBeNull();
    expect(decoded.verdicts[0]).toBe(UNCHECKED);
    expect(decoded.verdicts[1]).toBe(1);
    expect(checkedTriple(decoded, 1)?.valid).toBe(true);
  });

  it('unchecked leaf still has its signing message', () => {
    const decoded = decodeLeafBatch(packLeaves([leaves[0]!, leaves[1]!]), new Map(), ed25519Verify);
    for (const i of [0, 1]) {
      const message = decodedMessage(decoded, i);
      expect(message).toBeDefined();
      expect(Buffer.from(message!).equals(Buffer.from(signingMessage(decodeLeaf(leaves[i]!))))).toBe(true);
    }
  });

  it('undecodable leaf has no signing message', () => {
    const bad = new TextEncoder().encode('{"not":"an envelope"}');
    const decoded = decodeLeafBatch(packLeaves([leaves[0]!, bad, leaves[1]!]), keys, ed25519Verify);
    expect(decodedMessage(decoded, 1)).toBeUndefined();
    expect(Buffer.from(decodedMessage(decoded, 2)!).equals(Buffer.from(signingMessage(decodeLeaf(leaves[1]!))))).toBe(true);
  });

  it('empty batch gives empty results', () => {
    const decoded = decodeLeafBatch(packLeaves([]), keys, ed25519Verify);
    expect(decoded.envelopes).toEqual([]);
    expect(decoded.messages.length).toBe(0);
  });
});
