import { signPdf } from '../../pdf/sign.js';
import type { CertifiedKey } from './pki.js';

/**
 * Signs a generated CC or TR as its issuer CAB would: PAdES-BASELINE-B in an incremental
 * update, with the national CA certificate embedded as the chain. The signing time and
 * an ECDSA signature differ on every call, so the bytes do too; the pilot hashes the
 * bytes it signed.
 */
export async function signGenerated(pdf: Uint8Array, signer: CertifiedKey, ca: CertifiedKey | undefined, documentNumber: string): Promise<Uint8Array> {
  return signPdf(pdf, {
    privateKey: signer.privateKeyPem,
    certificate: signer.der,
    chain: ca === undefined ? [] : [ca.der],
    reason: `Issue of ${documentNumber}`,
    name: signer.certificate.subjectName.getField('CN')[0],
  });
}

/**
 * Returns a copy of a signed PDF with one byte of its header comment flipped. The byte
 * lies inside the signed range, and a reader skips comments, so the file still parses
 * and only the message digest stops matching.
 * @throws RangeError when the file has no comment line after its `%PDF-` header.
 */
export function flipHeaderCommentByte(pdf: Uint8Array): Uint8Array {
  const headerEnd = pdf.indexOf(0x0a);
  if (headerEnd < 0 || pdf[headerEnd + 1] !== 0x25 || headerEnd + 2 >= pdf.length) {
    throw new RangeError('the PDF has no comment line after its header to change');
  }
  const changed = new Uint8Array(pdf);
  changed[headerEnd + 2] = changed[headerEnd + 2]! ^ 0x01;
  return changed;
}
