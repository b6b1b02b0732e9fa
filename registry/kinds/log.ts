import { bodySchema, countrySchema, integer, list, record, text, vkeySchema, type JsonSchema } from './common.js';

/** Upper bounds of the genesis lists; a region's hub has a handful of each. */
export const MAX_PARTICIPANTS = 64;
export const MAX_WITNESSES = 64;

export interface GenesisBody {
  /** Checkpoint origin, also the log key's name. */
  origin: string;
  /** The operator's Ed25519 vkey, named `operator`; it signs this entry. */
  operator: string;
  /** Participating countries, each with its registrar's Ed25519 vkey named `registrar:CC`. */
  participants: { country: string; registrar: string }[];
  /** Witnesses with their cosignature (0x04) vkeys; `name` equals the vkey's name. */
  witnesses: { name: string; key: string }[];
  /** Cosignatures a checkpoint needs; 0 only while there are no witnesses. */
  witnessQuorum: number;
  /** Approvals by other registrars that a recovery or a witness change needs; at least 2. */
  recoveryQuorum: number;
}

export const genesisSchema: JsonSchema = bodySchema(
  'log.genesis',
  'Entry 0: the log origin, operator, participants, witnesses and quorums.',
  {
    origin: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[!-*,-~]+$' },
    operator: vkeySchema,
    participants: list(record({ country: countrySchema, registrar: vkeySchema }, ['country', 'registrar']), MAX_PARTICIPANTS, 1),
    witnesses: list(record({ name: text(48), key: vkeySchema }, ['name', 'key']), MAX_WITNESSES),
    witnessQuorum: integer(0, MAX_WITNESSES),
    recoveryQuorum: integer(2, MAX_PARTICIPANTS),
  },
  ['origin', 'operator', 'participants', 'witnesses', 'witnessQuorum', 'recoveryQuorum'],
);
