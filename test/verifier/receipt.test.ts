import { describe, expect, it } from 'vitest';

import { formatCheckpoint } from '../../ledger/checkpoint.js';
import { hashLeaf } from '../../ledger/hash.js';
import { generatePrivateKey, noteSigner, noteVerifier, signNote, verifierKeyOf } from '../../ledger/note.js';
import { buildTreeLevels, levelsHashReader, proveInclusionSync, rootFromLeafHashes } from '../../ledger/proof.js';
import { formatTlogProof } from '../../ledger/tlog-proof.js';
import { VerificationError } from '../../verifier/errors.js';
import { buildReceipt, formatReceipt, openReceipt, parseReceipt } from '../../verifier/receipt.js';

const ORIGIN = 'ecert-ledger.localhost/receipt-test';
const logKey = generatePrivateKey(ORIGIN);
const leaves = ['a', 'b', 'c', 'd', 'e'].map((text) => new TextEncoder().encode(`entry ${text}`));
const levels = buildTreeLevels(leaves.map(hashLeaf));
const checkpointText = formatCheckpoint({ origin: ORIGIN, size: leaves.length, rootHash: rootFromLeafHashes(leaves.map(hashLeaf)), extensions: [] });
const note = signNote(checkpointText, [noteSigner(logKey)]);

function proven(index: number): { index: number; entry: Uint8Array; proof: Uint8Array[] } {
  return { index, entry: leaves[index]!, proof: proveInclusionSync(index, leaves.length, levelsHashReader(levels)) };
}

function receiptError(text: string): VerificationError {
  try {
    parseReceipt(text);
  } catch (error) {
    if (error instanceof VerificationError) return error;
    throw error;
  }
  throw new Error('receipt parsed, want an error');
}

describe('receipt files', () => {
  it('round-trip and open', () => {
    const receipt = buildReceipt({ checkpoint: note, entries: [proven(1), proven(3)] }, noteVerifier(verifierKeyOf(logKey)));
    const opened = openReceipt(parseReceipt(formatReceipt(receipt)), noteVerifier(verifierKeyOf(logKey)));
    expect(opened.checkpoint.size).toBe(5);
    expect(opened.entries.map((entry) => entry.index)).toEqual([1, 3]);
  });

  it('buildReceipt rejects a proof of the wrong entry', () => {
    const wrong = { ...proven(1), entry: leaves[2]! };
    expect(() => buildReceipt({ checkpoint: note, entries: [wrong] }, noteVerifier(verifierKeyOf(logKey)))).toThrowError(
      expect.objectContaining({ code: 'root_mismatch' }),
    );
  });

  it('openReceipt rejects proofs to two checkpoints', () => {
    const other = signNote(checkpointText, [noteSigner(logKey), noteSigner(generatePrivateKey('witness:KG', 0x04))]);
    const receipt = {
      proofs: [
        { extra: leaves[0]!, index: 0, proof: proven(0).proof, checkpoint: note },
        { extra: leaves[1]!, index: 1, proof: proven(1).proof, checkpoint: other },
      ],
    };
    expect(() => openReceipt(receipt, noteVerifier(verifierKeyOf(logKey)))).toThrowError(expect.objectContaining({ code: 'invalid_receipt' }));
  });

  const proofText = formatTlogProof({ extra: leaves[0]!, index: 0, proof: proven(0).proof, checkpoint: note });
  const cases: [string, string][] = [
    ['not JSON', '{'],
    ['an array', '[]'],
    ['another format', JSON.stringify({ format: 'ecert-receipt/v2', proofs: [proofText] })],
    ['an unknown field', JSON.stringify({ format: 'ecert-receipt/v1', proofs: [proofText], extra: 1 })],
    ['no proofs', JSON.stringify({ format: 'ecert-receipt/v1', proofs: [] })],
    ['a malformed proof', JSON.stringify({ format: 'ecert-receipt/v1', proofs: ['c2sp.org/tlog-proof@v1\nindex 01\n\n'] })],
    ['a log entry that is not base64', JSON.stringify({ format: 'ecert-receipt/v1', proofs: [proofText], log: ['***'] })],
    ['an empty log entry', JSON.stringify({ format: 'ecert-receipt/v1', proofs: [proofText], log: [''] })],
  ];
  for (const [name, text] of cases) {
    it(`parseReceipt rejects ${name}`, () => {
      expect(receiptError(text).code).toBe('invalid_receipt');
    });
  }
});
