import {
  bodySchema,
  cabCodeSchema,
  certificateSchema,
  oneOfValues,
  REVOCATION_REASONS,
  sha256Schema,
  utcTimeSchema,
  type JsonSchema,
  type RevocationReason,
} from './common.js';

export interface CaRegisterBody {
  /** DER of a national CA certificate of the registrar's country, standard base64. */
  certificate: string;
}

export interface CabKeyRegisterBody {
  cabCode: string;
  /** DER of the CAB's signing certificate, standard base64. */
  certificate: string;
}

/** Body of `ca.revoke` and `cabkey.revoke`. */
export interface CertificateRevokeBody {
  /** SHA-256 of the certificate's DER, lowercase hex. */
  sha256: string;
  reason: RevocationReason;
  /** When the key was compromised, if earlier than this entry; the revocation takes effect then. */
  compromisedAt?: string;
}

const revokeProperties = {
  sha256: sha256Schema,
  reason: oneOfValues(REVOCATION_REASONS),
  compromisedAt: utcTimeSchema,
};

export const caRegisterSchema: JsonSchema = bodySchema(
  'ca.register',
  "Registers a national CA certificate of the registrar's country.",
  { certificate: certificateSchema },
  ['certificate'],
);

export const caRevokeSchema: JsonSchema = bodySchema(
  'ca.revoke',
  'Revokes a registered national CA certificate.',
  revokeProperties,
  ['sha256', 'reason'],
);

export const cabKeyRegisterSchema: JsonSchema = bodySchema(
  'cabkey.register',
  "Registers a CAB's signing certificate for an active CAB of the registrar's country.",
  { cabCode: cabCodeSchema, certificate: certificateSchema },
  ['cabCode', 'certificate'],
);

export const cabKeyRevokeSchema: JsonSchema = bodySchema(
  'cabkey.revoke',
  "Revokes a CAB's signing certificate, from compromisedAt if given, else from this entry's log time.",
  revokeProperties,
  ['sha256', 'reason'],
);
