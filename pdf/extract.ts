import { parseSignedData, type CmsSignedDataInfo } from './cms.js';
import type { PdfDocument, PdfDocumentOptions } from './document.js';
import { PdfError, type PdfErrorCode } from './errors.js';
import { findSignatures, type PdfSignature } from './signatures.js';

/** One signature of a PDF with the certificates found in its CMS. */
export interface ExtractedSignature {
  signature: PdfSignature;
  /** The parsed CMS, absent when it did not parse. */
  cms?: CmsSignedDataInfo;
  /** The certificate the SignerInfo names, when the CMS embeds it. */
  signerCertificate?: Uint8Array;
  /** Every certificate embedded in the CMS, as encoded there. */
  certificates: Uint8Array[];
  /** The reason this signature gave no CMS or no signer certificate. */
  error?: { code: PdfErrorCode | 'signer_certificate_missing'; message: string };
}

/**
 * Finds the signatures of a PDF and reads the certificates from each CMS. A
 * CMS that does not parse is reported in that signature's `error`, so one bad
 * signature does not hide the others.
 *
 * @throws PdfError when the file itself or a signature dictionary does not parse.
 */
export function extractSignerCertificates(pdfBytes: Uint8Array, options: PdfDocumentOptions = {}): ExtractedSignature[] {
  return extractSignatures(pdfBytes, options).signatures;
}

/** Does what extractSignerCertificates does and also returns the parsed document. */
export function extractSignatures(
  pdfBytes: Uint8Array,
  options: PdfDocumentOptions = {},
): { signatures: ExtractedSignature[]; document: PdfDocument } {
  const { signatures, document } = findSignatures(pdfBytes, options);
  return { document, signatures: signatures.map(readCms) };
}

function readCms(signature: PdfSignature): ExtractedSignature {
  let cms: CmsSignedDataInfo;
  try {
    cms = parseSignedData(signature.contents);
  } catch (error) {
    if (!(error instanceof PdfError)) throw error;
    return { signature, certificates: [], error: { code: error.code, message: error.message } };
  }
  const result: ExtractedSignature = { signature, cms, certificates: cms.certificates };
  if (cms.signerCertificate) {
    result.signerCertificate = cms.signerCertificate;
  } else {
    result.error = {
      code: 'signer_certificate_missing',
      message: `the CMS of the signature in object ${signature.objectNumber} does not embed the certificate its SignerInfo names`,
    };
  }
  return result;
}
