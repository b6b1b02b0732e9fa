import { ApiError } from '../errors.js';

/**
 * A stored document whose bytes no longer hash to its name, or whose size or file type changed
 * on disk since the store recorded it. The hub must not send it, and the fields carry the evidence.
 */
export class DocumentCorruptError extends ApiError {
  readonly sha256: string;
  /** SHA-256 of the bytes read, when they could be read in full. */
  readonly computedSha256?: string;
  readonly recordedSize: number;
  readonly actualSize?: number;

  constructor(
    message: string,
    evidence: { sha256: string; computedSha256?: string; recordedSize: number; actualSize?: number },
    options: { cause?: unknown } = {},
  ) {
    super(500, 'document_corrupt', message, options);
    this.name = 'DocumentCorruptError';
    this.sha256 = evidence.sha256;
    this.computedSha256 = evidence.computedSha256;
    this.recordedSize = evidence.recordedSize;
    this.actualSize = evidence.actualSize;
  }
}
