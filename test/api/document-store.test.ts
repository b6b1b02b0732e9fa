/**
 * The hub's document store on real files in a temporary directory: uploads, quota and size
 * limits, aborts, clean-up at open, crash safety under SIGKILL, corruption and hostile hashes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import ts from 'typescript';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DocumentStore, type DocumentStoreOptions, type DocumentUpload } from '../../api/document-store.js';
import { ApiError } from '../../api/errors.js';
import { PROJECT_ROOT } from '../helpers/hub-process.js';

const MiB = 1024 * 1024;
const TEMPORARY_NAME = /^upload-[0-9a-f]{32}\.part$/;

let root: string;
let dir: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'document-store-'));
  dir = path.join(root, 'documents');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function openStore(options: Partial<DocumentStoreOptions> = {}): Promise<DocumentStore> {
  return DocumentStore.open({ dir, quotaBytes: 10 * MiB, maxDocumentBytes: 2 * MiB, ...options });
}

function hexOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function pdfBytes(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7) % 251;
  return bytes;
}

/** Writes `bytes` in chunks of at most `chunkSize`, finishes and commits; returns the hash. */
async function store(documents: DocumentStore, bytes: Uint8Array, chunkSize = 4096): Promise<string> {
  const upload = documents.beginUpload();
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    await upload.write(bytes.subarray(offset, offset + chunkSize));
  }
  const { sha256 } = await upload.finish();
  await upload.commit();
  return sha256;
}

function filesInDir(): string[] {
  return readdirSync(dir).sort();
}

function temporaryFiles(): string[] {
  return filesInDir().filter((name) => TEMPORARY_NAME.test(name));
}

/** Runs `action` and returns the ApiError it throws. */
async function apiErrorOf(action: () => unknown): Promise<ApiError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError, but nothing was thrown');
}

describe('document store round trip', () => {
  it('stores, reads and deletes', async () => {
    const documents = await openStore();
    const bytes = pdfBytes(300_000, 1);
    const upload = documents.beginUpload();
    for (let offset = 0; offset < bytes.length; offset += 65_536) {
      await upload.write(bytes.subarray(offset, offset + 65_536));
    }
    expect(upload.bytesWritten).toBe(bytes.length);

    const finished = await upload.finish();
    expect(finished).toEqual({ sha256: hexOf(bytes), size: bytes.length });
    expect(documents.has(finished.sha256)).toBe(false);
    expect(documents.usedBytes).toBe(bytes.length);

    await upload.commit();
    expect(documents.has(finished.sha256)).toBe(true);
    expect(documents.size(finished.sha256)).toBe(bytes.length);
    expect(documents.usedBytes).toBe(bytes.length);
    expect(documents.uploadsInProgress).toBe(0);
    expect(filesInDir()).toEqual([`${finished.sha256}.pdf`]);
    const listed = documents.list();
    expect(listed.map(({ sha256, size }) => ({ sha256, size }))).toEqual([{ sha256: finished.sha256, size: bytes.length }]);
    expect(Number.isSafeInteger(listed[0]!.storedAt)).toBe(true);

    const read = await documents.read(finished.sha256);
    expect(read).toEqual(bytes);

    expect(await documents.delete(finished.sha256)).toBe(true);
    expect(documents.has(finished.sha256)).toBe(false);
    expect(documents.size(finished.sha256)).toBeUndefined();
    expect(await documents.read(finished.sha256)).toBeUndefined();
    expect(await documents.delete(finished.sha256)).toBe(false);
    expect(documents.usedBytes).toBe(0);
    expect(filesInDir()).toEqual([]);
  });

  it('reopen counts stored documents', async () => {
    const first = await openStore();
    const a = await store(first, pdfBytes(1000, 1));
    const b = await store(first, pdfBytes(2500, 2));

    const reopened = await openStore();
    expect(reopened.usedBytes).toBe(3500);
    expect(reopened.removedAtOpen).toEqual([]);
    expect(reopened.list().map((document) => document.sha256).sort()).toEqual([a, b].sort());
    expect(await reopened.read(b)).toEqual(pdfBytes(2500, 2));
  });

  it('stores an empty upload', async () => {
    const documents = await openStore();
    const upload = documents.beginUpload();
    const finished = await upload.finish();
    await upload.commit();
    expect(finished).toEqual({ sha256: hexOf(new Uint8Array(0)), size: 0 });
    expect(await documents.read(finished.sha256)).toEqual(new Uint8Array(0));
  });

  it('rejects calls out of order', async () => {
    const documents = await openStore();
    const upload = documents.beginUpload();
    expect((await apiErrorOf(() => upload.commit())).code).toBe('internal_error');
    await upload.write(pdfBytes(10, 1));
    await upload.finish();
    expect((await apiErrorOf(() => upload.write(pdfBytes(10, 2)))).code).toBe('internal_error');
    expect((await apiErrorOf(() => upload.finish())).code).toBe('internal_error');
    await upload.commit();
    await upload.commit();
    expect(documents.usedBytes).toBe(10);
  });

  it('rejects a concurrent write', async () => {
    const documents = await openStore();
    const upload = documents.beginUpload();
    const first = upload.write(pdfBytes(100, 1));
    const error = await apiErrorOf(() => upload.write(pdfBytes(100, 2)));
    expect(error.code).toBe('internal_error');
    await first;
    await upload.abort();
  });
});

describe('idempotent commit', () => {
  it('same bytes committed twice', async () => {
    const documents = await openStore();
    const bytes = pdfBytes(50_000, 3);
    const first = await store(documents, bytes);
    const second = await store(documents, bytes, 7000);
    expect(second).toBe(first);
    expect(filesInDir()).toEqual([`${first}.pdf`]);
    expect(documents.usedBytes).toBe(bytes.length);
    expect(documents.list()).toHaveLength(1);
    expect(await documents.read(first)).toEqual(bytes);
  });

  it('concurrent commits of same bytes', async () => {
    const documents = await openStore();
    const bytes = pdfBytes(40_000, 4);
    const hashes = await Promise.all([1, 2, 3, 4].map(() => store(documents, bytes)));
    expect(new Set(hashes).size).toBe(1);
    expect(filesInDir()).toEqual([`${hashes[0]}.pdf`]);
    expect(documents.usedBytes).toBe(bytes.length);
    expect(documents.uploadsInProgress).toBe(0);
  });

  it('delete racing a commit', async () => {
    const documents = await openStore();
    const bytes = pdfBytes(20_000, 5);
    const sha256 = await store(documents, bytes);
    const [deleted, committed] = await Promise.all([documents.delete(sha256), store(documents, bytes)]);
    expect(deleted).toBe(true);
    expect(committed).toBe(sha256);
    // Whatever the order, the index and the directory agree.
    expect(documents.has(sha256)).toBe(existsSync(path.join(dir, `${sha256}.pdf`)));
    expect(documents.usedBytes).toBe(documents.has(sha256) ? bytes.length : 0);
  });
});

describe('quota', () => {
  it('upload past quota keeps nothing', async () => {
    const documents = await openStore({ quotaBytes: 1000 });
    const storedHash = await store(documents, pdfBytes(600, 1));
    const upload = documents.beginUpload();
    await upload.write(pdfBytes(300, 2));

    const error = await apiErrorOf(() => upload.write(pdfBytes(200, 3)));
    expect(error.code).toBe('storage_full');
    expect(error.statusCode).toBe(507);
    expect(error.message).toContain('1000');
    expect(filesInDir()).toEqual([`${storedHash}.pdf`]);
    expect(documents.usedBytes).toBe(600);
    expect(documents.uploadsInProgress).toBe(0);
    expect((await apiErrorOf(() => upload.write(pdfBytes(1, 4)))).code).toBe('internal_error');
    await upload.abort();
    expect(documents.usedBytes).toBe(600);
  });

  it('counts uploads in progress', async () => {
    const documents = await openStore({ quotaBytes: 1000 });
    const first = documents.beginUpload();
    await first.write(pdfBytes(700, 1));
    expect(documents.usedBytes).toBe(700);

    const second = documents.beginUpload();
    const error = await apiErrorOf(() => second.write(pdfBytes(400, 2)));
    expect(error.code).toBe('storage_full');
    expect(documents.usedBytes).toBe(700);

    await first.finish();
    expect(documents.usedBytes).toBe(700);
    await first.commit();
    expect(documents.usedBytes).toBe(700);
    expect(temporaryFiles()).toEqual([]);
  });

  it('delete frees the quota', async () => {
    const documents = await openStore({ quotaBytes: 1000 });
    const first = await store(documents, pdfBytes(800, 1));
    expect((await apiErrorOf(() => store(documents, pdfBytes(900, 2)))).code).toBe('storage_full');

    expect(await documents.delete(first)).toBe(true);
    expect(documents.usedBytes).toBe(0);
    const second = await store(documents, pdfBytes(900, 2));
    expect(documents.usedBytes).toBe(900);
    expect(filesInDir()).toEqual([`${second}.pdf`]);
  });

  it('upload filling the quota exactly', async () => {
    const documents = await openStore({ quotaBytes: 1000 });
    await store(documents, pdfBytes(1000, 1));
    expect(documents.usedBytes).toBe(1000);
  });
});

describe('size limit', () => {
  it('document past the limit is deleted', async () => {
    const documents = await openStore({ maxDocumentBytes: 100 });
    const upload = documents.beginUpload();
    await upload.write(pdfBytes(60, 1));
    expect(temporaryFiles()).toHaveLength(1);

    const error = await apiErrorOf(() => upload.write(pdfBytes(50, 2)));
    expect(error.code).toBe('document_too_large');
    expect(error.statusCode).toBe(413);
    expect(error.message).toContain('100 bytes');
    expect(filesInDir()).toEqual([]);
    expect(documents.usedBytes).toBe(0);
    expect(documents.uploadsInProgress).toBe(0);
  });

  it('document of exactly the limit', async () => {
    const documents = await openStore({ maxDocumentBytes: 100 });
    const sha256 = await store(documents, pdfBytes(100, 1), 30);
    expect(documents.size(sha256)).toBe(100);
  });

  it('single chunk past the limit', async () => {
    const documents = await openStore({ maxDocumentBytes: 100 });
    const upload = documents.beginUpload();
    expect((await apiErrorOf(() => upload.write(pdfBytes(101, 1)))).code).toBe('document_too_large');
    expect(filesInDir()).toEqual([]);
  });
});

describe('abort', () => {
  const stages: [string, (upload: DocumentUpload) => Promise<void>][] = [
    ['before any write', async () => {}],
    ['after a write', async (upload) => upload.write(pdfBytes(5000, 1))],
    ['after finish', async (upload) => {
      await upload.write(pdfBytes(5000, 1));
      await upload.finish();
    }],
  ];

  for (const [stage, prepare] of stages) {
    it(`when aborted ${stage}, it leaves nothing behind`, async () => {
      const documents = await openStore();
      const upload = documents.beginUpload();
      await prepare(upload);
      await upload.abort();
      await upload.abort();
      expect(filesInDir()).toEqual([]);
      expect(documents.usedBytes).toBe(0);
      expect(documents.uploadsInProgress).toBe(0);
      expect((await apiErrorOf(() => upload.write(pdfBytes(1, 2)))).code).toBe('internal_error');
      expect((await apiErrorOf(() => upload.commit())).code).toBe('internal_error');
    });
  }

  it('when aborted after commit, it keeps the document', async () => {
    const documents = await openStore();
    const upload = documents.beginUpload();
    await upload.write(pdfBytes(5000, 1));
    const { sha256 } = await upload.finish();
    await upload.commit();
    await upload.abort();
    expect(documents.has(sha256)).toBe(true);
    expect(filesInDir()).toEqual([`${sha256}.pdf`]);
    expect(documents.usedBytes).toBe(5000);
  });

  it('when aborted during a write, it waits and removes the file', async () => {
    const documents = await openStore();
    const upload = documents.beginUpload();
    const writing = upload.write(pdfBytes(1 * MiB, 1));
    const aborting = upload.abort();
    await writing;
    await aborting;
    expect(filesInDir()).toEqual([]);
    expect(documents.usedBytes).toBe(0);
    expect(documents.uploadsInProgress).toBe(0);
  });

  it('when aborted during finish, finish fails and nothing is kept', async () => {
    const documents = await openStore();
    const upload = documents.beginUpload();
    await upload.write(pdfBytes(5000, 1));
    const finishing = apiErrorOf(() => upload.finish());
    await upload.abort();
    expect((await finishing).code).toBe('internal_error');
    expect(filesInDir()).toEqual([]);
    expect(documents.usedBytes).toBe(0);
  });
});

describe('open', () => {
  it('removes leftovers and unexpected names', async () => {
    const keptBytes = pdfBytes(1234, 9);
    const keptHash = hexOf(keptBytes);
    const outside = path.join(root, 'outside.pdf');
    writeFileSync(outside, 'not in the store');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${keptHash}.pdf`), keptBytes);
    writeFileSync(path.join(dir, `upload-${'ab'.repeat(16)}.part`), pdfBytes(5000, 1));
    writeFileSync(path.join(dir, 'notes.txt'), 'junk');
    writeFileSync(path.join(dir, `${keptHash.toUpperCase()}.pdf`), 'uppercase');
    writeFileSync(path.join(dir, `${keptHash}.pdf.bak`), 'backup');
    writeFileSync(path.join(dir, `${keptHash.slice(1)}.pdf`), 'short');
    symlinkSync(outside, path.join(dir, `${'c'.repeat(64)}.pdf`));
    mkdirSync(path.join(dir, 'subfolder'));

    const documents = await openStore();
    expect(documents.usedBytes).toBe(keptBytes.length);
    expect(documents.list().map((document) => document.sha256)).toEqual([keptHash]);
    expect(documents.has('c'.repeat(64))).toBe(false);
    const removed = [...documents.removedAtOpen].sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(removed).toEqual(
      [
        { name: `upload-${'ab'.repeat(16)}.part`, reason: 'interrupted_upload' },
        { name: 'notes.txt', reason: 'unexpected_name' },
        { name: `${keptHash.toUpperCase()}.pdf`, reason: 'unexpected_name' },
        { name: `${keptHash}.pdf.bak`, reason: 'unexpected_name' },
        { name: `${keptHash.slice(1)}.pdf`, reason: 'unexpected_name' },
        { name: `${'c'.repeat(64)}.pdf`, reason: 'unexpected_name' },
      ].sort((a, b) => (a.name < b.name ? -1 : 1)),
    );
    expect(documents.ignoredAtOpen).toEqual(['subfolder']);
    expect(filesInDir()).toEqual([`${keptHash}.pdf`, 'subfolder']);
    expect(readFileSync(outside, 'utf8')).toBe('not in the store');
    expect(await documents.read(keptHash)).toEqual(keptBytes);
  });

  it('creates a missing directory with its parents', async () => {
    dir = path.join(root, 'a', 'b', 'documents');
    const documents = await openStore();
    expect(existsSync(dir)).toBe(true);
    expect(documents.usedBytes).toBe(0);
  });

  it('rejects invalid options', async () => {
    await expect(openStore({ quotaBytes: 0 })).rejects.toThrow(RangeError);
    await expect(openStore({ maxDocumentBytes: 1.5 })).rejects.toThrow(RangeError);
    await expect(openStore({ quotaBytes: 2 ** 53 })).rejects.toThrow(RangeError);
    await expect(openStore({ maxConcurrentUploads: 0 })).rejects.toThrow(RangeError);
    await expect(openStore({ dir: '' })).rejects.toThrow(RangeError);
  });
});

describe('corruption', () => {
  it('changed bytes of same size', async () => {
    const documents = await openStore();
    const bytes = pdfBytes(4000, 1);
    const sha256 = await store(documents, bytes);
    const changed = Uint8Array.from(bytes);
    changed[2000] = changed[2000]! ^ 0xff;
    writeFileSync(path.join(dir, `${sha256}.pdf`), changed);

    const error = await apiErrorOf(() => documents.read(sha256));
    expect(error.code).toBe('document_corrupt');
    expect(error.statusCode).toBe(500);
    expect(error).toMatchObject({ sha256, computedSha256: hexOf(changed), recordedSize: 4000 });
  });

  it('truncated file', async () => {
    const documents = await openStore();
    const sha256 = await store(documents, pdfBytes(4000, 1));
    writeFileSync(path.join(dir, `${sha256}.pdf`), pdfBytes(10, 1));

    const error = await apiErrorOf(() => documents.read(sha256));
    expect(error.code).toBe('document_corrupt');
    expect(error).toMatchObject({ recordedSize: 4000, actualSize: 10 });
  });

  it('symbolic link in place of file', async () => {
    const documents = await openStore();
    const sha256 = await store(documents, pdfBytes(4000, 1));
    const outside = path.join(root, 'outside.pdf');
    writeFileSync(outside, pdfBytes(4000, 1));
    rmSync(path.join(dir, `${sha256}.pdf`));
    symlinkSync(outside, path.join(dir, `${sha256}.pdf`));

    expect((await apiErrorOf(() => documents.read(sha256))).code).toBe('document_corrupt');
  });

  it('file removed outside the store', async () => {
    const documents = await openStore();
    const sha256 = await store(documents, pdfBytes(100, 1));
    rmSync(path.join(dir, `${sha256}.pdf`));
    expect(await documents.read(sha256)).toBeUndefined();
    expect(await documents.delete(sha256)).toBe(true);
    expect(documents.usedBytes).toBe(0);
  });

  it('commit restores a removed file', async () => {
    const documents = await openStore();
    const bytes = pdfBytes(100, 1);
    const sha256 = await store(documents, bytes);
    rmSync(path.join(dir, `${sha256}.pdf`));
    expect(await store(documents, bytes)).toBe(sha256);
    expect(await documents.read(sha256)).toEqual(bytes);
    expect(documents.usedBytes).toBe(100);
  });
});

describe('concurrency bound', () => {
  it('uploads past the bound get busy', async () => {
    const documents = await openStore({ maxConcurrentUploads: 2, busyRetryAfterSeconds: 3 });
    const first = documents.beginUpload();
    const second = documents.beginUpload();

    const error = await apiErrorOf(() => documents.beginUpload());
    expect(error.code).toBe('busy');
    expect(error.statusCode).toBe(503);
    expect(error.retryAfter).toBe(3);

    await first.abort();
    const third = documents.beginUpload();
    await second.write(pdfBytes(10, 1));
    await second.finish();
    await second.commit();
    await third.abort();
    expect(documents.uploadsInProgress).toBe(0);
  });

  it('default bound is 16', async () => {
    const documents = await openStore();
    const uploads = Array.from({ length: 16 }, () => documents.beginUpload());
    expect((await apiErrorOf(() => documents.beginUpload())).code).toBe('busy');
    await Promise.all(uploads.map((upload) => upload.abort()));
    expect(documents.uploadsInProgress).toBe(0);
  });
});

describe('hostile hashes', () => {
  const valid = 'a'.repeat(64);
  const hostile = [
    '../x',
    `../${valid}`,
    `${valid}/../../etc/passwd`,
    valid.toUpperCase(),
    'a'.repeat(63),
    'a'.repeat(65),
    '',
    `${valid}.pdf`,
    `${valid.slice(1)}\0`,
    `${valid}\n`,
    'g'.repeat(64),
  ];

  for (const value of hostile) {
    it(`rejects ${JSON.stringify(value).slice(0, 30)}`, async () => {
      const documents = await openStore();
      expect((await apiErrorOf(() => documents.has(value))).code).toBe('invalid_document_hash');
      expect((await apiErrorOf(() => documents.size(value))).code).toBe('invalid_document_hash');
      expect((await apiErrorOf(() => documents.read(value))).code).toBe('invalid_document_hash');
      expect((await apiErrorOf(() => documents.delete(value))).code).toBe('invalid_document_hash');
      expect((await apiErrorOf(() => documents.has(value))).statusCode).toBe(400);
    });
  }

  it('rejects a value that is not a string', async () => {
    const documents = await openStore();
    const error = await apiErrorOf(() => documents.has(42 as unknown as string));
    expect(error.code).toBe('invalid_document_hash');
    expect(error.message).toContain('number');
  });
});

/**
 * The store's modules, transpiled to JavaScript in a temporary folder, so a plain `node` child
 * can run them without building the whole project.
 */
const CHILD_SOURCES = [
  'api/errors.ts',
  'ledger/hash.ts',
  'api/document-store.ts',
  'api/document-store/errors.ts',
  'api/document-store/files.ts',
  'api/document-store/keyed-lock.ts',
  'api/document-store/names.ts',
  'api/document-store/upload.ts',
];

/** The child: stores one small document, then writes or commits until it is killed. */
const CHILD_SCRIPT = `
import { DocumentStore } from './api/document-store.js';

const [dir, mode] = process.argv.slice(2);
const MiB = 1024 * 1024;
const store = await DocumentStore.open({ dir, quotaBytes: 1024 * MiB, maxDocumentBytes: 64 * MiB });
const say = (line) => new Promise((resolve) => process.stdout.write(line + '\\n', resolve));
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const first = store.beginUpload();
await first.write(new TextEncoder().encode('%PDF-1.7 stored before the crash'));
await first.finish();
await first.commit();

if (mode === 'write') {
  const upload = store.beginUpload();
  const chunk = new Uint8Array(MiB).fill(0x41);
  while (upload.bytesWritten < 8 * MiB) await upload.write(chunk);
  await say('writing');
  while (upload.bytesWritten < 60 * MiB) {
    await upload.write(chunk);
    await pause(5);
  }
} else {
  for (let n = 0; ; n++) {
    const upload = store.beginUpload();
    const chunk = new Uint8Array(256 * 1024).fill(n % 256);
    for (let i = 0; i < 4; i++) await upload.write(chunk);
    await upload.write(new TextEncoder().encode('document ' + n));
    await upload.finish();
    await upload.commit();
    if (n === 3) await say('committing');
  }
}
await say('done');
setInterval(() => {}, 1000);
`;

let childRoot: string | undefined;

function buildChild(): string {
  if (childRoot !== undefined) return childRoot;
  const target = mkdtempSync(path.join(tmpdir(), 'document-store-child-'));
  for (const source of CHILD_SOURCES) {
    const text = readFileSync(path.join(PROJECT_ROOT, source), 'utf8');
    const output = ts.transpileModule(text, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: source,
    });
    const file = path.join(target, source.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, output.outputText);
  }
  writeFileSync(path.join(target, 'package.json'), '{"type": "module"}\n');
  writeFileSync(path.join(target, 'child.js'), CHILD_SCRIPT);
  childRoot = target;
  return target;
}

afterAll(() => {
  if (childRoot !== undefined) rmSync(childRoot, { recursive: true, force: true });
});

/** Starts the child in `mode`, waits for its line `signal`, then kills it with SIGKILL. */
function killChildAt(mode: 'write' | 'commit', signal: string): Promise<void> {
  const target = buildChild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(target, 'child.js'), dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (stdout.split('\n').includes(signal)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, killedBy) => {
      if (killedBy === 'SIGKILL') resolve();
      else reject(new Error(`child ended with code ${code} before the kill; output: ${stdout} ${stderr}`));
    });
  });
}

describe('crash', () => {
  const firstDocument = new TextEncoder().encode('%PDF-1.7 stored before the crash');

  it('when killed while writing, it leaves no partial file', async () => {
    await killChildAt('write', 'writing');
    expect(temporaryFiles()).toHaveLength(1);

    const documents = await openStore();
    expect(documents.removedAtOpen).toHaveLength(1);
    expect(documents.removedAtOpen[0]!.reason).toBe('interrupted_upload');
    expect(filesInDir()).toEqual([`${hexOf(firstDocument)}.pdf`]);
    expect(documents.usedBytes).toBe(firstDocument.length);
    expect(await documents.read(hexOf(firstDocument))).toEqual(firstDocument);
  });

  it('when killed while committing, files are whole', async () => {
    await killChildAt('commit', 'committing');

    const documents = await openStore();
    const stored = documents.list();
    expect(stored.length).toBeGreaterThanOrEqual(5);
    expect(filesInDir().filter((name) => !name.endsWith('.pdf'))).toEqual([]);
    let total = 0;
    for (const { sha256, size } of stored) {
      const bytes = await documents.read(sha256);
      expect(bytes?.length).toBe(size);
      total += size;
    }
    expect(documents.usedBytes).toBe(total);
  });
});
