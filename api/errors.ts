/**
 * The hub's HTTP error codes. Every error body is `{error: {code, message}}`;
 * clients switch on `code`, which never changes meaning. docs/ERRORS.md lists
 * them all; a test checks that the two agree.
 */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  /** Seconds a client should wait before retrying, for 503 answers. */
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
 * and the API itself. A code missing here is answered with 400 if it comes
 * from a rule (the submission is at fault) and 500 otherwise.
 */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // Request shape and size.
  invalid_json: 400,
  unsafe_integer: 400,
  invalid_envelope: 400,
  invalid_body: 400,
  invalid_parameter: 400,
  unsupported_media_type: 415,
  body_too_large: 413,
  entry_too_large: 413,
  not_found: 404,
  route_not_found: 404,
  // Actor authentication.
  invalid_signature: 401,
  unknown_actor: 401,
  key_mismatch: 401,
  actor_revoked: 401,
  // Replay and freshness.
  replayed_nonce: 409,
  stale_signature: 400,
  // Authorisation.
  not_authorised: 403,
  wrong_country: 403,
  wrong_signer: 403,
  not_sender: 403,
  not_receiver: 403,
  // Conflicts with the registry state.
  cab_exists: 409,
  certificate_exists: 409,
  document_exists: 409,
  exchange_exists: 409,
  genesis_exists: 409,
  // Overload and shutdown.
  pool_full: 503,
  log_closed: 503,
  commit_failed: 503,
  log_failed: 503,
};
