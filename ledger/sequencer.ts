/**
 * The sequencer: the single writer of a log. Submissions wait in a bounded pool. Each integration
 * takes up to `batchSize` of them, or whatever arrived within `batchInterval` of the first. The
 * application's batch handler turns them into entries; the sequencer grows the tiles, signs a
 * checkpoint (c2sp.org/tlog-checkpoint) and commits everything in one atomic, synced batch.
 * A submitter's promise settles only after that commit.
 */
import { MAX_ENTRY_SIZE } from './bundle.js';
import { formatCheckpoint, parseCheckpoint } from './checkpoint.js';
import { SequencerError, StorageError } from './errors.js';
import { equalHashes, hashLeaf } from './hash.js';
import { loadRightEdge } from './fsck.js';
import { parseNote, signNote, type NoteSigner } from './note.js';
import {
  MAX_INDEX_KEY_BYTES,
  readTileAtWidth,
  type IndexKeyRecord,
  type LogStorage,
  type StoredCheckpoint,
} from './storage.js';
import { TILE_WIDTH } from './tile.js';
import type { TileWriter } from './tile-writer.js';

/** What the batch handler decides for one submission. */
export type BatchDecision =
  /** Append `entry`; each index key is stored with the entry's index as its value. */
  | { entry: Uint8Array; indexKeys?: readonly Uint8Array[] }
  /** The submission is already logged at `index` (a client's retry), so the result is that entry. */
  | { index: number }
  /** Reject the submission with `error`. */
  | { error: Error };

/** The integration a handler call belongs to. */
export interface IntegrationContext {
  /** Integration time in milliseconds since the Unix epoch, from the sequencer's clock. */
  time: number;
  /** Index of the first entry this integration appends (the tree size before it). */
  firstIndex: number;
}

/**
 * The application's side of an integration. `prepare` receives the submissions in pool order and may
 * stage state (such as the entries it appends). Exactly one of `committed` or `aborted` follows
 * each `prepare` call: `committed` once the batch is durable (or when it appended nothing),
 * `aborted` when the sequencer drops the staged decisions, after which it may call `prepare`
 * again with the remaining submissions.
 */
export interface BatchHandler<T> {
  prepare(items: readonly T[], context: IntegrationContext): BatchDecision[] | Promise<BatchDecision[]>;
  committed?(context: IntegrationContext, size: number): void;
  aborted?(context: IntegrationContext, reason: unknown): void;
}

/** The result of a submission, returned after the commit that made it durable. */
export interface SequencedEntry {
  index: number;
  leafHash: Uint8Array;
  /** The signed checkpoint note that includes the entry. */
  checkpoint: string;
  size: number;
  rootHash: Uint8Array;
}

/** Timers and time, injectable so tests control when integrations run. */
export interface SequencerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SequencerOptions {
  /** Checkpoint origin; defaults to the signer's key name, as c2sp.org/tlog-checkpoint recommends. */
  origin?: string;
  /** Maximum submissions per integration; default 256, at most 4096. */
  batchSize?: number;
  /** Milliseconds an integration waits after its first submission arrives; default 200. */
  batchInterval?: number;
  /** Maximum submissions waiting in the pool; default 10,000. */
  maxPending?: number;
  clock?: SequencerClock;
}

/** Returns true for the SequencerError codes that mean "try again later". */
export function isRetryable(error: unknown): boolean {
  return error instanceof SequencerError && RETRYABLE.has(error.code);
}

const RETRYABLE = new Set(['pool_full', 'commit_failed', 'storage_unavailable']);

const systemClock: SequencerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Submission<T> {
  item: T;
  arrival: number;
  resolve(entry: SequencedEntry): void;
  reject(error: unknown): void;
}

/**
 * Opens the sequencer of the log in `storage`. It first rebuilds the right edge from the stored
 * tiles and checks it against the latest checkpoint, whose note must carry the signer's signature
 * and the origin. An empty store starts at size 0 and signs nothing until the first append.
 * @throws RootMismatchError and other corrupt StorageErrors from the startup check;
 *   StorageError `checkpoint_mismatch` (corrupt) or `origin_mismatch` / `signer_mismatch`.
 */
export async function openSequencer<T>(
  storage: LogStorage,
  signer: NoteSigner,
  handler: BatchHandler<T>,
  options: SequencerOptions = {},
): Promise<Sequencer<T>> {
  const origin = options.origin ?? signer.name;
  const { checkpoint, writer } = await loadRightEdge(storage);
  if (checkpoint !== undefined) checkStoredNote(checkpoint, origin, signer);
  return new Sequencer(storage, signer, handler, writer, checkpoint, origin, options);
}

function checkStoredNote(stored: StoredCheckpoint, origin: string, signer: NoteSigner): void {
  const note = parseNote(stored.note);
  const parsed = parseCheckpoint(note.text);
  if (parsed.size !== stored.size || !equalHashes(parsed.rootHash, stored.rootHash)) {
    throw new StorageError(
      'checkpoint_mismatch',
      `latest checkpoint note says size ${parsed.size}, but the store records size ${stored.size} with another root`,
      { corrupt: true },
    );
  }
  if (parsed.origin !== origin) {
    throw new StorageError(
      'origin_mismatch',
      `stored checkpoints have origin ${JSON.stringify(parsed.origin)}, not ${JSON.stringify(origin)}`,
    );
  }
  const signed = note.signatures.some((s) => s.name === signer.name && s.keyId === signer.keyId);
  if (!signed) {
    throw new StorageError(
      'signer_mismatch',
      `latest checkpoint carries no signature of key ${signer.name}+${signer.keyId.toString(16).padStart(8, '0')}`,
    );
  }
}

export class Sequencer<T> {
  readonly #storage: LogStorage;
  readonly #signer: NoteSigner;
  readonly #handler: BatchHandler<T>;
  readonly #origin: string;
  readonly #clock: SequencerClock;
  readonly #batchSize: number;
  readonly #batchInterval: number;
  readonly #maxPending: number;

  #writer: TileWriter;
  #root: Uint8Array;
  #latest: StoredCheckpoint | undefined;
  #pool: Submission<T>[] = [];
  #timer: unknown;
  #running: Promise<void> | undefined;
  #closing = false;
  #failure: Error | undefined;

  /** @internal Use openSequencer, which checks the store first. */
  constructor(
    storage: LogStorage,
    signer: NoteSigner,
    handler: BatchHandler<T>,
    writer: TileWriter,
    latest: StoredCheckpoint | undefined,
    origin: string,
    options: SequencerOptions,
  ) {
    this.#storage = storage;
    this.#signer = signer;
    this.#handler = handler;
    this.#writer = writer;
    this.#root = writer.root();
    this.#latest = latest;
    this.#origin = origin;
    this.#clock = options.clock ?? systemClock;
    this.#batchSize = checkOption('batchSize', options.batchSize ?? 256, 1, 4096);
    this.#batchInterval = checkOption('batchInterval', options.batchInterval ?? 200, 0, 60_000);
    this.#maxPending = checkOption('maxPending', options.maxPending ?? 10_000, 1, 1_000_000);
  }

  /** Number of entries committed. */
  get size(): number {
    return this.#writer.size;
  }

  /** The latest committed checkpoint, or undefined before the first append. */
  get latestCheckpoint(): StoredCheckpoint | undefined {
    return this.#latest;
  }

  /** The error that stopped the log, if any. Every later submission is rejected with `log_failed`. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Number of submissions waiting for an integration. */
  get pending(): number {
    return this.#pool.length;
  }

  /**
   * Queues a submission; the promise settles after the integration that handles it commits.
   * Rejects with SequencerError `pool_full` (retryable), `closed`, `log_failed`, or what the
   * handler decides.
   */
  submit(item: T): Promise<SequencedEntry> {
    if (this.#failure !== undefined) return Promise.reject(failedError(this.#failure));
    if (this.#closing) return Promise.reject(new SequencerError('closed', 'sequencer is closed'));
    if (this.#pool.length >= this.#maxPending) {
      return Promise.reject(
        new SequencerError('pool_full', `${this.#pool.length} submissions are waiting; retry later`),
      );
    }
    return new Promise<SequencedEntry>((resolve, reject) => {
      this.#pool.push({ item, arrival: this.#clock.now(), resolve, reject });
      this.#schedule();
    });
  }

  /** Integrates everything waiting now, without waiting for the batch interval. */
  async flush(): Promise<void> {
    while (this.#pool.length > 0 || this.#running !== undefined) {
      if (this.#running === undefined) this.#start();
      await this.#running;
    }
  }

  /** Stops accepting submissions and integrates those already waiting. Leaves storage open. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.flush();
    this.#clearTimer();
  }

  #schedule(): void {
    if (this.#running !== undefined || this.#pool.length === 0) return;
    if (this.#pool.length >= this.#batchSize || this.#closing) {
      this.#start();
      return;
    }
    if (this.#timer !== undefined) return;
    const due = this.#pool[0]!.arrival + this.#batchInterval - this.#clock.now();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#running === undefined && this.#pool.length > 0) this.#start();
    }, Math.max(0, due));
  }

  #start(): void {
    this.#clearTimer();
    const batch = this.#pool.splice(0, this.#batchSize);
    this.#running = this.#integrate(batch).finally(() => {
      this.#running = undefined;
      this.#schedule();
    });
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #integrate(batch: Submission<T>[]): Promise<void> {
    try {
      if (!(await this.#checkStoredCheckpoint(batch))) return;
      await new Integration(
        {
          storage: this.#storage,
          signer: this.#signer,
          handler: this.#handler,
          origin: this.#origin,
          time: this.#clock.now(),
          writer: this.#writer,
          latest: this.#latest,
          advance: (writer, root, latest) => {
            this.#writer = writer;
            this.#root = root;
            this.#latest = latest;
          },
          stop: (failure) => this.#fail(failure, []),
        },
        batch,
      ).run();
    } catch (error) {
      // Only a bug gets here; stop rather than guess what was written.
      this.#fail(error instanceof Error ? error : new Error(String(error)), batch);
    }
  }

  /**
   * Compares the stored checkpoint with the in-memory tree before every integration, so the log
   * never signs over a tree that does not extend the stored one (c2sp.org/tlog-checkpoint: a log
   * must not sign inconsistent checkpoints). A mismatch stops the log.
   */
  async #checkStoredCheckpoint(batch: Submission<T>[]): Promise<boolean> {
    let stored: StoredCheckpoint | undefined;
    try {
      stored = await this.#storage.readLatestCheckpoint();
    } catch (error) {
      const retry = new SequencerError('storage_unavailable', 'cannot read the latest checkpoint', { cause: error });
      for (const submission of batch) submission.reject(retry);
      return false;
    }
    const size = this.#writer.size;
    const matches =
      stored === undefined ? size === 0 : stored.size === size && equalHashes(stored.rootHash, this.#root);
    if (matches) return true;
    const failure = new StorageError(
      'checkpoint_mismatch',
      `stored checkpoint (size ${stored?.size ?? 0}) differs from the sequencer's tree (size ${size}); ` +
        'the store changed outside this sequencer (another writer, or a failed commit that was written)',
      { corrupt: true },
    );
    this.#fail(failure, batch);
    return false;
  }

  #fail(failure: Error, batch: Submission<T>[]): void {
    this.#failure ??= failure;
    this.#clearTimer();
    const error = failedError(this.#failure);
    for (const submission of [...batch, ...this.#pool.splice(0)]) submission.reject(error);
  }
}

/** The sequencer state an integration reads, and the callbacks it reports through. */
interface IntegrationState<T> {
  storage: LogStorage;
  signer: NoteSigner;
  handler: BatchHandler<T>;
  origin: string;
  time: number;
  writer: TileWriter;
  latest: StoredCheckpoint | undefined;
  /** Installs the grown tree once its batch is durable. */
  advance(writer: TileWriter, root: Uint8Array, latest: StoredCheckpoint): void;
  /** Stops the log, rejecting everything that waits. */
  stop(failure: Error): void;
}

/** One integration: the handler's decisions, the tiles, the checkpoint and the commit. */
class Integration<T> {
  readonly #state: IntegrationState<T>;
  #batch: Submission<T>[];

  constructor(state: IntegrationState<T>, batch: Submission<T>[]) {
    this.#state = state;
    this.#batch = batch;
  }

  async run(): Promise<void> {
    const { handler, time, writer } = this.#state;
    const context: IntegrationContext = { time, firstIndex: writer.size };

    const decisions = await this.#prepare(context);
    if (decisions === undefined) return;

    const appends: { submission: Submission<T>; entry: Uint8Array; keys: readonly Uint8Array[] }[] = [];
    const duplicates: { submission: Submission<T>; index: number }[] = [];
    decisions.forEach((decision, i) => {
      const submission = this.#batch[i]!;
      if ('error' in decision) submission.reject(decision.error);
      else if ('entry' in decision) appends.push({ submission, entry: decision.entry, keys: decision.indexKeys ?? [] });
      else duplicates.push({ submission, index: decision.index });
    });

    const newSize = writer.size + appends.length;
    const answered = await this.#resolveDuplicates(duplicates, newSize, writer.size);
    if (appends.length === 0) {
      notify(() => handler.committed?.(context, writer.size), this.#state);
      // With nothing appended every duplicate points below the old size, so it has its leaf
      // hash and the log has a checkpoint.
      const latest = this.#state.latest;
      for (const { submission, index, leafHash } of answered) {
        submission.resolve(answer(index, leafHash!, latest!));
      }
      return;
    }
    await this.#commit(context, appends, answered);
  }

  /**
   * Calls the handler, then drops any append the log cannot take (too large, malformed) and
   * calls it again for the rest, since dropping shifts the indexes the handler staged.
   */
  async #prepare(context: IntegrationContext): Promise<BatchDecision[] | undefined> {
    const { handler } = this.#state;
    while (this.#batch.length > 0) {
      let decisions: BatchDecision[];
      try {
        decisions = await handler.prepare(
          this.#batch.map((s) => s.item),
          context,
        );
        if (!Array.isArray(decisions) || decisions.length !== this.#batch.length) {
          throw new SequencerError(
            'invalid_decision',
            `batch handler returned ${Array.isArray(decisions) ? decisions.length : typeof decisions} decisions for ${this.#batch.length} submissions`,
          );
        }
      } catch (error) {
        notify(() => handler.aborted?.(context, error), this.#state);
        const failed = new SequencerError('handler_failed', 'batch handler failed', { cause: error });
        for (const submission of this.#batch) submission.reject(failed);
        return undefined;
      }
      const problems = decisions.map(checkDecision);
      const dropped = problems.some((problem) => problem !== undefined);
      if (!dropped) return decisions;
      const kept: Submission<T>[] = [];
      problems.forEach((problem, i) => {
        if (problem === undefined) kept.push(this.#batch[i]!);
        else this.#batch[i]!.reject(problem);
      });
      notify(() => handler.aborted?.(context, problems.find((p) => p !== undefined)), this.#state);
      this.#batch = kept;
    }
    return undefined;
  }

  /** Finds the leaf hash of each duplicate's index, before anything is signed. */
  async #resolveDuplicates(
    duplicates: { submission: Submission<T>; index: number }[],
    newSize: number,
    oldSize: number,
  ): Promise<{ submission: Submission<T>; index: number; leafHash: Uint8Array | undefined }[]> {
    const { storage } = this.#state;
    const answered: { submission: Submission<T>; index: number; leafHash: Uint8Array | undefined }[] = [];
    for (const { submission, index } of duplicates) {
      if (!Number.isSafeInteger(index) || index < 0 || index >= newSize) {
        submission.reject(
          new SequencerError('invalid_decision', `duplicate index ${index} is outside the log of size ${newSize}`),
        );
        continue;
      }
      if (index >= oldSize) {
        answered.push({ submission, index, leafHash: undefined });
        continue;
      }
      try {
        const tile = Math.floor(index / TILE_WIDTH);
        const width = Math.min(TILE_WIDTH, oldSize - tile * TILE_WIDTH);
        const hashes = await readTileAtWidth(storage, 0, tile, width);
        const offset = (index - tile * TILE_WIDTH) * 32;
        answered.push({ submission, index, leafHash: hashes.slice(offset, offset + 32) });
      } catch (error) {
        submission.reject(
          new SequencerError('storage_unavailable', `cannot read the leaf hash of entry ${index}`, { cause: error }),
        );
      }
    }
    return answered;
  }

  async #commit(
    context: IntegrationContext,
    appends: { submission: Submission<T>; entry: Uint8Array; keys: readonly Uint8Array[] }[],
    duplicates: { submission: Submission<T>; index: number; leafHash: Uint8Array | undefined }[],
  ): Promise<void> {
    const { storage, signer, handler, origin, writer } = this.#state;
    let latest: StoredCheckpoint;
    let growth: ReturnType<TileWriter['grow']>;
    try {
      const entries = appends.map((a) => a.entry);
      growth = writer.grow(entries, entries.map((entry) => hashLeaf(entry)));
      const rootHash = growth.next.root();
      const size = growth.next.size;
      const note = signNote(formatCheckpoint({ origin, size, rootHash, extensions: [] }), [signer]);
      latest = { size, rootHash, note };
      const indexKeys: IndexKeyRecord[] = [];
      appends.forEach((append, i) => {
        for (const key of append.keys) indexKeys.push({ key, value: context.firstIndex + i });
      });
      // The one durable write of the integration; see the backend's commit for why it is safe.
      await storage.commit({ tiles: growth.tiles, bundles: growth.bundles, indexKeys, checkpoint: latest });
    } catch (error) {
      // Nothing in memory changed, so the next integration starts from the stored state again.
      notify(() => handler.aborted?.(context, error), this.#state);
      const retry = new SequencerError('commit_failed', 'the batch was not committed; retry', { cause: error });
      for (const { submission } of [...appends, ...duplicates]) submission.reject(retry);
      return;
    }

    this.#state.advance(growth.next, latest.rootHash, latest);
    notify(() => handler.committed?.(context, latest.size), this.#state);
    appends.forEach(({ submission }, i) => {
      submission.resolve(answer(context.firstIndex + i, growth.leafHashes[i]!, latest));
    });
    for (const { submission, index, leafHash } of duplicates) {
      const hash = leafHash ?? growth.leafHashes[index - context.firstIndex]!;
      submission.resolve(answer(index, hash, latest));
    }
  }
}

/** Returns why the log cannot take a decision, or undefined if it can. */
function checkDecision(decision: BatchDecision): SequencerError | undefined {
  if (decision === null || typeof decision !== 'object') {
    return new SequencerError('invalid_decision', `batch handler returned ${String(decision)}`);
  }
  if ('error' in decision) return undefined;
  if ('index' in decision) return undefined;
  if (!('entry' in decision) || !(decision.entry instanceof Uint8Array)) {
    return new SequencerError('invalid_decision', 'batch decision has no entry, index or error');
  }
  if (decision.entry.length > MAX_ENTRY_SIZE) {
    return new SequencerError(
      'entry_too_large',
      `entry has ${decision.entry.length} bytes, want at most ${MAX_ENTRY_SIZE}`,
    );
  }
  for (const key of decision.indexKeys ?? []) {
    if (!(key instanceof Uint8Array) || key.length === 0 || key.length > MAX_INDEX_KEY_BYTES) {
      return new SequencerError(
        'invalid_decision',
        `index key of ${key?.length} bytes is invalid, want 1..${MAX_INDEX_KEY_BYTES}`,
      );
    }
  }
  return undefined;
}

function answer(index: number, leafHash: Uint8Array, checkpoint: StoredCheckpoint): SequencedEntry {
  return { index, leafHash, checkpoint: checkpoint.note, size: checkpoint.size, rootHash: checkpoint.rootHash };
}

/** Runs a handler callback; if it throws, the handler's state no longer matches the log, so stop. */
function notify(callback: () => void, sequencer: { stop(failure: Error): void }): void {
  try {
    callback();
  } catch (error) {
    sequencer.stop(new SequencerError('handler_failed', 'batch handler callback failed', { cause: error }));
  }
}

function failedError(failure: Error): SequencerError {
  return new SequencerError('log_failed', `log stopped: ${failure.message}`, { cause: failure });
}

function checkOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SequencerError('invalid_option', `${name} ${value} is not an integer in ${min}..${max}`);
  }
  return value;
}
