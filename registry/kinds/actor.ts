import { bodySchema, list, oneOfValues, text, vkeySchema, type JsonSchema } from './common.js';

export const ROLES = ['sender', 'receiver'] as const;
export type Role = (typeof ROLES)[number];

/** Names a registrar may register: an authority or a CAB of its country, with an optional suffix. */
export const REGISTERED_ACTOR_PATTERN = '^(authority|cab):[A-Z]{2}(-[A-Za-z0-9]{1,32})?$';

export interface ActorRegisterBody {
  actor: string;
  roles: Role[];
  /** Ed25519 vkey whose name is `actor`. */
  key: string;
}

export interface ActorRevokeBody {
  actor: string;
  reason: string;
}

const registeredActorSchema = { type: 'string', maxLength: 48, pattern: REGISTERED_ACTOR_PATTERN };

export const actorRegisterSchema: JsonSchema = bodySchema(
  'actor.register',
  "Registers a sender or receiver of the registrar's country with its signing key.",
  { actor: registeredActorSchema, roles: list(oneOfValues(ROLES), 2, 1), key: vkeySchema },
  ['actor', 'roles', 'key'],
);

export const actorRevokeSchema: JsonSchema = bodySchema(
  'actor.revoke',
  "Revokes an actor of the registrar's country; its later entries are rejected.",
  { actor: registeredActorSchema, reason: text(500) },
  ['actor', 'reason'],
);
