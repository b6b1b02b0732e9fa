import { randomBytes } from 'node:crypto';

import { ApiError } from '../errors.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const STORED_NAME = /^([0-9a-f]{64})\.pdf$/;
const TEMPORARY_NAME = /^upload-[0-9a-f]{32}\.part$/;

/** Kind of a directory entry's name, as `open()` classifies it. */
export type FileNameKind =
  | { kind: 'stored'; sha256: string }
  | { kind: 'temporary' }
  | { kind: 'unexpected' };

/**
 * Throws ApiError 400 `invalid_document_hash` unless `value` is 64 lowercase hex digits. Every
 * path the store builds from a hash passes here first, so no caller-supplied text (`../x`, a
 * slash, a NUL byte) can reach `path.join`.
 */
export function assertSha256(value: unknown): asserts value is string {
  if (typeof value === 'string' && SHA256_HEX.test(value)) return;
  const quoted = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  throw new ApiError(400, 'invalid_document_hash', `document SHA-256 ${quoted} is not 64 lowercase hex digits`);
}

/** Returns the file name of a stored document: `<sha256>.pdf`. */
export function storedFileName(sha256: string): string {
  return `${sha256}.pdf`;
}

/** Creates a new, unguessable name for the temporary file of one upload. */
export function newTemporaryFileName(): string {
  return `upload-${randomBytes(16).toString('hex')}.part`;
}

/** Classifies a name found in the store's directory. */
export function classifyFileName(name: string): FileNameKind {
  const stored = STORED_NAME.exec(name);
  if (stored !== null) return { kind: 'stored', sha256: stored[1]! };
  if (TEMPORARY_NAME.test(name)) return { kind: 'temporary' };
  return { kind: 'unexpected' };
}
