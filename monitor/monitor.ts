/**
 * `ecert monitor`: follows a hub's `/checkpoint` and audits the log without trusting the hub.
 * It reads only the C2SP checkpoint, hash tiles and entry bundles (never the JSON proof
 * endpoints). It checks the log signature of each checkpoint and verifies every entry against its
 * tiles. It builds the tree itself and proves each new checkpoint consistent with the last one it
 * accepted. It replays the registry and compares its view with its peers' checkpoints.
 *
 * Consistency with every earlier accepted checkpoint follows from the chain: each one was proven
 * consistent with the one accepted before it, and consistency (being a prefix) is transitive.
 */
import type { Logger } from 'pino';

import { openCheckpoint } from '../ledger/checkpoint.js';
import { CompactRange, edgeNodes } from '../ledger/compact-range.js';
import { NoteError } from '../ledger/errors.js';
import { equalHashes, sha256 } from '../ledger/hash.js';
import type { NoteVerifier } from '../ledger/note.js';
import { assembleProof, consistencyPlan, verifyConsistency } from '../ledger/proof.js';
import { decodeBundle } from '../ledger/bundle.js';
import { TILE_WIDTH } from '../ledger/tile.js';
import { checkKnownCosignatures, witnessVerifiers } from './checkpoint-keys.js';
import { alarmKey, type Alarm, type AlarmCode, type AlarmEvidence, type AlarmSink } from './alarms.js';
import { FetchError, HttpReader } from './monitor-http.js';
import { comparePeerCheckpoint, type PeerVerdict } from './monitor-peers.js';
import { RegistryReplay, type PreparedLeaves } from './monitor-replay.js';
import { catchUp, TreeMismatch, type VerifiedBundle } from './monitor-tree.js';
import { MonitorStateStore, type AcceptedCheckpoint, type Progress } from './state-store.js';
import { VerifyPool } from './verify-pool.js';

export interface MonitorOptions {
  hubUrl: string;
  /** The pinned log key; its name is the origin. */
  logKey: NoteVerifier;
  stateDir: string;
  /** Leaf hash of the genesis entry (entry 0) to pin. */
  genesisLeafHash?: Uint8Array;
  /** Base URLs of witnesses or monitors serving c2sp.org/tlog-witness monitoring checkpoints. */
  peers?: readonly string[];
  /** Replays entries through the registry rules (default true); false for a generic tlog-tiles log. */
  replay?: boolean;
  /** Time without a new checkpoint after which a growing log is `stalled`, in ms (default 1 hour). */
  stallAfterMs?: number;
  logger: Logger;
  alarms: AlarmSink;
  /** Returns the time in epoch milliseconds (default Date.now). */
  clock?: () => number;
  /** Called as a catch-up advances, with the verified and the target size. */
  onProgress?: (verified: number, target: number) => void;
  /** Bundles per intermediate commit of a long catch-up (default 64, 16,384 entries). */
  commitEveryBundles?: number;
  /** Time limit of each HTTP request in ms (default 30 s). */
  timeoutMs?: number;
  /**
   * Worker threads that verify actor signatures ahead of the replay (default
   * `os.availableParallelism()`); 0 verifies them inline on the main thread.
   */
  verifyThreads?: number;
}

/** Outcome of one poll. */
export interface PollResult {
  /** Alarms raised by this poll (not those raised before and seen again). */
  alarms: Alarm[];
  /**
   * Alarms recorded in the state after this poll, including those of earlier polls and runs.
   * A proven fork or rollback is not undone by a later honest-looking poll.
   */
  standingAlarms: number;
  /** Size of the latest accepted checkpoint after the poll (0 before the first). */
  size: number;
  /** False when the hub could not be read, so nothing new was checked. */
  reachedHub: boolean;
}

const DEFAULT_STALL_AFTER_MS = 60 * 60 * 1000;
/**
 * Bundles whose leaves are with the signature workers or waiting for the rules, ahead of the
 * replay. It bounds memory, and the bundles sent before an actor's first replayed entry are
 * checked without that actor's key (inline on this thread).
 * NOTE: a first guess, not tuned by measurement.
 */
const REPLAY_AHEAD_BUNDLES = 4;

export class Monitor {
  readonly origin: string;
  readonly #options: MonitorOptions;
  readonly #store: MonitorStateStore;
  readonly #hub: HttpReader;
  readonly #peers: HttpReader[];
  readonly #replay: RegistryReplay | undefined;
  readonly #pool: VerifyPool | undefined;
  readonly #clock: () => number;
  #progress: Progress;
  #latest: AcceptedCheckpoint | undefined;
  // Checkpoints larger than the accepted tree, by source, compared again on each poll until the
  // tree reaches them. NOTE: kept in memory only, since a peer serves its checkpoint again.
  readonly #aheadOfUs = new Map<string, PendingCheckpoint>();
  #checkedThisPoll = new Set<string>();
  #raised: Alarm[] = [];
  // Verifiers of the replayed registry's witnesses, rebuilt when the replay moves on.
  #witnesses: { replayedSize: number; verifiers: NoteVerifier[] } | undefined;

  private constructor(
    options: MonitorOptions,
    store: MonitorStateStore,
    progress: Progress,
    latest: AcceptedCheckpoint | undefined,
    replay: RegistryReplay | undefined,
    pool: VerifyPool | undefined,
  ) {
    this.origin = options.logKey.name;
    this.#options = options;
    this.#store = store;
    this.#hub = new HttpReader(options.hubUrl, { timeoutMs: options.timeoutMs });
    this.#peers = (options.peers ?? []).map((url) => new HttpReader(url, { timeoutMs: options.timeoutMs }));
    this.#clock = options.clock ?? Date.now;
    this.#progress = progress;
    this.#latest = latest;
    this.#replay = replay;
    this.#pool = pool;
  }

  /**
   * Opens the monitor state in `stateDir` and rebuilds the registry from the entries stored
   * there. Raises `genesis_mismatch` if the state was built for another genesis.
   */
  static async open(options: MonitorOptions): Promise<Monitor> {
    const store = await MonitorStateStore.open(options.stateDir);
    const pool = options.replay === false ? undefined : startVerifyPool(options);
    try {
      const progress = (await store.readProgress()) ?? emptyProgress();
      const latest = await store.readLatest();
      const replay = options.replay === false ? undefined : await rebuildRegistry(store, progress, options.logger, pool);
      const monitor = new Monitor(options, store, progress, latest, replay, pool);
      options.logger.info(
        {
          origin: monitor.origin,
          hub: options.hubUrl,
          verifiedSize: progress.size,
          acceptedSize: latest?.size ?? 0,
          replayedSize: replay?.size ?? null,
          verifyThreads: pool?.threads ?? 0,
        },
        'monitor state loaded',
      );
      return monitor;
    } catch (error) {
      await pool?.close();
      await store.close();
      throw error;
    }
  }

  /** The latest accepted checkpoint, which `--listen` serves to peers. */
  get latest(): AcceptedCheckpoint | undefined {
    return this.#latest;
  }

  /** Number of HTTP requests sent to the hub since open. */
  get hubRequests(): number {
    return this.#hub.requests;
  }

  /** Index of the entry that halted the registry replay, possibly in an earlier run. */
  get replayHaltedAt(): number | undefined {
    return this.#progress.replayHaltedAt;
  }

  /** Entries replayed into the registry, or undefined without replay. */
  get replayedSize(): number | undefined {
    return this.#replay?.size;
  }

  async close(): Promise<void> {
    await this.#pool?.close();
    await this.#store.close();
  }

  /** Reads the hub's checkpoint and every peer's once, checks everything new, and returns the alarms raised. */
  async poll(): Promise<PollResult> {
    this.#raised = [];
    await this.#checkPinnedGenesis();
    let reachedHub = true;
    try {
      const note = await this.#hub.text('/checkpoint');
      await this.#checkHubCheckpoint(note);
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      reachedHub = false;
      this.#options.logger.warn({ origin: this.origin, hub: this.#hub.baseUrl, err: error.message }, 'cannot read the hub; will retry');
    }
    this.#checkedThisPoll = new Set();
    for (const peer of this.#peers) await this.#checkPeer(peer);
    for (const [source, pending] of [...this.#aheadOfUs]) {
      if (!this.#checkedThisPoll.has(source)) await this.#checkForeign(pending.note, source);
    }
    await this.#checkStall();
    const standingAlarms = await this.#store.countAlarms();
    return { alarms: this.#raised, standingAlarms, size: this.#latest?.size ?? 0, reachedHub };
  }

  async #checkHubCheckpoint(note: string): Promise<void> {
    const source = this.#hub.baseUrl;
    const opened = await this.#openSigned(note, source);
    if (opened === undefined) return;
    const latest = this.#latest;
    if (latest !== undefined && opened.size < latest.size) {
      await this.#raise('rollback', `the hub served size ${opened.size} after the monitor accepted size ${latest.size}`, source, {
        size: opened.size,
        acceptedSize: latest.size,
        acceptedNote: latest.note,
        servedNote: note,
      });
      await this.#checkForeign(note, source);
      return;
    }
    if (latest !== undefined && opened.size === latest.size) {
      if (!equalHashes(opened.rootHash, latest.rootHash)) await this.#raiseFork(latest, note, source);
      return;
    }
    await this.#advance(note, opened, source);
  }

  /**
   * Opens a checkpoint with the log key and checks the cosignature of every witness in the
   * replayed registry. Raises `bad_signature` and returns undefined if either fails.
   * NOTE: the witness set is the one at the replayed size, so a witness added in entries not yet
   * replayed is checked from the next checkpoint on.
   */
  async #openSigned(note: string, source: string): Promise<{ size: number; rootHash: Uint8Array } | undefined> {
    try {
      const { checkpoint } = openCheckpoint(note, this.#options.logKey, this.origin);
      checkKnownCosignatures(note, this.#options.logKey, this.#knownWitnesses());
      return checkpoint;
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      await this.#raise('bad_signature', `checkpoint from ${source} is rejected: ${error.message}`, source, {
        servedNote: note,
        errorCode: error.code,
        logKey: `${this.#options.logKey.name}+${this.#options.logKey.keyId.toString(16).padStart(8, '0')}`,
        witnessKeys: this.#knownWitnesses().map((key) => `${key.name}+${key.keyId.toString(16).padStart(8, '0')}`),
      });
      return undefined;
    }
  }

  #knownWitnesses(): NoteVerifier[] {
    const replay = this.#replay;
    if (replay === undefined) return [];
    if (this.#witnesses?.replayedSize !== replay.size) {
      const set = replay.registry.state.witnessesAt();
      this.#witnesses = { replayedSize: replay.size, verifiers: witnessVerifiers(set?.witnesses ?? [], this.#options.logKey) };
    }
    return this.#witnesses.verifiers;
  }

  /** Verifies the hub's log up to a new, larger checkpoint and accepts it. */
  async #advance(note: string, target: { size: number; rootHash: Uint8Array }, source: string): Promise<void> {
    const { logger } = this.#options;
    const latest = this.#latest;
    const progress = this.#progress;
    const range = new CompactRange(progress.size, progress.edge);
    const commitEvery = this.#options.commitEveryBundles ?? 64;
    let pendingBundles: { index: number; bundle: Uint8Array }[] = [];
    logger.info({ origin: this.origin, from: progress.size, to: target.size }, 'verifying new entries');
    this.#options.onProgress?.(progress.size, target.size);

    // Each bundle goes to the signature workers as soon as its tiles match. The rules replay the
    // bundles in log order on a promise chain, at most REPLAY_AHEAD_BUNDLES behind the tile
    // checks. A bundle counts as verified only once its entries are replayed, so every commit
    // keeps the replayed size equal to the verified size.
    let replayed: Promise<void> = Promise.resolve();
    const inFlight: Promise<void>[] = [];
    const finishBundle = async (verified: VerifiedBundle, prepared: PreparedLeaves | undefined, edge: Uint8Array[]): Promise<void> => {
      await this.#checkEntries(verified, prepared, note, source);
      progress.size = verified.sizeAfter;
      progress.edge = edge;
      pendingBundles.push({ index: verified.index, bundle: verified.bundle });
      this.#options.onProgress?.(progress.size, target.size);
      // Intermediate commits land on full bundles, so a restart resumes at a bundle boundary.
      if (pendingBundles.length >= commitEvery && progress.size % TILE_WIDTH === 0) {
        await this.#store.commit({ progress, bundles: pendingBundles });
        pendingBundles = [];
        logger.info({ origin: this.origin, verifiedSize: progress.size, targetSize: target.size }, 'saved verified progress');
      }
    };
    const onBundle = async (verified: VerifiedBundle): Promise<void> => {
      const prepared = this.#prepareEntries(verified);
      const edge = range.hashes();
      replayed = replayed.then(() => finishBundle(verified, prepared, edge));
      // The wait below or the end of the catch-up reads a rejection. This handler stops an
      // unhandled-rejection report before then.
      replayed.catch(() => undefined);
      inFlight.push(replayed);
      while (inFlight.length > REPLAY_AHEAD_BUNDLES) await inFlight.shift();
    };

    try {
      await catchUp({
        reader: this.#hub,
        range,
        target,
        verifiedEdgeEntries: await this.#edgeEntries(progress.size),
        keepNodes: { wanted: proofNodeKeys(latest?.size ?? 0), found: progress.proofNodes },
        onBundle,
      });
      await replayed;
    } catch (error) {
      // Bundles verified and replayed so far stay verified: keep them, then report what failed.
      // `progress` still describes the last whole bundle, even when the failure came in the
      // middle of one.
      let replayError: unknown;
      await replayed.catch((caught: unknown) => (replayError = caught));
      await this.#store.commit({ progress, bundles: pendingBundles });
      if (error instanceof TreeMismatch) await this.#raise(error.code, error.message, source, { ...error.evidence, servedNote: note });
      if (replayError !== undefined) throw replayError;
      if (error instanceof TreeMismatch) return;
      throw error;
    }

    const edge = range.hashes();
    if (latest !== undefined && latest.size > 0) {
      const failure = checkConsistencyProof(latest, target, edge, progress.proofNodes);
      if (failure !== undefined) {
        await this.#raiseFork(latest, note, source, failure);
        return;
      }
    }
    const now = this.#clock();
    const accepted: AcceptedCheckpoint = { ...target, note, edge, source, acceptedAt: now };
    progress.edge = edge;
    progress.proofNodes = {};
    if (latest !== undefined) progress.grew = true;
    progress.lastGrowthAt = now;
    await this.#store.commit({ progress, bundles: pendingBundles, accepted });
    this.#latest = accepted;
    logger.info({ origin: this.origin, size: target.size, replayedSize: this.#replay?.size ?? null }, 'accepted checkpoint');
  }

  /** Sends the bundle's new entries to the signature workers, unless there is no replay to feed. */
  #prepareEntries(verified: VerifiedBundle): PreparedLeaves | undefined {
    if (this.#replay === undefined || this.#progress.replayHaltedAt !== undefined) return undefined;
    return this.#replay.prepare(verified.entries.slice(verified.firstNew));
  }

  /** Pins the genesis and replays the bundle's new entries; raises at the first failure. */
  async #checkEntries(verified: VerifiedBundle, prepared: PreparedLeaves | undefined, note: string, source: string): Promise<void> {
    const progress = this.#progress;
    const firstIndex = verified.index * TILE_WIDTH;
    if (firstIndex === 0 && verified.firstNew === 0 && verified.entries.length > 0) {
      progress.genesisLeafHash = verified.leafHashes[0]!;
      await this.#checkPinnedGenesis(note, verified.entries[0]);
    }
    const replay = this.#replay;
    if (replay === undefined || progress.replayHaltedAt !== undefined) return;
    // The replay continues at its own size, which is a new entry of this bundle unless it halted.
    const offset = replay.size - firstIndex;
    if (offset < verified.firstNew || offset >= verified.entries.length) return;
    // The prepared leaves start at the bundle's first new entry, which is where the replay
    // is unless an earlier bundle halted it.
    const { failure } =
      prepared !== undefined && offset === verified.firstNew
        ? await replay.appendPrepared(prepared)
        : await replay.appendAll(verified.entries.slice(offset));
    progress.replayedSize = replay.size;
    if (failure === undefined) return;
    const index = replay.size;
    progress.replayHaltedAt = index;
    await this.#raise(failure.code, failure.message, source, {
      ...failure.evidence,
      leafHash: b64(verified.leafHashes[index - firstIndex]!),
      checkpointNote: note,
    });
    this.#options.logger.warn({ origin: this.origin, index }, 'registry replay halted at an entry the rules reject');
  }

  /** Raises `genesis_mismatch` when the verified entry 0 is not the pinned one. */
  async #checkPinnedGenesis(note?: string, entry?: Uint8Array): Promise<void> {
    const pinned = this.#options.genesisLeafHash;
    const seen = this.#progress.genesisLeafHash;
    if (pinned === undefined || seen === undefined || equalHashes(pinned, seen)) return;
    if (this.#progress.replayHaltedAt === undefined || this.#progress.replayHaltedAt > 0) this.#progress.replayHaltedAt = 0;
    await this.#raise('genesis_mismatch', 'entry 0 of the log is not the pinned genesis entry', this.#hub.baseUrl, {
      index: 0,
      pinnedLeafHash: b64(pinned),
      servedLeafHash: b64(seen),
      entry: entry === undefined ? null : b64(entry),
      checkpointNote: note ?? this.#latest?.note ?? null,
    });
  }

  async #checkPeer(peer: HttpReader): Promise<void> {
    let note: string;
    try {
      note = await peer.text(`/${originHash(this.origin)}/checkpoint`);
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      const level = error.code === 'not_found' ? 'debug' : 'warn';
      this.#options.logger[level]({ origin: this.origin, peer: peer.baseUrl, err: error.message }, 'no checkpoint from peer');
      return;
    }
    await this.#checkForeign(note, peer.baseUrl);
  }

  /** Checkpoints of peers (or of the hub) larger than the accepted tree, still to be compared at their size. */
  get pendingCheckpoints(): readonly { source: string; size: number; provenAtSize: number | undefined }[] {
    return [...this.#aheadOfUs].map(([source, pending]) => ({ source, size: pending.size, provenAtSize: pending.provenAtSize }));
  }

  /** Checks a checkpoint the monitor did not follow (a peer's, or a rolled-back hub's) against its own tree. */
  async #checkForeign(note: string, source: string): Promise<void> {
    this.#checkedThisPoll.add(source);
    const latestSize = this.#latest?.size ?? 0;
    const pending = this.#aheadOfUs.get(source);
    // Proven consistent with the accepted tree as it still is: nothing new to check.
    if (pending !== undefined && pending.note === note && pending.provenAtSize === latestSize) return;
    this.#aheadOfUs.delete(source);
    const opened = await this.#openSigned(note, source);
    if (opened === undefined) return;
    let verdict: PeerVerdict;
    try {
      verdict = await comparePeerCheckpoint({
        checkpoint: opened,
        latest: this.#latest,
        readAccepted: (size) => this.#store.readAccepted(size),
        hub: this.#hub,
      });
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      this.#options.logger.warn({ origin: this.origin, source, err: error.message }, 'cannot read tiles to check a peer checkpoint');
      this.#aheadOfUs.set(source, { note, size: opened.size, provenAtSize: undefined });
      return;
    }
    if (verdict.kind === 'ahead') {
      const provenAtSize = verdict.proven ? latestSize : undefined;
      this.#aheadOfUs.set(source, { note, size: opened.size, provenAtSize });
      if (pending?.note !== note || pending.provenAtSize !== provenAtSize) {
        this.#options.logger.info(
          { origin: this.origin, source, size: opened.size, acceptedSize: latestSize, proven: verdict.proven, reason: verdict.reason },
          'checkpoint ahead of the accepted one; compared again once the monitor reaches its size',
        );
      }
    }
    if (verdict.kind === 'fork') await this.#raiseFork(verdict.against, note, source, verdict.reason);
    if (verdict.kind === 'unverified') {
      this.#options.logger.warn({ origin: this.origin, source, size: opened.size, reason: verdict.reason }, 'cannot check a checkpoint against the hub tiles');
    }
  }

  async #raiseFork(ours: AcceptedCheckpoint, theirs: string, source: string, reason?: string): Promise<void> {
    const message = `two checkpoints signed by the log key are not consistent${reason === undefined ? '' : `: ${reason}`}`;
    await this.#raise('fork', message, source, {
      acceptedSize: ours.size,
      acceptedNote: ours.note,
      acceptedSource: ours.source,
      peerNote: theirs,
    });
  }

  /** Raises `stalled` once per stall: the log grew while watched, then no new checkpoint for too long. */
  async #checkStall(): Promise<void> {
    const { grew, lastGrowthAt } = this.#progress;
    const limit = this.#options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
    if (!grew || lastGrowthAt === undefined) return;
    const quietMs = this.#clock() - lastGrowthAt;
    if (quietMs <= limit) return;
    await this.#raise('stalled', `no new checkpoint for ${Math.round(quietMs / 1000)} s, limit ${Math.round(limit / 1000)} s`, this.#hub.baseUrl, {
      lastGrowthAt: new Date(lastGrowthAt).toISOString(),
      stalledForMs: quietMs,
      limitMs: limit,
      latestNote: this.#latest?.note ?? null,
    });
  }

  /** Records an alarm and sends it out, unless the same alarm was raised before. */
  async #raise(code: AlarmCode, message: string, source: string, evidence: AlarmEvidence): Promise<void> {
    const alarm: Alarm = { code, message, origin: this.origin, source, detectedAt: new Date(this.#clock()).toISOString(), evidence };
    const key = alarmKey(alarm);
    if (await this.#store.hasAlarm(key)) return;
    // Progress is not written here: it is committed only together with the bundles it covers.
    await this.#store.commit({ alarms: [{ key, alarm }] });
    this.#raised.push(alarm);
    await this.#options.alarms.raise(alarm);
  }

  /** Returns the verified entries of the partial bundle that contains `size`, from the monitor's store. */
  async #edgeEntries(size: number): Promise<Uint8Array[]> {
    const width = size % TILE_WIDTH;
    if (width === 0) return [];
    const stored = await this.#store.readBundle(Math.floor(size / TILE_WIDTH));
    return stored === undefined ? [] : decodeBundle(stored).slice(0, width);
  }
}

/** A checkpoint larger than the accepted tree, and the accepted size it was proven consistent with, if any. */
interface PendingCheckpoint {
  note: string;
  size: number;
  provenAtSize: number | undefined;
}

/** Starts the signature pool, or returns undefined to verify inline (0 threads, or no compiled worker). */
function startVerifyPool(options: MonitorOptions): VerifyPool | undefined {
  if (options.verifyThreads === 0) return undefined;
  if (!VerifyPool.available()) {
    // The worker runs only from the compiled dist/ folder, not from the TypeScript sources.
    options.logger.debug({ origin: options.logKey.name }, 'no compiled signature worker; verifying actor signatures inline');
    return undefined;
  }
  return new VerifyPool({ threads: options.verifyThreads });
}

function emptyProgress(): Progress {
  return { size: 0, edge: [], proofNodes: {}, replayedSize: 0, grew: false };
}

/**
 * Replays the registry from the bundles in the monitor's own store (see the header of
 * state-store.ts), with up to REPLAY_AHEAD_BUNDLES bundles at the signature workers ahead of
 * the rules.
 */
async function rebuildRegistry(store: MonitorStateStore, progress: Progress, logger: Logger, pool: VerifyPool | undefined): Promise<RegistryReplay> {
  const replay = new RegistryReplay(pool);
  const ahead: PreparedLeaves[] = [];
  let nextBundle = 0;
  let queuedSize = 0;
  while (replay.size < progress.replayedSize) {
    while (ahead.length < REPLAY_AHEAD_BUNDLES && queuedSize < progress.replayedSize) {
      const bundle = await store.readBundle(nextBundle);
      if (bundle === undefined) throw new Error(`monitor state lacks bundle ${nextBundle} below replayed size ${progress.replayedSize}`);
      const entries = decodeBundle(bundle).slice(0, progress.replayedSize - queuedSize);
      if (entries.length === 0) throw new Error(`monitor state has an empty bundle ${nextBundle} below replayed size ${progress.replayedSize}`);
      ahead.push(replay.prepare(entries));
      queuedSize += entries.length;
      nextBundle++;
    }
    const { failure } = await replay.appendPrepared(ahead.shift()!);
    if (failure !== undefined) throw new Error(`stored entry ${replay.size} no longer replays: ${failure.message}`);
  }
  logger.debug({ replayedSize: replay.size }, 'rebuilt the registry from the monitor state');
  return replay;
}

/**
 * Returns the nodes right of the path from leaf size-1 to the root, at every level. With the
 * edge of `size` and the edge of a later tree, they make the consistency proof from `size` to
 * any later size (RFC 9162 §2.1.4.1).
 */
function proofNodeKeys(size: number): Set<string> {
  const keys = new Set<string>();
  if (size === 0) return keys;
  for (let level = 0; level < 53; level++) {
    const position = Math.floor((size - 1) / 2 ** level);
    if (position % 2 === 0) keys.add(`${level}/${position + 1}`);
  }
  return keys;
}

/**
 * Builds the consistency proof from the accepted checkpoint to the new one out of the monitor's
 * own hashes, and checks it. Returns a reason on failure.
 */
function checkConsistencyProof(
  from: AcceptedCheckpoint,
  to: { size: number; rootHash: Uint8Array },
  toEdge: readonly Uint8Array[],
  proofNodes: Readonly<Record<string, Uint8Array>>,
): string | undefined {
  const known = new Map<string, Uint8Array>(Object.entries(proofNodes));
  edgeNodes(from.size).forEach((node, i) => known.set(`${node.level}/${node.index}`, from.edge[i]!));
  edgeNodes(to.size).forEach((node, i) => known.set(`${node.level}/${node.index}`, toEdge[i]!));
  const plan = consistencyPlan(from.size, to.size);
  const hashes = plan.nodes.map((node) => known.get(`${node.level}/${node.index}`));
  const missing = plan.nodes.find((_node, i) => hashes[i] === undefined);
  if (missing !== undefined) return `no hash for node ${missing.level}/${missing.index} of the consistency proof`;
  try {
    verifyConsistency(from.size, to.size, assembleProof(plan, hashes as Uint8Array[]), from.rootHash, to.rootHash);
    return undefined;
  } catch (error) {
    return `consistency proof from ${from.size} to ${to.size}: ${(error as Error).message}`;
  }
}

/** Lowercase hex SHA-256 of the origin: the path segment of the c2sp.org/tlog-witness monitoring endpoint. */
export function originHash(origin: string): string {
  return Buffer.from(sha256(new TextEncoder().encode(origin))).toString('hex');
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
