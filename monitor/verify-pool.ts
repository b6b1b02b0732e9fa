/**
 * A pool of worker threads that verifies Ed25519 signatures in batches, and decodes leaves and
 * verifies their actor signatures ahead of the replay, so the thread that runs the registry rules
 * does neither.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { LedgerError } from '../ledger/errors.js';
import { packLeaves, type DecodedLeaves, type KeyUpdate } from './leaf-batch.js';

/** One signature to verify. */
export interface SignatureCheck {
  message: Uint8Array;
  signature: Uint8Array;
  publicKey: Uint8Array;
}

/** A failed pool: closed, a worker that died, or a batch out of bounds. */
export class VerifyPoolError extends LedgerError {}

/** The compiled worker script next to this module; absent when running the TypeScript sources. */
export const VERIFY_WORKER_URL = new URL('./monitor-verify-worker.js', import.meta.url);

/** Maximum checks in one `verify` call, which bounds the memory a batch copies to the workers. */
export const MAX_BATCH_CHECKS = 65_536;
/** Maximum message size in bytes; an entry is at most 65,535 bytes, so its signing message is too. */
export const MAX_MESSAGE_SIZE = 65_536;

/** Maximum leaves in one `decode` call. */
export const MAX_DECODE_LEAVES = 4096;

interface PendingChunk {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

/** A reply of the worker: `results` for a `verify` request, `decoded` for a `decode` request. */
interface WorkerReply {
  id: number;
  results?: Uint8Array;
  decoded?: DecodedLeaves;
}

interface PoolWorker {
  worker: Worker;
  /** The worker's thread ID, kept because `worker.threadId` is -1 once the thread exits. */
  threadId: number;
  pending: Map<number, PendingChunk>;
}

export interface VerifyPoolOptions {
  /** Worker threads (default `os.availableParallelism()`). */
  threads?: number;
  /** The worker script (default {@link VERIFY_WORKER_URL}). */
  workerUrl?: URL;
}

export class VerifyPool {
  readonly #workers: PoolWorker[];
  #nextId = 0;
  #failure: VerifyPoolError | undefined;

  /** @throws VerifyPoolError `invalid_threads` or `worker_missing` (no compiled worker script). */
  constructor(options: VerifyPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 1024) {
      throw new VerifyPoolError('invalid_threads', `verify pool threads ${threads} is invalid, expected an integer in 1..1024`);
    }
    const url = options.workerUrl ?? VERIFY_WORKER_URL;
    if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) {
      throw new VerifyPoolError('worker_missing', `worker script ${fileURLToPath(url)} not found; build with npx tsc -p tsconfig.json`);
    }
    this.#workers = Array.from({ length: threads }, () => this.#start(url));
  }

  /** Returns whether the compiled worker script exists, so a pool can start. */
  static available(workerUrl: URL = VERIFY_WORKER_URL): boolean {
    return workerUrl.protocol !== 'file:' || existsSync(fileURLToPath(workerUrl));
  }

  /** Number of worker threads. */
  get threads(): number {
    return this.#workers.length;
  }

  /**
   * Verifies each check and returns the results in input order, split over the workers.
   * @throws VerifyPoolError `batch_too_large`, `message_too_large`, `pool_closed` or `worker_failed`.
   */
  async verify(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    if (this.#failure !== undefined) throw this.#failure;
    if (checks.length > MAX_BATCH_CHECKS) {
      throw new VerifyPoolError('batch_too_large', `batch of ${checks.length} signatures exceeds the maximum ${MAX_BATCH_CHECKS}`);
    }
    const oversized = checks.findIndex((check) => check.message.length > MAX_MESSAGE_SIZE);
    if (oversized >= 0) {
      throw new VerifyPoolError(
        'message_too_large',
        `message ${oversized} has ${checks[oversized]!.message.length} bytes, maximum ${MAX_MESSAGE_SIZE}`,
      );
    }
    if (checks.length === 0) return [];

    const chunkSize = Math.ceil(checks.length / this.#workers.length);
    const chunks: Promise<WorkerReply>[] = [];
    for (let start = 0, w = 0; start < checks.length; start += chunkSize, w++) {
      const chunk = checks.slice(start, start + chunkSize);
      chunks.push(
        this.#send(this.#workers[w]!, (id) => ({
          type: 'verify',
          id,
          messages: chunk.map((check) => check.message),
          signatures: chunk.map((check) => check.signature),
          publicKeys: chunk.map((check) => check.publicKey),
        })),
      );
    }
    const results: boolean[] = [];
    for (const reply of await Promise.all(chunks)) {
      for (const result of reply.results!) results.push(result === 1);
    }
    return results;
  }

  /**
   * Sends `leaves` to the least busy worker, which decodes them and verifies their actor
   * signatures with the keys of its table (see {@link updateKeys}). The leaves are copied into
   * one buffer, which is transferred rather than cloned.
   * @throws VerifyPoolError `batch_too_large`, `pool_closed` or `worker_failed`.
   */
  async decode(leaves: readonly Uint8Array[]): Promise<DecodedLeaves> {
    if (this.#failure !== undefined) throw this.#failure;
    if (leaves.length > MAX_DECODE_LEAVES) {
      throw new VerifyPoolError('batch_too_large', `batch of ${leaves.length} leaves exceeds the maximum ${MAX_DECODE_LEAVES}`);
    }
    const packed = packLeaves(leaves);
    const worker = this.#workers.reduce((best, entry) => (entry.pending.size < best.pending.size ? entry : best));
    const reply = await this.#send(worker, (id) => ({ type: 'decode', id, bytes: packed.bytes, ends: packed.ends }), [
      packed.bytes.buffer as ArrayBuffer,
      packed.ends.buffer as ArrayBuffer,
    ]);
    return reply.decoded!;
  }

  /**
   * Changes the actor key table of every worker, first emptying it when `clear`. Requests sent
   * after this call see the change, because each worker handles its messages in order.
   * @throws VerifyPoolError `pool_closed` or `worker_failed`.
   */
  updateKeys(updates: readonly KeyUpdate[], clear = false): void {
    if (this.#failure !== undefined) throw this.#failure;
    for (const entry of this.#workers) entry.worker.postMessage({ type: 'keys', updates, clear });
  }

  /** Stops the workers; later `verify` calls raise `pool_closed`. */
  async close(): Promise<void> {
    if (this.#failure?.code !== 'pool_closed') this.#failure = new VerifyPoolError('pool_closed', 'verify pool is closed');
    await Promise.all(this.#workers.map((entry) => entry.worker.terminate()));
  }

  #start(url: URL): PoolWorker {
    const worker = new Worker(url);
    const entry: PoolWorker = { worker, threadId: worker.threadId, pending: new Map() };
    entry.worker.on('message', (reply: WorkerReply) => {
      const pending = entry.pending.get(reply.id);
      entry.pending.delete(reply.id);
      pending?.resolve(reply);
    });
    entry.worker.on('error', (error) => this.#fail(entry, error));
    entry.worker.on('exit', (code) => this.#fail(entry, new Error(`worker exited with code ${code}`)));
    return entry;
  }

  #send(entry: PoolWorker, request: (id: number) => object, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      entry.pending.set(id, { resolve, reject });
      entry.worker.postMessage(request(id), transfer);
    });
  }

  /** Rejects the requests of a worker that stopped; the pool is unusable from then on. */
  #fail(entry: PoolWorker, cause: Error): void {
    const closed = this.#failure?.code === 'pool_closed';
    const error = closed
      ? this.#failure!
      : new VerifyPoolError('worker_failed', `signature verify worker ${entry.threadId} failed: ${cause.message}`, { cause });
    this.#failure ??= error;
    for (const pending of entry.pending.values()) pending.reject(error);
    entry.pending.clear();
  }
}
