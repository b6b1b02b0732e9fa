import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { findSignatures } from '../../pdf/signatures.js';

const samples = path.resolve(import.meta.dirname, '../../../shared/samples/pdf');

export function readSample(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(samples, name)));
}

/**
 * Re-writes the CMS of the file's first signature in place: `mutate` edits
 * the parsed SignedData, and the result is hex-encoded into the same
 * /Contents hex string, zero-padded, so every offset stays where it was.
 */
export function replaceCms(pdf: Uint8Array, mutate: (signedData: pkijs.SignedData) => void): Uint8Array {
  const [signature] = findSignatures(pdf).signatures;
  const asn1 = asn1js.fromBER(new Uint8Array(signature.contents).buffer);
  const contentInfo = new pkijs.ContentInfo({ schema: asn1.result });
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  mutate(signedData);
  const encoded = new pkijs.ContentInfo({ contentType: contentInfo.contentType, content: signedData.toSchema(true) }).toSchema().toBER();
  return writeContents(pdf, new Uint8Array(encoded));
}

/** Writes `der` into the /Contents of signature `index` (file order, negative from the end), zero-padded. */
export function writeContents(pdf: Uint8Array, der: Uint8Array, index = 0): Uint8Array {
  const signature = findSignatures(pdf).signatures.at(index)!;
  const { start, end } = signature.contentsRange!;
  const width = end - start - 2;
  const hex = Buffer.from(der).toString('hex');
  if (hex.length > width) throw new Error(`CMS of ${der.length} bytes does not fit in /Contents of ${width / 2}`);
  const copy = new Uint8Array(pdf);
  copy.set(Buffer.from(hex.padEnd(width, '0'), 'latin1'), start + 1);
  return copy;
}

/** Rewrites the first (or last) /ByteRange array in place, padding with spaces to the width it had. */
export function rewriteByteRange(pdf: Uint8Array, values: number[], which: 'first' | 'last' = 'first'): Uint8Array {
  const text = Buffer.from(pdf).toString('latin1');
  const key = which === 'first' ? text.indexOf('/ByteRange') : text.lastIndexOf('/ByteRange');
  const open = text.indexOf('[', key);
  const close = text.indexOf(']', open);
  const replacement = values.join(' ');
  if (replacement.length > close - open - 1) throw new Error(`ByteRange ${replacement} is wider than the original`);
  const copy = new Uint8Array(pdf);
  copy.set(Buffer.from(replacement.padEnd(close - open - 1, ' '), 'latin1'), open + 1);
  return copy;
}

/** Returns the signed attribute of type `oid` of the first SignerInfo. */
export function signedAttribute(signedData: pkijs.SignedData, oid: string): pkijs.Attribute {
  const attribute = signedData.signerInfos[0].signedAttrs!.attributes.find((candidate) => candidate.type === oid);
  if (!attribute) throw new Error(`no signed attribute ${oid}`);
  return attribute;
}

/** Flips the lowest bit of one byte of an OCTET STRING. */
export function flipOctet(value: asn1js.OctetString, index: number): void {
  const bytes = new Uint8Array(value.valueBlock.valueHexView);
  bytes[index] ^= 1;
  value.valueBlock.valueHexView = bytes;
}

/**
 * Appends a hand-written incremental update (ISO 32000-2 §7.5.6) to `pdf`:
 * the given object bodies, a classic xref section listing them (null bodies
 * become free entries), and a trailer that copies /Root, /Info and /ID.
 */
export function appendRevision(pdf: Uint8Array, objects: Map<number, string | null>): Uint8Array {
  const { document } = findSignatures(pdf);
  const trailer = Buffer.from(pdf.subarray(document.trailer!.start, document.trailer!.end)).toString('latin1');
  const keep = (key: string): string => trailer.match(new RegExp(`/${key}\\s*(\\d+ \\d+ R|\\[[^\\]]*\\])`))?.[0] ?? '';
  const parts: string[] = [];
  const offsets = new Map<number, number>();
  let offset = pdf.length;
  for (const [objectNumber, body] of objects) {
    if (body === null) continue;
    const text = `${objectNumber} 0 obj\n${body}\nendobj\n`;
    offsets.set(objectNumber, offset);
    parts.push(text);
    offset += Buffer.byteLength(text, 'latin1');
  }
  const rows = [...objects.keys()]
    .sort((x, y) => x - y)
    .map((objectNumber) => {
      const at = offsets.get(objectNumber);
      const row = at === undefined ? '0000000000 65535 f \n' : `${String(at).padStart(10, '0')} 00000 n \n`;
      return `${objectNumber} 1\n${row}`;
    });
  const size = Math.max(Number(trailer.match(/\/Size\s+(\d+)/)![1]), ...objects.keys()) + 1;
  const previous = document.revisions.at(-1)!.startxref;
  parts.push(
    `xref\n0 1\n0000000000 65535 f \n${rows.join('')}trailer\n<< /Size ${size} ${keep('Root')} ${keep('Info')} ${keep('ID')} /Prev ${previous} >>\nstartxref\n${offset}\n%%EOF\n`,
  );
  return new Uint8Array(Buffer.concat([pdf, Buffer.from(parts.join(''), 'latin1')]));
}
