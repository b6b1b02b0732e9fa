import { bodySchema, integer, oneOfValues, text, vkeySchema, type JsonSchema } from './common.js';

/** Kinds that wait for registrar approvals before they take effect. */
export const APPROVABLE_KINDS = ['registrar.recover', 'witness.add', 'witness.remove'] as const;
export type ApprovableKind = (typeof APPROVABLE_KINDS)[number];

export interface RegistrarRotateBody {
  /** The registrar's new Ed25519 vkey, same name; the entry is signed with the current key. */
  key: string;
}

export interface RegistrarRecoverBody {
  /** The replacement Ed25519 vkey; the entry is signed with this new key (proof of possession). */
  key: string;
  reason: string;
}

export interface RegistrarApproveBody {
  /** Log index of the pending `registrar.recover`, `witness.add` or `witness.remove`. */
  requestIndex: number;
  /** Kind of that entry, so an approval cannot land on a request the approver did not read. */
  requestKind: ApprovableKind;
}

export const registrarRotateSchema: JsonSchema = bodySchema(
  'registrar.rotate',
  "Replaces the registrar's key; signed with the current key.",
  { key: vkeySchema },
  ['key'],
);

export const registrarRecoverSchema: JsonSchema = bodySchema(
  'registrar.recover',
  "Requests the replacement of a lost registrar key; signed with the new key, effective after the recovery quorum of other registrars' approvals.",
  { key: vkeySchema, reason: text(500) },
  ['key', 'reason'],
);

export const registrarApproveSchema: JsonSchema = bodySchema(
  'registrar.approve',
  'Approves a pending recovery or witness change, named by its log index and kind.',
  { requestIndex: integer(1), requestKind: oneOfValues(APPROVABLE_KINDS) },
  ['requestIndex', 'requestKind'],
);
