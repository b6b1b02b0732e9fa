/**
 * Verifies the actor signatures of the next entries to replay on a {@link VerifyPool}, ahead of
 * the registry rules. Each entry's key is taken from the registry state before the batch. A key
 * that is wrong by the time the rule runs only costs a lookup miss, because the rules use a
 * result only for the exact key, message and signature they verify, and verify inline otherwise.
 */
import { decodeBase64 } from '../registry/encoding.js';
import { decodeLeaf, signingMessage, type LoggedEnvelope } from '../registry/envelope.js';
import { RuleError } from '../registry/errors.js';
import type { Kind } from '../registry/kinds/index.js';
import { SignatureResults } from '../registry/signature-results.js';
import type { RegistryState } from '../registry/state.js';
import type { SignatureCheck, VerifyPool } from './verify-pool.js';

/**
 * Kinds that register, replace or revoke a key (the genesis and a recovery are also signed with a
 * key from their own body). After one of them, the rest of the batch is verified inline.
 */
const KEY_CHANGING_KINDS: ReadonlySet<Kind> = new Set<Kind>([
  'log.genesis',
  'actor.register',
  'actor.revoke',
  'registrar.rotate',
  'registrar.recover',
  'registrar.approve',
]);

/** The decoded entries of a batch and the signature results computed for them. */
export interface VerifiedBatch {
  /** Decoded envelope per entry, or undefined where the leaf does not decode (the rules report it). */
  envelopes: (LoggedEnvelope | undefined)[];
  results: SignatureResults;
}

/** Decodes `leaves`, the entries that follow `state`, and verifies their signatures on `pool`. */
export async function verifyBatchSignatures(state: RegistryState, leaves: readonly Uint8Array[], pool: VerifyPool): Promise<VerifiedBatch> {
  const envelopes: (LoggedEnvelope | undefined)[] = [];
  const checks: SignatureCheck[] = [];
  let keysChanged = false;
  for (const leaf of leaves) {
    const envelope = tryDecode(leaf);
    envelopes.push(envelope);
    if (envelope === undefined || keysChanged) continue;
    if (KEY_CHANGING_KINDS.has(envelope.kind)) {
      keysChanged = true;
      continue;
    }
    const check = signatureCheck(state, envelope);
    if (check !== undefined) checks.push(check);
  }

  const results = new SignatureResults();
  const verdicts = await pool.verify(checks);
  checks.forEach((check, i) => results.set(check.message, check.signature, check.publicKey, verdicts[i]!));
  return { envelopes, results };
}

function tryDecode(leaf: Uint8Array): LoggedEnvelope | undefined {
  try {
    return decodeLeaf(leaf);
  } catch (error) {
    if (error instanceof RuleError) return undefined;
    throw error;
  }
}

/** Returns the check with the actor's current key, or undefined when there is nothing to verify ahead. */
function signatureCheck(state: RegistryState, envelope: LoggedEnvelope): SignatureCheck | undefined {
  const record = state.actorAt(envelope.actor);
  if (record === undefined || record.status === 'revoked') return undefined;
  let signature: Uint8Array;
  try {
    signature = decodeBase64(envelope.sig, 'sig');
  } catch (error) {
    if (error instanceof RuleError) return undefined;
    throw error;
  }
  return { message: signingMessage(envelope), signature, publicKey: record.key.publicKey };
}
