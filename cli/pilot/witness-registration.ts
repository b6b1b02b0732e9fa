import type { PilotContext } from './context.js';

/** A witness to add to the registry: its actor name and cosigner vkey (type 0x04). */
export interface WitnessToAdd {
  name: string;
  vkey: string;
}

/**
 * Adds the witnesses one at a time: the operator logs `witness.add`, and `recoveryQuorum`
 * registrars approve it (`registrar.approve`), which applies it. Each add sets the witness
 * quorum, which the rules keep between 1 and the number of witnesses, so every add but the
 * last sets 1 and the last sets `quorum`. The adds run in order because the rules check
 * each request against the witness set in force when it is logged. A quorum above the
 * number of witnesses must be rejected with `invalid_quorum`. Returns the names added.
 */
export async function addWitnesses(context: PilotContext, witnesses: readonly WitnessToAdd[], quorum: number): Promise<string[]> {
  const { session, mirror, scenario } = context;
  const recoveryQuorum = mirror.registry.state.genesis()?.recoveryQuorum ?? 2;
  const approvers = scenario.countries.slice(0, recoveryQuorum);
  const added: string[] = [];

  for (const [position, witness] of witnesses.entries()) {
    const witnessQuorum = position === witnesses.length - 1 ? quorum : 1;
    const [request] = await Promise.all([
      session.submit(
        `add ${witness.name} with witness quorum ${witnessQuorum}`,
        'witness.add',
        { name: witness.name, key: witness.vkey, witnessQuorum },
        'operator',
      ),
      position === 0 ? rejectQuorumAboveWitnesses(context, witness, 1) : undefined,
    ]);
    if (request === undefined) break;

    const body = { requestIndex: request.index, requestKind: 'witness.add' as const };
    const approvals = await Promise.all(
      approvers.map((country) => {
        const approver = `registrar:${country}`;
        return session.submit(`approve the addition of ${witness.name} by ${approver}`, 'registrar.approve', body, approver);
      }),
    );
    if (approvals.some((receipt) => receipt === undefined)) break;
    added.push(witness.name);
  }
  return added;
}

/**
 * Requests a quorum one above the `count` witnesses the add would give. The rules check
 * the request when it is logged, so it is rejected whatever else is pending.
 */
async function rejectQuorumAboveWitnesses(context: PilotContext, witness: WitnessToAdd, count: number): Promise<void> {
  await context.session.submit(
    `reject adding ${witness.name} with witness quorum ${count + 1} of ${count} witnesses`,
    'witness.add',
    { name: witness.name, key: witness.vkey, witnessQuorum: count + 1 },
    'operator',
    { expect: 'invalid_quorum' },
  );
}
