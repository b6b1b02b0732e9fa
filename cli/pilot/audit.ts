import { openCheckpoint, type Checkpoint } from '../../ledger/checkpoint.js';
import { LedgerError } from '../../ledger/errors.js';
import { equalHashes, hashLeaf } from '../../ledger/hash.js';
import { verifyConsistency, verifyInclusion } from '../../ledger/proof.js';
import { mapConcurrent } from './concurrency.js';
import type { PilotContext } from './context.js';
import { decodeProof } from './verification.js';

/** Proof requests in flight at once during the audit. */
const AUDIT_CONCURRENCY = 16;

export interface AuditTally {
  logSize: number;
  receiptsChecked: number;
  checkpointsChecked: number;
}

/**
 * Audits the run against the hub's newest checkpoint. Every receipt the run got must
 * prove its entry in its own checkpoint, carry the leaf hash of the entry the mirror
 * fetched, and be provable in the newest checkpoint with a fresh inclusion proof. Every
 * checkpoint the run saw must verify and be consistent with the newest one.
 */
export async function auditLog(context: PilotContext): Promise<AuditTally> {
  const { mirror, session, outcomes } = context;
  const latest = await mirror.refresh();

  await mapConcurrent(session.receipts, AUDIT_CONCURRENCY, async (receipt) => {
    const step = `audit the receipt of entry ${receipt.index} (${receipt.step})`;
    const own = openSeen(context, receipt.checkpoint, step);
    if (own === undefined) return;
    if (!equalHashes(receipt.leafHash, hashLeaf(mirror.entry(receipt.index)))) {
      outcomes.failure(step, 'the leaf hash of the receipt is not the hash of the entry the log serves');
      return;
    }
    const answer = await session.client.getJson<{ proof: string[] }>(`/v1/proofs/inclusion?index=${receipt.index}&size=${latest.size}`);
    checkProof(context, step, () => {
      verifyInclusion(receipt.index, own.size, receipt.leafHash, receipt.proof, own.rootHash);
      verifyInclusion(receipt.index, latest.size, receipt.leafHash, decodeProof(answer.proof), latest.rootHash);
    });
  });

  const seen = new Map(session.checkpoints);
  seen.set(latest.size, mirror.checkpoint.note);
  await mapConcurrent([...seen], AUDIT_CONCURRENCY, async ([size, note]) => {
    const step = `audit the consistency of checkpoint ${size} with ${latest.size}`;
    const checkpoint = openSeen(context, note, step);
    if (checkpoint === undefined || size === 0) return;
    const answer = await session.client.getJson<{ proof: string[] }>(`/v1/proofs/consistency?from=${size}&to=${latest.size}`);
    checkProof(context, step, () => {
      verifyConsistency(size, latest.size, decodeProof(answer.proof), checkpoint.rootHash, latest.rootHash);
    });
  });
  return { logSize: latest.size, receiptsChecked: session.receipts.length, checkpointsChecked: seen.size };
}

function openSeen(context: PilotContext, note: string, step: string): Checkpoint | undefined {
  try {
    return openCheckpoint(note, context.mirror.logKey, context.mirror.origin).checkpoint;
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    context.outcomes.failure(step, `checkpoint does not verify (${error.code}): ${error.message}`);
    return undefined;
  }
}

function checkProof(context: PilotContext, step: string, check: () => void): void {
  try {
    check();
    context.outcomes.compare(step, 'ok', 'ok');
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    context.outcomes.failure(step, `${error.code}: ${error.message}`);
  }
}
