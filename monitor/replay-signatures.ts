/**
 * Prepares the next entries to replay on a {@link VerifyPool}: the workers decode the leaves and
 * verify their actor signatures, and this thread turns the verdicts into {@link SignatureResults}
 * for the rules. The workers look keys up in a table this module keeps in step with the replayed
 * registry, as far as the replay has got when a batch is sent. A key that is stale by the time
 * the rule runs only costs an inline verification, because the rules use a result only for the
 * exact key, message and signature they verify.
 */
import { bindSigningMessage, type LoggedEnvelope } from '../registry/envelope.js';
import { SignatureResults } from '../registry/signature-results.js';
import type { RegistryState } from '../registry/state.js';
import { checkedTriple, decodedMessage, type KeyUpdate } from './leaf-batch.js';
import type { VerifyPool } from './verify-pool.js';

/** The decoded entries of a batch and the signature results computed for them. */
export interface VerifiedBatch {
  /** Decoded envelope per entry, or undefined where the leaf does not decode (the rules report it). */
  envelopes: (LoggedEnvelope | undefined)[];
  results: SignatureResults;
}

/**
 * Most actors whose keys the workers keep. Past it, the table starts again empty, so a log with
 * many actors cannot grow the workers' memory without bound. The value is a guess at a margin:
 * a hub of a few dozen countries has some hundreds of actors.
 */
const MAX_WORKER_KEYS = 65_536;

/** The actor keys sent to the workers, and the changes the replay found since the last send. */
export class WorkerKeyTable {
  readonly #pool: VerifyPool;
  /** Actor to the key array of its state record when last sent (null: sent as absent). */
  readonly #sent = new Map<string, Uint8Array | null>();
  #updates = new Map<string, Uint8Array | null>();
  #clear = false;

  constructor(pool: VerifyPool) {
    this.#pool = pool;
  }

  /** Notes the actor's key in `state` after an entry of `actor` was replayed. */
  track(state: RegistryState, actor: string): void {
    const record = state.actorAt(actor);
    const key = record === undefined || record.status === 'revoked' ? null : record.key.publicKey;
    const known = this.#updates.has(actor) ? this.#updates.get(actor) : (this.#sent.get(actor) ?? null);
    // State records are replaced, never changed in place, so the same array means the same key.
    if (known !== key) this.#updates.set(actor, key);
  }

  /** Sends the changes noted since the last send to every worker. */
  flush(): void {
    if (this.#updates.size === 0) return;
    if (this.#sent.size + this.#updates.size > MAX_WORKER_KEYS) {
      this.#sent.clear();
      this.#clear = true;
    }
    const updates: KeyUpdate[] = [];
    for (const [actor, publicKey] of this.#updates) {
      updates.push({ actor, publicKey });
      this.#sent.set(actor, publicKey);
    }
    this.#pool.updateKeys(updates, this.#clear);
    this.#updates = new Map();
    this.#clear = false;
  }
}

/** Sends `leaves` to the pool and returns their envelopes and signature results. */
export async function prepareBatch(pool: VerifyPool, keys: WorkerKeyTable, leaves: readonly Uint8Array[]): Promise<VerifiedBatch> {
  keys.flush();
  const decoded = await pool.decode(leaves);
  const results = new SignatureResults();
  const envelopes: (LoggedEnvelope | undefined)[] = [];
  for (let i = 0; i < leaves.length; i++) {
    const envelope = decoded.envelopes[i] ?? undefined;
    const message = decodedMessage(decoded, i);
    // The worker made the envelope and its message from the same leaf, and the rules already
    // trust that envelope as the leaf's decoding. If the binding's check of actor, nonce and
    // signedAt fails, which would be a bug here, the rules serialise their own message.
    if (envelope !== undefined && message !== undefined) bindSigningMessage(envelope, message);
    envelopes.push(envelope);
    const triple = checkedTriple(decoded, i);
    if (triple !== undefined) results.set(triple.message, triple.signature, triple.publicKey, triple.valid);
  }
  return { envelopes, results };
}
