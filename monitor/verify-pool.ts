/**
 * A pool of worker threads that verifies Ed25519 signatures in batches, so the monitor's replay
 * is not bound to the verification rate of the one thread that runs the registry rules.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { LedgerError } from '../ledger/errors.js';

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

interface PendingChunk {
  resolve: (results: Uint8Array) => void;
  reject: (error: Error) => void;
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
    const chunks: Promise<Uint8Array>[] = [];
    for (let start = 0, w = 0; start < checks.length; start += chunkSize, w++) {
      chunks.push(this.#send(this.#workers[w]!, checks.slice(start, start + chunkSize)));
    }
    const results: boolean[] = [];
    for (const chunk of await Promise.all(chunks)) {
      for (const result of chunk) results.push(result === 1);
    }
    return results;
  }

  /** Stops the workers; later `verify` calls raise `pool_closed`. */
  async close(): Promise<void> {
    if (this.#failure?.code !== 'pool_closed') this.#failure = new VerifyPoolError('pool_closed', 'verify pool is closed');
    await Promise.all(this.#workers.map((entry) => entry.worker.terminate()));
  }

  #start(url: URL): PoolWorker {
    const worker = new Worker(url);
    const entry: PoolWorker = { worker, threadId: worker.threadId, pending: new Map() };
    entry.worker.on('message', (reply: { id: number; results: Uint8Array }) => {
      const pending = entry.pending.get(reply.id);
      entry.pending.delete(reply.id);
      pending?.resolve(reply.results);
    });
    entry.worker.on('error', (error) => this.#fail(entry, error));
    entry.worker.on('exit', (code) => this.#fail(entry, new Error(`worker exited with code ${code}`)));
    return entry;
  }

  #send(entry: PoolWorker, checks: readonly SignatureCheck[]): Promise<Uint8Array> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      entry.pending.set(id, { resolve, reject });
      entry.worker.postMessage({
        id,
        messages: checks.map((check) => check.message),
        signatures: checks.map((check) => check.signature),
        publicKeys: checks.map((check) => check.publicKey),
      });
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
