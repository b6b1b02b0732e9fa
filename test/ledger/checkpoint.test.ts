import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, type Checkpoint } from '../../ledger/checkpoint.js';
import { NoteError } from '../../ledger/errors.js';
import { EMPTY_ROOT_HASH, hashLeaf } from '../../ledger/hash.js';
import { addSignatures, generatePrivateKey, noteSigner, noteVerifier, signNote, verifierKeyOf } from '../../ledger/note.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const vectors = path.resolve(projectRoot, '../shared/vectors');

interface CheckpointVectors {
  marshal: { origin: string; size: number; hashAscii: string; want: string }[];
  parse: { desc: string; m: string; wantErr: boolean; origin?: string; size?: number; rest?: string }[];
  goSumdbTree: { want: string; badTrees: string[] };
}
const data = JSON.parse(readFileSync(path.join(vectors, 'checkpoint/checkpoint-parse.json'), 'utf8')) as CheckpointVectors;

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NoteError);
    return (error as NoteError).code;
  }
  throw new Error('expected a NoteError, nothing was thrown');
}

const root = hashLeaf(Buffer.from('hello world'));

describe('checkpoint vectors', () => {
  // The vectors use short "hashes" such as "bananas", which transparency-dev/formats accepts.
  // C2SP requires the RFC 6962 root, 32 bytes for SHA-256, so the strict formatter and parser
  // reject every such case, and the cases that are valid for formats become malformed here.
  it.each(data.marshal.map((m) => [m.want, m] as const))('marshal case with short hash is rejected: %j', (_want, m) => {
    const checkpoint = { origin: m.origin, size: m.size, rootHash: new Uint8Array(Buffer.from(m.hashAscii)), extensions: [] };
    expect(codeOf(() => formatCheckpoint(checkpoint))).toBe('malformed_checkpoint');
  });

  it.each(data.marshal.map((m) => [m.want, m] as const))('marshal case with a 32-byte root keeps its layout: %j', (_want, m) => {
    const text = formatCheckpoint({ origin: m.origin, size: m.size, rootHash: root, extensions: [] });
    const [origin, size] = m.want.split('\n');
    expect(text).toBe(`${origin}\n${size}\n${Buffer.from(root).toString('base64')}\n`);
  });

  it.each(data.parse.map((p) => [p.desc, p] as const))('%s', (_desc, p) => {
    // Every vector is malformed for a strict parser: the errors for their stated reasons, the
    // others because their root hash is not 32 bytes or an extension line is empty.
    expect(codeOf(() => parseCheckpoint(p.m))).toBe('malformed_checkpoint');
    if (p.wantErr) return;
    // With a 32-byte root in place of the short hash, the valid ones parse, except empty
    // extension lines, which C2SP forbids.
    const lines = p.m.split('\n');
    lines[2] = Buffer.from(root).toString('base64');
    const fixed = lines.join('\n');
    if (p.rest !== undefined && p.rest.split('\n').slice(0, -1).some((line) => line === '')) {
      expect(codeOf(() => parseCheckpoint(fixed))).toBe('malformed_checkpoint');
      return;
    }
    const checkpoint = parseCheckpoint(fixed);
    if (p.origin !== undefined) expect(checkpoint.origin).toBe(p.origin);
    if (p.size !== undefined) expect(checkpoint.size).toBe(p.size);
    expect(checkpoint.extensions.map((line) => `${line}\n`).join('')).toBe(p.rest ?? '');
  });

  it('Go sumdb tree note parses', () => {
    const checkpoint = parseCheckpoint(data.goSumdbTree.want);
    expect(checkpoint.origin).toBe('go.sum database tree');
    expect(checkpoint.size).toBe(123456789012);
    expect(Buffer.from(checkpoint.rootHash).toString('hex')).toBe(Buffer.from(root).toString('hex'));
    expect(formatCheckpoint(checkpoint)).toBe(data.goSumdbTree.want);
  });

  it('Go sumdb bad trees with a bad size or hash are rejected', () => {
    // The first bad tree differs only in its origin, which is valid for a generic checkpoint.
    const [otherOrigin, ...bad] = data.goSumdbTree.badTrees;
    expect(parseCheckpoint(otherOrigin!).origin).toBe('not-go.sum database tree');
    for (const text of bad) expect(codeOf(() => parseCheckpoint(text))).toBe('malformed_checkpoint');
  });
});

describe('checkpoints', () => {
  const checkpoint: Checkpoint = { origin: 'ecert-ledger.localhost/dev', size: 70000, rootHash: root, extensions: ['ext one', 'ext two'] };

  it('round trips with extension lines', () => {
    expect(parseCheckpoint(formatCheckpoint(checkpoint))).toEqual(checkpoint);
  });

  it('size 2^53-1 is accepted, 2^53 is malformed', () => {
    const largest = { ...checkpoint, size: Number.MAX_SAFE_INTEGER };
    expect(parseCheckpoint(formatCheckpoint(largest)).size).toBe(Number.MAX_SAFE_INTEGER);
    const text = formatCheckpoint(largest).replace('9007199254740991', '9007199254740992');
    expect(codeOf(() => parseCheckpoint(text))).toBe('malformed_checkpoint');
  });

  it.each([
    ['leading zero in size', 'log\n012\nROOT\n'],
    ['plus sign in size', 'log\n+12\nROOT\n'],
    ['empty extension line', 'log\n12\nROOT\n\n'],
    ['carriage return in origin', 'log\r\n12\nROOT\n'],
    ['unpadded root', `log\n12\n${Buffer.from(root).toString('base64').replace('=', '')}\n`],
    ['33-byte root', `log\n12\n${Buffer.concat([root, Buffer.from([0])]).toString('base64')}\n`],
    ['size 0 with a root other than SHA-256("")', 'log\n0\nROOT\n'],
    ['no final newline', 'log\n12\nROOT'],
  ])('%s is malformed_checkpoint', (_desc, text) => {
    expect(codeOf(() => parseCheckpoint(text.replace('ROOT', Buffer.from(root).toString('base64'))))).toBe('malformed_checkpoint');
  });

  it('empty tree with the empty root parses', () => {
    const text = `log\n0\n${Buffer.from(EMPTY_ROOT_HASH).toString('base64')}\n`;
    expect(text).toBe('log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n');
    expect(parseCheckpoint(text).size).toBe(0);
  });

  it('formatter rejects an origin with a newline', () => {
    expect(codeOf(() => formatCheckpoint({ ...checkpoint, origin: 'a\nb' }))).toBe('malformed_checkpoint');
    expect(codeOf(() => formatCheckpoint({ ...checkpoint, extensions: [''] }))).toBe('malformed_checkpoint');
  });
});

describe('openCheckpoint', () => {
  const log = generatePrivateKey('ecert-ledger.localhost/dev');
  const witness = generatePrivateKey('witness:KG', 0x04);
  const text = formatCheckpoint({ origin: 'ecert-ledger.localhost/dev', size: 5, rootHash: root, extensions: [] });
  const note = signNote(text, [noteSigner(log)]);

  it('opens a checkpoint signed by the log, keeping cosignatures', () => {
    const cosigned = addSignatures(note, signNote(text, [noteSigner(witness)]).slice(text.length + 1));
    const opened = openCheckpoint(cosigned, noteVerifier(verifierKeyOf(log)), 'ecert-ledger.localhost/dev');
    expect(opened.checkpoint.size).toBe(5);
    expect(opened.verified.map((s) => s.name)).toEqual(['ecert-ledger.localhost/dev']);
    expect(opened.note.signatures).toHaveLength(2);
  });

  it('other origin is origin_mismatch', () => {
    expect(codeOf(() => openCheckpoint(note, noteVerifier(verifierKeyOf(log)), 'other.example/log'))).toBe('origin_mismatch');
  });

  it('note without the log signature is no_verified_signature', () => {
    const other = generatePrivateKey('ecert-ledger.localhost/dev');
    expect(codeOf(() => openCheckpoint(note, noteVerifier(verifierKeyOf(other))))).toBe('no_verified_signature');
  });

  it('signed text that is not a checkpoint is malformed_checkpoint', () => {
    const signed = signNote('just a note\n', [noteSigner(log)]);
    expect(codeOf(() => openCheckpoint(signed, noteVerifier(verifierKeyOf(log))))).toBe('malformed_checkpoint');
  });
});
