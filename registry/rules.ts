import type { SignedEnvelope } from './envelope.js';
import { RuleError } from './errors.js';
import type { Kind } from './kinds/index.js';
import type { StateChange } from './records.js';
import { applyActorRegister, applyActorRevoke, applyRegistrarRotate } from './rules/actors.js';
import {
  applyRegistrarApprove,
  applyRegistrarRecover,
  applyWitnessAdd,
  applyWitnessRemove,
} from './rules/approvals.js';
import { applyAccreditationSet, applyCabRecode, applyCabRegister, applyCabUpdate } from './rules/cabs.js';
import {
  applyCabKeyRegister,
  applyCabKeyRevoke,
  applyCaRegister,
  applyCaRevoke,
} from './rules/certificates.js';
import type { NonceLookup, RuleContext } from './rules/context.js';
import { applyDocumentRegister } from './rules/documents.js';
import {
  applyExchangeDeliver,
  applyExchangeException,
  applyExchangePurge,
  applyExchangeReceive,
  applyExchangeSend,
  applyVerificationRecord,
} from './rules/exchanges.js';
import { applyGenesis } from './rules/genesis.js';
import { authenticate } from './rules/signer.js';
import type { SignatureResults } from './signature-results.js';
import type { RegistryState } from './state.js';

export type { NonceLookup } from './rules/context.js';

type KindRule<K extends Kind> = (context: RuleContext<K>) => void;

/** The rule of each kind; it checks the body against the state and appends its writes. */
const KIND_RULES: { [K in Kind]: KindRule<K> } = {
  'log.genesis': applyGenesis,
  'actor.register': applyActorRegister,
  'actor.revoke': applyActorRevoke,
  'registrar.rotate': applyRegistrarRotate,
  'registrar.recover': applyRegistrarRecover,
  'registrar.approve': applyRegistrarApprove,
  'witness.add': applyWitnessAdd,
  'witness.remove': applyWitnessRemove,
  'ca.register': applyCaRegister,
  'ca.revoke': applyCaRevoke,
  'cab.register': applyCabRegister,
  'cab.update': applyCabUpdate,
  'cab.recode': applyCabRecode,
  'accreditation.set': applyAccreditationSet,
  'cabkey.register': applyCabKeyRegister,
  'cabkey.revoke': applyCabKeyRevoke,
  'document.register': applyDocumentRegister,
  'exchange.send': applyExchangeSend,
  'exchange.deliver': applyExchangeDeliver,
  'exchange.receive': applyExchangeReceive,
  'exchange.purge': applyExchangePurge,
  'exchange.exception': applyExchangeException,
  'verification.record': applyVerificationRecord,
};

/**
 * Decides a validated envelope as the entry at `index` with log time `loggedAt`, against
 * the state of the entries before it (`state.size` must equal `index`). Returns the
 * change to apply; the state itself is not modified. `verifiedSignatures` contains optional
 * signature results computed ahead (see {@link SignatureResults}).
 * @throws RuleError with the code of the first broken rule.
 */
export function evaluateEntry(
  state: RegistryState,
  envelope: SignedEnvelope,
  index: number,
  loggedAt: number,
  hasNonce: NonceLookup,
  verifiedSignatures?: SignatureResults,
): StateChange {
  const signer = authenticate(state, envelope, index, loggedAt, hasNonce, verifiedSignatures);
  const context: RuleContext = { state, envelope, body: envelope.body, index, loggedAt, signer, writes: [] };
  (KIND_RULES[envelope.kind] as KindRule<Kind>)(context);
  return { kind: envelope.kind, actor: envelope.actor, nonce: envelope.nonce, writes: context.writes };
}

/** Like {@link evaluateEntry}, but returns a RuleError instead of throwing it. */
export function tryEvaluateEntry(
  state: RegistryState,
  envelope: SignedEnvelope,
  index: number,
  loggedAt: number,
  hasNonce: NonceLookup,
): StateChange | RuleError {
  try {
    return evaluateEntry(state, envelope, index, loggedAt, hasNonce);
  } catch (error) {
    if (error instanceof RuleError) return error;
    throw error;
  }
}
