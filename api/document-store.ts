/**
 * The hub's store of uploaded PDFs, kept only until the retention period ends (the log keeps
 * their hashes forever). It is content-addressed: one file `<sha256>.pdf` per distinct PDF,
 * whichever exchanges refer to it. Which exchanges those are, and when a file may go, is the
 * log's business; the caller decides when to delete.
 *
 * Crash consistency: an upload is written to a temporary file in the same directory, fsynced,
 * renamed to its final name, and the directory fsynced. After a crash a final name therefore
 * has the whole PDF or does not exist, and `open()` deletes the temporary files left behind.
 *
 * NOTE: one process at a time may use a directory. `open()` deletes every temporary file it
 * finds, so a second store on the same directory would delete the first one's uploads. The hub
 * guarantees this through the lock on its LevelDB store in the same data directory.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { sha256 as hashBytes } from '../ledger/hash.js';
import { DocumentCorruptError } from './document-store/errors.js';
import { errorCode, removeFile, syncDirectory } from './document-store/files.js';
import { KeyedLock } from './document-store/keyed-lock.js';
import { assertSha256, classifyFileName, storedFileName } from './document-store/names.js';
import { FileUpload, type DocumentUpload, type PendingCommit, type UploadHost } from './document-store/upload.js';
import { ApiError } from './errors.js';

export { DocumentCorruptError } from './document-store/errors.js';
export type { DocumentUpload, FinishedUpload } from './document-store/upload.js';

/** Default bound on uploads in progress at once. Each keeps an open file and a reservation. */
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 16;
/**
 * Default `Retry-After` of a 503 `busy`, in seconds. A slot frees when some upload commits or
 * aborts, which the store cannot predict, so this is a fixed guess.
 */
export const DEFAULT_BUSY_RETRY_AFTER_SECONDS = 5;

const MAX_CONCURRENT_UPLOADS_LIMIT = 1024;
const MAX_RETRY_AFTER_SECONDS = 3600;

export interface DocumentStoreOptions {
  /** Directory of the stored files, created (with parents) when missing. */
  dir: string;
  /** Maximum bytes of all stored files plus uploads in progress. */
  quotaBytes: number;
  /** Maximum bytes of one document. */
  maxDocumentBytes: number;
  /** Maximum uploads in progress at once (default 16). */
  maxConcurrentUploads?: number;
  /** `retryAfter` of a 503 `busy`, in seconds (default 5). */
  busyRetryAfterSeconds?: number;
}

/** A stored document, as `list()` returns it. */
export interface StoredDocument {
  sha256: string;
  size: number;
  /** Modification time of the file, in ms since the Unix epoch: when its upload finished. */
  storedAt: number;
}

/** A file that `open()` deleted from the directory, and why. */
export interface RemovedFile {
  name: string;
  reason: 'interrupted_upload' | 'unexpected_name';
}

interface IndexEntry {
  size: number;
  storedAt: number;
}

export class DocumentStore {
  readonly dir: string;
  readonly quotaBytes: number;
  readonly maxDocumentBytes: number;
  readonly maxConcurrentUploads: number;
  readonly busyRetryAfterSeconds: number;
  /** Files that `open()` deleted: temporary files of interrupted uploads, unexpected names. */
  readonly removedAtOpen: readonly RemovedFile[];
  /**
   * Entries that `open()` left in place although they are no stored document: directories and
   * other non-regular files, which the store never deletes. They do not count against the quota.
   */
  readonly ignoredAtOpen: readonly string[];

  readonly #index: Map<string, IndexEntry>;
  readonly #locks = new KeyedLock();
  readonly #host: UploadHost;
  #committedBytes = 0;
  #reservedBytes = 0;
  #uploadsInProgress = 0;

  private constructor(
    settings: Required<DocumentStoreOptions>,
    index: Map<string, IndexEntry>,
    removed: RemovedFile[],
    ignored: string[],
  ) {
    this.dir = settings.dir;
    this.quotaBytes = settings.quotaBytes;
    this.maxDocumentBytes = settings.maxDocumentBytes;
    this.maxConcurrentUploads = settings.maxConcurrentUploads;
    this.busyRetryAfterSeconds = settings.busyRetryAfterSeconds;
    this.removedAtOpen = Object.freeze(removed);
    this.ignoredAtOpen = Object.freeze(ignored);
    this.#index = index;
    for (const entry of index.values()) this.#committedBytes += entry.size;
    this.#host = {
      dir: this.dir,
      maxDocumentBytes: this.maxDocumentBytes,
      reserve: (bytes) => this.#reserve(bytes),
      release: (bytes) => {
        this.#reservedBytes -= bytes;
      },
      commitFile: (commit) => this.#commitFile(commit),
      endUpload: () => {
        this.#uploadsInProgress -= 1;
      },
    };
  }

  /**
   * Opens the store in `options.dir`, creating the directory when missing. It deletes the
   * temporary files of uploads that a crash interrupted and every other regular file or
   * symbolic link whose name is not `<sha256>.pdf` (listed in `removedAtOpen`), and counts the
   * size of the stored files. Throws RangeError on invalid options.
   */
  static async open(options: DocumentStoreOptions): Promise<DocumentStore> {
    const settings = validateOptions(options);
    await mkdir(settings.dir, { recursive: true, mode: 0o700 });

    const index = new Map<string, IndexEntry>();
    const removed: RemovedFile[] = [];
    const ignored: string[] = [];
    for (const entry of await readdir(settings.dir, { withFileTypes: true })) {
      const name = classifyFileName(entry.name);
      const path = join(settings.dir, entry.name);
      if (name.kind === 'stored' && entry.isFile()) {
        const stats = await lstat(path);
        index.set(name.sha256, { size: stats.size, storedAt: Math.floor(stats.mtimeMs) });
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        // A symbolic link is removed even under a valid name: reads must not leave the directory.
        await removeFile(path);
        removed.push({ name: entry.name, reason: name.kind === 'temporary' ? 'interrupted_upload' : 'unexpected_name' });
      } else {
        ignored.push(entry.name);
      }
    }
    if (removed.length > 0) await syncDirectory(settings.dir);
    return new DocumentStore(settings, index, removed, ignored);
  }

  /** Bytes of the stored files plus the bytes reserved by uploads in progress. */
  get usedBytes(): number {
    return this.#committedBytes + this.#reservedBytes;
  }

  /** Uploads begun and neither committed nor aborted yet. */
  get uploadsInProgress(): number {
    return this.#uploadsInProgress;
  }

  /** Tells whether a document is stored. Throws ApiError 400 `invalid_document_hash`. */
  has(sha256: string): boolean {
    assertSha256(sha256);
    return this.#index.has(sha256);
  }

  /** Returns the size in bytes of a stored document, or undefined. Throws like `has`. */
  size(sha256: string): number | undefined {
    assertSha256(sha256);
    return this.#index.get(sha256)?.size;
  }

  /** Lists every stored document, oldest first. */
  list(): StoredDocument[] {
    const documents = [...this.#index].map(([sha256, entry]) => ({ sha256, size: entry.size, storedAt: entry.storedAt }));
    return documents.sort((a, b) => a.storedAt - b.storedAt || (a.sha256 < b.sha256 ? -1 : 1));
  }

  /**
   * Begins an upload. Throws ApiError 503 `busy` (with `retryAfter`) while
   * `maxConcurrentUploads` uploads are in progress. The caller must end the upload with
   * `commit()` or `abort()`, because it keeps a slot until then.
   */
  beginUpload(): DocumentUpload {
    if (this.#uploadsInProgress >= this.maxConcurrentUploads) {
      const wait = this.busyRetryAfterSeconds;
      throw new ApiError(
        503,
        'busy',
        `${this.#uploadsInProgress} document uploads are in progress, the maximum at once; retry after ${wait} s`,
        { retryAfter: wait },
      );
    }
    this.#uploadsInProgress += 1;
    return new FileUpload(this.#host);
  }

  /**
   * Reads a stored document, or returns undefined when it is absent. Throws DocumentCorruptError
   * (ApiError 500 `document_corrupt`) when the file no longer hashes to its name, or its size or
   * type changed since the store recorded it.
   */
  async read(sha256: string): Promise<Uint8Array | undefined> {
    assertSha256(sha256);
    const entry = this.#index.get(sha256);
    if (entry === undefined) return undefined;

    const name = storedFileName(sha256);
    let handle: FileHandle;
    try {
      // O_NOFOLLOW: a symbolic link put in place of the file is damage, not a path to follow.
      handle = await open(join(this.dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      // A delete that ran since the index lookup removed it.
      if (errorCode(error) === 'ENOENT') return undefined;
      if (errorCode(error) !== 'ELOOP') throw error;
      throw corrupt(sha256, entry, `stored document ${name} was replaced by a symbolic link`, {}, error);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile() || stats.size !== entry.size) {
        const found = stats.isFile() ? `${stats.size} bytes` : 'not a regular file';
        throw corrupt(sha256, entry, `stored document ${name} is ${found}, but ${entry.size} bytes were stored`, {
          actualSize: stats.size,
        });
      }
      const bytes = await readExactly(handle, entry.size);
      const computed = Buffer.from(hashBytes(bytes)).toString('hex');
      if (computed !== sha256) {
        throw corrupt(sha256, entry, `stored document ${name} now hashes to ${computed}`, {
          actualSize: bytes.length,
          computedSha256: computed,
        });
      }
      return bytes;
    } finally {
      await handle.close();
    }
  }

  /**
   * Deletes a stored document and frees its bytes from the quota. Returns false when it was
   * not stored. The unlink is durable when the returned promise resolves.
   */
  async delete(sha256: string): Promise<boolean> {
    assertSha256(sha256);
    return this.#locks.run(sha256, async () => {
      const entry = this.#index.get(sha256);
      if (entry === undefined) return false;
      await removeFile(join(this.dir, storedFileName(sha256)));
      this.#index.delete(sha256);
      this.#committedBytes -= entry.size;
      await syncDirectory(this.dir);
      return true;
    });
  }

  #reserve(bytes: number): void {
    const after = this.usedBytes + bytes;
    if (after <= this.quotaBytes) {
      this.#reservedBytes += bytes;
      return;
    }
    throw new ApiError(
      507,
      'storage_full',
      `storing ${bytes} more bytes would take the document store to ${after} bytes, over its quota of ` +
        `${this.quotaBytes} bytes (--storage-quota); retry once stored documents are purged`,
    );
  }

  /** Gives a finished upload its final name, under the lock of its hash. */
  async #commitFile(commit: PendingCommit): Promise<void> {
    const temporaryPath = join(this.dir, commit.temporaryName);
    const finalPath = join(this.dir, storedFileName(commit.sha256));
    await this.#locks.run(commit.sha256, async () => {
      const known = this.#index.get(commit.sha256);
      if (known !== undefined && !(await isPresent(finalPath))) {
        // Removed outside the store: forget it, so this upload restores the file.
        this.#index.delete(commit.sha256);
        this.#committedBytes -= known.size;
      }
      if (this.#index.has(commit.sha256)) {
        // The same bytes are stored already: a retry, or another exchange of the same PDF.
        await removeFile(temporaryPath);
        this.#reservedBytes -= commit.takeReservation();
      } else {
        await rename(temporaryPath, finalPath);
        // The file is visible from here on, so it counts as stored even if the sync fails.
        this.#index.set(commit.sha256, { size: commit.size, storedAt: commit.storedAt });
        this.#reservedBytes -= commit.takeReservation();
        this.#committedBytes += commit.size;
      }
      // Also on the first path: a stored file whose own commit failed in this sync is made
      // durable before this caller logs anything that refers to it.
      await syncDirectory(this.dir);
    });
  }
}

function corrupt(
  sha256: string,
  entry: IndexEntry,
  finding: string,
  evidence: { actualSize?: number; computedSha256?: string },
  cause?: unknown,
): DocumentCorruptError {
  return new DocumentCorruptError(
    `${finding}, so it must not be sent: delete it and have the sender upload the PDF again`,
    { sha256, recordedSize: entry.size, ...evidence },
    { cause },
  );
}

async function isPresent(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Reads `size` bytes from the start of the file, or fewer when it ends early (then `read` reports it corrupt). */
async function readExactly(handle: FileHandle, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  let offset = 0;
  while (offset < size) {
    const { bytesRead } = await handle.read(bytes, offset, size - offset, offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return offset === size ? bytes : bytes.subarray(0, offset);
}

function validateOptions(options: DocumentStoreOptions): Required<DocumentStoreOptions> {
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new RangeError('document store dir must be a non-empty path');
  }
  return {
    dir: options.dir,
    quotaBytes: checkInteger('quotaBytes', options.quotaBytes, 1, Number.MAX_SAFE_INTEGER),
    maxDocumentBytes: checkInteger('maxDocumentBytes', options.maxDocumentBytes, 1, Number.MAX_SAFE_INTEGER),
    maxConcurrentUploads: checkInteger(
      'maxConcurrentUploads',
      options.maxConcurrentUploads ?? DEFAULT_MAX_CONCURRENT_UPLOADS,
      1,
      MAX_CONCURRENT_UPLOADS_LIMIT,
    ),
    busyRetryAfterSeconds: checkInteger(
      'busyRetryAfterSeconds',
      options.busyRetryAfterSeconds ?? DEFAULT_BUSY_RETRY_AFTER_SECONDS,
      1,
      MAX_RETRY_AFTER_SECONDS,
    ),
  };
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`document store ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}
