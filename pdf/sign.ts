import type { KeyObject } from 'node:crypto';

import { baselineSignedAttributes, buildSignedData, digestParts } from './cms-build.js';
import { DEFAULT_PDF_LIMITS } from './limits.js';
import { certificatesFromInput } from './pem.js';
import { PdfSignError } from './sign-errors.js';
import { addSignaturePlaceholder, type PreparedPdf } from './signature-placeholder.js';
import { findSignatures } from './signatures.js';
import { checkKeyMatchesCertificate, readSigningKey } from './signing-key.js';

export interface SignPdfOptions {
  /** The signer's private key: a node KeyObject or PKCS#8 PEM text. */
  privateKey: KeyObject | string;
  /** The signer certificate as DER or PEM. */
  certificate: Uint8Array | string;
  /** Further certificates to embed (issuing CAs), each DER or PEM. One PEM input may contain several. */
  chain?: (Uint8Array | string)[];
  reason?: string;
  location?: string;
  /** /Name of the signature dictionary, the signer's name as the PDF shows it. */
  name?: string;
  contactInfo?: string;
  /** The /M signing time, which defaults to now. It is not signed, so it is informative only. */
  time?: Date;
  /** Sign RSA keys with RSA-PSS (SHA-256, 32-byte salt) instead of PKCS#1 v1.5. */
  rsaPss?: boolean;
  /** Bytes reserved for the CMS in /Contents, DEFAULT_CONTENTS_SIZE by default. */
  contentsSize?: number;
}

/** Bytes reserved for the CMS by default: room for the signer and a few CA certificates. */
export const DEFAULT_CONTENTS_SIZE = 16 * 1024;
const MIN_CONTENTS_SIZE = 1024;
const MAX_CONTENTS_SIZE = 512 * 1024;
/** Longest /Name, /Reason, /Location or /ContactInfo accepted, in characters. */
export const MAX_TEXT_LENGTH = 1024;
/** Largest number of chain certificates embedded. */
const MAX_CHAIN_LENGTH = 16;

/**
 * Signs a PDF with a PAdES-BASELINE-B signature (ETSI EN 319 142-1 §6):
 * SubFilter ETSI.CAdES.detached with a detached CMS SignedData whose signed
 * attributes are content-type, message-digest and signing-certificate-v2.
 * The signature goes into an incremental update, so the input is an exact
 * prefix of the output and earlier signatures stay valid.
 *
 * @throws PdfSignError for a bad key, certificate, option or PDF (see its
 *   codes), and PdfError when the signed output fails to read back.
 */
export async function signPdf(pdf: Uint8Array, options: SignPdfOptions): Promise<Uint8Array> {
  checkOptions(pdf, options);
  const key = readSigningKey(options.privateKey, { rsaPss: options.rsaPss });
  const [certificate, ...extra] = certificatesFromInput(options.certificate, 'the signer certificate');
  if (extra.length > 0) {
    throw new PdfSignError('invalid_certificate', `the signer certificate input contains ${extra.length + 1} certificates, want one; pass the others as the chain`);
  }
  checkKeyMatchesCertificate(key, certificate);
  const chain = (options.chain ?? []).flatMap((input, index) => certificatesFromInput(input, `chain entry ${index + 1}`));
  if (chain.length > MAX_CHAIN_LENGTH) {
    throw new PdfSignError('invalid_option', `the chain has ${chain.length} certificates, more than ${MAX_CHAIN_LENGTH}`, {
      limit: MAX_CHAIN_LENGTH,
      actual: chain.length,
    });
  }

  const contentsSize = options.contentsSize ?? DEFAULT_CONTENTS_SIZE;
  const prepared = await addSignaturePlaceholder(pdf, {
    contentsSize,
    time: options.time ?? new Date(),
    name: options.name,
    reason: options.reason,
    location: options.location,
    contactInfo: options.contactInfo,
  });
  const bytes = prepared.bytes;
  const byteRange = patchByteRange(prepared);

  const signedRanges = [bytes.subarray(0, byteRange[1]), bytes.subarray(byteRange[2])];
  const messageDigest = digestParts(key.profile.digest, signedRanges);
  const cms = await buildSignedData({
    signers: [{ key, certificate, signedAttributes: baselineSignedAttributes(messageDigest, certificate) }],
    certificates: [certificate, ...chain],
  });
  if (cms.length > contentsSize) {
    throw new PdfSignError('signature_too_large', `the CMS has ${cms.length} bytes but /Contents reserves ${contentsSize}; raise contentsSize`, {
      limit: contentsSize,
      actual: cms.length,
    });
  }
  // The hex digits go after the '<', and the zeros behind them stay as padding.
  bytes.set(Buffer.from(Buffer.from(cms).toString('hex'), 'latin1'), prepared.contentsStart + 1);

  checkReadBack(bytes, byteRange);
  return bytes;
}

function checkOptions(pdf: Uint8Array, options: SignPdfOptions): void {
  if (pdf.length > DEFAULT_PDF_LIMITS.maxFileSize) {
    throw new PdfSignError('invalid_pdf', `the PDF has ${pdf.length} bytes, more than ${DEFAULT_PDF_LIMITS.maxFileSize}`, {
      limit: DEFAULT_PDF_LIMITS.maxFileSize,
      actual: pdf.length,
    });
  }
  for (const field of ['name', 'reason', 'location', 'contactInfo'] as const) {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH)) {
      throw new PdfSignError('invalid_option', `${field} must be a string of at most ${MAX_TEXT_LENGTH} characters`, {
        limit: MAX_TEXT_LENGTH,
        actual: typeof value === 'string' ? value.length : typeof value,
      });
    }
  }
  if (options.time !== undefined && !(options.time instanceof Date && Number.isFinite(options.time.getTime()))) {
    throw new PdfSignError('invalid_option', 'time must be a valid Date');
  }
  const size = options.contentsSize;
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= MIN_CONTENTS_SIZE && size <= MAX_CONTENTS_SIZE)) {
    throw new PdfSignError('invalid_option', `contentsSize ${size} is not an integer from ${MIN_CONTENTS_SIZE} to ${MAX_CONTENTS_SIZE}`, {
      actual: String(size),
    });
  }
}

/**
 * Writes `[0 a b c]` over the ByteRange placeholder, padded with spaces to its
 * width so no offset moves. The range covers the whole file except the
 * /Contents hex string with its delimiters (ISO 32000-2 §12.8.1).
 */
function patchByteRange(prepared: PreparedPdf): [number, number, number, number] {
  const { bytes, contentsStart, contentsEnd } = prepared;
  const byteRange: [number, number, number, number] = [0, contentsStart, contentsEnd, bytes.length - contentsEnd];
  const text = `[${byteRange.join(' ')}`;
  if (text.length + 1 > prepared.byteRangeWidth) {
    throw new PdfSignError('invalid_pdf', `ByteRange ${text}] is wider than its placeholder of ${prepared.byteRangeWidth} characters`);
  }
  const padded = `${text}${' '.repeat(prepared.byteRangeWidth - text.length - 1)}]`;
  bytes.set(Buffer.from(padded, 'latin1'), prepared.byteRangeStart);
  return byteRange;
}

/**
 * Reads the signed file back with this module's own parser and checks that it
 * finds the new signature where it was written, so a writer quirk surfaces
 * here and not at the receiver.
 */
function checkReadBack(bytes: Uint8Array, byteRange: number[]): void {
  const { signatures } = findSignatures(bytes);
  const written = signatures.find((signature) => signature.contentsRange?.start === byteRange[1]);
  if (!written || written.byteRange.join(' ') !== byteRange.join(' ') || written.contentsRange?.end !== byteRange[2]) {
    throw new PdfSignError('placeholder_not_found', `the signed file does not read back with ByteRange [${byteRange.join(' ')}]`);
  }
}
