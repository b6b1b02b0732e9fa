import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../ledger/checkpoint.js';
import { NoteError, ProofError } from '../../ledger/errors.js';
import { hashLeaf } from '../../ledger/hash.js';
import { generatePrivateKey, noteSigner, noteVerifier, signNote, verifierKeyOf } from '../../ledger/note.js';
import { buildTreeLevels, levelsHashReader, proveInclusionSync, treeRootSync } from '../../ledger/proof.js';
import { formatTlogProof, parseTlogProof, verifyTlogProof, type TlogProof } from '../../ledger/tlog-proof.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NoteError);
    return (error as NoteError).code;
  }
  throw new Error('expected a NoteError, nothing was thrown');
}

const entries = Array.from({ length: 300 }, (_, i) => Buffer.from(`entry ${i}`));
const leaves = entries.map((entry) => hashLeaf(entry));
const read = levelsHashReader(buildTreeLevels(leaves));
const log = generatePrivateKey('ecert-ledger.localhost/dev');
const logVerifier = noteVerifier(verifierKeyOf(log));
const checkpointText = formatCheckpoint({ origin: 'ecert-ledger.localhost/dev', size: 300, rootHash: treeRootSync(300, read), extensions: [] });
const checkpoint = signNote(checkpointText, [noteSigner(log)]);
const bundle: TlogProof = { extra: new Uint8Array(entries[42]!), index: 42, proof: proveInclusionSync(42, 300, read), checkpoint };

describe('tlog-proof', () => {
  it('formats the C2SP layout', () => {
    const text = formatTlogProof(bundle);
    const lines = text.split('\n');
    expect(lines[0]).toBe('c2sp.org/tlog-proof@v1');
    expect(lines[1]).toBe(`extra ${Buffer.from(entries[42]!).toString('base64')}`);
    expect(lines[2]).toBe('index 42');
    expect(lines.slice(3, 3 + bundle.proof.length)).toEqual(bundle.proof.map((h) => Buffer.from(h).toString('base64')));
    expect(text.endsWith(`\n\n${checkpoint}`)).toBe(true);
  });

  it('round trips with and without extra', () => {
    expect(parseTlogProof(formatTlogProof(bundle))).toEqual(bundle);
    const { extra: _extra, ...bare } = bundle;
    expect(parseTlogProof(formatTlogProof(bare))).toEqual(bare);
  });

  it('round trips an empty proof', () => {
    const single = signNote(
      formatCheckpoint({ origin: 'ecert-ledger.localhost/dev', size: 1, rootHash: leaves[0]!, extensions: [] }),
      [noteSigner(log)],
    );
    const p = { index: 0, proof: [], checkpoint: single };
    expect(parseTlogProof(formatTlogProof(p))).toEqual(p);
    expect(verifyTlogProof(p, leaves[0]!, logVerifier).checkpoint.size).toBe(1);
  });

  it('verifies against the checkpoint root', () => {
    const parsed = parseTlogProof(formatTlogProof(bundle));
    const opened = verifyTlogProof(parsed, hashLeaf(parsed.extra!), logVerifier, 'ecert-ledger.localhost/dev');
    expect(opened.checkpoint.size).toBe(300);
  });

  it('proof for another leaf fails with root_mismatch', () => {
    expect(() => verifyTlogProof(bundle, leaves[43]!, logVerifier)).toThrow(expect.objectContaining({ code: 'root_mismatch' }));
    expect(() => verifyTlogProof(bundle, leaves[43]!, logVerifier)).toThrow(ProofError);
  });

  const good = formatTlogProof(bundle);
  const hashLine = Buffer.from(bundle.proof[0]!).toString('base64');
  it.each([
    ['wrong header', good.replace('tlog-proof@v1', 'tlog-proof@v2')],
    ['index with leading zero', good.replace('index 42', 'index 042')],
    ['missing index', good.replace('index 42\n', '')],
    ['index above 2^53-1', good.replace('index 42', 'index 9007199254740992')],
    ['extra without base64', good.replace(/extra \S+/, 'extra !!')],
    ['empty extra', good.replace(/extra \S+/, 'extra ')],
    ['short proof hash', good.replace(hashLine, hashLine.slice(4))],
    ['64 proof hashes', good.replace(`${hashLine}\n`, `${hashLine}\n`.repeat(64))],
    ['no empty line', good.replace('\n\n', '\n')],
  ])('%s is malformed_tlog_proof', (_desc, text) => {
    expect(codeOf(() => parseTlogProof(text))).toBe('malformed_tlog_proof');
  });

  it('63 proof hashes parse', () => {
    const text = good.replace(`${hashLine}\n`, `${hashLine}\n`.repeat(63 - bundle.proof.length + 1));
    expect(parseTlogProof(text).proof).toHaveLength(63);
  });

  it('checkpoint that is not a signed note is malformed_note', () => {
    expect(codeOf(() => parseTlogProof(good.replace(/— [^\n]+\n$/, '')))).toBe('malformed_note');
    expect(codeOf(() => formatTlogProof({ ...bundle, checkpoint: checkpointText }))).toBe('malformed_note');
  });
});
