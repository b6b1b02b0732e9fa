import type { RegistryState } from '../registry/state.js';
import { policyFromWitnesses, type TlogPolicy } from './tlog-policy.js';

/**
 * Returns the policy the log itself sets at `index`: the witness set and `witnessQuorum`
 * of the genesis, as changed by any approved `witness.add` or `witness.remove`.
 * @throws RangeError when the state has no genesis at `index`.
 */
export function policyFromState(state: RegistryState, index: number): TlogPolicy {
  const set = state.witnessesAt(index);
  if (set === undefined) throw new RangeError(`the registry has no witness set as of index ${index}`);
  return policyFromWitnesses(set.witnesses, set.witnessQuorum);
}
