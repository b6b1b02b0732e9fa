import { join } from 'node:path';

import type { Logger } from 'pino';

import { LedgerError, SequencerError, StorageError } from '../ledger/errors.js';
import { openLevelStorage } from '../ledger/level-storage.js';
import { LogReader } from '../ledger/log.js';
import { noteSigner, verifierKeyOf, type PrivateKey } from '../ledger/note.js';
import {
  openSequencer,
  type BatchDecision,
  type BatchHandler,
  type IntegrationContext,
  type Sequencer,
  type SequencerClock,
} from '../ledger/sequencer.js';
import type { LogStorage, StoredCheckpoint } from '../ledger/storage.js';
import { formatTlogProof } from '../ledger/tlog-proof.js';
import { decodeLeaf, encodeLeaf, envelopeDedupKey, type SignedEnvelope } from '../registry/envelope.js';
import { RuleError } from '../registry/errors.js';
import type { StateChange } from '../registry/records.js';
import { Registry } from '../registry/registry.js';
import { clearGenesisPending, DATA_FILES, isGenesisPending, readGenesis, readLogKey } from './data-dir.js';
import { ApiError } from './errors.js';
import { dedupIndexKey, entryIndexKeys, nonceIndexKey } from './index-keys.js';
import { replayEntries } from './store-check.js';

export interface HubOptions {
  dataDir: string;
  /** Maximum entries per integration (default 256). */
  batchSize?: number;
  /** Milliseconds an integration waits for more submissions (default 200). */
  batchInterval?: number;
  clock?: SequencerClock;
  logger?: Logger;
}

/** The receipt of a submission: its place in the log and the proof of it. */
export interface EntryReceipt {
  index: number;
  leafHash: Uint8Array;
  /** The signed checkpoint the proof leads to. */
  checkpoint: string;
  treeSize: number;
  proof: Uint8Array[];
  /** The same as c2sp.org/tlog-proof text, with the entry in its `extra` line. */
  receipt: string;
}

interface PendingEnvelope {
  envelope: SignedEnvelope;
  dedupKey: Uint8Array;
}

/**
 * A running hub: the log store, the sequencer that appends to it and the registry state folded
 * from its entries. Submissions are checked against the registry rules at integration time, in
 * log order, so each one is checked against the state its index will have.
 */
export class Hub {
  readonly origin: string;
  readonly vkey: string;
  readonly reader: LogReader;
  readonly registry: Registry;
  readonly #storage: LogStorage;
  readonly #sequencer: Sequencer<PendingEnvelope>;
  readonly #clock: SequencerClock;

  private constructor(
    logKey: PrivateKey,
    storage: LogStorage,
    registry: Registry,
    sequencer: Sequencer<PendingEnvelope>,
    clock: SequencerClock,
  ) {
    this.origin = logKey.name;
    this.vkey = verifierKeyOf(logKey);
    this.#storage = storage;
    this.reader = new LogReader(storage);
    this.registry = registry;
    this.#sequencer = sequencer;
    this.#clock = clock;
  }

  /** Returns the hub's time in epoch milliseconds, from the clock that times its entries. */
  now(): number {
    return this.#clock.now();
  }

  /**
   * Opens the hub of a data directory. It checks the stored tree against its checkpoint and
   * rebuilds the registry state from every entry, checking each entry's index keys. Only in a
   * directory still being created (`genesis.pending` is present) does it integrate the genesis
   * as entry 0.
   * @throws ApiError `not_a_data_directory`; StorageError `setup_incomplete`, `store_missing`,
   *   `index_key_missing`, `index_key_mismatch`, or any code of the startup check
   *   (`root_mismatch`, `beyond_latest_checkpoint`, `signer_mismatch`, …).
   */
  static async open(options: HubOptions): Promise<Hub> {
    const creating = isGenesisPending(options.dataDir);
    const logKey = readDataDirKey(options.dataDir, creating);
    const storage = await openStore(options.dataDir, creating);
    try {
      const registry = new Registry();
      const handler = new EntryHandler(storage, registry);
      const clock = monotonicClock(options.clock ?? systemClock, () => registry.state.lastLoggedAt ?? 0);
      const sequencer = await openSequencer(storage, noteSigner(logKey), handler, {
        origin: logKey.name,
        batchSize: options.batchSize,
        batchInterval: options.batchInterval,
        clock,
      });
      await replayEntries(storage, registry, sequencer.size, {
        onIndexKeyProblem: (problem) => {
          throw new StorageError(
            problem.code,
            `${problem.message}; run \`ecert fsck --data ${options.dataDir}\` to list every damaged key`,
            { corrupt: true },
          );
        },
      });
      const hub = new Hub(logKey, storage, registry, sequencer, clock);
      if (sequencer.size === 0) {
        // The startup check found no data at all, so the store is new or was emptied.
        if (!creating) throw storeMissingError(options.dataDir, 'is empty');
        await hub.submit(readGenesis(options.dataDir));
        options.logger?.info({ origin: hub.origin }, 'integrated the genesis entry');
      }
      if (creating) clearGenesisPending(options.dataDir);
      return hub;
    } catch (error) {
      await storage.close();
      throw error;
    }
  }

  /** Tree size of the latest checkpoint. */
  get size(): number {
    return this.#sequencer.size;
  }

  /** The latest signed checkpoint. */
  get latestCheckpoint(): StoredCheckpoint | undefined {
    return this.#sequencer.latestCheckpoint;
  }

  /**
   * Logs a signed envelope and returns its receipt once the entry is durable. A resubmission of
   * an envelope already logged (same signature) returns the existing entry's receipt.
   * @throws RuleError for an envelope the rules reject; SequencerError when the log is busy or failed.
   */
  async submit(envelope: SignedEnvelope): Promise<EntryReceipt> {
    const dedupKey = envelopeDedupKey(envelope);
    // Checked before the freshness of signedAt, so a late retry still gets its receipt.
    const existing = await this.#storage.readIndexKey(dedupIndexKey(dedupKey));
    if (existing !== undefined) return this.receipt(existing);
    const sequenced = await this.#sequencer.submit({ envelope, dedupKey });
    return this.receipt(sequenced.index, {
      size: sequenced.size,
      rootHash: sequenced.rootHash,
      note: sequenced.checkpoint,
    });
  }

  /**
   * Logs several envelopes in the given order, letting them share one integration: an entry that
   * depends on an earlier one (an `exchange.send` on its `document.register`) needs no commit
   * in between. Each envelope is checked at its own index, so when one is rejected the later
   * ones are still decided against the state without it. Returns the receipts in order.
   * @throws the first envelope's error, after every submission has settled.
   */
  async submitInOrder(envelopes: readonly SignedEnvelope[]): Promise<EntryReceipt[]> {
    const keys = envelopes.map((envelope) => envelopeDedupKey(envelope));
    const existing = await Promise.all(keys.map((key) => this.#storage.readIndexKey(dedupIndexKey(key))));
    // Pushed to the sequencer's pool synchronously, so they keep their order.
    const pending = envelopes.map((envelope, position) =>
      existing[position] !== undefined ? undefined : this.#sequencer.submit({ envelope, dedupKey: keys[position]! }),
    );
    const settled = await Promise.allSettled(pending.map((submission) => submission ?? Promise.resolve(undefined)));
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
    return Promise.all(
      settled.map((outcome, position) => {
        const sequenced = (outcome as PromiseFulfilledResult<Awaited<ReturnType<Sequencer<PendingEnvelope>['submit']>> | undefined>).value;
        if (sequenced === undefined) return this.receipt(existing[position]!);
        return this.receipt(sequenced.index, { size: sequenced.size, rootHash: sequenced.rootHash, note: sequenced.checkpoint });
      }),
    );
  }

  /** Tells whether this exact envelope (same signature) is already logged. */
  async isLogged(envelope: SignedEnvelope): Promise<boolean> {
    return (await this.#storage.readIndexKey(dedupIndexKey(envelopeDedupKey(envelope)))) !== undefined;
  }

  /** Builds the receipt of entry `index` against `checkpoint` (default: the latest). */
  async receipt(index: number, checkpoint?: StoredCheckpoint): Promise<EntryReceipt> {
    const target = checkpoint ?? (await this.reader.latestCheckpoint());
    if (target === undefined || index >= target.size) {
      throw new ApiError(404, 'not_found', `entry ${index} is not in the log yet`);
    }
    const [entry, leafHash, proof] = await Promise.all([
      this.reader.entry(index),
      this.reader.leafHash(index),
      this.reader.inclusionProof(index, target.size),
    ]);
    const cosigned = await this.checkpointWithCosignatures(target);
    return {
      index,
      leafHash,
      checkpoint: cosigned,
      treeSize: target.size,
      proof,
      receipt: formatTlogProof({ extra: entry, index, proof, checkpoint: cosigned }),
    };
  }

  /** Returns the checkpoint note with every cosignature collected for its size so far. */
  async checkpointWithCosignatures(checkpoint: StoredCheckpoint): Promise<string> {
    const lines = await this.reader.cosignatures(checkpoint.size);
    return lines.length === 0 ? checkpoint.note : checkpoint.note + lines.map((l) => l + '\n').join('');
  }

  /**
   * Replaces the cosignature lines stored for the checkpoint of `size`. The witness pusher is
   * the only caller, and it merges with the stored lines first.
   */
  async storeCosignatures(size: number, lines: readonly string[]): Promise<void> {
    await this.#storage.commit({ cosignatures: [{ size, lines }] });
  }

  /** Stops taking submissions, integrates the pending ones and releases the store. */
  async close(): Promise<void> {
    await this.#sequencer.close();
    await this.#storage.close();
  }
}

const systemClock: SequencerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Keeps integration times from going backwards when the system clock is stepped back: an entry's
 * `loggedAt` is never before the previous entry's, which the registry rules require.
 */
function monotonicClock(clock: SequencerClock, lastLoggedAt: () => number): SequencerClock {
  return {
    now: () => Math.max(clock.now(), lastLoggedAt()),
    setTimeout: (callback, ms) => clock.setTimeout(callback, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}

/**
 * Reads the log key. In a directory still being created, a missing or unreadable key means the
 * process that created it stopped while writing the files.
 */
function readDataDirKey(dataDir: string, creating: boolean): PrivateKey {
  try {
    return readLogKey(dataDir);
  } catch (error) {
    if (!creating) throw error;
    throw new StorageError(
      'setup_incomplete',
      `${dataDir} was being created when the process stopped (${DATA_FILES.genesisPending} is present) and its ` +
        `${DATA_FILES.logKey} cannot be read; delete the directory and create it again with \`ecert init\` or \`ecert serve\``,
      { cause: error },
    );
  }
}

/**
 * Opens the store, creating it only in a directory still being created. Once a log has signed a
 * checkpoint, an empty store would let it sign a second tree under the same key (DESIGN.md §3:
 * never sign a checkpoint inconsistent with an earlier one), so a lost store is an error.
 */
async function openStore(dataDir: string, creating: boolean): Promise<LogStorage> {
  try {
    return await openLevelStorage(join(dataDir, DATA_FILES.store), { createIfMissing: creating });
  } catch (error) {
    if (error instanceof StorageError && error.code === 'store_missing') {
      throw storeMissingError(dataDir, 'is missing or empty', error);
    }
    throw error;
  }
}

function storeMissingError(dataDir: string, state: string, cause?: unknown): StorageError {
  const store = join(dataDir, DATA_FILES.store);
  return new StorageError(
    'store_missing',
    `the store ${store} ${state}, but ${join(dataDir, DATA_FILES.logKey)} exists, so the entries of this log ` +
      'are gone and a new log under the same key would contradict its signed checkpoints; restore the store ' +
      'from a backup. A directory that was never served (its creation stopped before the genesis was logged) ' +
      'can be deleted and created again with `ecert init` or `ecert serve`',
    { corrupt: true, cause },
  );
}

/** Decides each pending envelope with the registry rules at its index, in pool order. */
class EntryHandler implements BatchHandler<PendingEnvelope> {
  readonly #storage: LogStorage;
  readonly #registry: Registry;

  constructor(storage: LogStorage, registry: Registry) {
    this.#storage = storage;
    this.#registry = registry;
  }

  async prepare(items: readonly PendingEnvelope[], context: IntegrationContext): Promise<BatchDecision[]> {
    const decisions: BatchDecision[] = [];
    const stagedDedup = new Map<string, number>();
    const stagedNonces = new Set<string>();
    let index = context.firstIndex;
    for (const { envelope, dedupKey } of items) {
      const dedupHex = Buffer.from(dedupKey).toString('hex');
      const duplicate = stagedDedup.get(dedupHex) ?? (await this.#storage.readIndexKey(dedupIndexKey(dedupKey)));
      if (duplicate !== undefined) {
        decisions.push({ index: duplicate });
        continue;
      }
      const nonceKey = nonceIndexKey(envelope.actor, envelope.nonce);
      const nonceSeen =
        stagedNonces.has(`${envelope.actor}\n${envelope.nonce}`) ||
        (await this.#storage.readIndexKey(nonceKey)) !== undefined;
      const change = this.#registry.evaluate(envelope, context.time, () => nonceSeen, index);
      if (change instanceof RuleError) {
        decisions.push({ error: change });
        continue;
      }
      let entry: Uint8Array;
      try {
        entry = encodeLeaf(envelope, context.time);
      } catch (error) {
        decisions.push({ error: error as Error });
        continue;
      }
      // Listed before apply, because an exchange entry names its document through the state.
      const indexKeys = entryIndexKeys(this.#registry, envelope, entry, index, dedupKey);
      this.#registry.apply(index, context.time, change);
      decisions.push({ entry, indexKeys });
      stagedDedup.set(dedupHex, index);
      stagedNonces.add(`${envelope.actor}\n${envelope.nonce}`);
      index++;
    }
    return decisions;
  }

  committed(_context: IntegrationContext, size: number): void {
    this.#registry.releaseUndo(size);
  }

  aborted(context: IntegrationContext): void {
    this.#registry.truncate(context.firstIndex);
  }
}

/** Tells whether an error means the client may retry the same request later. */
export function isRetryableSubmitError(error: unknown): boolean {
  return error instanceof SequencerError && ['pool_full', 'commit_failed', 'storage_unavailable'].includes(error.code);
}

/** Decodes a stored entry for the JSON reads; entries in the log always decode. */
export function parseStoredEntry(entry: Uint8Array): unknown {
  try {
    return decodeLeaf(entry);
  } catch (error) {
    if (error instanceof LedgerError) return JSON.parse(Buffer.from(entry).toString('utf8'));
    throw error;
  }
}
