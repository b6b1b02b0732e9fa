export { PdfError, type PdfErrorCode, type PdfErrorEvidence } from './errors.js';
export { DEFAULT_PDF_LIMITS, type PdfLimits } from './limits.js';
export { PdfDocument, type PdfDocumentOptions } from './document.js';
export type { Revision } from './revisions.js';
export type { XrefEntry, XrefSection } from './xref.js';
export type { IndirectObject, PdfObject } from './objects.js';
export { findSignatures, type FindSignaturesResult, type PdfSignature } from './signatures.js';
export { parseSignedData, findCertificate, type CmsSignedDataInfo, type CmsSigner, type SignerIdentifier } from './cms.js';
export { extractSignerCertificates, extractSignatures, type ExtractedSignature } from './extract.js';
export { findDerViolations, type DerViolation } from './der-strict.js';
export { validatePdfSignatures } from './validate.js';
export type {
  Indication,
  PdfSignatureReport,
  SignatureCheck,
  SignaturePolicy,
  SignatureSubIndication,
} from './validation-report.js';
