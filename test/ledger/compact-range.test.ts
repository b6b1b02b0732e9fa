import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProofError } from '../../ledger/errors.js';
import { EMPTY_ROOT_HASH, hashLeaf } from '../../ledger/hash.js';
import { CompactRange, edgeNodes } from '../../ledger/compact-range.js';
import { buildTreeLevels, levelsHashReader, treeRootSync, type NodeId } from '../../ledger/proof.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('CompactRange', () => {
  const maxSize = 2000;
  const leaves = Array.from({ length: maxSize }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)));
  const levels = buildTreeLevels(leaves);
  const read = levelsHashReader(levels);

  it('empty range has the empty root', () => {
    const range = new CompactRange();
    expect(range.size).toBe(0);
    expect(hex(range.root())).toBe(hex(EMPTY_ROOT_HASH));
  });

  it('when leaves are appended one by one, every root equals the tree root', () => {
    const range = new CompactRange();
    for (let size = 1; size <= maxSize; size++) {
      range.append(leaves[size - 1]!);
      expect(range.size).toBe(size);
      expect(hex(range.root()), `size ${size}`).toBe(hex(treeRootSync(size, read)));
    }
  });

  it('edge hashes are the stored nodes of edgeNodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: maxSize }), (size) => {
        const range = new CompactRange();
        for (let i = 0; i < size; i++) range.append(leaves[i]!);
        expect(range.nodes()).toEqual(edgeNodes(size));
        expect(range.hashes().map(hex)).toEqual(read(edgeNodes(size)).map(hex));
      }),
      { numRuns: 200 },
    );
  });

  it('when restored from its edge, it continues with the same roots', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: maxSize - 50 }), fc.integer({ min: 1, max: 50 }), (size, more) => {
        const range = new CompactRange(size, read(edgeNodes(size)));
        for (let i = size; i < size + more; i++) range.append(leaves[i]!);
        expect(hex(range.root())).toBe(hex(treeRootSync(size + more, read)));
      }),
      { numRuns: 1000 },
    );
  });

  it('visitor sees every complete node once, with its tree hash', () => {
    const seen: { node: NodeId; hash: string }[] = [];
    const range = new CompactRange();
    for (let i = 0; i < 600; i++) range.append(leaves[i]!, (node, hash) => seen.push({ node, hash: hex(hash) }));
    const expected = levels.flatMap((level, l) =>
      level.filter((_, index) => (index + 1) * 2 ** l <= 600).map((hash, index) => ({ node: { level: l, index }, hash: hex(hash) })),
    );
    const key = (entry: { node: NodeId }): string => `${entry.node.level}/${entry.node.index}`;
    expect(seen.map(key).sort()).toEqual(expected.map(key).sort());
    expect(new Map(seen.map((entry) => [key(entry), entry.hash]))).toEqual(new Map(expected.map((entry) => [key(entry), entry.hash])));
  });

  it('clone is independent of the original', () => {
    const range = new CompactRange();
    range.append(leaves[0]!);
    const copy = range.clone();
    copy.append(leaves[1]!);
    expect(range.size).toBe(1);
    expect(copy.size).toBe(2);
    expect(hex(range.root())).toBe(hex(leaves[0]!));
  });

  it('wrong number of edge hashes is wrong_hash_count', () => {
    expect(() => new CompactRange(3, [leaves[0]!])).toThrow(expect.objectContaining({ code: 'wrong_hash_count' }));
  });

  it('short edge hash is invalid_hash_length', () => {
    expect(() => new CompactRange(1, [new Uint8Array(31)])).toThrow(expect.objectContaining({ code: 'invalid_hash_length' }));
    expect(() => new CompactRange().append(new Uint8Array(33))).toThrow(ProofError);
  });

  it('negative or fractional size is invalid_size', () => {
    expect(() => new CompactRange(-1)).toThrow(expect.objectContaining({ code: 'invalid_size' }));
    expect(() => new CompactRange(1.5)).toThrow(expect.objectContaining({ code: 'invalid_size' }));
  });

  it('size near 2^53 keeps exact node indexes', () => {
    const size = Number.MAX_SAFE_INTEGER - 1;
    const nodes = edgeNodes(size);
    expect(nodes).toHaveLength(52);
    const range = new CompactRange(size, nodes.map(() => leaves[0]!));
    const visited: NodeId[] = [];
    range.append(leaves[1]!, (node) => visited.push(node));
    expect(range.size).toBe(Number.MAX_SAFE_INTEGER);
    expect(visited).toEqual([{ level: 0, index: size }]);
    expect(range.nodes()).toEqual(edgeNodes(Number.MAX_SAFE_INTEGER));
    expect(() => range.append(leaves[2]!)).toThrow(expect.objectContaining({ code: 'invalid_size' }));
  });
});
