/**
 * The `(keyid, nonce)` pairs of accepted request signatures, each kept until the signature it
 * came with can no longer pass the freshness check. The cache lives in memory only: the
 * verifier rejects signatures created before the hub started, so a restart loses no pair that
 * could still be replayed.
 */
import { ApiError } from '../errors.js';

interface Entry {
  key: string;
  expiresAt: number;
}

/** A bounded set of keys that each expire at a given time in milliseconds. */
export class ReplayCache {
  private readonly expiries = new Map<string, number>();
  /** Binary min-heap on `expiresAt`, so the next entry to expire is at index 0. */
  private readonly heap: Entry[] = [];

  constructor(readonly maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries ${maxEntries} is not a positive integer`);
    }
  }

  /** Number of keys stored, expired ones included until the next call that purges. */
  get size(): number {
    return this.expiries.size;
  }

  /** Returns whether `key` is stored and has not expired at `now`. */
  has(key: string, now: number): boolean {
    this.purge(now);
    return this.expiries.has(key);
  }

  /**
   * Stores `key` until `expiresAt` (inclusive). Returns false, storing nothing, when the key is
   * already stored. When every slot contains a live key, throws ApiError 503 `busy` with the
   * seconds until the first one expires, instead of forgetting a key that could be replayed.
   */
  add(key: string, expiresAt: number, now: number): boolean {
    this.purge(now);
    if (this.expiries.has(key)) return false;
    if (this.expiries.size >= this.maxEntries) {
      const retryAfter = Math.max(1, Math.ceil((this.heap[0]!.expiresAt + 1 - now) / 1000));
      throw new ApiError(
        503,
        'busy',
        `the hub holds ${this.expiries.size} request nonces, its limit, and none has expired yet; send the request again after ${retryAfter} s`,
        { retryAfter },
      );
    }
    this.expiries.set(key, expiresAt);
    this.push({ key, expiresAt });
    return true;
  }

  /** Drops every entry that expired before `now`. */
  private purge(now: number): void {
    while (this.heap.length > 0 && this.heap[0]!.expiresAt < now) {
      const entry = this.pop();
      this.expiries.delete(entry.key);
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let child = heap.length - 1;
    while (child > 0) {
      const parent = Math.floor((child - 1) / 2);
      if (heap[parent]!.expiresAt <= heap[child]!.expiresAt) break;
      [heap[parent], heap[child]] = [heap[child]!, heap[parent]!];
      child = parent;
    }
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    heap[0] = last;
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < heap.length && heap[left]!.expiresAt < heap[smallest]!.expiresAt) smallest = left;
      if (right < heap.length && heap[right]!.expiresAt < heap[smallest]!.expiresAt) smallest = right;
      if (smallest === parent) return top;
      [heap[parent], heap[smallest]] = [heap[smallest]!, heap[parent]!];
      parent = smallest;
    }
  }
}
