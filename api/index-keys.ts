/**
 * The hub's application index keys in the log store. Each maps to an entry index and is
 * written in the same atomic batch as the entry:
 * - `d/<32-byte dedup hash>`: the envelope without `loggedAt`, so a retried submission is
 *   answered with its existing receipt;
 * - `n/<actor>\n<nonce>`: each `(actor, nonce)` pair, so a replayed nonce is rejected;
 * - `h/<document sha256 hex>/<index as 14 hex digits>`: every entry naming a document, so
 *   its history is one prefix scan in log order;
 * - `l/<32-byte leaf hash>`: the entry with that leaf hash, for proofs asked by leaf hash.
 */
const encoder = new TextEncoder();

export function dedupIndexKey(dedupHash: Uint8Array): Uint8Array {
  const key = new Uint8Array(2 + dedupHash.length);
  key.set(encoder.encode('d/'));
  key.set(dedupHash, 2);
  return key;
}

export function nonceIndexKey(actor: string, nonce: string): Uint8Array {
  return encoder.encode(`n/${actor}\n${nonce}`);
}

export function documentIndexPrefix(sha256: string): Uint8Array {
  return encoder.encode(`h/${sha256}/`);
}

export function documentIndexKey(sha256: string, index: number): Uint8Array {
  // 14 hex digits hold every index below 2^53, and keep the keys in log order.
  return encoder.encode(`h/${sha256}/${index.toString(16).padStart(14, '0')}`);
}

export function leafHashIndexKey(leafHash: Uint8Array): Uint8Array {
  const key = new Uint8Array(2 + leafHash.length);
  key.set(encoder.encode('l/'));
  key.set(leafHash, 2);
  return key;
}
