/**
 * Ed25519 results computed ahead of the rules, for example on worker threads. The rules consult
 * them only for the exact (message, signature, public key) triple they would verify themselves,
 * and verify inline on a miss, so a result stored for another key, message or signature is never
 * used. The caller that stores a result vouches for it: a wrong `true` for the exact triple passes.
 */
import { ed25519Verify } from '../ledger/note.js';

interface StoredResult {
  message: Uint8Array;
  publicKey: Uint8Array;
  valid: boolean;
}

/** Precomputed Ed25519 results, found by signature bytes and checked against the message and key. */
export class SignatureResults {
  readonly #bySignature = new Map<string, StoredResult[]>();

  /** Number of stored triples. */
  get size(): number {
    let count = 0;
    for (const results of this.#bySignature.values()) count += results.length;
    return count;
  }

  /** Stores the result of verifying `signature` over `message` with `publicKey`. */
  set(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array, valid: boolean): void {
    const key = Buffer.from(signature.buffer, signature.byteOffset, signature.length).toString('base64');
    const stored = this.#bySignature.get(key) ?? [];
    const same = stored.find((result) => equalBytes(result.message, message) && equalBytes(result.publicKey, publicKey));
    if (same !== undefined) same.valid = valid;
    else stored.push({ message, publicKey, valid });
    this.#bySignature.set(key, stored);
  }

  /** Returns the stored result for exactly this triple, or undefined. */
  get(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean | undefined {
    const key = Buffer.from(signature.buffer, signature.byteOffset, signature.length).toString('base64');
    const stored = this.#bySignature.get(key);
    if (stored === undefined) return undefined;
    const match = stored.find((result) => equalBytes(result.message, message) && equalBytes(result.publicKey, publicKey));
    return match?.valid;
  }
}

/** Verifies with a stored result for the same triple if there is one, else with node:crypto. */
export function verifyWithResults(
  results: SignatureResults | undefined,
  message: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return results?.get(message, signature, publicKey) ?? ed25519Verify(publicKey, message, signature);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}
