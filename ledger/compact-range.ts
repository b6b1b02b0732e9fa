/**
 * The right edge of a growing Merkle tree (RFC 9162 §2.1.1): one hash per set bit of the size,
 * each the root of a complete subtree, so appending and computing the root take O(log n) memory.
 */
import { ProofError } from './errors.js';
import { EMPTY_ROOT_HASH, HASH_SIZE, hashChildren } from './hash.js';
import { type NodeId, perfectSubtrees } from './proof.js';

/** Called for every complete node an append creates, the leaf itself included. */
export type NodeVisitor = (node: NodeId, hash: Uint8Array) => void;

export class CompactRange {
  #size: number;
  // Roots of the complete subtrees covering [0, size), largest (leftmost) first.
  #hashes: Uint8Array[];

  /**
   * Starts from an existing tree: `hashes` are the roots of `edgeNodes(size)`, largest first.
   * Throws ProofError `invalid_size`, `wrong_hash_count` or `invalid_hash_length`.
   */
  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ProofError('invalid_size', `compact range size ${String(size)} is not an integer in [0, 2^53-1]`);
    }
    const want = edgeNodes(size).length;
    if (hashes.length !== want) {
      throw new ProofError(
        'wrong_hash_count',
        `compact range of size ${size} needs ${want} hashes, got ${hashes.length}`,
      );
    }
    hashes.forEach((hash, i) => {
      if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
        throw new ProofError('invalid_hash_length', `compact range hash ${i} is not ${HASH_SIZE} bytes`);
      }
    });
    this.#size = size;
    this.#hashes = hashes.map((hash) => hash.slice());
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Appends a leaf hash and merges the complete subtrees it closes. `visit`, if given, receives the
   * leaf and each merged node in order of increasing level, which is what a tile writer stores.
   */
  append(leafHash: Uint8Array, visit?: NodeVisitor): void {
    if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_SIZE) {
      throw new ProofError('invalid_hash_length', `leaf hash is not ${HASH_SIZE} bytes`);
    }
    if (this.#size >= Number.MAX_SAFE_INTEGER) {
      throw new ProofError('invalid_size', 'compact range is full at 2^53-1 leaves');
    }
    let hash: Uint8Array = leafHash.slice();
    let index = this.#size;
    let level = 0;
    visit?.({ level, index }, hash);
    // Each trailing 1 bit of the old size is a subtree of the same height waiting on the left.
    for (let rest = this.#size; rest % 2 === 1; rest = (rest - 1) / 2) {
      hash = hashChildren(this.#hashes.pop()!, hash);
      level++;
      index = Math.floor(index / 2);
      visit?.({ level, index }, hash);
    }
    this.#hashes.push(hash);
    this.#size++;
  }

  /** Returns the Merkle tree hash of the leaves appended so far; EMPTY_ROOT_HASH when empty. */
  root(): Uint8Array {
    if (this.#hashes.length === 0) return EMPTY_ROOT_HASH;
    let hash = this.#hashes[this.#hashes.length - 1]!;
    for (let i = this.#hashes.length - 2; i >= 0; i--) hash = hashChildren(this.#hashes[i]!, hash);
    return hash;
  }

  /** Returns copies of the edge hashes, largest subtree first, matching `edgeNodes(size)`. */
  hashes(): Uint8Array[] {
    return this.#hashes.map((hash) => hash.slice());
  }

  /** Returns the node ids of the edge hashes. */
  nodes(): NodeId[] {
    return edgeNodes(this.#size);
  }

  clone(): CompactRange {
    return new CompactRange(this.#size, this.#hashes);
  }
}

/** Returns the complete subtrees whose roots make up the right edge of a tree of `size`. */
export function edgeNodes(size: number): NodeId[] {
  return perfectSubtrees(0, size);
}
