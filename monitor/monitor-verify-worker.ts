/**
 * Worker thread of {@link VerifyPool}. It verifies Ed25519 signatures with node:crypto through
 * `ed25519Verify`, the function the registry rules call, so both give the same result.
 * Requests, each replied to in order with the same `id`:
 * - `{ type: 'verify', id, messages, signatures, publicKeys }` returns `{ id, results }`, a byte
 *   array of 1 (valid) and 0 (invalid) in input order.
 * - `{ type: 'keys', updates, clear }` changes the actor key table and returns nothing.
 * - `{ type: 'decode', id, bytes, ends }` decodes packed leaves and verifies their actor
 *   signatures with the key table (see leaf-batch.ts) and returns `{ id, decoded }`.
 */
import { parentPort } from 'node:worker_threads';

import { ed25519Verify } from '../ledger/note.js';
import { decodeLeafBatch, type DecodedLeaves, type KeyUpdate } from './leaf-batch.js';

/** A request from the pool; the pool checks lengths and sizes before sending. */
type WorkerRequest =
  | { type: 'verify'; id: number; messages: Uint8Array[]; signatures: Uint8Array[]; publicKeys: Uint8Array[] }
  | { type: 'keys'; updates: KeyUpdate[]; clear: boolean }
  | { type: 'decode'; id: number; bytes: Uint8Array; ends: Uint32Array };

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

/** Actor name to current key, as the pool last sent it; the pool bounds its size. */
const actorKeys = new Map<string, Uint8Array>();

function applyKeyUpdates(updates: readonly KeyUpdate[], clear: boolean): void {
  if (clear) actorKeys.clear();
  for (const { actor, publicKey } of updates) {
    if (publicKey === null) actorKeys.delete(actor);
    else actorKeys.set(actor, cachedKey(publicKey));
  }
}

function transferList(decoded: DecodedLeaves): ArrayBuffer[] {
  return [decoded.verdicts, decoded.messages, decoded.messageEnds, decoded.signatures, decoded.publicKeys].map(
    (array) => array.buffer as ArrayBuffer,
  );
}

const port = parentPort;
if (port === null) throw new Error('monitor-verify-worker.js must run as a worker thread, not as a main script');

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'keys') {
    applyKeyUpdates(request.updates, request.clear);
    return;
  }
  if (request.type === 'decode') {
    const decoded = decodeLeafBatch({ bytes: request.bytes, ends: request.ends }, actorKeys, ed25519Verify);
    port.postMessage({ id: request.id, decoded }, transferList(decoded));
    return;
  }
  const results = new Uint8Array(request.messages.length);
  for (let i = 0; i < results.length; i++) {
    const valid = ed25519Verify(cachedKey(request.publicKeys[i]!), request.messages[i]!, request.signatures[i]!);
    results[i] = valid ? 1 : 0;
  }
  port.postMessage({ id: request.id, results }, [results.buffer]);
});
