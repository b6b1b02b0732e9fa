import type { Role } from './kinds/actor.js';
import type { AccreditationBody } from './kinds/accreditation.js';
import type { CabType } from './kinds/cab.js';
import type { RevocationReason, Status } from './kinds/common.js';
import type { DocumentBody } from './kinds/document.js';
import type { ExchangeSendBody } from './kinds/exchange.js';
import type { BodyOfKind, Kind } from './kinds/index.js';
import type { ApprovableKind } from './kinds/registrar.js';

/** Where a record version came from: the entry's index and log time (epoch ms). */
export interface Provenance {
  index: number;
  loggedAt: number;
}

/** A parsed note verifier key as the registry stores it. */
export interface ActorKey {
  vkey: string;
  keyId: number;
  type: number;
  publicKey: Uint8Array;
}

export interface GenesisRecord extends Provenance {
  origin: string;
  participants: string[];
  recoveryQuorum: number;
}

/** An actor that signs entries: the operator, a registrar, or a registered authority or CAB. */
export interface ActorRecord extends Provenance {
  name: string;
  /** Empty for the operator and registrars, whose rights come from their name. */
  roles: Role[];
  key: ActorKey;
  status: 'active' | 'revoked';
}

export interface WitnessSet extends Provenance {
  witnesses: { name: string; key: string }[];
  witnessQuorum: number;
}

export interface CabRecord extends Provenance {
  code: string;
  country: string;
  name: string;
  type: CabType;
  status: Status;
  /** When `status` takes effect, epoch ms. */
  effectiveAt: number;
  successor?: string;
  predecessor?: string;
}

export interface AccreditationRecord extends Provenance, AccreditationBody {
  effectiveAtMs: number;
}

export interface RevocationRecord extends Provenance {
  reason: RevocationReason;
  compromisedAt?: number;
  /** `compromisedAt` if given (never later than the log time), else the revocation's log time. */
  effectiveAt: number;
}

/** A registered national CA certificate (`role` ca) or CAB signing certificate (`role` cab). */
export interface CertificateRecord extends Provenance {
  sha256: string;
  role: 'ca' | 'cab';
  country: string;
  cabCode?: string;
  /** SHA-256 of the registered national CA that issued a CAB certificate, if one did. */
  issuerCa?: string;
  der: Uint8Array;
  subject: string;
  subjectNameHex: string;
  spki: Uint8Array;
  notBefore: number;
  notAfter: number;
  revocation?: RevocationRecord;
}

export interface DocumentRecord extends Provenance {
  sha256: string;
  actor: string;
  body: DocumentBody;
}

/** One entry about an exchange after its `exchange.send`. */
export interface ExchangeStep<K extends Kind = Kind> extends Provenance {
  kind: K;
  actor: string;
  body: BodyOfKind[K];
}

export interface ExchangeRecord extends Provenance {
  exchangeId: string;
  sender: string;
  send: ExchangeSendBody;
  steps: ExchangeStep[];
  acknowledged: boolean;
  purged: boolean;
}

/** A `registrar.recover`, `witness.add` or `witness.remove` waiting for approvals. */
export interface ApprovalRequest extends Provenance {
  kind: ApprovableKind;
  requester: string;
  body: BodyOfKind[ApprovableKind];
  /** Countries of the registrars that approved, in log order. */
  approvals: string[];
  status: 'pending' | 'done' | 'superseded';
  /** For a recovery: the new key, which signed the request. */
  recoveryKey?: ActorKey;
}

/** Every table of the state, with its record type. */
export interface Tables {
  genesis: GenesisRecord;
  actor: ActorRecord;
  witnesses: WitnessSet;
  cab: CabRecord;
  accreditation: AccreditationRecord;
  certificate: CertificateRecord;
  /** Subject Name DER (hex) of national CAs → their SHA-256s. */
  caSubject: string[];
  document: DocumentRecord;
  exchange: ExchangeRecord;
  request: ApprovalRequest;
  /** Country → index of its pending recovery request. */
  openRecovery: number | null;
}

export type TableName = keyof Tables;

/** One record version to write. */
export type StateWrite = { [T in TableName]: { table: T; key: string; value: Tables[T] } }[TableName];

/** What an accepted entry changes: the versions to write and the nonce to record. */
export interface StateChange {
  kind: Kind;
  actor: string;
  nonce: string;
  writes: StateWrite[];
}

/** Key of an accreditation in its table. */
export function accreditationKey(cabCode: string, standard: string): string {
  return `${cabCode}\n${standard}`;
}
