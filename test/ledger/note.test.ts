import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NoteError } from '../../ledger/errors.js';
import { sha256 } from '../../ledger/hash.js';
import {
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  addSignatures,
  computeKeyId,
  cosignatureTimestamp,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  formatPrivateKey,
  formatVerifierKey,
  generatePrivateKey,
  noteSigner,
  noteVerifier,
  openNote,
  parseNote,
  parsePrivateKey,
  parseVerifierKey,
  signNote,
  verifierKeyOf,
  type NoteSigner,
  type PrivateKey,
} from '../../ledger/note.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const vectors = path.resolve(projectRoot, '../shared/vectors');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

interface NoteCase {
  desc: string;
  vkey?: string;
  skey?: string;
  note?: string;
  expectedSignedNote?: string;
  expectValid?: boolean;
  seedSha256Of?: string;
  seedHex?: string;
}
const cases = (JSON.parse(readFileSync(path.join(vectors, 'signed-note/vectors.json'), 'utf8')) as { cases: NoteCase[] }).cases;
const findCase = (prefix: string): NoteCase => cases.find((c) => c.desc.startsWith(prefix))!;

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NoteError);
    return (error as NoteError).code;
  }
  throw new Error('expected a NoteError, nothing was thrown');
}

function keyFromSeed(name: string, type: number, seed: Uint8Array): PrivateKey {
  const publicKey = ed25519PublicKey(seed);
  return { name, type, seed, publicKey, keyId: computeKeyId(name, type, publicKey) };
}

describe('signed-note vectors', () => {
  it.each(cases.filter((c) => c.note !== undefined && c.vkey !== undefined).map((c) => [c.desc, c] as const))(
    '%s',
    (_desc, c) => {
      const run = () => openNote(c.note!, [noteVerifier(c.vkey!)]);
      if (c.expectValid) {
        const opened = run();
        expect(opened.verified).toHaveLength(1);
        expect(opened.verified[0]!.name).toBe(parseVerifierKey(c.vkey!).name);
      } else {
        expect(codeOf(run)).toBe('invalid_signature');
      }
    },
  );

  it('Go private key signs the expected note deterministically', () => {
    const c = findCase('Go note PeterNeumann');
    const key = parsePrivateKey(c.skey!);
    expect(verifierKeyOf(key)).toBe(c.vkey);
    expect(formatPrivateKey(key)).toBe(c.skey);
    const { text } = parseNote(c.note!);
    expect(signNote(text, [noteSigner(key)])).toBe(c.expectedSignedNote);
  });

  it('transparency-dev key pair matches', () => {
    const c = findCase('transparency-dev/formats test log key pair');
    expect(verifierKeyOf(parsePrivateKey(c.skey!))).toBe(c.vkey);
  });

  it('cosignature vkey has type 0x04 and its key ID', () => {
    const key = parseVerifierKey(findCase('Ed25519 cosignature/v1 (type 0x04) key id only').vkey!);
    expect(key.type).toBe(SIG_TYPE_COSIGNATURE);
    expect(key.keyId).toBe(0xda77ade7);
    expect(key.name).toBe('remora.n621.de');
  });

  it.each(cases.filter((c) => c.seedSha256Of !== undefined).map((c) => [c.desc, c] as const))(
    'cosignature is reproduced: %s',
    (_desc, c) => {
      const name = c.vkey!.slice(0, c.vkey!.indexOf('+'));
      const key = keyFromSeed(name, SIG_TYPE_COSIGNATURE, sha256(Buffer.from(c.seedSha256Of!)));
      expect(verifierKeyOf(key)).toBe(c.vkey);

      const parsed = parseNote(c.note!);
      const ours = parsed.signatures.find((s) => s.name === name)!;
      expect(cosignatureTimestamp(ours.signature)).toBe(1767139200);

      // Ed25519 is deterministic, so signing at the same time gives the same line.
      const signed = signNote(parsed.text, [noteSigner(key, () => 1767139200)]);
      expect(c.note!.endsWith(signed.slice(parsed.text.length + 1))).toBe(true);

      const opened = openNote(c.note!, [noteVerifier(c.vkey!)]);
      expect(opened.unverified).toHaveLength(parsed.signatures.length - 1);
    },
  );

  it('Sigsum checkpoint verifies with a key derived from its seed', () => {
    const c = findCase('Sigsum log checkpoint');
    const seed = new Uint8Array(Buffer.from(c.seedHex!, 'hex'));
    const publicKey = ed25519PublicKey(seed);
    const origin = `sigsum.org/v1/tree/${hex(sha256(publicKey))}`;
    const vkey = formatVerifierKey(origin, SIG_TYPE_ED25519, publicKey);
    expect(openNote(c.note!, [noteVerifier(vkey)]).verified).toHaveLength(1);
  });
});

describe('Ed25519', () => {
  it('matches RFC 8032 test 1', () => {
    const seed = new Uint8Array(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'));
    const publicKey = ed25519PublicKey(seed);
    expect(hex(publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const signature = ed25519Sign(seed, new Uint8Array(0));
    expect(hex(signature)).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(ed25519Verify(publicKey, new Uint8Array(0), signature)).toBe(true);
    expect(ed25519Verify(publicKey, new Uint8Array([0]), signature)).toBe(false);
    expect(ed25519Verify(publicKey, new Uint8Array(0), signature.subarray(1))).toBe(false);
    expect(ed25519Verify(publicKey.subarray(1), new Uint8Array(0), signature)).toBe(false);
  });
});

describe('verifier keys', () => {
  const sumdb = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';

  it('vkey with + inside the base64 splits at the first two +', () => {
    const key = parseVerifierKey(sumdb);
    expect(key.name).toBe('sum.golang.org');
    expect(key.keyId).toBe(0x033de0ae);
    expect(key.type).toBe(SIG_TYPE_ED25519);
    expect(key.publicKey).toHaveLength(32);
    expect(formatVerifierKey(key.name, key.type, key.publicKey)).toBe(sumdb);
  });

  it.each([
    ['wrong key ID', sumdb.replace('033de0ae', '033de0af')],
    ['uppercase key ID', sumdb.replace('033de0ae', '033DE0AE')],
    ['short key ID', sumdb.replace('033de0ae', '033de0a')],
    ['missing key', 'sum.golang.org+033de0ae'],
    ['empty name', '+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'],
    ['space in name', 'sum golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'],
    ['unpadded base64', 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2'],
    ['non-canonical base64 bits', 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2l'],
    ['unsupported type 0x02', `x+00000000+${Buffer.concat([Buffer.from([2]), Buffer.alloc(32)]).toString('base64')}`],
    ['31-byte key', formatVerifierKey('x', 1, new Uint8Array(32)).replace(/\+[^+]+$/, `+${Buffer.alloc(32).fill(1, 0, 1).toString('base64')}`)],
  ])('%s is invalid_vkey', (_desc, vkey) => {
    expect(codeOf(() => parseVerifierKey(vkey))).toBe('invalid_vkey');
  });
});

describe('private keys', () => {
  it('generated key round trips through its text form', () => {
    for (const type of [SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE]) {
      const key = generatePrivateKey('witness:KG', type);
      const parsed = parsePrivateKey(formatPrivateKey(key));
      expect(parsed).toEqual(key);
      expect(parseVerifierKey(verifierKeyOf(key)).keyId).toBe(key.keyId);
    }
  });

  it('trailing newline of a key file is accepted', () => {
    const key = generatePrivateKey('operator');
    expect(parsePrivateKey(`${formatPrivateKey(key)}\n`).keyId).toBe(key.keyId);
  });

  it.each([
    ['missing prefix', 'PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'],
    ['wrong key ID', 'PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'],
    ['short seed', 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKA=='],
    ['invalid name', 'PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'],
  ])('%s is invalid_private_key', (_desc, text) => {
    expect(codeOf(() => parsePrivateKey(text))).toBe('invalid_private_key');
  });

  it('name with + is rejected', () => {
    expect(codeOf(() => generatePrivateKey('a+b'))).toBe('invalid_private_key');
  });
});

describe('notes', () => {
  const alice = generatePrivateKey('alice.example');
  const bob = generatePrivateKey('bob.example');
  const text = 'first line\n\nthird line after an empty one\n';

  it('round trips text with empty lines and several signatures', () => {
    const note = signNote(text, [noteSigner(alice), noteSigner(bob)]);
    const parsed = parseNote(note);
    expect(parsed.text).toBe(text);
    expect(parsed.signatures.map((s) => s.name)).toEqual(['alice.example', 'bob.example']);
    const opened = openNote(note, [noteVerifier(verifierKeyOf(alice)), noteVerifier(verifierKeyOf(bob))]);
    expect(opened.text).toBe(text);
    expect(opened.verified).toHaveLength(2);
    expect(opened.unverified).toHaveLength(0);
  });

  it('unknown keys are ignored, even with the same name or the same ID', () => {
    const sameName = generatePrivateKey('alice.example');
    const note = signNote(text, [noteSigner(alice), noteSigner(bob), noteSigner(sameName)]);
    const aliceVerifier = noteVerifier(verifierKeyOf(alice));
    // A verifier with alice's key ID under another name does not match alice's line.
    const sameId = { name: 'carol.example', keyId: alice.keyId, verify: () => false };
    const opened = openNote(note, [aliceVerifier, sameId]);
    expect(opened.verified.map((s) => s.name)).toEqual(['alice.example']);
    expect(opened.unverified.map((s) => s.name)).toEqual(['bob.example', 'alice.example']);
  });

  it('known key with a bad signature is invalid_signature', () => {
    const note = signNote(text, [noteSigner(alice)]);
    const forged = signNote('another text\n', [noteSigner(alice)]);
    const mixed = `${text}\n${forged.slice(forged.indexOf('— '))}`;
    expect(parseNote(note).text).toBe(parseNote(mixed).text);
    expect(codeOf(() => openNote(mixed, [noteVerifier(verifierKeyOf(alice))]))).toBe('invalid_signature');
  });

  it('no known signature is no_verified_signature', () => {
    const note = signNote(text, [noteSigner(bob)]);
    expect(codeOf(() => openNote(note, [noteVerifier(verifierKeyOf(alice))]))).toBe('no_verified_signature');
    expect(codeOf(() => openNote(note, []))).toBe('no_verified_signature');
  });

  it('two verifiers for one key are ambiguous_key', () => {
    const note = signNote(text, [noteSigner(alice)]);
    const vkey = verifierKeyOf(alice);
    expect(codeOf(() => openNote(note, [noteVerifier(vkey), noteVerifier(vkey)]))).toBe('ambiguous_key');
  });

  it('repeated signature of one key is reported once', () => {
    const note = signNote(text, [noteSigner(alice), noteSigner(alice)]);
    expect(openNote(note, [noteVerifier(verifierKeyOf(alice))]).verified).toHaveLength(1);
  });

  it('100 signatures are accepted and 101 are malformed_note', () => {
    const line = signNote(text, [noteSigner(alice)]).slice(text.length + 1);
    expect(parseNote(`${text}\n${line.repeat(100)}`).signatures).toHaveLength(100);
    expect(codeOf(() => parseNote(`${text}\n${line.repeat(101)}`))).toBe('malformed_note');
  });

  const good = signNote('hello\n', [noteSigner(alice)]);
  const sigLine = good.slice('hello\n\n'.length);
  it.each([
    ['no final newline', good.slice(0, -1)],
    ['no empty line', `hello\n${sigLine}`],
    ['carriage return', good.replace('hello', 'hel\rlo')],
    ['tab', good.replace('hello', 'hel\tlo')],
    ['DEL', good.replace('hello', 'hel\u007flo')],
    ['unpaired surrogate', good.replace('hello', 'hel\ud800lo')],
    ['hyphen instead of em dash', good.replace('— ', '- ')],
    ['missing space after em dash', good.replace('— ', '—')],
    ['unpadded base64', good.replace(/=\n$/, '\n')],
    ['signature of 4 bytes', `hello\n\n— alice.example AAAAAA==\n`],
    ['empty signature block', 'hello\n\n'],
    ['signature without a key name', `hello\n\n—  ${sigLine.slice(sigLine.lastIndexOf(' ') + 1)}`],
  ])('%s is malformed_note', (_desc, note) => {
    expect(codeOf(() => parseNote(note))).toBe('malformed_note');
  });

  it('text after the last empty line is the signature block', () => {
    // An em dash line before an empty line belongs to the text, as in Go's note.Open.
    const note = `${good}\n${sigLine}`;
    expect(parseNote(note).text).toBe(good);
    expect(parseNote(note).signatures).toHaveLength(1);
  });

  it('text that does not end in a newline cannot be signed', () => {
    expect(codeOf(() => signNote('hello', [noteSigner(alice)]))).toBe('malformed_note');
    expect(codeOf(() => signNote('hello\n', []))).toBe('malformed_note');
  });
});

describe('cosignatures', () => {
  const log = generatePrivateKey('ecert-ledger.localhost/dev');
  const witness = generatePrivateKey('witness:KG', SIG_TYPE_COSIGNATURE);
  const other = generatePrivateKey('witness:UZ', SIG_TYPE_COSIGNATURE);
  const text = 'ecert-ledger.localhost/dev\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  const note = signNote(text, [noteSigner(log)]);

  function cosign(key: PrivateKey, time: number): string {
    const signed = signNote(text, [noteSigner(key, () => time)]);
    return signed.slice(text.length + 1);
  }

  it('cosignature/v1 signs and verifies, with its timestamp', () => {
    const cosigned = addSignatures(note, cosign(witness, 1_800_000_000));
    const opened = openNote(cosigned, [noteVerifier(verifierKeyOf(log)), noteVerifier(verifierKeyOf(witness))]);
    expect(opened.verified).toHaveLength(2);
    const signature = opened.verified.find((s) => s.name === 'witness:KG')!.signature;
    expect(signature).toHaveLength(72);
    expect(cosignatureTimestamp(signature)).toBe(1_800_000_000);
  });

  it('cosignature covers the timestamp', () => {
    const line = cosign(witness, 1_800_000_000);
    const bytes = Buffer.from(line.slice(line.lastIndexOf(' ') + 1, -1), 'base64');
    bytes[4 + 7] ^= 1; // last byte of the timestamp
    const altered = `${line.slice(0, line.lastIndexOf(' ') + 1)}${bytes.toString('base64')}\n`;
    const cosigned = addSignatures(note, altered);
    expect(codeOf(() => openNote(cosigned, [noteVerifier(verifierKeyOf(witness))]))).toBe('invalid_signature');
  });

  it('addSignatures drops lines of a key the note already has', () => {
    const once = addSignatures(note, cosign(witness, 1_800_000_000));
    const twice = addSignatures(once, cosign(witness, 1_800_000_100) + cosign(other, 1_800_000_000));
    const names = parseNote(twice).signatures.map((s) => s.name);
    expect(names).toEqual(['ecert-ledger.localhost/dev', 'witness:KG', 'witness:UZ']);
    expect(cosignatureTimestamp(parseNote(twice).signatures[1]!.signature)).toBe(1_800_000_000);
  });

  it('malformed cosignature lines are malformed_note', () => {
    expect(codeOf(() => addSignatures(note, '— witness:KG notbase64\n'))).toBe('malformed_note');
  });

  it('a signature of the wrong length does not verify as a cosignature', () => {
    const verifier = noteVerifier(verifierKeyOf(witness));
    expect(verifier.verify(Buffer.from(text), new Uint8Array(64))).toBe(false);
    expect(codeOf(() => cosignatureTimestamp(new Uint8Array(64)))).toBe('invalid_cosignature');
  });

  it('clock of 0 is invalid_timestamp', () => {
    expect(codeOf(() => cosign(witness, 0))).toBe('invalid_timestamp');
  });

  it('Ed25519 signer returns 64 bytes without a timestamp', () => {
    const plain: NoteSigner = noteSigner(generatePrivateKey('witness:KG'));
    expect(plain.sign(Buffer.from(text))).toHaveLength(64);
  });
});
