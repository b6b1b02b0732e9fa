/**
 * Entry bundles of the tlog-tiles read API (c2sp.org/tlog-tiles): up to 256 entries, each
 * encoded as a big-endian uint16 length followed by the entry bytes.
 */
import { NoteError } from './errors.js';
import { TILE_WIDTH } from './tile.js';

/** Largest entry a bundle can carry: the uint16 length prefix caps it. */
export const MAX_ENTRY_SIZE = 65535;

/** Encodes 1..256 entries of at most MAX_ENTRY_SIZE bytes each. Throws NoteError `invalid_bundle`. */
export function encodeBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length < 1 || entries.length > TILE_WIDTH) {
    throw new NoteError('invalid_bundle', `entry bundle has ${entries.length} entries, want 1..${TILE_WIDTH}`);
  }
  let total = 0;
  entries.forEach((entry, i) => {
    if (!(entry instanceof Uint8Array) || entry.length > MAX_ENTRY_SIZE) {
      const got = entry instanceof Uint8Array ? `${entry.length} bytes` : typeof entry;
      throw new NoteError('invalid_bundle', `entry ${i} has ${got}, want at most ${MAX_ENTRY_SIZE} bytes`);
    }
    total += 2 + entry.length;
  });
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    bytes[offset] = Math.floor(entry.length / 256);
    bytes[offset + 1] = entry.length % 256;
    bytes.set(entry, offset + 2);
    offset += 2 + entry.length;
  }
  return bytes;
}

/**
 * Decodes an entry bundle, whose bytes come from an untrusted server or store. Rejects a
 * truncated entry, trailing bytes, more than 256 entries and, when `expectedCount` is given, any
 * other count. Returns copies, so the entries do not pin `bytes`. Throws NoteError `malformed_bundle`.
 */
export function decodeBundle(bytes: Uint8Array, expectedCount?: number): Uint8Array[] {
  if (expectedCount !== undefined && (!Number.isInteger(expectedCount) || expectedCount < 1 || expectedCount > TILE_WIDTH)) {
    throw new NoteError('invalid_bundle', `expected entry count ${String(expectedCount)} is not in 1..${TILE_WIDTH}`);
  }
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (entries.length === TILE_WIDTH) {
      throw new NoteError('malformed_bundle', `entry bundle has trailing bytes after ${TILE_WIDTH} entries`);
    }
    if (offset + 2 > bytes.length) {
      throw new NoteError('malformed_bundle', `entry bundle is truncated in the length of entry ${entries.length}`);
    }
    const length = bytes[offset]! * 256 + bytes[offset + 1]!;
    const start = offset + 2;
    if (start + length > bytes.length) {
      throw new NoteError(
        'malformed_bundle',
        `entry ${entries.length} needs ${length} bytes, only ${bytes.length - start} remain`,
      );
    }
    entries.push(bytes.slice(start, start + length));
    offset = start + length;
  }
  if (entries.length === 0) {
    throw new NoteError('malformed_bundle', 'entry bundle is empty');
  }
  if (expectedCount !== undefined && entries.length !== expectedCount) {
    throw new NoteError('malformed_bundle', `entry bundle has ${entries.length} entries, want ${expectedCount}`);
  }
  return entries;
}
