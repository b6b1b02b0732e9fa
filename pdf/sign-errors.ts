/**
 * Errors of the PAdES signer. They are separate from PdfError, which reports
 * problems in files being read, because these report bad signer inputs: a key,
 * a certificate or an option the caller has to fix. Callers switch on `code`.
 */
export type PdfSignErrorCode =
  /** The private key is not PKCS#8 PEM or a node KeyObject holding a private key. */
  | 'invalid_key'
  /** The key type or curve is not supported: only RSA, EC P-256, EC P-384 and Ed25519 sign. */
  | 'unsupported_key'
  /** A certificate is not one DER or PEM X.509 certificate. */
  | 'invalid_certificate'
  /** The private key does not belong to the signer certificate's public key. */
  | 'key_certificate_mismatch'
  /** An option has a value the signer cannot use (too long a text, a bad size). */
  | 'invalid_option'
  /** The input is not a PDF that @cantoo/pdf-lib can load for an incremental update. */
  | 'invalid_pdf'
  /** The input PDF is encrypted, and the signer does not sign encrypted files. */
  | 'encrypted_pdf'
  /** A certification signature of the input forbids any change (DocMDP permission 1). */
  | 'changes_not_permitted'
  /** The placeholders are not found exactly once in the update, or the signed file does not read back. */
  | 'placeholder_not_found'
  /** The CMS does not fit into the space reserved for /Contents. */
  | 'signature_too_large';

/** Evidence attached to a PdfSignError. Every field is optional. */
export interface PdfSignErrorEvidence {
  /** The limit that was exceeded, in bytes or characters. */
  limit?: number;
  /** The offending value, in printable form. */
  actual?: number | string;
  cause?: unknown;
}

export class PdfSignError extends Error {
  readonly code: PdfSignErrorCode;
  readonly limit?: number;
  readonly actual?: number | string;

  constructor(code: PdfSignErrorCode, message: string, evidence: PdfSignErrorEvidence = {}) {
    super(message, evidence.cause === undefined ? undefined : { cause: evidence.cause });
    this.name = 'PdfSignError';
    this.code = code;
    this.limit = evidence.limit;
    this.actual = evidence.actual;
  }
}
