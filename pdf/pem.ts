import { PdfSignError } from './sign-errors.js';

/** Largest PEM or DER input read as a certificate or chain, in bytes. */
export const MAX_CERTIFICATE_INPUT = 1024 * 1024;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * Decodes every PEM block with label `label` (RFC 7468 §2) in `text`, in
 * order. Text between blocks is ignored, as OpenSSL does, so a file with
 * comments before each block reads too.
 *
 * @throws PdfSignError `invalid_certificate` when the input is too large or a
 *   block body is not base64.
 */
export function decodePemBlocks(text: string, label: string): Uint8Array[] {
  if (text.length > MAX_CERTIFICATE_INPUT) {
    throw new PdfSignError('invalid_certificate', `PEM input has ${text.length} characters, more than ${MAX_CERTIFICATE_INPUT}`, {
      limit: MAX_CERTIFICATE_INPUT,
      actual: text.length,
    });
  }
  const blocks: Uint8Array[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (match[1] !== label) continue;
    const body = match[2].replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
      throw new PdfSignError('invalid_certificate', `PEM block ${label} number ${blocks.length + 1} is not valid base64`);
    }
    blocks.push(new Uint8Array(Buffer.from(body, 'base64')));
  }
  return blocks;
}

/**
 * Returns the certificates of `input`: a DER certificate as is, or every
 * CERTIFICATE block of PEM text (given as a string or as its bytes).
 *
 * @throws PdfSignError `invalid_certificate` when PEM text contains no CERTIFICATE block.
 */
export function certificatesFromInput(input: Uint8Array | string, description: string): Uint8Array[] {
  if (input instanceof Uint8Array && input.length > 0 && input[0] === 0x30) {
    if (input.length > MAX_CERTIFICATE_INPUT) {
      throw new PdfSignError('invalid_certificate', `${description} has ${input.length} bytes, more than ${MAX_CERTIFICATE_INPUT}`, {
        limit: MAX_CERTIFICATE_INPUT,
        actual: input.length,
      });
    }
    return [new Uint8Array(input)];
  }
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const blocks = decodePemBlocks(text, 'CERTIFICATE');
  if (blocks.length === 0) {
    throw new PdfSignError('invalid_certificate', `${description} is neither DER (starting with 0x30) nor PEM with a CERTIFICATE block`);
  }
  return blocks;
}
