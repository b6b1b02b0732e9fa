import type { PdfObject } from './objects.js';

/**
 * Compares two PDF objects by value (ISO 32000-2 §7.3): the same type and
 * content, with references equal when they name the same object and
 * generation. Strings compare by their bytes, so a literal and a hex string of
 * the same bytes are equal. Streams compare their dictionaries and raw
 * (still encoded) data, which is read from each object's own file.
 *
 * The parser already bounds nesting depth, so the recursion is bounded too.
 */
export function equalObjects(a: PdfObject, aBytes: Uint8Array, b: PdfObject, bBytes: Uint8Array): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'name':
      return a.value === (b as typeof a).value;
    case 'string':
      return equalBytes(a.bytes, (b as typeof a).bytes);
    case 'ref': {
      const other = b as typeof a;
      return a.objectNumber === other.objectNumber && a.generation === other.generation;
    }
    case 'array': {
      const other = b as typeof a;
      return a.items.length === other.items.length && a.items.every((item, i) => equalObjects(item, aBytes, other.items[i], bBytes));
    }
    case 'dict':
      return equalEntries(a.entries, aBytes, (b as typeof a).entries, bBytes);
    case 'stream': {
      const other = b as typeof a;
      if (!equalEntries(a.dict.entries, aBytes, other.dict.entries, bBytes)) return false;
      return equalBytes(aBytes.subarray(a.dataStart, a.dataEnd), bBytes.subarray(other.dataStart, other.dataEnd));
    }
  }
}

function equalEntries(a: Map<string, PdfObject>, aBytes: Uint8Array, b: Map<string, PdfObject>, bBytes: Uint8Array): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    if (!b.has(key) || !equalObjects(value, aBytes, b.get(key)!, bBytes)) return false;
  }
  return true;
}

/** Returns the keys whose values differ between two dictionaries, including keys only one of them has. */
export function changedKeys(a: Map<string, PdfObject>, aBytes: Uint8Array, b: Map<string, PdfObject>, bBytes: Uint8Array): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((key) => {
    const left = a.get(key);
    const right = b.get(key);
    if (left === undefined || right === undefined) return left !== right;
    return !equalObjects(left, aBytes, right, bBytes);
  });
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
