/**
 * Merkle inclusion and consistency proofs over RFC 9162 §2.1 trees: which nodes a proof needs,
 * how to build it from stored node hashes, and how to check it.
 *
 * Sizes and indexes go up to 2^53 - 1, so every bit operation here is written as exact float
 * arithmetic (division by powers of two, `% 2`); JS `>>`, `&` and `^` would truncate to 32 bits.
 */
import { ProofError } from './errors.js';
import { EMPTY_ROOT_HASH, HASH_SIZE, equalHashes, hashChildren } from './hash.js';

/** A complete subtree: the leaves [index * 2^level, (index + 1) * 2^level). */
export interface NodeId {
  level: number;
  index: number;
}

/** Reads stored node hashes: one hash per requested node, in the same order. */
export type HashReader = (nodes: readonly NodeId[]) => Promise<Uint8Array[]>;

/** Synchronous form of HashReader, for in-memory trees. */
export type SyncHashReader = (nodes: readonly NodeId[]) => Uint8Array[];

/**
 * The nodes a proof needs, in one flat list so that a single read serves the whole proof.
 * Proof element i is the hash of `groups[i]` consecutive nodes, folded right to left. A group
 * larger than one is the root of an incomplete subtree at the right edge of the tree.
 */
export interface ProofPlan {
  nodes: NodeId[];
  groups: number[];
}

/** Largest tree size and index this code handles exactly (2^53 - 1). */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

function checkSize(size: number, name: string): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ProofError('invalid_size', `${name} ${String(size)} is not an integer in [0, 2^53-1]`);
  }
}

function checkIndex(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new ProofError(
      'index_out_of_range',
      `index ${String(index)} is outside a tree of size ${size}`,
    );
  }
}

function checkHash(hash: Uint8Array, name: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    const got = hash instanceof Uint8Array ? `${hash.length} bytes` : typeof hash;
    throw new ProofError('invalid_hash_length', `${name} has ${got}, want ${HASH_SIZE} bytes`);
  }
}

function checkProofLength(proof: readonly Uint8Array[], want: number, what: string): void {
  if (proof.length !== want) {
    throw new ProofError(
      'wrong_proof_length',
      `${what} has ${proof.length} hashes, want ${want}`,
    );
  }
}

/** Returns bit `i` of `x` (0 or 1), exact for x below 2^53. */
function bitAt(x: number, i: number): number {
  return Math.floor(x / 2 ** i) % 2;
}

function popCount(x: number): number {
  let count = 0;
  for (let v = x; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
}

function trailingZeros(x: number): number {
  let count = 0;
  for (let v = x; v > 0 && v % 2 === 0; v /= 2) count++;
  return count;
}

/**
 * Splits an inclusion proof for `index` in a tree of `size` into an inner and a border part.
 * The inner part covers the levels where the paths to `index` and to `size - 1` differ, so its
 * length is the bit length of index XOR (size - 1). The border part has one left sibling per
 * set bit of index above those levels.
 */
export function decomposeInclusionProof(index: number, size: number): { inner: number; border: number } {
  let a = index;
  let b = size - 1;
  let inner = 0;
  while (a !== b) {
    a = Math.floor(a / 2);
    b = Math.floor(b / 2);
    inner++;
  }
  return { inner, border: popCount(a) };
}

/**
 * Returns the complete subtrees that make up the leaves [begin, end), largest first. The
 * right-to-left fold of their hashes is a Merkle tree hash when `begin` is a multiple of a power
 * of two at least `end - begin`, as for the whole tree (begin 0) and for its right-edge subtrees.
 */
export function perfectSubtrees(begin: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let start = begin;
  let remaining = end - begin;
  let level = 0;
  while (2 ** (level + 1) <= remaining) level++;
  for (; remaining > 0; level--) {
    const width = 2 ** level;
    if (width <= remaining) {
      nodes.push({ level, index: start / width });
      start += width;
      remaining -= width;
    }
  }
  return nodes;
}

/** Appends to `plan` the siblings on the path from node (level, index) to the root of `size`. */
function addPathToRoot(plan: ProofPlan, level: number, index: number, size: number): void {
  const last = Math.floor((size - 1) / 2 ** level);
  const { inner } = decomposeInclusionProof(index, last + 1);

  // Inner levels: the sibling lies left or right. A right sibling may reach past the end of
  // the tree (only at the top inner level), so take it as the subtrees that the size covers.
  let position = index;
  for (let j = 0; j < inner; j++, position = Math.floor(position / 2)) {
    const nodeLevel = level + j;
    if (position % 2 === 1) {
      plan.nodes.push({ level: nodeLevel, index: position - 1 });
      plan.groups.push(1);
    } else {
      const width = 2 ** nodeLevel;
      const begin = (position + 1) * width;
      const parts = perfectSubtrees(begin, Math.min(size, begin + width));
      plan.nodes.push(...parts);
      plan.groups.push(parts.length);
    }
  }

  // Border levels: the paths to index and to size - 1 have merged, so every sibling is a
  // complete subtree on the left.
  for (let j = inner; position > 0; j++, position = Math.floor(position / 2)) {
    if (position % 2 === 1) {
      plan.nodes.push({ level: level + j, index: position - 1 });
      plan.groups.push(1);
    }
  }
}

/** Returns the nodes of the inclusion proof for leaf `index` in a tree of `size` (RFC 9162 §2.1.3.1). */
export function inclusionPlan(index: number, size: number): ProofPlan {
  checkSize(size, 'tree size');
  checkIndex(index, size);
  const plan: ProofPlan = { nodes: [], groups: [] };
  addPathToRoot(plan, 0, index, size);
  return plan;
}

/**
 * Returns the nodes of the consistency proof from `size1` to `size2` (RFC 9162 §2.1.4.1). The
 * proof is empty when size1 is 0 or equals size2, since the old root then proves nothing new.
 */
export function consistencyPlan(size1: number, size2: number): ProofPlan {
  checkSize(size1, 'first tree size');
  checkSize(size2, 'second tree size');
  if (size1 > size2) {
    throw new ProofError('size_mismatch', `first tree size ${size1} exceeds second tree size ${size2}`);
  }
  const plan: ProofPlan = { nodes: [], groups: [] };
  if (size1 === 0 || size1 === size2) return plan;

  // The largest complete subtree that ends at size1. Unless it is the whole old tree (size1 a
  // power of two, whose root the verifier already has), the proof starts with it.
  const level = trailingZeros(size1);
  const index = size1 / 2 ** level - 1;
  if (index !== 0) {
    plan.nodes.push({ level, index });
    plan.groups.push(1);
  }
  addPathToRoot(plan, level, index, size2);
  return plan;
}

/** Builds the proof hashes of `plan` from the hashes of its nodes, read in plan order. */
export function assembleProof(plan: ProofPlan, hashes: readonly Uint8Array[]): Uint8Array[] {
  if (hashes.length !== plan.nodes.length) {
    throw new ProofError(
      'wrong_hash_count',
      `hash reader returned ${hashes.length} hashes for ${plan.nodes.length} nodes`,
    );
  }
  hashes.forEach((hash, i) => checkHash(hash, `hash of node ${i}`));
  const proof: Uint8Array[] = [];
  let next = 0;
  for (const count of plan.groups) {
    proof.push(foldRight(hashes.slice(next, next + count)));
    next += count;
  }
  return proof;
}

/** Folds subtree hashes, largest (leftmost) first, into the hash of the tree they make up. */
function foldRight(hashes: readonly Uint8Array[]): Uint8Array {
  let hash = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) hash = hashChildren(hashes[i]!, hash);
  return hash;
}

/** Builds the inclusion proof for leaf `index` in a tree of `size` with one `read`. */
export async function proveInclusion(index: number, size: number, read: HashReader): Promise<Uint8Array[]> {
  const plan = inclusionPlan(index, size);
  if (plan.nodes.length === 0) return [];
  return assembleProof(plan, await read(plan.nodes));
}

/** Builds the consistency proof from `size1` to `size2` with one `read`. */
export async function proveConsistency(size1: number, size2: number, read: HashReader): Promise<Uint8Array[]> {
  const plan = consistencyPlan(size1, size2);
  if (plan.nodes.length === 0) return [];
  return assembleProof(plan, await read(plan.nodes));
}

/** Computes the root hash of a tree of `size` with one `read`; EMPTY_ROOT_HASH for size 0. */
export async function treeRoot(size: number, read: HashReader): Promise<Uint8Array> {
  checkSize(size, 'tree size');
  if (size === 0) return EMPTY_ROOT_HASH;
  const nodes = perfectSubtrees(0, size);
  return assembleProof({ nodes, groups: [nodes.length] }, await read(nodes))[0]!;
}

/** Synchronous proveInclusion. */
export function proveInclusionSync(index: number, size: number, read: SyncHashReader): Uint8Array[] {
  const plan = inclusionPlan(index, size);
  return plan.nodes.length === 0 ? [] : assembleProof(plan, read(plan.nodes));
}

/** Synchronous proveConsistency. */
export function proveConsistencySync(size1: number, size2: number, read: SyncHashReader): Uint8Array[] {
  const plan = consistencyPlan(size1, size2);
  return plan.nodes.length === 0 ? [] : assembleProof(plan, read(plan.nodes));
}

/** Synchronous treeRoot. */
export function treeRootSync(size: number, read: SyncHashReader): Uint8Array {
  checkSize(size, 'tree size');
  if (size === 0) return EMPTY_ROOT_HASH;
  const nodes = perfectSubtrees(0, size);
  return assembleProof({ nodes, groups: [nodes.length] }, read(nodes))[0]!;
}

/**
 * Chains proof hashes up from `seed` along the inner levels: the sibling is on the right where
 * the bit of `index` is 0, on the left where it is 1.
 */
function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let hash = seed;
  proof.forEach((sibling, i) => {
    hash = bitAt(index, i) === 0 ? hashChildren(hash, sibling) : hashChildren(sibling, hash);
  });
  return hash;
}

/** Like chainInner, but skips right siblings: they are not part of the older, smaller tree. */
function chainInnerRight(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let hash = seed;
  proof.forEach((sibling, i) => {
    if (bitAt(index, i) === 1) hash = hashChildren(sibling, hash);
  });
  return hash;
}

/** Chains border hashes, which are always left siblings. */
function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let hash = seed;
  for (const sibling of proof) hash = hashChildren(sibling, hash);
  return hash;
}

/**
 * Computes the root implied by an inclusion proof (RFC 9162 §2.1.3.2, in the inner/border form).
 * Throws ProofError: invalid_size, index_out_of_range, wrong_proof_length, invalid_hash_length.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  checkSize(size, 'tree size');
  checkIndex(index, size);
  checkHash(leafHash, 'leaf hash');
  const { inner, border } = decomposeInclusionProof(index, size);
  checkProofLength(proof, inner + border, `inclusion proof for index ${index} in size ${size}`);
  proof.forEach((hash, i) => checkHash(hash, `inclusion proof hash ${i}`));
  const hash = chainInner(leafHash, proof.slice(0, inner), index);
  return chainBorderRight(hash, proof.slice(inner));
}

/**
 * Checks that `proof` proves leaf `index` with `leafHash` in the tree of `size` with `root`.
 * Throws ProofError; on `root_mismatch` it carries `expectedRoot` and `computedRoot`.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHash(root, 'root hash');
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  if (!equalHashes(computed, root)) {
    throw new ProofError(
      'root_mismatch',
      `inclusion proof for index ${index} in size ${size} leads to a different root`,
      { expectedRoot: root, computedRoot: computed },
    );
  }
}

/**
 * Checks that `proof` proves the tree of `size1` with `root1` is a prefix of the tree of `size2`
 * with `root2` (RFC 9162 §2.1.4.2). Edge cases follow transparency-dev/merkle, in this order:
 * size1 > size2 is `size_mismatch`, size1 = 0 is `empty_first_tree` (even when size2 is 0,
 * because a consistency proof from the empty tree proves nothing), and size1 = size2 needs an
 * empty proof and equal roots.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkSize(size1, 'first tree size');
  checkSize(size2, 'second tree size');
  checkHash(root1, 'first root hash');
  checkHash(root2, 'second root hash');
  if (size1 > size2) {
    throw new ProofError('size_mismatch', `first tree size ${size1} exceeds second tree size ${size2}`);
  }
  if (size1 === 0) {
    throw new ProofError('empty_first_tree', 'consistency proof from an empty tree is not defined');
  }
  if (size1 === size2) {
    checkProofLength(proof, 0, `consistency proof between equal sizes ${size1}`);
    checkRoot(root2, root1, `trees of equal size ${size1} have different roots`);
    return;
  }

  // Now 0 < size1 < size2. The proof is the tail of an inclusion proof of leaf size1 - 1 in
  // size2, starting at the level of the largest complete subtree that ends at size1.
  const shift = trailingZeros(size1);
  const { inner: fullInner, border } = decomposeInclusionProof(size1 - 1, size2);
  const inner = fullInner - shift;
  const oldIsPerfect = size1 === 2 ** shift;
  const start = oldIsPerfect ? 0 : 1;
  checkProofLength(proof, start + inner + border, `consistency proof from size ${size1} to ${size2}`);
  proof.forEach((hash, i) => checkHash(hash, `consistency proof hash ${i}`));

  // When size1 is a power of two its root is the subtree root, so the proof omits it.
  const seed = oldIsPerfect ? root1 : proof[0]!;
  const path = proof.slice(start);
  // (size1 - 1) >> shift, exact because size1 is an odd multiple of 2^shift.
  const position = size1 / 2 ** shift - 1;

  const hash1 = chainBorderRight(chainInnerRight(seed, path.slice(0, inner), position), path.slice(inner));
  checkRoot(root1, hash1, `consistency proof from size ${size1} to ${size2} does not match the first root`);
  const hash2 = chainBorderRight(chainInner(seed, path.slice(0, inner), position), path.slice(inner));
  checkRoot(root2, hash2, `consistency proof from size ${size1} to ${size2} does not match the second root`);
}

function checkRoot(expected: Uint8Array, computed: Uint8Array, message: string): void {
  if (!equalHashes(expected, computed)) {
    throw new ProofError('root_mismatch', message, { expectedRoot: expected, computedRoot: computed });
  }
}

/**
 * Builds every complete-node hash of a tree in memory: `levels[l][i]` is node (l, i). Levels
 * contain only complete nodes, so a right-edge node without a sibling is not carried up.
 */
export function buildTreeLevels(leafHashes: readonly Uint8Array[]): Uint8Array[][] {
  leafHashes.forEach((hash, i) => checkHash(hash, `leaf hash ${i}`));
  const levels: Uint8Array[][] = [leafHashes.slice()];
  for (let below = levels[0]!; below.length >= 2; ) {
    const level: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) level.push(hashChildren(below[i]!, below[i + 1]!));
    levels.push(level);
    below = level;
  }
  return levels;
}

/** Serves node hashes from buildTreeLevels output; throws `node_not_found` for a missing node. */
export function levelsHashReader(levels: readonly (readonly Uint8Array[])[]): SyncHashReader {
  return (nodes) =>
    nodes.map(({ level, index }) => {
      const hash = levels[level]?.[index];
      if (hash === undefined) {
        throw new ProofError('node_not_found', `node at level ${level}, index ${index} is not in the tree`);
      }
      return hash;
    });
}

/** Computes the Merkle tree hash of the given leaf hashes (RFC 9162 §2.1.1). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  return treeRootSync(leafHashes.length, levelsHashReader(buildTreeLevels(leafHashes)));
}
