/**
 * Proof bundles (c2sp.org/tlog-proof@v1): an inclusion proof with the checkpoint it leads to, as
 * one text file. The `extra` line is opaque and unauthenticated; this project puts the entry in it.
 *
 *   c2sp.org/tlog-proof@v1
 *   [extra <base64>]
 *   index <decimal>
 *   <base64 proof hash>     zero or more, leaf sibling first
 *   <empty line>
 *   <checkpoint note, verbatim>
 */
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { NoteError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { decodeBase64Strict, encodeBase64, parseNote, type NoteSignature, type NoteVerifier, type SignedNote } from './note.js';
import { verifyInclusion } from './proof.js';

export interface TlogProof {
  extra?: Uint8Array;
  index: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim, with its cosignatures. */
  checkpoint: string;
}

const HEADER = 'c2sp.org/tlog-proof@v1';
// An inclusion proof in a tree below 2^63 has at most 63 hashes.
const MAX_PROOF_HASHES = 63;
// Bounds hostile input: an extra of a 64 KiB entry plus a checkpoint with 100 cosignatures fits.
const MAX_TLOG_PROOF_TEXT = 256 * 1024;
const INDEX_PATTERN = /^index (0|[1-9][0-9]{0,15})$/;

function malformed(why: string): NoteError {
  return new NoteError('malformed_tlog_proof', `tlog-proof is malformed: ${why}`);
}

/** Formats a proof bundle. Throws NoteError `malformed_tlog_proof` or `malformed_note`. */
export function formatTlogProof(p: TlogProof): string {
  if (!Number.isSafeInteger(p.index) || p.index < 0) throw malformed(`index ${String(p.index)} is not an integer in [0, 2^53-1]`);
  if (p.proof.length > MAX_PROOF_HASHES) throw malformed(`${p.proof.length} proof hashes, at most ${MAX_PROOF_HASHES}`);
  p.proof.forEach((hash, i) => {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) throw malformed(`proof hash ${i} is not ${HASH_SIZE} bytes`);
  });
  if (p.extra !== undefined && p.extra.length === 0) throw malformed('extra is empty; omit it instead');
  parseNote(p.checkpoint);
  const lines = [HEADER];
  if (p.extra !== undefined) lines.push(`extra ${encodeBase64(p.extra)}`);
  lines.push(`index ${p.index}`, ...p.proof.map(encodeBase64));
  const text = `${lines.join('\n')}\n\n${p.checkpoint}`;
  if (text.length > MAX_TLOG_PROOF_TEXT) throw malformed(`longer than ${MAX_TLOG_PROOF_TEXT} characters`);
  return text;
}

/**
 * Parses a proof bundle. Strict: exact header, canonical base64, an index without leading zeros
 * (at most 2^53-1), at most 63 proof hashes of 32 bytes, and a checkpoint that parses as a signed
 * note. Checks no signature and no proof. Throws NoteError `malformed_tlog_proof` or `malformed_note`.
 */
export function parseTlogProof(text: string): TlogProof {
  if (typeof text !== 'string' || text.length > MAX_TLOG_PROOF_TEXT) {
    throw malformed(`want a string of at most ${MAX_TLOG_PROOF_TEXT} characters`);
  }
  const split = text.indexOf('\n\n');
  if (split < 0) throw malformed('no empty line before the checkpoint');
  const lines = text.slice(0, split).split('\n');
  const checkpoint = text.slice(split + 2);
  if (lines[0] !== HEADER) throw malformed(`first line is not ${HEADER}`);

  let next = 1;
  let extra: Uint8Array | undefined;
  if (lines[next]?.startsWith('extra ')) {
    extra = decodeBase64Strict(lines[next]!.slice('extra '.length));
    if (extra === undefined || extra.length === 0) throw malformed('extra is not non-empty padded base64');
    next++;
  }
  const indexMatch = INDEX_PATTERN.exec(lines[next] ?? '');
  const index = indexMatch === null ? NaN : Number(indexMatch[1]);
  if (!Number.isSafeInteger(index)) throw malformed(`line ${next + 1} is not "index <decimal in [0, 2^53-1]>"`);
  next++;

  const hashLines = lines.slice(next);
  if (hashLines.length > MAX_PROOF_HASHES) throw malformed(`${hashLines.length} proof hashes, at most ${MAX_PROOF_HASHES}`);
  const proof = hashLines.map((line, i) => {
    const hash = decodeBase64Strict(line);
    if (hash === undefined || hash.length !== HASH_SIZE) {
      throw malformed(`proof line ${i + 1} is not ${HASH_SIZE} bytes of padded base64`);
    }
    return hash;
  });
  parseNote(checkpoint);
  return extra === undefined ? { index, proof, checkpoint } : { extra, index, proof, checkpoint };
}

/**
 * Checks a proof bundle for the entry with `leafHash`: the log's signature on the checkpoint, its
 * origin when given, and the inclusion proof against its root. Whether the cosignatures in
 * `note.signatures` satisfy a witness policy is left to the caller.
 * Throws NoteError (from openCheckpoint) or ProofError (from verifyInclusion).
 */
export function verifyTlogProof(
  p: TlogProof,
  leafHash: Uint8Array,
  logKey: NoteVerifier,
  origin?: string,
): { checkpoint: Checkpoint; note: SignedNote; verified: NoteSignature[] } {
  const opened = openCheckpoint(p.checkpoint, logKey, origin);
  verifyInclusion(p.index, opened.checkpoint.size, leafHash, p.proof, opened.checkpoint.rootHash);
  return opened;
}
