/**
 * A document's receipt file: JSON `{format: "ecert-receipt/v1", proofs: [...], log?: [...]}`.
 * `proofs` contains one c2sp.org/tlog-proof text per entry naming the document (its
 * `document.register`, and every exchange's `exchange.send`, `exchange.receive` and
 * `verification.record`), each with the entry in its `extra` line and all against one
 * checkpoint with its cosignatures. `log`, when present, holds every entry up to that
 * checkpoint in base64, in order, so an offline verifier can replay the registry.
 */
import { openCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { hashLeaf } from '../ledger/hash.js';
import { decodeBase64Strict, encodeBase64, type NoteVerifier } from '../ledger/note.js';
import { verifyInclusion } from '../ledger/proof.js';
import { formatTlogProof, parseTlogProof, type TlogProof } from '../ledger/tlog-proof.js';
import { VerificationError } from './errors.js';
import { logViewFromEntries } from './log-view.js';
import type { ProvenEntry } from './traceability.js';

export const RECEIPT_FORMAT = 'ecert-receipt/v1';
/**
 * Maximum receipt file length, in characters. A log of a million 1 KB entries is about
 * 1.4 GB of base64, so such a log exceeds it.
 * NOTE: a guessed bound that keeps JSON.parse within memory; a bigger log needs a streaming reader.
 */
export const MAX_RECEIPT_SIZE = 256 * 1024 * 1024;
/** Maximum number of proofs in one receipt: a document has a few entries per exchange. */
export const MAX_RECEIPT_PROOFS = 10_000;

/** A parsed receipt file; nothing in it is checked yet. */
export interface Receipt {
  proofs: TlogProof[];
  log?: Uint8Array[];
}

/** A receipt whose proofs all verified against its one checkpoint. */
export interface OpenedReceipt {
  /** The checkpoint note, verbatim, with its cosignatures. */
  note: string;
  checkpoint: Checkpoint;
  entries: ProvenEntry[];
}

function invalid(message: string, evidence: Record<string, string | number | null> = {}): VerificationError {
  return new VerificationError('invalid_receipt', `receipt is invalid: ${message}`, evidence);
}

/**
 * Parses a receipt file strictly: exactly the fields `format`, `proofs` and optional `log`,
 * each proof a tlog-proof text, each log entry canonical base64 of 1 to 65,535 bytes.
 * The text is attacker-controlled.
 * @throws VerificationError `invalid_receipt`.
 */
export function parseReceipt(text: string): Receipt {
  if (typeof text !== 'string' || text.length > MAX_RECEIPT_SIZE) {
    throw invalid(`want JSON text of at most ${MAX_RECEIPT_SIZE} characters`);
  }
  let value: unknown;
  try {
    // The file holds only strings and arrays, so JSON.parse cannot round a number here.
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('not a JSON object');
  const fields = value as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!['format', 'proofs', 'log'].includes(name)) throw invalid(`unknown field ${JSON.stringify(name.slice(0, 32))}`, { field: name.slice(0, 32) });
  }
  if (fields.format !== RECEIPT_FORMAT) throw invalid(`format is not ${JSON.stringify(RECEIPT_FORMAT)}`);
  const proofs = fields.proofs;
  if (!Array.isArray(proofs) || proofs.length === 0 || proofs.length > MAX_RECEIPT_PROOFS) {
    throw invalid(`proofs must be an array of 1 to ${MAX_RECEIPT_PROOFS} tlog-proof texts`);
  }
  const parsed = proofs.map((proof, i) => {
    if (typeof proof !== 'string') throw invalid(`proof ${i} is not a string`, { proof: i });
    try {
      return parseTlogProof(proof);
    } catch (error) {
      throw invalid(`proof ${i}: ${(error as Error).message}`, { proof: i });
    }
  });
  if (fields.log === undefined) return { proofs: parsed };
  if (!Array.isArray(fields.log)) throw invalid('log is not an array of base64 entries');
  const log = fields.log.map((entry, i) => {
    const bytes = typeof entry === 'string' ? decodeBase64Strict(entry) : undefined;
    if (bytes === undefined || bytes.length === 0 || bytes.length > 65_535) {
      throw invalid(`log entry ${i} is not canonical base64 of 1 to 65535 bytes`, { entry: i });
    }
    return bytes;
  });
  return { proofs: parsed, log };
}

/** Formats a receipt file as JSON text, one proof or entry per line. */
export function formatReceipt(receipt: Receipt): string {
  const file: { format: string; proofs: string[]; log?: string[] } = {
    format: RECEIPT_FORMAT,
    proofs: receipt.proofs.map(formatTlogProof),
  };
  if (receipt.log !== undefined) file.log = receipt.log.map(encodeBase64);
  return `${JSON.stringify(file, null, 1)}\n`;
}

/**
 * Checks every proof of a receipt: all lead to the same checkpoint note, the log key
 * signed it (with `origin` when given), each carries its entry, and each entry is included.
 * Says nothing about the witness policy or about what the entries are.
 * @throws VerificationError `invalid_receipt`, NoteError from openCheckpoint (such as
 *   `no_verified_signature` for another log's checkpoint), ProofError for a proof that fails.
 */
export function openReceipt(receipt: Receipt, logKey: NoteVerifier, origin: string = logKey.name): OpenedReceipt {
  const note = receipt.proofs[0]?.checkpoint;
  if (note === undefined) throw invalid('it has no proof');
  receipt.proofs.forEach((proof, i) => {
    if (proof.checkpoint !== note) throw invalid(`proof ${i} leads to another checkpoint than proof 0`, { proof: i });
    if (proof.extra === undefined) throw invalid(`proof ${i} has no extra line carrying its entry`, { proof: i });
  });
  const { checkpoint } = openCheckpoint(note, logKey, origin);
  const entries = receipt.proofs.map((proof) => {
    const entry = proof.extra!;
    verifyInclusion(proof.index, checkpoint.size, hashLeaf(entry), proof.proof, checkpoint.rootHash);
    return { index: proof.index, entry, proof: proof.proof };
  });
  return { note, checkpoint, entries };
}

/**
 * Builds a receipt from entries read from a hub and checks it before anyone relies on it:
 * every proof against the checkpoint signed by `logKey` and, with `log`, every entry against
 * the checkpoint's root and the registry rules.
 * @throws VerificationError, NoteError or ProofError as {@link openReceipt} and logViewFromEntries do.
 */
export function buildReceipt(
  input: { checkpoint: string; entries: readonly ProvenEntry[]; log?: readonly Uint8Array[] },
  logKey: NoteVerifier,
): Receipt {
  const proofs = input.entries.map((entry) => ({ extra: entry.entry, index: entry.index, proof: [...entry.proof], checkpoint: input.checkpoint }));
  const receipt: Receipt = input.log === undefined ? { proofs } : { proofs, log: [...input.log] };
  const opened = openReceipt(receipt, logKey);
  if (receipt.log !== undefined) logViewFromEntries(opened.note, opened.checkpoint, receipt.log);
  return receipt;
}
