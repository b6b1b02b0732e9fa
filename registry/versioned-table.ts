/** One version of a record: the value written by the entry at `index`. */
export interface Version<V> {
  readonly index: number;
  readonly value: V;
}

/**
 * A map whose values keep every version, keyed by the log index that wrote it, so the
 * value as of any index is a binary search away. Versions of a key are appended in
 * increasing index order.
 */
export class VersionedTable<V> {
  private readonly versions = new Map<string, Version<V>[]>();

  /** Returns the value written by the last entry at or before `index`, or undefined. */
  at(key: string, index = Number.MAX_SAFE_INTEGER): V | undefined {
    const list = this.versions.get(key);
    if (list === undefined) return undefined;
    const position = lastAtOrBefore(list, index);
    return position < 0 ? undefined : list[position]!.value;
  }

  /** Returns the versions of `key` written at or before `index`, oldest first. */
  history(key: string, index = Number.MAX_SAFE_INTEGER): readonly Version<V>[] {
    const list = this.versions.get(key);
    if (list === undefined) return [];
    return list.slice(0, lastAtOrBefore(list, index) + 1);
  }

  /**
   * Appends a version. Requires `index` at or after the key's last version; a second
   * write by the same entry replaces the first.
   */
  put(key: string, index: number, value: V): void {
    const list = this.versions.get(key);
    if (list === undefined) {
      this.versions.set(key, [{ index, value }]);
      return;
    }
    const last = list[list.length - 1]!;
    if (index < last.index) {
      throw new RangeError(`version at index ${index} of ${key} is older than the last one at ${last.index}`);
    }
    if (index === last.index) list[list.length - 1] = { index, value };
    else list.push({ index, value });
  }

  /** Drops the versions of `key` written at or after `size`. */
  dropFrom(key: string, size: number): void {
    const list = this.versions.get(key);
    if (list === undefined) return;
    while (list.length > 0 && list[list.length - 1]!.index >= size) list.pop();
    if (list.length === 0) this.versions.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.versions.keys();
  }
}

/** Position of the last version with index ≤ `index`, or -1. */
function lastAtOrBefore<V>(list: readonly Version<V>[], index: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = low + Math.floor((high - low) / 2);
    if (list[middle]!.index <= index) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
