/**
 * A witness (c2sp.org/tlog-witness): it cosigns a log's checkpoint only when the checkpoint is
 * consistent with the latest one it cosigned for that origin, and stores the new one before it
 * responds. Cosignatures are Ed25519 cosignature/v1 (c2sp.org/tlog-cosignature, key type 0x04).
 */
import type { Logger } from 'pino';

import { NoteError, ProofError } from '../ledger/errors.js';
import { parseCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { EMPTY_ROOT_HASH, HASH_SIZE, equalHashes } from '../ledger/hash.js';
import {
  decodeBase64Strict,
  encodeBase64,
  noteSigner,
  noteVerifier,
  openNote,
  parseNote,
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type PrivateKey,
  type VerifierKey,
} from '../ledger/note.js';
import { verifyConsistency } from '../ledger/proof.js';
import { WitnessError } from './witness-errors.js';
import { parseAddCheckpointRequest } from './witness-request.js';
import type { WitnessRecord, WitnessStateStore } from './witness-state.js';

export interface WitnessOptions {
  store: WitnessStateStore;
  /** The witness's cosigning key, type 0x04. */
  key: PrivateKey;
  /** Verifier keys of the logs it witnesses; each key's name is the log's origin. */
  logs: readonly VerifierKey[];
  /** Unix time in seconds for cosignature timestamps (default: now). */
  clock?: () => number;
  logger?: Logger;
}

/** The result of an accepted add-checkpoint request. */
export interface AddCheckpointResult {
  origin: string;
  size: number;
  /** The witness's cosignature lines, each ending in \n. */
  cosignatures: string;
}

export class Witness {
  readonly name: string;
  readonly #store: WitnessStateStore;
  readonly #signer: NoteSigner;
  readonly #logs: Map<string, NoteVerifier[]>;
  readonly #logger?: Logger;

  /** @throws WitnessError 500 `invalid_key` for a witness key that is not type 0x04 or a log key that is not 0x01. */
  constructor(options: WitnessOptions) {
    if (options.key.type !== SIG_TYPE_COSIGNATURE) {
      throw new WitnessError(500, 'invalid_key', `witness key ${options.key.name} has type ${options.key.type}, want 0x04 (cosignature/v1)`);
    }
    this.name = options.key.name;
    this.#store = options.store;
    this.#signer = noteSigner(options.key, options.clock);
    this.#logs = new Map();
    for (const log of options.logs) {
      if (log.type !== SIG_TYPE_ED25519) {
        throw new WitnessError(500, 'invalid_key', `log key ${log.name} has type ${log.type}, want 0x01 (Ed25519)`);
      }
      const verifiers = this.#logs.get(log.name) ?? [];
      verifiers.push(noteVerifier(log));
      this.#logs.set(log.name, verifiers);
    }
    this.#logger = options.logger;
  }

  /** Origins the witness cosigns for. */
  get origins(): string[] {
    return [...this.#logs.keys()];
  }

  /**
   * Handles an add-checkpoint body with the checks of c2sp.org/tlog-witness in the spec's order:
   * 404 unknown origin, 403 no valid log signature, 400 old > size, 409 old is not the stored
   * size, then 422 for a size-0 checkpoint with another root, old 0 with a proof, a proof that
   * does not verify, or the stored size with another root. Checks 4 to 8 and the store run as
   * one compare-and-store, so concurrent requests cannot move the stored size back.
   * @throws WitnessError with the status of the failed check; StorageError if the store fails.
   */
  async addCheckpoint(body: string): Promise<AddCheckpointResult> {
    // Filled in as parsing proceeds, so a rejection is logged with what is known of the request.
    const fields: { origin?: string; oldSize?: number; size?: number } = {};
    try {
      const request = parseAddCheckpointRequest(body);
      fields.oldSize = request.oldSize;
      const { text, logSignatures, checkpoint } = this.#openCheckpoint(request.note, fields);
      const { origin, size } = checkpoint;
      if (request.oldSize > size) {
        throw new WitnessError(400, 'old_size_too_large', `old size ${request.oldSize} exceeds checkpoint size ${size}`);
      }
      let cosignatureLine = '';
      await this.#store.update(origin, (current) => {
        checkAgainstStored(current, request.oldSize, request.proof, checkpoint);
        cosignatureLine = cosign(this.#signer, Buffer.from(text, 'utf8'));
        const note = `${text}\n${logSignatures.map(formatSignatureLine).join('')}${cosignatureLine}`;
        return { origin, size, rootHash: checkpoint.rootHash, note } satisfies WitnessRecord;
      });
      this.#logger?.info(fields, 'cosigned checkpoint');
      return { origin, size, cosignatures: cosignatureLine };
    } catch (error) {
      if (error instanceof WitnessError) {
        this.#logger?.info({ ...fields, status: error.status, code: error.code, latestSize: error.latestSize }, error.message);
      }
      throw error;
    }
  }

  /** Returns the latest cosigned checkpoint of the origin with this hex SHA-256, or undefined. */
  async latestCheckpoint(originHashHex: string): Promise<string | undefined> {
    return (await this.#store.readByOriginHash(originHashHex))?.note;
  }

  /** Steps 1 and 2: a known origin, and a checkpoint its log signed. */
  #openCheckpoint(
    note: string,
    fields: { origin?: string; size?: number },
  ): { text: string; logSignatures: NoteSignature[]; checkpoint: Checkpoint } {
    let text: string;
    let checkpoint: Checkpoint;
    try {
      text = parseNote(note).text;
      checkpoint = parseSubmittedCheckpoint(text);
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      throw new WitnessError(400, 'invalid_checkpoint', `checkpoint note is invalid: ${error.message}`, { cause: error });
    }
    fields.origin = checkpoint.origin;
    fields.size = checkpoint.size;
    const verifiers = this.#logs.get(checkpoint.origin);
    if (verifiers === undefined) {
      throw new WitnessError(404, 'unknown_origin', `origin ${JSON.stringify(checkpoint.origin)} is not a log this witness cosigns`);
    }
    try {
      return { text, logSignatures: openNote(note, verifiers).verified, checkpoint };
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      throw new WitnessError(403, 'untrusted_signature', `checkpoint for ${checkpoint.origin} is not signed by its log: ${error.message}`, {
        cause: error,
      });
    }
  }
}

/** Steps 4 to 8, run against the stored record inside the compare-and-store. */
function checkAgainstStored(
  current: WitnessRecord | undefined,
  oldSize: number,
  proof: readonly Uint8Array[],
  checkpoint: Checkpoint,
): void {
  const storedSize = current?.size ?? 0;
  if (oldSize !== storedSize) {
    throw new WitnessError(409, 'old_size_mismatch', `old size ${oldSize} is not the latest cosigned size ${storedSize}`, {
      latestSize: storedSize,
    });
  }
  const { size, rootHash } = checkpoint;
  if (size === 0 && !equalHashes(rootHash, EMPTY_ROOT_HASH)) {
    throw new WitnessError(422, 'invalid_empty_root', 'checkpoint of size 0 does not have the empty-tree root SHA-256("")');
  }
  if (oldSize === 0) {
    // Every tree extends the empty tree, so there is nothing to prove.
    if (proof.length > 0) throw new WitnessError(422, 'unexpected_proof', `old size 0 needs an empty proof, got ${proof.length} hashes`);
    return;
  }
  // oldSize = storedSize > 0, so a record exists.
  const stored = current!;
  if (oldSize === size) {
    if (proof.length > 0) throw new WitnessError(422, 'unexpected_proof', `equal sizes ${size} need an empty proof, got ${proof.length} hashes`);
    if (!equalHashes(stored.rootHash, rootHash)) {
      throw new WitnessError(422, 'root_mismatch', `checkpoint of size ${size} has a different root than the one cosigned before`);
    }
    return;
  }
  try {
    verifyConsistency(oldSize, size, proof, stored.rootHash, rootHash);
  } catch (error) {
    if (!(error instanceof ProofError)) throw error;
    throw new WitnessError(422, 'inconsistent_checkpoint', `consistency proof from size ${oldSize} to ${size} failed: ${error.message}`, {
      cause: error,
    });
  }
}

/**
 * Parses checkpoint text like parseCheckpoint, except that a size-0 checkpoint may carry a root
 * other than SHA-256(""): the witness protocol rejects that with 422 after the signature and size
 * checks (step 5), where parseCheckpoint would reject it as malformed first.
 */
function parseSubmittedCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines[1] === '0' && lines.length >= 4) {
    const root = decodeBase64Strict(lines[2]!);
    if (root !== undefined && root.length === HASH_SIZE && !equalHashes(root, EMPTY_ROOT_HASH)) {
      const withEmptyRoot = [lines[0]!, '0', encodeBase64(EMPTY_ROOT_HASH), ...lines.slice(3)].join('\n');
      return { ...parseCheckpoint(withEmptyRoot), rootHash: root };
    }
  }
  return parseCheckpoint(text);
}

/**
 * Signs the cosignature line. c2sp.org/tlog-cosignature defines the timestamp as the POSIX time
 * at which the cosignature is generated, so a clock at or before the epoch is a fault of this
 * witness: it responds with 500 and, because this runs inside the compare-and-store, stores nothing.
 */
function cosign(signer: NoteSigner, text: Uint8Array): string {
  try {
    return formatSignatureLine({ name: signer.name, keyId: signer.keyId, signature: signer.sign(text) });
  } catch (error) {
    if (!(error instanceof NoteError) || error.code !== 'invalid_timestamp') throw error;
    throw new WitnessError(500, 'invalid_clock', `witness clock is invalid: ${error.message}`, { cause: error });
  }
}

/** Formats "— <name> <base64(key ID ‖ signature)>\n" (c2sp.org/signed-note). */
function formatSignatureLine(signature: NoteSignature): string {
  const bytes = Buffer.alloc(4 + signature.signature.length);
  bytes.writeUInt32BE(signature.keyId, 0);
  bytes.set(signature.signature, 4);
  return `— ${signature.name} ${bytes.toString('base64')}\n`;
}
