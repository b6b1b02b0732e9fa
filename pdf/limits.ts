/**
 * Bounds on the work the parser does for one file. Every value an attacker
 * controls (sizes, counts, nesting, compression ratio) is checked against one
 * of these before memory or time is spent on it.
 */
export interface PdfLimits {
  /** Largest file accepted, in bytes. */
  maxFileSize: number;
  /** Largest number of indirect objects, xref entries or array/dictionary items in one file. */
  maxObjects: number;
  /** Deepest nesting of arrays and dictionaries. */
  maxDepth: number;
  /** Largest output of one decoded stream, in bytes. */
  maxDecompressedSize: number;
  /** Largest number of xref sections (revisions plus /XRefStm sections) followed. */
  maxRevisions: number;
}

// NOTE: these defaults are chosen for conformity certificates and test reports
// (a few MB each); they are not measured against any corpus.
export const DEFAULT_PDF_LIMITS: Readonly<PdfLimits> = Object.freeze({
  maxFileSize: 64 * 1024 * 1024,
  maxObjects: 500_000,
  maxDepth: 64,
  maxDecompressedSize: 32 * 1024 * 1024,
  maxRevisions: 1_000,
});

/** Merges caller overrides into the defaults. */
export function resolveLimits(overrides: Partial<PdfLimits> = {}): PdfLimits {
  return { ...DEFAULT_PDF_LIMITS, ...overrides };
}
