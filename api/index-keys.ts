/**
 * The hub's application index keys in the log store. Each maps to an entry index and is
 * written in the same atomic batch as the entry:
 * - `d/<32-byte dedup hash>`: the envelope without `loggedAt`, so a retried submission
 *   gets its existing receipt;
 * - `n/<actor>\n<nonce>`: each `(actor, nonce)` pair, so a replayed nonce is rejected;
 * - `h/<document sha256 hex>/<index as 14 hex digits>`: every entry naming a document, so
 *   its history is one prefix scan in log order;
 * - `l/<32-byte leaf hash>`: the entry with that leaf hash, for proofs asked by leaf hash.
 */
import { hashLeaf } from '../ledger/hash.js';
import { envelopeDedupKey, type SignedEnvelope } from '../registry/envelope.js';
import type { Registry } from '../registry/registry.js';

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

/**
 * Lists the index keys the hub writes with an entry: its dedup key, its `(actor, nonce)` key, its
 * leaf-hash key and a key for each document it names. `registry` must hold the state before the
 * entry, since an exchange entry names its document through the exchange logged earlier.
 */
export function entryIndexKeys(
  registry: Registry,
  envelope: SignedEnvelope,
  entry: Uint8Array,
  index: number,
  dedupHash: Uint8Array = envelopeDedupKey(envelope),
): Uint8Array[] {
  return [
    dedupIndexKey(dedupHash),
    nonceIndexKey(envelope.actor, envelope.nonce),
    leafHashIndexKey(hashLeaf(entry)),
    ...documentsNamedBy(registry, envelope).map((sha256) => documentIndexKey(sha256, index)),
  ];
}

/** Returns the documents an entry is about: its own hash, or the document of the exchange it names. */
export function documentsNamedBy(registry: Registry, envelope: SignedEnvelope): string[] {
  const body = envelope.body as unknown as Record<string, unknown>;
  if (envelope.kind === 'document.register') return [body.sha256 as string];
  if (typeof body.documentSha256 === 'string') return [body.documentSha256];
  if (typeof body.exchangeId === 'string') {
    const exchange = registry.state.exchange(body.exchangeId);
    if (exchange !== undefined) return [exchange.send.documentSha256];
  }
  return [];
}

/**
 * Formats an index key for a message: hashes in hex, the text keys as JSON strings, so a nonce or
 * actor from a submission cannot break the line.
 */
export function describeIndexKey(key: Uint8Array): string {
  const prefix = new TextDecoder().decode(key.subarray(0, 2));
  if (prefix === 'd/' || prefix === 'l/') return prefix + Buffer.from(key.subarray(2)).toString('hex');
  return JSON.stringify(new TextDecoder().decode(key));
}
