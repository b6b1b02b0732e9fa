/**
 * Cosignature checks of signed notes: a line of a known key that does not verify rejects the
 * note (c2sp.org/signed-note), and the timestamp rules of cosignature/v1
 * (c2sp.org/tlog-cosignature, Ed25519 type 0x04).
 */
import { describe, expect, it } from 'vitest';

import { NoteError } from '../../ledger/errors.js';
import {
  addSignatures,
  cosignatureTimestamp,
  ed25519Sign,
  encodeBase64,
  generatePrivateKey,
  noteSigner,
  noteVerifier,
  openNote,
  SIG_TYPE_COSIGNATURE,
  signNote,
  verifierKeyOf,
  verifyKnownSignatures,
  type PrivateKey,
} from '../../ledger/note.js';

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof NoteError) return error.code;
    throw error;
  }
  return undefined;
}

const log = generatePrivateKey('ecert-ledger.localhost/dev');
const witness = generatePrivateKey('witness:KG', SIG_TYPE_COSIGNATURE);
const text = 'ecert-ledger.localhost/dev\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
const note = signNote(text, [noteSigner(log)]);

/** Returns a cosignature line of `key` with `timestamp`, signed directly so any u64 value can be tested. */
function cosignatureLineAt(key: PrivateKey, timestamp: bigint): string {
  const message = Buffer.from(`cosignature/v1\ntime ${timestamp}\n${text}`, 'utf8');
  const bytes = new Uint8Array(4 + 8 + 64);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, key.keyId);
  view.setBigUint64(4, timestamp);
  bytes.set(ed25519Sign(key.seed, message), 12);
  return `— ${key.name} ${encodeBase64(bytes)}\n`;
}

function flipLastByte(line: string): string {
  const space = line.lastIndexOf(' ');
  const bytes = Buffer.from(line.slice(space + 1, -1), 'base64');
  bytes[bytes.length - 1] ^= 1;
  return `${line.slice(0, space + 1)}${bytes.toString('base64')}\n`;
}

describe('known-key signature lines', () => {
  const verifiers = [noteVerifier(verifierKeyOf(log)), noteVerifier(verifierKeyOf(witness))];

  it('failing known witness line rejects', () => {
    const cosigned = addSignatures(note, flipLastByte(cosignatureLineAt(witness, 1_800_000_000n)));
    expect(codeOf(() => openNote(cosigned, verifiers))).toBe('invalid_signature');
    expect(codeOf(() => verifyKnownSignatures(cosigned, verifiers))).toBe('invalid_signature');
  });

  it('other key ID is ignored', () => {
    const sameName = generatePrivateKey('witness:KG', SIG_TYPE_COSIGNATURE);
    const cosigned = addSignatures(note, flipLastByte(cosignatureLineAt(sameName, 1_800_000_000n)));
    const opened = verifyKnownSignatures(cosigned, verifiers);
    expect(opened.verified.map((signature) => signature.name)).toEqual(['ecert-ledger.localhost/dev']);
    expect(opened.unverified.map((signature) => signature.name)).toEqual(['witness:KG']);
  });

  it('verifyKnownSignatures without a known line returns nothing verified', () => {
    const opened = verifyKnownSignatures(note, [noteVerifier(verifierKeyOf(witness))]);
    expect(opened.verified).toEqual([]);
    expect(opened.unverified).toHaveLength(1);
    expect(codeOf(() => openNote(note, [noteVerifier(verifierKeyOf(witness))]))).toBe('no_verified_signature');
  });

  it('two verifiers of one key are ambiguous_key', () => {
    expect(codeOf(() => verifyKnownSignatures(note, [verifiers[1]!, verifiers[1]!]))).toBe('ambiguous_key');
  });
});

describe('cosignature/v1 timestamps', () => {
  const verifier = noteVerifier(verifierKeyOf(witness));

  it('timestamp 0 verifies, since cosignature/v1 does not forbid it', () => {
    const cosigned = addSignatures(note, cosignatureLineAt(witness, 0n));
    const { verified } = openNote(cosigned, [verifier]);
    expect(verified).toHaveLength(1);
    expect(cosignatureTimestamp(verified[0]!.signature)).toBe(0);
  });

  it('timestamp 2^63 - 1 verifies and 2^63 does not', () => {
    const highest = addSignatures(note, cosignatureLineAt(witness, 2n ** 63n - 1n));
    expect(openNote(highest, [verifier]).verified).toHaveLength(1);
    const over = addSignatures(note, cosignatureLineAt(witness, 2n ** 63n));
    expect(codeOf(() => openNote(over, [verifier]))).toBe('invalid_signature');
  });

  it('signer refuses a clock of 0 or below', () => {
    const text8 = Buffer.from(text);
    expect(codeOf(() => noteSigner(witness, () => 0).sign(text8))).toBe('invalid_timestamp');
    expect(codeOf(() => noteSigner(witness, () => -1).sign(text8))).toBe('invalid_timestamp');
    expect(codeOf(() => noteSigner(witness, () => 1.5).sign(text8))).toBe('invalid_timestamp');
  });
});
