import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { ApiError } from '../errors.js';
import { errorCode, removeFile } from './files.js';
import { newTemporaryFileName } from './names.js';

/** One upload into the document store: write, finish, then commit or abort. */
export interface DocumentUpload {
  /**
   * Appends bytes. Throws ApiError 413 `document_too_large` past `maxDocumentBytes`, and 507
   * `storage_full` when the store's `usedBytes` would pass `quotaBytes` or the disk is full.
   * Either way the upload is aborted and its reservation released. Await each call before the
   * next one.
   */
  write(chunk: Uint8Array): Promise<void>;
  readonly bytesWritten: number;
  /**
   * Ends the upload: flushes and fsyncs the temporary file, and returns its SHA-256 (lowercase
   * hex) and size. The document is not visible yet.
   */
  finish(): Promise<FinishedUpload>;
  /**
   * Makes a finished upload visible under its hash: renames the temporary file to
   * `<sha256>.pdf` and fsyncs the directory. When that hash is already stored, it drops the
   * temporary file instead, so a retried upload commits without a second copy.
   */
  commit(): Promise<void>;
  /**
   * Deletes the temporary file and releases the reservation and the upload slot. It is safe
   * at any point and more than once, and does nothing after a commit.
   */
  abort(): Promise<void>;
}

/** Hash and size of a finished upload. */
export interface FinishedUpload {
  sha256: string;
  size: number;
}

/** The store's side of an upload: quota, commit and slot. Only the store builds it. */
export interface UploadHost {
  readonly dir: string;
  readonly maxDocumentBytes: number;
  /** Counts `bytes` more against the quota, or throws ApiError 507 `storage_full`. */
  reserve(bytes: number): void;
  /** Returns bytes counted by `reserve` to the quota. */
  release(bytes: number): void;
  /**
   * Moves a finished, synced temporary file under its hash. It calls `takeReservation` at the
   * moment the store takes over the upload's reserved bytes.
   */
  commitFile(commit: PendingCommit): Promise<void>;
  /** Frees the upload's slot among the concurrent uploads. */
  endUpload(): void;
}

/** A finished upload handed to `UploadHost.commitFile`. */
export interface PendingCommit extends FinishedUpload {
  temporaryName: string;
  /** Modification time of the finished file, in ms since the Unix epoch. */
  storedAt: number;
  /** Hands the upload's reserved bytes to the store and returns how many there were. */
  takeReservation(): number;
}

type UploadState = 'writing' | 'finished' | 'committed' | 'aborted';

/** An upload written to a temporary file in the store's own directory, so rename is atomic. */
export class FileUpload implements DocumentUpload {
  readonly #host: UploadHost;
  readonly #temporaryName = newTemporaryFileName();
  readonly #temporaryPath: string;
  readonly #hash = createHash('sha256');
  #state: UploadState = 'writing';
  #handle: FileHandle | undefined;
  #bytesWritten = 0;
  #reservedBytes = 0;
  #finished: { sha256: string; size: number; storedAt: number } | undefined;
  /** Settles when the running write, finish or commit step ends; abort waits for it. */
  #pending: Promise<unknown> = Promise.resolve();
  #running = false;
  #aborting: Promise<void> | undefined;
  #ended = false;

  constructor(host: UploadHost) {
    this.#host = host;
    this.#temporaryPath = join(host.dir, this.#temporaryName);
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#expectState('writing', 'write()');
    if (chunk.length === 0) return;

    const total = this.#bytesWritten + chunk.length;
    const max = this.#host.maxDocumentBytes;
    if (total > max) {
      await this.abort();
      throw new ApiError(
        413,
        'document_too_large',
        `the document is larger than ${max} bytes (${total} received so far), the limit set by ecert serve --max-document-size; ` +
          'send a smaller PDF',
      );
    }
    try {
      this.#host.reserve(chunk.length);
    } catch (error) {
      await this.abort();
      throw error;
    }
    this.#reservedBytes += chunk.length;

    // Hash before the await: the bytes hashed are the bytes handed to the file, even if the
    // caller reuses its buffer once write() returns.
    this.#hash.update(chunk);
    await this.#run(async () => {
      const handle = await this.#openFile();
      await writeFully(handle, chunk);
    });
    this.#bytesWritten = total;
  }

  async finish(): Promise<FinishedUpload> {
    this.#expectState('writing', 'finish()');
    const storedAt = await this.#run(async () => {
      const handle = await this.#openFile();
      // The bytes must be on disk before commit's rename gives them their final name.
      // Otherwise a crash could leave a short file under a valid hash.
      await handle.sync();
      const stats = await handle.stat();
      this.#handle = undefined;
      await handle.close();
      return Math.floor(stats.mtimeMs);
    });
    if (this.#state === 'aborted') {
      throw new ApiError(500, 'internal_error', 'the upload was aborted while finish() ran; begin a new upload');
    }
    const finished = { sha256: this.#hash.digest('hex'), size: this.#bytesWritten, storedAt };
    this.#finished = finished;
    this.#state = 'finished';
    return { sha256: finished.sha256, size: finished.size };
  }

  async commit(): Promise<void> {
    if (this.#state === 'committed') return;
    this.#expectState('finished', 'commit()');
    const finished = this.#finished!;
    await this.#run(() =>
      this.#host.commitFile({
        ...finished,
        temporaryName: this.#temporaryName,
        takeReservation: () => {
          const bytes = this.#reservedBytes;
          this.#reservedBytes = 0;
          return bytes;
        },
      }),
    );
    this.#state = 'committed';
    this.#end();
  }

  abort(): Promise<void> {
    if (this.#state === 'committed') return Promise.resolve();
    this.#aborting ??= this.#cleanUp();
    return this.#aborting;
  }

  async #cleanUp(): Promise<void> {
    this.#state = 'aborted';
    await this.#pending;
    const handle = this.#handle;
    this.#handle = undefined;
    try {
      await handle?.close().catch(() => undefined);
      // After a commit that renamed the file and then failed, the temporary name is gone.
      await removeFile(this.#temporaryPath);
    } finally {
      this.#end();
    }
  }

  /** Releases the reservation and the slot, once. */
  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#host.release(this.#reservedBytes);
    this.#reservedBytes = 0;
    this.#host.endUpload();
  }

  /** Runs one file step. On failure it aborts the upload and throws the mapped error. */
  async #run<T>(step: () => Promise<T>): Promise<T> {
    this.#running = true;
    const work = step();
    this.#pending = work.catch(() => undefined);
    try {
      return await work;
    } catch (error) {
      this.#running = false;
      await this.abort();
      throw mapFileError(error, this.#host.dir);
    } finally {
      this.#running = false;
    }
  }

  async #openFile(): Promise<FileHandle> {
    // 'wx' fails if the name exists, so an upload never writes into another one's file.
    this.#handle ??= await open(this.#temporaryPath, 'wx', 0o600);
    return this.#handle;
  }

  #expectState(expected: UploadState, call: string): void {
    if (this.#running) {
      throw new ApiError(500, 'internal_error', `${call} was called while an earlier call on this upload is still running; await it first`);
    }
    if (this.#state !== expected) {
      throw new ApiError(500, 'internal_error', `${call} is not allowed on an upload that is ${this.#state}; begin a new upload`);
    }
  }
}

async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** Maps a full disk to 507 `storage_full`, because for the client it is the same as a full quota. */
function mapFileError(error: unknown, dir: string): unknown {
  const code = errorCode(error);
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return error;
  return new ApiError(507, 'storage_full', `the disk of the document store ${dir} is full (${code}), retry later`, {
    cause: error,
  });
}
