/**
 * Errors of the PDF-signature module. Callers switch on `code`, never on the
 * message. Every parser failure on attacker-controlled bytes ends here, so a
 * hostile file yields a PdfError and never an uncaught TypeError or RangeError.
 */
export type PdfErrorCode =
  /** The bytes are not a PDF this parser can read (bad token, bad xref, missing object). */
  | 'format_failure'
  /** The file is larger than the configured maximum. */
  | 'too_large'
  /** Too many objects, xref entries, revisions or array/dictionary items. */
  | 'too_many_objects'
  /** Arrays and dictionaries nest deeper than the configured maximum. */
  | 'too_deep'
  /** A stream decompresses to more bytes than the configured maximum. */
  | 'decompressed_too_large'
  /** A stream filter or predictor this parser does not implement. */
  | 'unsupported_filter'
  /** A signature dictionary lacks /Contents or /ByteRange, or has them in the wrong type. */
  | 'signature_invalid'
  /** A signature's /Contents is not a hex string. */
  | 'contents_not_hex'
  /** The DER in /Contents is empty, truncated or not a DER/BER SEQUENCE. */
  | 'contents_invalid'
  /** The CMS ContentInfo/SignedData in /Contents does not parse. */
  | 'cms_invalid';

/** Evidence attached to a PdfError; every field is optional. */
export interface PdfErrorEvidence {
  /** Byte offset in the file where the problem was found. */
  offset?: number;
  /** Object number involved, when known. */
  objectNumber?: number;
  /** The configured limit that was exceeded. */
  limit?: number;
  /** The value that exceeded the limit or was malformed, in printable form. */
  actual?: number | string;
  cause?: unknown;
}

export class PdfError extends Error {
  readonly code: PdfErrorCode;
  readonly offset?: number;
  readonly objectNumber?: number;
  readonly limit?: number;
  readonly actual?: number | string;

  constructor(code: PdfErrorCode, message: string, evidence: PdfErrorEvidence = {}) {
    super(message, evidence.cause === undefined ? undefined : { cause: evidence.cause });
    this.name = 'PdfError';
    this.code = code;
    this.offset = evidence.offset;
    this.objectNumber = evidence.objectNumber;
    this.limit = evidence.limit;
    this.actual = evidence.actual;
  }
}
