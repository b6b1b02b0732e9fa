/**
 * Worker thread of {@link VerifyPool}: verifies batches of Ed25519 signatures with node:crypto
 * through `ed25519Verify`, the function the registry rules call, so both give the same result.
 * Input: `{ id, messages, signatures, publicKeys }` (arrays of byte arrays of equal length).
 * Output: `{ id, results }`, a byte array of 1 (valid) and 0 (invalid) in input order.
 */
import { parentPort } from 'node:worker_threads';

import { ed25519Verify } from '../ledger/note.js';

/** A request from the pool; the pool checks lengths and sizes before sending. */
interface VerifyRequest {
  id: number;
  messages: Uint8Array[];
  signatures: Uint8Array[];
  publicKeys: Uint8Array[];
}

// `ed25519Verify` caches the node:crypto KeyObject per key array, and every request arrives with
// fresh arrays, so each distinct key is mapped to one kept array. The bound keeps a hostile log
// with many keys from growing the map without limit.
const MAX_CACHED_KEYS = 4096;
const keyArrays = new Map<string, Uint8Array>();

function cachedKey(publicKey: Uint8Array): Uint8Array {
  const hex = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('hex');
  let key = keyArrays.get(hex);
  if (key === undefined) {
    if (keyArrays.size >= MAX_CACHED_KEYS) keyArrays.clear();
    key = Uint8Array.from(publicKey);
    keyArrays.set(hex, key);
  }
  return key;
}

const port = parentPort;
if (port === null) throw new Error('monitor-verify-worker.js must run as a worker thread, not as a main script');

port.on('message', (request: VerifyRequest) => {
  const results = new Uint8Array(request.messages.length);
  for (let i = 0; i < results.length; i++) {
    const valid = ed25519Verify(cachedKey(request.publicKeys[i]!), request.messages[i]!, request.signatures[i]!);
    results[i] = valid ? 1 : 0;
  }
  port.postMessage({ id: request.id, results }, [results.buffer]);
});
