/**
 * Test-only reading of a C2SP signed note carrying a checkpoint (c2sp.org/signed-note,
 * c2sp.org/tlog-checkpoint), with node:crypto only and nothing from ledger/.
 */
import { parseTestVerifierKey, verifyEd25519 } from '../helpers/envelopes.js';

/** A checkpoint whose log signature verified. */
export interface OpenedCheckpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  /** The note text that the signatures cover. */
  text: string;
}

/**
 * Splits a note into its text and signature lines, checks the Ed25519 signature of the log key
 * `vkey` (type 0x01) over the text, and parses the checkpoint body. Throws on any mismatch.
 */
export function openCheckpointNote(note: string, vkey: string): OpenedCheckpoint {
  const key = parseTestVerifierKey(vkey);
  if (key.type !== 1) throw new Error(`log key type ${key.type}, want 1 (Ed25519)`);
  const split = note.indexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  const message = Buffer.from(text, 'utf8');
  const signed = lines.some((line) => {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (match === null || match[1] !== key.name) return false;
    const raw = Buffer.from(match[2]!, 'base64');
    if (raw.length !== 68 || raw.subarray(0, 4).toString('hex') !== key.keyId) return false;
    return verifyEd25519(key.publicKey, message, raw.subarray(4));
  });
  if (!signed) throw new Error(`no valid signature of ${key.name}+${key.keyId} on the note`);
  const [origin, sizeText, rootText] = text.split('\n');
  if (origin !== key.name) throw new Error(`checkpoint origin ${origin} is not the key name ${key.name}`);
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText ?? '')) throw new Error(`checkpoint size ${sizeText} is not a decimal number`);
  const root = Buffer.from(rootText ?? '', 'base64');
  if (root.length !== 32) throw new Error(`checkpoint root ${rootText} is not 32 bytes`);
  return { origin, size: Number(sizeText), root: new Uint8Array(root), text };
}
