import { join } from 'node:path';

import type { Logger } from 'pino';

import { LedgerError, SequencerError } from '../ledger/errors.js';
import { hashLeaf } from '../ledger/hash.js';
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
import { DATA_FILES, readGenesis, readLogKey } from './data-dir.js';
import { ApiError } from './errors.js';
import { dedupIndexKey, documentIndexKey, leafHashIndexKey, nonceIndexKey } from './index-keys.js';

export interface HubOptions {
  dataDir: string;
  /** Most entries per integration (default 256). */
  batchSize?: number;
  /** Milliseconds an integration waits for more submissions (default 200). */
  batchInterval?: number;
  clock?: SequencerClock;
  logger?: Logger;
}

/** The answer to a submission: its place in the log and the proof of it. */
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
 * log order, so each one sees the state its index will have.
 */
export class Hub {
  readonly origin: string;
  readonly vkey: string;
  readonly reader: LogReader;
  readonly registry: Registry;
  readonly #storage: LogStorage;
  readonly #sequencer: Sequencer<PendingEnvelope>;

  private constructor(
    logKey: PrivateKey,
    storage: LogStorage,
    registry: Registry,
    sequencer: Sequencer<PendingEnvelope>,
  ) {
    this.origin = logKey.name;
    this.vkey = verifierKeyOf(logKey);
    this.#storage = storage;
    this.reader = new LogReader(storage);
    this.registry = registry;
    this.#sequencer = sequencer;
  }

  /**
   * Opens the hub of a data directory: checks the stored tree against its checkpoint, rebuilds
   * the registry state from every entry, and integrates the genesis as entry 0 if the log is
   * still empty.
   */
  static async open(options: HubOptions): Promise<Hub> {
    const logKey = readLogKey(options.dataDir);
    const storage = await openLevelStorage(join(options.dataDir, DATA_FILES.store));
    try {
      const registry = await replayRegistry(storage);
      const handler = new EntryHandler(storage, registry);
      const sequencer = await openSequencer(storage, noteSigner(logKey), handler, {
        origin: logKey.name,
        batchSize: options.batchSize,
        batchInterval: options.batchInterval,
        clock: monotonicClock(options.clock ?? systemClock, () => registry.state.lastLoggedAt ?? 0),
      });
      const hub = new Hub(logKey, storage, registry, sequencer);
      if (sequencer.size === 0) {
        await hub.submit(readGenesis(options.dataDir));
        options.logger?.info({ origin: hub.origin }, 'integrated the genesis entry');
      }
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

  /** The checkpoint note with every cosignature collected for its size so far. */
  async checkpointWithCosignatures(checkpoint: StoredCheckpoint): Promise<string> {
    const lines = await this.reader.cosignatures(checkpoint.size);
    return lines.length === 0 ? checkpoint.note : checkpoint.note + lines.map((l) => l + '\n').join('');
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
 * Rebuilds the registry state from every stored entry. The entries passed the rules when they
 * were logged; replaying them checks the stored log once more at each start.
 */
async function replayRegistry(storage: LogStorage): Promise<Registry> {
  const registry = new Registry();
  const checkpoint = await storage.readLatestCheckpoint();
  if (checkpoint === undefined) return registry;
  const reader = new LogReader(storage, { bundleCacheSize: 2 });
  const nonces = new Set<string>();
  const hasNonce = (actor: string, nonce: string): boolean => nonces.has(`${actor}\n${nonce}`);
  // TODO: keep a snapshot of the folded state so that a start does not re-check every
  // signature of a long log (about 10k entries per second per core).
  for (let index = 0; index < checkpoint.size; index++) {
    const change = registry.append(await reader.entry(index), hasNonce);
    nonces.add(`${change.actor}\n${change.nonce}`);
    if (index % 1024 === 1023) registry.releaseUndo(index + 1);
  }
  registry.releaseUndo(checkpoint.size);
  return registry;
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
      const documents = documentsNamedBy(this.#registry, envelope);
      this.#registry.apply(index, context.time, change);
      decisions.push({
        entry,
        indexKeys: [
          dedupIndexKey(dedupKey),
          nonceKey,
          leafHashIndexKey(hashLeaf(entry)),
          ...documents.map((sha) => documentIndexKey(sha, index)),
        ],
      });
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

/** The documents an entry is about: its own hash, or the document of the exchange it names. */
export function documentsNamedBy(registry: Registry, envelope: SignedEnvelope): string[] {
  const body = envelope.body as unknown as Record<string, unknown>;
  if (envelope.kind === 'document.register') return [body.sha256 as string];
  if (typeof body.documentSha256 === 'string') return [body.documentSha256];
  if (typeof body.exchangeId === 'string') {
    const exchange = registry.state.exchange(body.exchangeId);
    if (exchange !== undefined) return [exchange.send.documentSha256];
  }
  return [];
}

/** Whether an error means the client may retry the same request later. */
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
