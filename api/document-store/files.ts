import { open, unlink } from 'node:fs/promises';

/**
 * Flushes a directory's entries to disk. A rename or unlink is durable only once its
 * directory is synced (POSIX leaves directory updates in the cache until then).
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Unlinks a file, treating one already gone as removed. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

/** Returns the `code` of a Node.js system error (`ENOENT`, `ENOSPC`, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
