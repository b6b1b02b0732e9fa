import { bodySchema, integer, vkeySchema, type JsonSchema } from './common.js';
import { MAX_WITNESSES } from './log.js';

export const WITNESS_NAME_PATTERN = '^witness:[A-Z]{2}(-[A-Za-z0-9]{1,32})?$';

export interface WitnessAddBody {
  name: string;
  /** Cosignature (0x04) vkey named `name`. */
  key: string;
  /** The witness quorum once the witness is added. */
  witnessQuorum: number;
}

export interface WitnessRemoveBody {
  name: string;
  /** The witness quorum once the witness is removed. */
  witnessQuorum: number;
}

const witnessNameSchema = { type: 'string', maxLength: 48, pattern: WITNESS_NAME_PATTERN };

export const witnessAddSchema: JsonSchema = bodySchema(
  'witness.add',
  'Adds a witness and sets the new witness quorum, effective after the recovery quorum of registrar approvals.',
  { name: witnessNameSchema, key: vkeySchema, witnessQuorum: integer(0, MAX_WITNESSES) },
  ['name', 'key', 'witnessQuorum'],
);

export const witnessRemoveSchema: JsonSchema = bodySchema(
  'witness.remove',
  'Removes a witness and sets the new witness quorum, effective after the recovery quorum of registrar approvals.',
  { name: witnessNameSchema, witnessQuorum: integer(0, MAX_WITNESSES) },
  ['name', 'witnessQuorum'],
);
