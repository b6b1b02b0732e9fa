import type { ActorRegisterBody, ActorRevokeBody } from './actor.js';
import { actorRegisterSchema, actorRevokeSchema } from './actor.js';
import type { AccreditationBody } from './accreditation.js';
import { accreditationSetSchema } from './accreditation.js';
import type { CabBody, CabRecodeBody } from './cab.js';
import { cabRecodeSchema, cabRegisterSchema, cabUpdateSchema } from './cab.js';
import type { CabKeyRegisterBody, CaRegisterBody, CertificateRevokeBody } from './certificate.js';
import { cabKeyRegisterSchema, cabKeyRevokeSchema, caRegisterSchema, caRevokeSchema } from './certificate.js';
import type { JsonSchema } from './common.js';
import type { DocumentBody } from './document.js';
import { documentRegisterSchema } from './document.js';
import type {
  ExchangeDeliverBody,
  ExchangeExceptionBody,
  ExchangePurgeBody,
  ExchangeReceiveBody,
  ExchangeSendBody,
} from './exchange.js';
import {
  exchangeDeliverSchema,
  exchangeExceptionSchema,
  exchangePurgeSchema,
  exchangeReceiveSchema,
  exchangeSendSchema,
} from './exchange.js';
import type { GenesisBody } from './log.js';
import { genesisSchema } from './log.js';
import type { RegistrarApproveBody, RegistrarRecoverBody, RegistrarRotateBody } from './registrar.js';
import { registrarApproveSchema, registrarRecoverSchema, registrarRotateSchema } from './registrar.js';
import type { VerificationBody } from './verification.js';
import { verificationRecordSchema } from './verification.js';
import type { WitnessAddBody, WitnessRemoveBody } from './witness.js';
import { witnessAddSchema, witnessRemoveSchema } from './witness.js';

/** The body type of each entry kind. */
export interface BodyOfKind {
  'log.genesis': GenesisBody;
  'actor.register': ActorRegisterBody;
  'actor.revoke': ActorRevokeBody;
  'registrar.rotate': RegistrarRotateBody;
  'registrar.recover': RegistrarRecoverBody;
  'registrar.approve': RegistrarApproveBody;
  'witness.add': WitnessAddBody;
  'witness.remove': WitnessRemoveBody;
  'ca.register': CaRegisterBody;
  'ca.revoke': CertificateRevokeBody;
  'cab.register': CabBody;
  'cab.update': CabBody;
  'cab.recode': CabRecodeBody;
  'accreditation.set': AccreditationBody;
  'cabkey.register': CabKeyRegisterBody;
  'cabkey.revoke': CertificateRevokeBody;
  'document.register': DocumentBody;
  'exchange.send': ExchangeSendBody;
  'exchange.deliver': ExchangeDeliverBody;
  'exchange.receive': ExchangeReceiveBody;
  'exchange.purge': ExchangePurgeBody;
  'exchange.exception': ExchangeExceptionBody;
  'verification.record': VerificationBody;
}

export type Kind = keyof BodyOfKind;

/**
 * Who must sign each kind. `registrar` means the registrar of the country the body
 * concerns; `sender`/`receiver` an actor registered with that role; `party` the sender
 * or receiver of an exchange.
 */
export type SignerClass = 'operator' | 'registrar' | 'sender' | 'receiver' | 'party';

export const SIGNER_OF_KIND: Readonly<Record<Kind, SignerClass>> = {
  'log.genesis': 'operator',
  'actor.register': 'registrar',
  'actor.revoke': 'registrar',
  'registrar.rotate': 'registrar',
  'registrar.recover': 'registrar',
  'registrar.approve': 'registrar',
  'witness.add': 'operator',
  'witness.remove': 'operator',
  'ca.register': 'registrar',
  'ca.revoke': 'registrar',
  'cab.register': 'registrar',
  'cab.update': 'registrar',
  'cab.recode': 'registrar',
  'accreditation.set': 'registrar',
  'cabkey.register': 'registrar',
  'cabkey.revoke': 'registrar',
  'document.register': 'sender',
  'exchange.send': 'sender',
  'exchange.deliver': 'operator',
  'exchange.receive': 'receiver',
  'exchange.purge': 'operator',
  'exchange.exception': 'party',
  'verification.record': 'receiver',
};

/** Every kind, in the order of the records table. */
export const KINDS = Object.keys(SIGNER_OF_KIND) as Kind[];

/** The normative JSON schema (draft 2020-12) of each kind's body. */
export const BODY_SCHEMAS: Readonly<Record<Kind, JsonSchema>> = {
  'log.genesis': genesisSchema,
  'actor.register': actorRegisterSchema,
  'actor.revoke': actorRevokeSchema,
  'registrar.rotate': registrarRotateSchema,
  'registrar.recover': registrarRecoverSchema,
  'registrar.approve': registrarApproveSchema,
  'witness.add': witnessAddSchema,
  'witness.remove': witnessRemoveSchema,
  'ca.register': caRegisterSchema,
  'ca.revoke': caRevokeSchema,
  'cab.register': cabRegisterSchema,
  'cab.update': cabUpdateSchema,
  'cab.recode': cabRecodeSchema,
  'accreditation.set': accreditationSetSchema,
  'cabkey.register': cabKeyRegisterSchema,
  'cabkey.revoke': cabKeyRevokeSchema,
  'document.register': documentRegisterSchema,
  'exchange.send': exchangeSendSchema,
  'exchange.deliver': exchangeDeliverSchema,
  'exchange.receive': exchangeReceiveSchema,
  'exchange.purge': exchangePurgeSchema,
  'exchange.exception': exchangeExceptionSchema,
  'verification.record': verificationRecordSchema,
};

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && Object.hasOwn(SIGNER_OF_KIND, value);
}
