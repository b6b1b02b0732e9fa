/**
 * Checkpoints (c2sp.org/tlog-checkpoint): the signed note text "<origin>\n<size>\n<base64 root>\n"
 * followed by optional non-empty extension lines.
 */
import { NoteError } from './errors.js';
import { EMPTY_ROOT_HASH, HASH_SIZE, equalHashes } from './hash.js';
import {
  decodeBase64Strict,
  encodeBase64,
  openNote,
  parseNote,
  type NoteSignature,
  type NoteVerifier,
  type SignedNote,
} from './note.js';

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

// Bounds hostile input; a real checkpoint text is a few hundred bytes.
const MAX_CHECKPOINT_TEXT = 64 * 1024;
const SIZE_PATTERN = /^(?:0|[1-9][0-9]{0,15})$/;

function malformed(why: string): NoteError {
  return new NoteError('malformed_checkpoint', `checkpoint is malformed: ${why}`);
}

/** Rejects a line that is empty or contains a newline or other control character. */
function checkLine(line: string, what: string): void {
  if (typeof line !== 'string' || line.length === 0) throw malformed(`${what} is empty`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\p{Cs}]/u.test(line)) throw malformed(`${what} contains a control character`);
}

/** Formats the note text of a checkpoint, ending in \n. Throws NoteError `malformed_checkpoint`. */
export function formatCheckpoint(c: Checkpoint): string {
  checkLine(c.origin, 'origin');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw malformed(`size ${String(c.size)} is not an integer in [0, 2^53-1]`);
  if (!(c.rootHash instanceof Uint8Array) || c.rootHash.length !== HASH_SIZE) {
    throw malformed(`root hash is not ${HASH_SIZE} bytes`);
  }
  c.extensions.forEach((line, i) => checkLine(line, `extension line ${i + 1}`));
  const lines = [c.origin, String(c.size), encodeBase64(c.rootHash), ...c.extensions];
  return `${lines.join('\n')}\n`;
}

/**
 * Parses checkpoint text. Strict where C2SP requires (MUST): a 32-byte root in canonical base64, a
 * decimal size without leading zeros (at most 2^53-1 here), non-empty extension lines, and the
 * empty-tree root SHA-256("") for size 0. Throws NoteError `malformed_checkpoint`.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || text.length > MAX_CHECKPOINT_TEXT) {
    throw malformed(`want a string of at most ${MAX_CHECKPOINT_TEXT} characters`);
  }
  if (!text.endsWith('\n')) throw malformed('text does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed(`${lines.length} lines, want origin, size and root hash`);
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine(origin, 'origin');
  extensions.forEach((line, i) => checkLine(line, `extension line ${i + 1}`));

  const size = SIZE_PATTERN.test(sizeText) ? Number(sizeText) : NaN;
  if (!Number.isSafeInteger(size)) {
    throw malformed(`size ${JSON.stringify(sizeText.slice(0, 32))} is not a decimal integer in [0, 2^53-1]`);
  }
  const rootHash = decodeBase64Strict(rootText);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) {
    throw malformed(`root hash ${JSON.stringify(rootText.slice(0, 64))} is not ${HASH_SIZE} bytes of padded base64`);
  }
  if (size === 0 && !equalHashes(rootHash, EMPTY_ROOT_HASH)) {
    throw malformed('size 0 needs the empty-tree root SHA-256("")');
  }
  return { origin, size, rootHash, extensions };
}

/**
 * Opens a checkpoint note signed by the log: checks the log's signature, parses the text and, if
 * `origin` is given, requires it. Cosignatures of other keys stay in `note.signatures` for the
 * witness policy. Throws NoteError: those of openNote, `malformed_checkpoint`, `origin_mismatch`.
 */
export function openCheckpoint(
  note: string,
  logKey: NoteVerifier,
  origin?: string,
): { checkpoint: Checkpoint; note: SignedNote; verified: NoteSignature[] } {
  const { verified } = openNote(note, [logKey]);
  const parsed = parseNote(note);
  const checkpoint = parseCheckpoint(parsed.text);
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new NoteError(
      'origin_mismatch',
      `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not the expected ${JSON.stringify(origin)}`,
    );
  }
  return { checkpoint, note: parsed, verified };
}
