/**
 * The work a signature worker does for the replay, ahead of the registry rules. It decodes each
 * leaf (strict JSON, schema and canonical form, as `decodeLeaf`), cuts the signing message out of
 * the leaf's bytes and verifies the actor signature with the actor key the worker was given. The
 * main thread then applies the rules in log order to the decoded envelopes, with the verdicts as
 * SignatureResults and each envelope's signing message bound to it, so it builds none again.
 *
 * The worker's key table may be stale: the rules use a verdict only for the exact message,
 * signature and key they verify, and verify inline otherwise, so a stale key costs time only.
 */
import { decodeBase64 } from '../registry/encoding.js';
import { decodeLeaf, signingMessageOfLeaf, type LoggedEnvelope } from '../registry/envelope.js';

/** Verdict of a leaf whose signature the worker did not check. */
export const UNCHECKED = 2;

const SIGNATURE_SIZE = 64;
const PUBLIC_KEY_SIZE = 32;

/** A change to a worker's actor key table: the actor's current key, or null to drop it. */
export interface KeyUpdate {
  actor: string;
  publicKey: Uint8Array | null;
}

/** Leaves packed into one buffer, so a batch is one transferable ArrayBuffer. */
export interface PackedLeaves {
  bytes: Uint8Array;
  /** `ends[i]` is the offset just past leaf i. */
  ends: Uint32Array;
}

/** A worker's result for a batch of leaves, in leaf order. */
export interface DecodedLeaves {
  /** The decoded envelope, or null where the leaf does not decode (the rules then report why). */
  envelopes: (LoggedEnvelope | null)[];
  /** 1 valid, 0 invalid, or {@link UNCHECKED} when the worker had no key or no 64-byte signature. */
  verdicts: Uint8Array;
  /** Signing messages of the decoded leaves, concatenated; `messageEnds[i]` is the end of leaf i's. */
  messages: Uint8Array;
  messageEnds: Uint32Array;
  /** 64 bytes per leaf: the signature the verdict is for, zeros where unchecked. */
  signatures: Uint8Array;
  /** 32 bytes per leaf: the key the verdict is for, zeros where unchecked. */
  publicKeys: Uint8Array;
}

/** Copies `leaves` into one buffer with their end offsets. */
export function packLeaves(leaves: readonly Uint8Array[]): PackedLeaves {
  let total = 0;
  for (const leaf of leaves) total += leaf.length;
  const bytes = new Uint8Array(total);
  const ends = new Uint32Array(leaves.length);
  let offset = 0;
  leaves.forEach((leaf, i) => {
    bytes.set(leaf, offset);
    offset += leaf.length;
    ends[i] = offset;
  });
  return { bytes, ends };
}

/**
 * Decodes each packed leaf and verifies its actor signature with the actor's key in `keys`.
 * Any error while decoding a leaf leaves it null: the main thread decodes it again and raises
 * the same error there.
 */
export function decodeLeafBatch(
  packed: PackedLeaves,
  keys: ReadonlyMap<string, Uint8Array>,
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean,
): DecodedLeaves {
  const count = packed.ends.length;
  const envelopes: (LoggedEnvelope | null)[] = [];
  const verdicts = new Uint8Array(count).fill(UNCHECKED);
  const signatures = new Uint8Array(count * SIGNATURE_SIZE);
  const publicKeys = new Uint8Array(count * PUBLIC_KEY_SIZE);
  const messageParts: Uint8Array[] = [];
  const messageEnds = new Uint32Array(count);
  let messageBytes = 0;

  for (let i = 0; i < count; i++) {
    const start = i === 0 ? 0 : packed.ends[i - 1]!;
    const leaf = decodeForVerify(packed.bytes.subarray(start, packed.ends[i]!));
    envelopes.push(leaf?.envelope ?? null);
    if (leaf !== undefined) {
      const publicKey = keys.get(leaf.envelope.actor);
      if (publicKey !== undefined && leaf.signature.length === SIGNATURE_SIZE && publicKey.length === PUBLIC_KEY_SIZE) {
        verdicts[i] = verify(publicKey, leaf.message, leaf.signature) ? 1 : 0;
        signatures.set(leaf.signature, i * SIGNATURE_SIZE);
        publicKeys.set(publicKey, i * PUBLIC_KEY_SIZE);
      }
      messageParts.push(leaf.message);
      messageBytes += leaf.message.length;
    }
    messageEnds[i] = messageBytes;
  }

  const messages = new Uint8Array(messageBytes);
  let offset = 0;
  for (const part of messageParts) {
    messages.set(part, offset);
    offset += part.length;
  }
  return { envelopes, verdicts, messages, messageEnds, signatures, publicKeys };
}

/**
 * Decodes one leaf with its signature and signing message, or returns undefined on any error:
 * the main thread decodes that leaf again and raises the rule's error there.
 */
function decodeForVerify(leaf: Uint8Array): { envelope: LoggedEnvelope; signature: Uint8Array; message: Uint8Array } | undefined {
  try {
    const envelope = decodeLeaf(leaf);
    return { envelope, signature: decodeBase64(envelope.sig, 'sig'), message: signingMessageOfLeaf(leaf, envelope) };
  } catch {
    return undefined;
  }
}

/** Returns the signing message of leaf `i`, or undefined when it did not decode. */
export function decodedMessage(decoded: DecodedLeaves, i: number): Uint8Array | undefined {
  if (decoded.envelopes[i] == null) return undefined;
  const start = i === 0 ? 0 : decoded.messageEnds[i - 1]!;
  return decoded.messages.subarray(start, decoded.messageEnds[i]!);
}

/** Returns the message, signature and key of leaf `i`, or undefined when it was not checked. */
export function checkedTriple(
  decoded: DecodedLeaves,
  i: number,
): { message: Uint8Array; signature: Uint8Array; publicKey: Uint8Array; valid: boolean } | undefined {
  const verdict = decoded.verdicts[i];
  const message = decodedMessage(decoded, i);
  if (verdict === UNCHECKED || verdict === undefined || message === undefined) return undefined;
  return {
    message,
    signature: decoded.signatures.subarray(i * SIGNATURE_SIZE, (i + 1) * SIGNATURE_SIZE),
    publicKey: decoded.publicKeys.subarray(i * PUBLIC_KEY_SIZE, (i + 1) * PUBLIC_KEY_SIZE),
    valid: verdict === 1,
  };
}
