/**
 * The hub's HTTP error codes. Every error body is `{error: {code, message}}`;
 * clients switch on `code`, which never changes meaning. docs/ERRORS.md lists
 * them all; a test checks that the two agree.
 */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  /** Seconds a client should wait before retrying, for 503 responses. */
  readonly retryAfter?: number;

  constructor(statusCode: number, code: string, message: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.retryAfter = options.retryAfter;
  }
}

/**
 * HTTP status for each stable code raised by the registry rules, the ledger
 * and the API itself. A rule code missing here gets 422 (the submission breaks a
 * rule), any other code 500.
 */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // Malformed requests: fix the request before sending it again.
  invalid_request: 400,
  invalid_parameter: 400,
  invalid_json: 400,
  invalid_utf8: 400,
  unsafe_integer: 400,
  non_integer_number: 400,
  duplicate_key: 400,
  json_too_deep: 400,
  not_canonicalizable: 400,
  invalid_envelope: 400,
  unsupported_version: 400,
  unknown_kind: 400,
  invalid_body: 400,
  invalid_actor: 400,
  invalid_key_id: 400,
  invalid_nonce: 400,
  invalid_signature_encoding: 400,
  invalid_signed_at: 400,
  invalid_base64: 400,
  invalid_logged_at: 400,
  non_canonical_leaf: 400,
  invalid_key: 400,
  invalid_compromised_at: 400,
  invalid_quorum: 400,
  invalid_checkpoint_size: 400,
  duplicate_participant: 400,
  key_reused: 400,
  stale_signature: 400,
  invalid_multipart: 400,
  upload_timeout: 408,
  invalid_channel: 400,
  document_missing: 400,
  exchange_id_mismatch: 400,
  invalid_webhook_url: 400,
  invalid_document_hash: 400,
  content_digest_missing: 400,
  content_digest_mismatch: 400,
  // Too large.
  body_too_large: 413,
  json_too_large: 413,
  leaf_too_large: 413,
  document_too_large: 413,
  // The document store is at its quota or the disk is full: retry once documents are purged.
  storage_full: 507,
  unsupported_media_type: 415,
  // Not found.
  not_found: 404,
  exchange_not_found: 404,
  route_not_found: 404,
  // The signer is not who it claims to be.
  invalid_signature: 401,
  unknown_actor: 401,
  key_mismatch: 401,
  actor_revoked: 401,
  signature_missing: 401,
  signature_invalid: 401,
  signature_stale: 401,
  signature_replayed: 401,
  unknown_key: 401,
  key_revoked: 401,
  // The signer may not make this entry.
  wrong_country: 403,
  wrong_signer: 403,
  not_receiver: 403,
  not_sender: 403,
  not_party: 403,
  actor_mismatch: 403,
  not_your_inbox: 403,
  self_approval: 403,
  // The entry conflicts with what the log already holds.
  replayed_nonce: 409,
  genesis_exists: 409,
  actor_exists: 409,
  witness_exists: 409,
  cab_exists: 409,
  certificate_exists: 409,
  document_exists: 409,
  exchange_exists: 409,
  exchange_acknowledged: 409,
  exchange_purged: 409,
  not_delivered: 409,
  use_exchange_endpoint: 409,
  // The exchange's PDF is no longer served; its hash and history stay on the log.
  exchange_withdrawn: 410,
  document_purged: 410,
  duplicate_approval: 409,
  request_closed: 409,
  key_unchanged: 409,
  // Rules of the registry: codes not listed here get 422.
  certificate_expired: 422,
  certificate_invalid: 422,
  unsupported_signature_algorithm: 422,
  // The hub cannot take the entry now: retry later (503 with Retry-After).
  pool_full: 503,
  closed: 503,
  commit_failed: 503,
  storage_unavailable: 503,
  log_failed: 503,
  log_time_regressed: 503,
  verify_busy: 503,
  busy: 503,
  signature_before_start: 503,
  // A fault of the hub itself.
  internal_error: 500,
  document_corrupt: 500,
};
