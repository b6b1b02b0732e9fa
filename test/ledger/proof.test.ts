import { readFileSync, readdirSync, statSync } from 'node:fs';
import { hash as nodeHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { MerkleTree } from 'merkletreejs';
import { describe, expect, it } from 'vitest';
import { ProofError } from '../../ledger/errors.js';
import { EMPTY_ROOT_HASH, hashChildren, hashLeaf } from '../../ledger/hash.js';
import {
  buildTreeLevels,
  consistencyPlan,
  decomposeInclusionProof,
  inclusionPlan,
  levelsHashReader,
  proveConsistency,
  proveConsistencySync,
  proveInclusion,
  proveInclusionSync,
  rootFromInclusionProof,
  rootFromLeafHashes,
  treeRoot,
  treeRootSync,
  verifyConsistency,
  verifyInclusion,
  type HashReader,
} from '../../ledger/proof.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const vectors = path.resolve(projectRoot, '../shared/vectors');

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

function errorOf(run: () => unknown): ProofError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProofError);
    return error as ProofError;
  }
  throw new Error('expected a ProofError, nothing was thrown');
}

/** Leaf hashes of distinct entries, and every complete node of their tree. */
function makeTree(size: number): { leaves: Uint8Array[]; levels: Uint8Array[][] } {
  const leaves = Array.from({ length: size }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)));
  return { leaves, levels: buildTreeLevels(leaves) };
}

interface ReferenceTree {
  leafInputsHex: string[];
  rootsBySize: Record<string, string>;
  nodeHashesByLevel: string[][];
  inclusionProofs: { leafIndex: number; treeSize: number; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; proof: string[] }[];
  hasherUnitVectors: { desc: string; want: string; leafHex?: string; leafAscii?: string; leftAscii?: string; rightAscii?: string }[];
}

describe('RFC 6962 reference tree', () => {
  const ref = JSON.parse(readFileSync(path.join(vectors, 'rfc6962/reference-tree.json'), 'utf8')) as ReferenceTree;
  const leaves = ref.leafInputsHex.map((entry) => hashLeaf(fromHex(entry)));
  const levels = buildTreeLevels(leaves);
  const syncRead = levelsHashReader(levels);
  const read: HashReader = async (nodes) => syncRead(nodes);

  it('when built from the 8 leaves, it has every reference node hash', () => {
    expect(levels.map((level) => level.map(hex))).toEqual(ref.nodeHashesByLevel);
  });

  it('when asked for each size 0..8, it computes the reference root', async () => {
    for (const [size, want] of Object.entries(ref.rootsBySize)) {
      expect(hex(await treeRoot(Number(size), read)), `size ${size}`).toBe(want);
      expect(hex(rootFromLeafHashes(leaves.slice(0, Number(size)))), `size ${size}`).toBe(want);
    }
  });

  it('reference inclusion proofs are generated and verify', async () => {
    for (const { leafIndex, treeSize, proof } of ref.inclusionProofs) {
      const generated = await proveInclusion(leafIndex, treeSize, read);
      expect(generated.map(hex), `index ${leafIndex} size ${treeSize}`).toEqual(proof);
      const root = fromHex(ref.rootsBySize[String(treeSize)]!);
      expect(() => verifyInclusion(leafIndex, treeSize, leaves[leafIndex]!, proof.map(fromHex), root)).not.toThrow();
    }
  });

  it('reference consistency proofs are generated and verify', async () => {
    for (const { size1, size2, proof } of ref.consistencyProofs) {
      const generated = await proveConsistency(size1, size2, read);
      expect(generated.map(hex), `${size1} to ${size2}`).toEqual(proof);
      const root1 = fromHex(ref.rootsBySize[String(size1)]!);
      const root2 = fromHex(ref.rootsBySize[String(size2)]!);
      expect(() => verifyConsistency(size1, size2, proof.map(fromHex), root1, root2)).not.toThrow();
    }
  });

  it('every inclusion and consistency proof within the 8 leaves verifies', () => {
    for (let size = 1; size <= 8; size++) {
      const root = fromHex(ref.rootsBySize[String(size)]!);
      for (let index = 0; index < size; index++) {
        const proof = proveInclusionSync(index, size, syncRead);
        expect(() => verifyInclusion(index, size, leaves[index]!, proof, root)).not.toThrow();
      }
      for (let size1 = 1; size1 <= size; size1++) {
        const proof = proveConsistencySync(size1, size, syncRead);
        const root1 = fromHex(ref.rootsBySize[String(size1)]!);
        expect(() => verifyConsistency(size1, size, proof, root1, root)).not.toThrow();
      }
    }
  });

  it('hasher vectors match', () => {
    for (const vector of ref.hasherUnitVectors) {
      let got: Uint8Array;
      if (vector.leftAscii !== undefined) {
        got = hashChildren(Buffer.from(vector.leftAscii), Buffer.from(vector.rightAscii!));
      } else if (vector.leafAscii !== undefined) {
        got = hashLeaf(Buffer.from(vector.leafAscii));
      } else if (vector.leafHex !== undefined) {
        got = hashLeaf(fromHex(vector.leafHex));
      } else {
        got = EMPTY_ROOT_HASH;
      }
      expect(hex(got), vector.desc).toBe(vector.want);
    }
  });
});

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return listJson(full);
    return name.endsWith('.json') ? [full] : [];
  });
}

describe('inclusion probes', () => {
  const dir = path.join(vectors, 'merkle/inclusion');
  const files = listJson(dir);

  it('finds all 98 probes', () => {
    expect(files).toHaveLength(98);
  });

  it.each(files.map((file) => [path.relative(dir, file), file]))('%s', (_name, file) => {
    const probe = JSON.parse(readFileSync(file, 'utf8')) as InclusionProbe;
    const run = (): void =>
      verifyInclusion(
        probe.leafIdx,
        probe.treeSize,
        fromBase64(probe.leafHash),
        (probe.proof ?? []).map(fromBase64),
        fromBase64(probe.root),
      );
    if (probe.wantErr) {
      const error = errorOf(run);
      expect(['index_out_of_range', 'wrong_proof_length', 'invalid_hash_length', 'root_mismatch']).toContain(error.code);
    } else {
      expect(run).not.toThrow();
    }
  });
});

describe('merkletreejs differential', () => {
  // merkletreejs combines a pair by calling hashFn(Buffer.concat([left, right])), and with the
  // default options it carries an odd last node up unchanged: with pre-hashed leaves and a hashFn
  // that prefixes 0x01, that is the RFC 6962 tree.
  const nodeHashFn = (data: Buffer): Buffer => nodeHash('sha256', Buffer.concat([Buffer.from([1]), data]), 'buffer');
  const { leaves, levels } = makeTree(5000);
  const read = levelsHashReader(levels);

  function compare(size: number, indexes: readonly number[]): void {
    const tree = new MerkleTree(leaves.slice(0, size).map((leaf) => Buffer.from(leaf)), nodeHashFn);
    expect(hex(treeRootSync(size, read)), `root of size ${size}`).toBe(tree.getRoot().toString('hex'));
    for (const index of indexes) {
      const theirs = tree.getProof(Buffer.from(leaves[index]!), index).map((step) => step.data.toString('hex'));
      expect(proveInclusionSync(index, size, read).map(hex), `index ${index} in size ${size}`).toEqual(theirs);
    }
  }

  function sampleIndexes(size: number, count: number, random: () => number): number[] {
    const picks = new Set([0, size - 1, Math.floor(size / 2)]);
    while (picks.size < Math.min(count, size)) picks.add(Math.floor(random() * size));
    return [...picks];
  }

  it('sizes 1..1024 agree', () => {
    const random = seededRandom(1);
    for (let size = 1; size <= 1024; size++) {
      const indexes = size <= 128 ? Array.from({ length: size }, (_, i) => i) : sampleIndexes(size, 12, random);
      compare(size, indexes);
    }
  });

  it('random sizes up to 5000 agree', () => {
    const random = seededRandom(2);
    for (let run = 0; run < 30; run++) {
      const size = 1 + Math.floor(random() * 5000);
      compare(size, sampleIndexes(size, 40, random));
    }
  });
});

/** Deterministic xorshift32 generator, so a failing sample can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

describe('proof properties', () => {
  const maxSize = 3000;
  const { leaves, levels } = makeTree(maxSize);
  const read = levelsHashReader(levels);
  const roots = Array.from({ length: maxSize + 1 }, (_, size) => treeRootSync(size, read));
  const sizeAndIndex = fc
    .integer({ min: 1, max: maxSize })
    .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));
  const sizePair = fc
    .integer({ min: 1, max: maxSize })
    .chain((size2) => fc.tuple(fc.integer({ min: 1, max: size2 }), fc.constant(size2)));

  it('every inclusion proof verifies', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([size, index]) => {
        const proof = proveInclusionSync(index, size, read);
        verifyInclusion(index, size, leaves[index]!, proof, roots[size]!);
      }),
      { numRuns: 1000 },
    );
  });

  it('flipped bit fails inclusion', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), fc.integer({ min: 0, max: 255 }), ([size, index], pick, bit) => {
        const proof = proveInclusionSync(index, size, read);
        const targets = proof.length + 2;
        const target = pick % targets;
        const flip = (hash: Uint8Array): Uint8Array => {
          const copy = hash.slice();
          copy[bit >> 3]! ^= 1 << (bit & 7);
          return copy;
        };
        const leaf = target === proof.length ? flip(leaves[index]!) : leaves[index]!;
        const root = target === proof.length + 1 ? flip(roots[size]!) : roots[size]!;
        const altered = proof.map((hash, i) => (i === target ? flip(hash) : hash));
        const error = errorOf(() => verifyInclusion(index, size, leaf, altered, root));
        expect(error.code).toBe('root_mismatch');
        expect(hex(error.expectedRoot!)).toBe(hex(root));
        expect(error.computedRoot).toBeDefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('altered index or size fails inclusion', () => {
    fc.assert(
      fc.property(sizeAndIndex, sizeAndIndex, ([size, index], [otherSize, otherIndex]) => {
        const proof = proveInclusionSync(index, size, read);
        // Another index in the same tree, with that leaf's own hash and the same root.
        if (otherIndex < size && otherIndex !== index) {
          expect(() => verifyInclusion(otherIndex, size, leaves[otherIndex]!, proof, roots[size]!)).toThrow(ProofError);
        }
        // Another size, with that tree's own root: only an identical honest proof may pass.
        if (otherSize !== size && index < otherSize) {
          const honest = proveInclusionSync(index, otherSize, read).map(hex);
          const same = honest.length === proof.length && honest.every((h, i) => h === hex(proof[i]!));
          const run = (): void => verifyInclusion(index, otherSize, leaves[index]!, proof, roots[otherSize]!);
          if (same) expect(run).not.toThrow();
          else expect(run).toThrow(ProofError);
        }
        // Another size against the original root: passes exactly when the proof shape is the same.
        if (otherSize !== size && index < otherSize) {
          const shape = decomposeInclusionProof(index, size);
          const otherShape = decomposeInclusionProof(index, otherSize);
          const run = (): void => verifyInclusion(index, otherSize, leaves[index]!, proof, roots[size]!);
          if (shape.inner === otherShape.inner && shape.border === otherShape.border) expect(run).not.toThrow();
          else expect(run).toThrow(ProofError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('every consistency proof verifies', () => {
    fc.assert(
      fc.property(sizePair, ([size1, size2]) => {
        const proof = proveConsistencySync(size1, size2, read);
        verifyConsistency(size1, size2, proof, roots[size1]!, roots[size2]!);
      }),
      { numRuns: 1000 },
    );
  });

  it('flipped bit fails consistency', () => {
    fc.assert(
      fc.property(sizePair, fc.nat(), fc.integer({ min: 0, max: 255 }), ([size1, size2], pick, bit) => {
        const proof = proveConsistencySync(size1, size2, read);
        const target = pick % (proof.length + 2);
        const flip = (hash: Uint8Array): Uint8Array => {
          const copy = hash.slice();
          copy[bit >> 3]! ^= 1 << (bit & 7);
          return copy;
        };
        const root1 = target === proof.length ? flip(roots[size1]!) : roots[size1]!;
        const root2 = target === proof.length + 1 ? flip(roots[size2]!) : roots[size2]!;
        const altered = proof.map((hash, i) => (i === target ? flip(hash) : hash));
        expect(errorOf(() => verifyConsistency(size1, size2, altered, root1, root2)).code).toBe('root_mismatch');
      }),
      { numRuns: 1000 },
    );
  });

  it('altered size fails consistency', () => {
    fc.assert(
      fc.property(sizePair, sizePair, ([size1, size2], [other1, other2]) => {
        const proof = proveConsistencySync(size1, size2, read);
        const check = (a: number, b: number): void => {
          if ((a === size1 && b === size2) || a > b) return;
          const honest = proveConsistencySync(a, b, read).map(hex);
          const same = honest.length === proof.length && honest.every((h, i) => h === hex(proof[i]!));
          const run = (): void => verifyConsistency(a, b, proof, roots[a]!, roots[b]!);
          if (same) expect(run).not.toThrow();
          else expect(run).toThrow(ProofError);
        };
        check(other1, size2);
        check(size1, other2);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('verification edge cases', () => {
  const { leaves, levels } = makeTree(16);
  const read = levelsHashReader(levels);
  const root = (size: number): Uint8Array => treeRootSync(size, read);

  it('index equal to size is index_out_of_range', () => {
    expect(errorOf(() => verifyInclusion(4, 4, leaves[0]!, [], root(4))).code).toBe('index_out_of_range');
  });

  it('negative or fractional index is index_out_of_range', () => {
    expect(errorOf(() => rootFromInclusionProof(-1, 4, leaves[0]!, [])).code).toBe('index_out_of_range');
    expect(errorOf(() => rootFromInclusionProof(0.5, 4, leaves[0]!, [])).code).toBe('index_out_of_range');
  });

  it('size above 2^53-1 is invalid_size', () => {
    expect(errorOf(() => rootFromInclusionProof(0, 2 ** 53, leaves[0]!, [])).code).toBe('invalid_size');
  });

  it('short proof is wrong_proof_length', () => {
    const proof = proveInclusionSync(3, 16, read);
    expect(errorOf(() => verifyInclusion(3, 16, leaves[3]!, proof.slice(1), root(16))).code).toBe('wrong_proof_length');
  });

  it('31-byte proof hash is invalid_hash_length', () => {
    const proof = proveInclusionSync(3, 16, read);
    proof[1] = proof[1]!.subarray(1);
    expect(errorOf(() => verifyInclusion(3, 16, leaves[3]!, proof, root(16))).code).toBe('invalid_hash_length');
  });

  it('consistency with size1 above size2 is size_mismatch', () => {
    expect(errorOf(() => verifyConsistency(5, 4, [], root(5), root(4))).code).toBe('size_mismatch');
    expect(errorOf(() => consistencyPlan(5, 4)).code).toBe('size_mismatch');
  });

  it('consistency from size 0 is empty_first_tree, even to size 0', () => {
    expect(errorOf(() => verifyConsistency(0, 4, [], EMPTY_ROOT_HASH, root(4))).code).toBe('empty_first_tree');
    expect(errorOf(() => verifyConsistency(0, 0, [], EMPTY_ROOT_HASH, EMPTY_ROOT_HASH)).code).toBe('empty_first_tree');
  });

  it('equal sizes need an empty proof and equal roots', () => {
    expect(() => verifyConsistency(7, 7, [], root(7), root(7))).not.toThrow();
    expect(errorOf(() => verifyConsistency(7, 7, [root(3)], root(7), root(7))).code).toBe('wrong_proof_length');
    const error = errorOf(() => verifyConsistency(7, 7, [], root(7), root(6)));
    expect(error.code).toBe('root_mismatch');
    expect(hex(error.expectedRoot!)).toBe(hex(root(6)));
    expect(hex(error.computedRoot!)).toBe(hex(root(7)));
  });

  it('empty consistency proof between different sizes is wrong_proof_length', () => {
    expect(errorOf(() => verifyConsistency(3, 7, [], root(3), root(7))).code).toBe('wrong_proof_length');
  });

  it('hash reader returning too few hashes is wrong_hash_count', async () => {
    const short: HashReader = async (nodes) => read(nodes).slice(1);
    await expect(proveInclusion(3, 16, short)).rejects.toMatchObject({ code: 'wrong_hash_count' });
  });

  it('root of size 0 is the empty root without a read', async () => {
    const never: HashReader = () => Promise.reject(new Error('read called'));
    expect(hex(await treeRoot(0, never))).toBe(hex(EMPTY_ROOT_HASH));
  });

  it('proof of one leaf in a tree of one needs no read', async () => {
    const never: HashReader = () => Promise.reject(new Error('read called'));
    expect(await proveInclusion(0, 1, never)).toEqual([]);
  });
});

describe('sizes near 2^53', () => {
  const max = Number.MAX_SAFE_INTEGER;

  /** Reference proof length from BigInt bit operations. */
  function bigIntProofLength(index: number, size: number): number {
    const xor = BigInt(index) ^ BigInt(size - 1);
    const inner = xor.toString(2).replace(/^0+/, '').length;
    const border = (BigInt(index) >> BigInt(inner)).toString(2).replace(/0/g, '').length;
    return inner + border;
  }

  it('inclusion plans match BigInt bit arithmetic', () => {
    const cases: [number, number][] = [
      [0, max],
      [max - 1, max],
      [2 ** 52, max],
      [2 ** 52 - 1, 2 ** 52 + 1],
      [2 ** 40 + 12345, 2 ** 53 - 2 ** 20],
      [2 ** 32 + 1, 2 ** 33],
    ];
    for (const [index, size] of cases) {
      const plan = inclusionPlan(index, size);
      expect(plan.groups.length, `index ${index} size ${size}`).toBe(bigIntProofLength(index, size));
      for (const node of plan.nodes) {
        // Every node is a complete subtree of the tree.
        expect((node.index + 1) * 2 ** node.level).toBeLessThanOrEqual(size);
        expect(Number.isSafeInteger(node.index)).toBe(true);
      }
    }
  });

  it('consistency plans name only complete nodes of the new tree', () => {
    const cases: [number, number][] = [
      [max - 1, max],
      [2 ** 52, max],
      [2 ** 52 + 3, 2 ** 53 - 5],
      [3, max],
    ];
    for (const [size1, size2] of cases) {
      const plan = consistencyPlan(size1, size2);
      expect(plan.groups.length).toBeGreaterThan(0);
      for (const node of plan.nodes) expect((node.index + 1) * 2 ** node.level).toBeLessThanOrEqual(size2);
    }
  });

  it('last leaf of 2^53-1 leaves verifies', async () => {
    // Node hashes derived from the node id stand in for a real tree: the proof must then verify
    // against the root computed from the same reader.
    const read: HashReader = async (nodes) =>
      nodes.map(({ level, index }) => nodeHash('sha256', `${level}/${index}`, 'buffer'));
    const index = max - 1;
    const leaf = (await read([{ level: 0, index }]))[0]!;
    const proof = await proveInclusion(index, max, read);
    const root = await treeRoot(max, read);
    expect(proof).toHaveLength(52);
    expect(() => verifyInclusion(index, max, leaf, proof, root)).not.toThrow();
  });
});
