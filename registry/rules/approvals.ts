import { actorCountry } from '../formats.js';
import type { WitnessAddBody, WitnessRemoveBody } from '../kinds/witness.js';
import type { ActorKey, ApprovalRequest, StateWrite } from '../records.js';
import type { RegistryState } from '../state.js';
import { checkWitnesses } from './genesis.js';
import { provenance, reject, type RuleContext } from './context.js';

/*
 * Recoveries and witness changes take effect only once `recoveryQuorum` registrars have
 * logged a `registrar.approve` naming the request by its log index. For a recovery the
 * approvers must be other registrars than the one recovering; for a witness change,
 * requested by the operator, any registrar counts. Each registrar approves a request at
 * most once. The change is applied by the approval that reaches the quorum, at that
 * approval's index.
 */

/**
 * Files a recovery of a lost registrar key. The signer was authenticated with the new
 * key in the body. A newer recovery of the same country supersedes a pending one.
 */
export function applyRegistrarRecover(context: RuleContext<'registrar.recover'>): void {
  const { signer, state, writes } = context;
  const country = actorCountry(signer.name)!;
  const current = state.actorAt(signer.name)!;
  if (current.key.vkey === signer.key.vkey) {
    reject('key_unchanged', `the recovery key of ${signer.name} equals its current key`, { actor: signer.name });
  }
  const open = state.openRecoveryOf(country);
  if (open !== null) {
    const previous = state.requestAt(open)!;
    writes.push({ table: 'request', key: String(open), value: { ...previous, status: 'superseded', ...provenance(context) } });
  }
  openRequest(context, 'registrar.recover', context.body, signer.key);
  writes.push({ table: 'openRecovery', key: country, value: context.index });
}

/** Files a witness addition; checked now and again when the quorum is reached. */
export function applyWitnessAdd(context: RuleContext<'witness.add'>): void {
  witnessSetAfter(context.state, context.body, 'witness.add');
  openRequest(context, 'witness.add', context.body);
}

export function applyWitnessRemove(context: RuleContext<'witness.remove'>): void {
  witnessSetAfter(context.state, context.body, 'witness.remove');
  openRequest(context, 'witness.remove', context.body);
}

/** Records an approval, and applies the request when it reaches the quorum. */
export function applyRegistrarApprove(context: RuleContext<'registrar.approve'>): void {
  const { body, signer, state } = context;
  const request = state.requestAt(body.requestIndex);
  if (request === undefined) {
    reject('unknown_request', `no recovery or witness change is logged at index ${body.requestIndex}`, {
      requestIndex: body.requestIndex,
    });
  }
  if (request.kind !== body.requestKind) {
    reject('request_kind_mismatch', `index ${body.requestIndex} is a ${request.kind}, not a ${body.requestKind}`, {
      requestIndex: body.requestIndex,
      kind: request.kind,
    });
  }
  if (request.status !== 'pending') {
    reject('request_closed', `request at index ${body.requestIndex} is ${request.status}`, {
      requestIndex: body.requestIndex,
      status: request.status,
    });
  }
  const approver = actorCountry(signer.name)!;
  if (request.kind === 'registrar.recover' && request.requester === signer.name) {
    reject('self_approval', `${signer.name} cannot approve its own recovery`, { actor: signer.name });
  }
  if (request.approvals.includes(approver)) {
    reject('duplicate_approval', `${signer.name} already approved the request at index ${body.requestIndex}`, {
      actor: signer.name,
      requestIndex: body.requestIndex,
    });
  }
  const approvals = [...request.approvals, approver];
  const quorum = state.genesis()!.recoveryQuorum;
  const done = approvals.length >= quorum;
  context.writes.push({
    table: 'request',
    key: String(body.requestIndex),
    value: { ...request, approvals, status: done ? 'done' : 'pending', ...provenance(context) },
  });
  if (done) executeRequest(context, request);
}

function openRequest(
  context: RuleContext,
  kind: ApprovalRequest['kind'],
  body: ApprovalRequest['body'],
  recoveryKey?: ActorKey,
): void {
  const request: ApprovalRequest = {
    kind,
    requester: context.signer.name,
    body,
    approvals: [],
    status: 'pending',
    ...provenance(context),
  };
  if (recoveryKey !== undefined) request.recoveryKey = recoveryKey;
  context.writes.push({ table: 'request', key: String(context.index), value: request });
}

function executeRequest(context: RuleContext, request: ApprovalRequest): void {
  const at = provenance(context);
  const writes: StateWrite[] = context.writes;
  if (request.kind === 'registrar.recover') {
    const current = context.state.actorAt(request.requester)!;
    // The key the recovery request was authenticated with, so its possession is proven.
    writes.push({ table: 'actor', key: request.requester, value: { ...current, key: request.recoveryKey!, ...at } });
    writes.push({ table: 'openRecovery', key: actorCountry(request.requester)!, value: null });
    return;
  }
  const witnesses = witnessSetAfter(context.state, request.body as WitnessAddBody | WitnessRemoveBody, request.kind);
  writes.push({ table: 'witnesses', key: '', value: { ...witnesses, ...at } });
}

/**
 * Returns the witness set after a witness change, checking it against the current set.
 * @throws RuleError `witness_exists`, `unknown_witness` or `invalid_quorum`.
 */
function witnessSetAfter(
  state: RegistryState,
  body: WitnessAddBody | WitnessRemoveBody,
  kind: 'witness.add' | 'witness.remove',
): { witnesses: { name: string; key: string }[]; witnessQuorum: number } {
  const current = state.witnessesAt()?.witnesses ?? [];
  const present = current.some((witness) => witness.name === body.name);
  if (kind === 'witness.add') {
    if (present) reject('witness_exists', `witness ${body.name} is already in the witness set`, { name: body.name });
    const witnesses = [...current, { name: body.name, key: (body as WitnessAddBody).key }];
    checkWitnesses(witnesses, body.witnessQuorum);
    return { witnesses, witnessQuorum: body.witnessQuorum };
  }
  if (!present) reject('unknown_witness', `witness ${body.name} is not in the witness set`, { name: body.name });
  const witnesses = current.filter((witness) => witness.name !== body.name);
  checkWitnesses(witnesses, body.witnessQuorum);
  return { witnesses, witnessQuorum: body.witnessQuorum };
}
