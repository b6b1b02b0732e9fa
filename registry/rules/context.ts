import { NoteError } from '../../ledger/errors.js';
import { parseVerifierKey } from '../../ledger/note.js';
import type { SignedEnvelope } from '../envelope.js';
import { RuleError, type Evidence } from '../errors.js';
import { actorCountry } from '../formats.js';
import type { BodyOfKind, Kind } from '../kinds/index.js';
import type { ActorKey, ActorRecord, Provenance, StateWrite } from '../records.js';
import type { RegistryState } from '../state.js';

/** Returns whether `(actor, nonce)` was already logged; the hub backs it with its storage index. */
export type NonceLookup = (actor: string, nonce: string) => boolean;

/** What a kind's rule sees: the state before the entry, the entry, and its authenticated signer. */
export interface RuleContext<K extends Kind = Kind> {
  state: RegistryState;
  envelope: SignedEnvelope<K>;
  body: BodyOfKind[K];
  index: number;
  loggedAt: number;
  /** The signer's record as of the entry (for `log.genesis`, the operator it names). */
  signer: ActorRecord;
  /** Versions the rule writes; the rule appends to it. */
  writes: StateWrite[];
}

export function reject(code: string, message: string, evidence: Evidence = {}): never {
  throw new RuleError(code, message, evidence);
}

export function provenance(context: RuleContext): Provenance {
  return { index: context.index, loggedAt: context.loggedAt };
}

/**
 * Parses a vkey from a body and checks its type and name.
 * @throws RuleError `invalid_key` naming the body field.
 */
export function parseBodyKey(vkey: string, field: string, expected: { name: string; type: number }): ActorKey {
  let parsed;
  try {
    parsed = parseVerifierKey(vkey);
  } catch (cause) {
    if (!(cause instanceof NoteError)) throw cause;
    throw new RuleError('invalid_key', `${field} is not a valid vkey: ${cause.message}`, { field }, { cause });
  }
  if (parsed.name !== expected.name) {
    reject('invalid_key', `${field} is named ${parsed.name}, want ${expected.name}`, {
      field,
      name: parsed.name,
      expected: expected.name,
    });
  }
  if (parsed.type !== expected.type) {
    reject('invalid_key', `${field} has key type ${parsed.type}, want ${expected.type}`, {
      field,
      type: parsed.type,
      expected: expected.type,
    });
  }
  return { vkey: parsed.vkey, keyId: parsed.keyId, type: parsed.type, publicKey: parsed.publicKey };
}

/**
 * Requires the signer to act for `country`: its actor name's country.
 * @throws RuleError `wrong_country`.
 */
export function requireSignerCountry(context: RuleContext, country: string, what: string): void {
  const signerCountry = actorCountry(context.signer.name);
  if (signerCountry !== country) {
    reject('wrong_country', `${context.signer.name} cannot act on ${what} of ${country}`, {
      actor: context.signer.name,
      country,
      subject: what,
    });
  }
}

/** Returns the country prefix of a CAB code. */
export function cabCountry(code: string): string {
  return code.slice(0, 2);
}
