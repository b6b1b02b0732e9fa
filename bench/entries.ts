/**
 * Log entries for the benchmarks, shaped like the hub's real leaves: the canonical JSON of a signed
 * `document.register` envelope with its `loggedAt`, about 530 to 600 bytes each.
 */
import { sha256 } from '../ledger/hash.js';

// The envelope without a product description is about 520 bytes.
const MIN_ENTRY_BYTES = 520;
const MAX_ENTRY_BYTES = 600;

/**
 * Builds `count` distinct entries. Field values derive from SHA-256 of the entry number, so every
 * run produces the same entries and the same tree.
 */
export function makeEntryPool(count: number): Uint8Array[] {
  const encoder = new TextEncoder();
  const pool: Uint8Array[] = [];
  for (let i = 0; i < count; i++) pool.push(encoder.encode(entryText(i)));
  return pool;
}

function entryText(n: number): string {
  const seed = Buffer.from(sha256(Buffer.from(`bench-entry-${n}`)));
  const digest = Buffer.from(sha256(seed)).toString('hex');
  const signature = Buffer.concat([seed, Buffer.from(sha256(seed, seed))]).toString('base64');
  const nonce = seed.subarray(0, 16).toString('base64url');
  const loggedAt = 1_800_000_000_000 + n * 37;
  const signedAt = new Date(loggedAt - 1500).toISOString();
  const body = {
    hsCodes: [String(8_400_000_000 + (seed[20]! % 100) * 1_000_000)],
    issuedAt: signedAt,
    issuer: `UZ-UZAC-${String(seed[21]! % 100).padStart(4, '0')}`,
    number: `UZ/CC/2027/${String(n).padStart(7, '0')}`,
    product: '',
    sha256: digest,
    type: 'CC',
    validUntil: '2030-12-31',
  };
  const envelope = {
    actor: `sender:UZ-${String(seed[22]! % 50).padStart(3, '0')}`,
    body,
    keyId: seed.subarray(24, 28).toString('hex'),
    kind: 'document.register',
    loggedAt,
    nonce,
    sig: signature,
    signedAt,
    v: 1,
  };
  // Pad the product description so entry lengths spread up to MAX_ENTRY_BYTES.
  const bare = JSON.stringify(envelope).length;
  const target = MIN_ENTRY_BYTES + (seed[23]! * 256 + seed[25]!) % (MAX_ENTRY_BYTES - MIN_ENTRY_BYTES + 1);
  body.product = productText(Math.max(8, target - bare), seed[26]!);
  return JSON.stringify(envelope);
}

const WORDS = ['electric', 'motor', 'pump', 'valve', 'steel', 'cable', 'household', 'refrigerator', 'lamp'];

function productText(length: number, start: number): string {
  let text = '';
  for (let i = start; text.length < length; i++) text += `${WORDS[i % WORDS.length]} `;
  return text.slice(0, length).trimEnd();
}

/** Returns the shortest, mean and longest entry length of `pool`, in bytes. */
export function entryLengths(pool: readonly Uint8Array[]): { min: number; mean: number; max: number } {
  let total = 0;
  let min = Infinity;
  let max = 0;
  for (const entry of pool) {
    total += entry.length;
    min = Math.min(min, entry.length);
    max = Math.max(max, entry.length);
  }
  return { min, mean: Math.round(total / pool.length), max };
}
