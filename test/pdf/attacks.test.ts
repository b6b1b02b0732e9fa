import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFString, type PDFObject } from '@cantoo/pdf-lib';
import type * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';

import { PdfDocument } from '../../pdf/document.js';
import type { Revision } from '../../pdf/revisions.js';
import { baselineSignedAttributes, buildSignedData, digestParts, OID_MESSAGE_DIGEST, signingCertificateV2Attribute } from '../../pdf/cms-build.js';
import { signPdf } from '../../pdf/sign.js';
import { findSignatures, type PdfSignature } from '../../pdf/signatures.js';
import { readSigningKey } from '../../pdf/signing-key.js';
import { validatePdfSignatures } from '../../pdf/validate.js';
import type { SignatureSubIndication } from '../../pdf/validation-report.js';
import { makeSigner, unsignedDocument, type TestSigner } from './sign-fixtures.js';

/*
 * Each case starts from a PDF signed by signPdf and adds exactly one defect.
 * Where the defect touches signed bytes or the CMS, the CMS is rebuilt over
 * the altered bytes with a correct signature value, so the defect itself is
 * all a validator can catch.
 */

let signer: TestSigner;
let otherSigner: TestSigner;
let signed: Uint8Array;
let signature: PdfSignature;

beforeAll(async () => {
  [signer, otherSigner] = await Promise.all([makeSigner('ECDSA-P256'), makeSigner('ECDSA-P256')]);
  signed = await signPdf(await unsignedDocument(), {
    privateKey: signer.privateKey,
    certificate: signer.certificate,
    name: 'Tashkent Certification Centre, signing officer',
  });
  signature = findSignatures(signed).signatures[0];
  const baseline = validatePdfSignatures(signed);
  expect(baseline.indication, baseline.message).toBe('PASSED');
});

function expectFailed(pdf: Uint8Array, subIndication: SignatureSubIndication): void {
  const report = validatePdfSignatures(pdf);
  expect(report.indication, report.message).toBe('FAILED');
  expect(report.subIndication, report.message).toBe(subIndication);
}

/** Appends one incremental update made by @cantoo/pdf-lib, the way a real editor would. */
async function update(pdf: Uint8Array, change: (document: PDFDocument) => void): Promise<Uint8Array> {
  const document = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
  change(document);
  return document.commit({ useObjectStreams: false });
}

/** Replaces object `ref` under the same number; pdf-lib's assign alone does not mark it for the update. */
function replaceObject(document: PDFDocument, ref: PDFRef, object: PDFObject): void {
  document.context.assign(ref, object);
  document.context.snapshot!.markRefForSave(ref);
}

/** Returns the revision that the signature of `signed` ends. */
function signatureRevision(): Revision {
  const end = signature.byteRange[2] + signature.byteRange[3];
  const revision = PdfDocument.load(signed).revisions.find((candidate) => candidate.end === end);
  expect(revision).toBeDefined();
  return revision!;
}

function firstPage(document: PDFDocument): { node: PDFDict; ref: PDFRef } {
  const page = document.getPages()[0];
  return { node: page.node, ref: page.ref };
}

function pageContentRef(document: PDFDocument): PDFRef {
  const contents = firstPage(document).node.get(PDFName.of('Contents'));
  if (contents instanceof PDFRef) return contents;
  const first = (contents as PDFArray).get(0);
  expect(first).toBeInstanceOf(PDFRef);
  return first as PDFRef;
}

interface CmsVariant {
  attributes?: (digest: Uint8Array) => pkijs.Attribute[];
  twoSigners?: boolean;
  encapsulatedContent?: Uint8Array;
}

/** Builds a CMS over `byteRange` of `pdf` in the given variant, with a correct signature value. */
async function variantCms(pdf: Uint8Array, byteRange: number[], variant: CmsVariant = {}): Promise<Uint8Array> {
  const key = readSigningKey(signer.privateKey);
  const [, a, b, c] = byteRange;
  const digest = digestParts(key.profile.digest, [pdf.subarray(0, a), pdf.subarray(b, b + c)]);
  const attributes = variant.attributes?.(digest) ?? baselineSignedAttributes(digest, signer.certificate);
  const signers = [{ key, certificate: signer.certificate, signedAttributes: attributes }];
  if (variant.twoSigners) {
    signers.push({
      key: readSigningKey(otherSigner.privateKey),
      certificate: otherSigner.certificate,
      signedAttributes: baselineSignedAttributes(digest, otherSigner.certificate),
    });
  }
  return buildSignedData({
    signers,
    certificates: variant.twoSigners ? [signer.certificate, otherSigner.certificate] : [signer.certificate],
    encapsulatedContent: variant.encapsulatedContent,
  });
}

/** Replaces the /Contents of the signature with `cms`, zero-padded to its capacity. */
function writeContents(pdf: Uint8Array, cms: Uint8Array): Uint8Array {
  const { start, end } = signature.contentsRange!;
  const hex = Buffer.from(cms).toString('hex').padEnd(end - start - 2, '0');
  pdf.set(Buffer.from(hex, 'latin1'), start + 1);
  return pdf;
}

/** Overwrites the ByteRange array with `byteRange`, padded to its width, and re-signs over it. */
async function withByteRange(byteRange: number[]): Promise<Uint8Array> {
  const pdf = new Uint8Array(signed);
  const text = Buffer.from(pdf).toString('latin1');
  const start = text.lastIndexOf('/ByteRange [') + '/ByteRange '.length;
  const width = text.indexOf(']', start) + 1 - start;
  const array = `[${byteRange.join(' ')}`;
  expect(array.length).toBeLessThan(width);
  pdf.set(Buffer.from(`${array}${' '.repeat(width - array.length - 1)}]`, 'latin1'), start);
  return writeContents(pdf, await variantCms(pdf, byteRange));
}

describe('revision ends', () => {
  it('ByteRange ending at %%EOF without its end-of-line passes', async () => {
    // Writers such as pdf-lib end a revision at %%EOF and start the next update with the EOL.
    const [, a, b, c] = signature.byteRange;
    expect(Buffer.from(signed.subarray(signed.length - 6)).toString('latin1')).toBe('%%EOF\n');
    const trimmed = await withByteRange([0, a, b, c - 1]);
    // An empty update that starts with the EOL the signed revision lacks.
    const updated = await update(trimmed.subarray(0, trimmed.length - 1), () => {});
    expect(updated[trimmed.length - 1]).toBe(0x0a);
    const report = validatePdfSignatures(updated);
    expect(report.indication, report.message).toBe('PASSED');
  });
});

describe('attacks on a signed PDF', () => {
  it('bytes appended after %%EOF', () => {
    const pdf = new Uint8Array(Buffer.concat([signed, Buffer.from('% appended after the signature\n', 'latin1')]));
    expectFailed(pdf, 'FORMAT_FAILURE');
  });

  it('update adding a page', async () => {
    const pdf = await update(signed, (document) => {
      document.addPage([595.28, 841.89]);
    });
    expectFailed(pdf, 'FORMAT_FAILURE');
  });

  it('update changing a content stream', async () => {
    const pdf = await update(signed, (document) => {
      const context = document.context;
      replaceObject(document, pageContentRef(document), context.flateStream('BT /F1 24 Tf 72 720 Td (VOID) Tj ET'));
    });
    expectFailed(pdf, 'FORMAT_FAILURE');
  });

  it('update adding an annotation', async () => {
    const pdf = await update(signed, (document) => {
      const context = document.context;
      const note = context.register(context.obj({ Type: 'Annot', Subtype: 'Text', Rect: [72, 72, 96, 96], Contents: 'not valid' }));
      firstPage(document).node.lookup(PDFName.of('Annots'), PDFArray).push(note);
    });
    expectFailed(pdf, 'FORMAT_FAILURE');
  });

  it('update overriding an appearance stream', async () => {
    // The signed file shows a stamp through an annotation's appearance
    // stream; the update replaces that stream object under the same number.
    const stamped = await update(await unsignedDocument(), (document) => {
      const context = document.context;
      const appearance = context.register(
        context.flateStream('0 0.5 0 rg 0 0 120 40 re f', { Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 120, 40] }),
      );
      const stamp = context.register(
        context.obj({ Type: 'Annot', Subtype: 'Stamp', Rect: [400, 700, 520, 740], AP: { N: appearance } }),
      );
      firstPage(document).node.lookup(PDFName.of('Annots'), PDFArray).push(stamp);
    });
    const pdf = await signPdf(stamped, { privateKey: signer.privateKey, certificate: signer.certificate });
    expect(validatePdfSignatures(pdf).indication).toBe('PASSED');

    const attacked = await update(pdf, (document) => {
      const context = document.context;
      const annotations = firstPage(document).node.lookup(PDFName.of('Annots'), PDFArray);
      const stamp = annotations.lookup(0, PDFDict);
      const appearanceRef = stamp.lookup(PDFName.of('AP'), PDFDict).get(PDFName.of('N')) as PDFRef;
      replaceObject(document, appearanceRef, context.flateStream('1 0 0 rg 0 0 120 40 re f', { Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 120, 40] }));
    });
    expectFailed(attacked, 'FORMAT_FAILURE');
  });

  it("update re-pointing a page's /Contents", async () => {
    const pdf = await update(signed, (document) => {
      const context = document.context;
      const replacement = context.register(context.flateStream('BT /F1 24 Tf 72 720 Td (VOID) Tj ET'));
      firstPage(document).node.set(PDFName.of('Contents'), replacement);
    });
    expectFailed(pdf, 'FORMAT_FAILURE');
  });

  it("update re-pointing the catalog's /Pages", async () => {
    const pdf = await update(signed, (document) => {
      const context = document.context;
      const pages = document.catalog.lookup(PDFName.of('Pages'), PDFDict);
      const copy = context.register(pages.clone(context));
      document.catalog.set(PDFName.of('Pages'), copy);
    });
    expectFailed(pdf, 'FORMAT_FAILURE');
  });

  it('update adding a visible unsigned signature field', async () => {
    const pdf = await update(signed, (document) => {
      const context = document.context;
      const page = firstPage(document);
      const appearance = context.register(
        context.flateStream('1 1 1 rg 0 0 595 842 re f', { Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 595, 842] }),
      );
      const widget = context.register(
        context.obj({ Type: 'Annot', Subtype: 'Widget', FT: 'Sig', T: PDFString.of('Overlay'), Rect: [0, 0, 595, 842], F: 4, P: page.ref, AP: { N: appearance } }),
      );
      document.catalog.getOrCreateAcroForm().addField(widget);
      page.node.lookup(PDFName.of('Annots'), PDFArray).push(widget);
    });
    const report = validatePdfSignatures(pdf);
    expect(report.indication, report.message).toBe('FAILED');
    expect(report.subIndication).toBe('FORMAT_FAILURE');
    expect(report.message).toMatch(/changed after signing: .*unsigned signature field "Overlay" with a visible appearance/);
  });

  it('text ending with an old startxref', () => {
    const tail = `\n% arbitrary text after the signature\n9 0 obj << /Type /Catalog >> endobj\nstartxref\n${signatureRevision().startxref}\n%%EOF\n`;
    const report = validatePdfSignatures(new Uint8Array(Buffer.concat([signed, Buffer.from(tail, 'latin1')])));
    expect(report.indication, report.message).toBe('FAILED');
    expect(report.subIndication).toBe('FORMAT_FAILURE');
    expect(report.message).toMatch(/bytes after the signed revision are not an incremental update/);
    expect(report.coversWholeFile).toBe(false);
  });

  it('ByteRange not covering the file', async () => {
    const [, a, b, c] = signature.byteRange;
    expectFailed(await withByteRange([0, a, b, c - 20]), 'FORMAT_FAILURE');
  });

  it('ByteRange pointing past the end', async () => {
    const [, a, b, c] = signature.byteRange;
    expectFailed(await withByteRange([0, a, b, c + 100]), 'FORMAT_FAILURE');
  });

  it('ByteRange ranges overlapping', async () => {
    const [, a] = signature.byteRange;
    const b = a - 200;
    expectFailed(await withByteRange([0, a, b, signed.length - b]), 'FORMAT_FAILURE');
  });

  it('gap larger than /Contents', async () => {
    const [, a, b, c] = signature.byteRange;
    expectFailed(await withByteRange([0, a - 1, b + 1, c - 1]), 'FORMAT_FAILURE');
  });

  // ISO 32000-2 §7.3.7 forbids duplicate dictionary keys; a lenient parser
  // would keep one of the two /ByteRange entries.
  it('second ByteRange in the signature dictionary', async () => {
    // The /Name entry after /Contents becomes a second, identical /ByteRange,
    // so no offset moves and either copy describes the signed bytes.
    const pdf = new Uint8Array(signed);
    const text = Buffer.from(pdf).toString('latin1');
    const nameStart = text.lastIndexOf('/Name <');
    const nameEnd = text.indexOf('>', nameStart) + 1;
    const duplicate = `/ByteRange [${signature.byteRange.join(' ')}]`;
    expect(duplicate.length).toBeLessThan(nameEnd - nameStart);
    pdf.set(Buffer.from(duplicate.padEnd(nameEnd - nameStart, ' '), 'latin1'), nameStart);
    writeContents(pdf, await variantCms(pdf, signature.byteRange));
    expectFailed(pdf, 'FORMAT_FAILURE');
  });

  it('flipped byte inside the signed range', () => {
    const pdf = new Uint8Array(signed);
    // Byte 10 is in the binary comment on the second header line, so the
    // file still parses the same and only the digest can tell.
    expect(pdf[9]).toBe(0x25);
    pdf[10] ^= 0x01;
    expectFailed(pdf, 'HASH_FAILURE');
  });

  it('CMS with eContent', async () => {
    const pdf = new Uint8Array(signed);
    const cms = await variantCms(pdf, signature.byteRange, { encapsulatedContent: new TextEncoder().encode('attached content') });
    expectFailed(writeContents(pdf, cms), 'FORMAT_FAILURE');
  });

  it('CMS with two SignerInfos', async () => {
    const pdf = new Uint8Array(signed);
    const cms = await variantCms(pdf, signature.byteRange, { twoSigners: true });
    expectFailed(writeContents(pdf, cms), 'FORMAT_FAILURE');
  });

  it('signed attributes without message-digest', async () => {
    const pdf = new Uint8Array(signed);
    const cms = await variantCms(pdf, signature.byteRange, {
      attributes: (digest) => baselineSignedAttributes(digest, signer.certificate).filter((attribute) => attribute.type !== OID_MESSAGE_DIGEST),
    });
    expectFailed(writeContents(pdf, cms), 'FORMAT_FAILURE');
  });

  it('signing-certificate-v2 naming another certificate', async () => {
    const pdf = new Uint8Array(signed);
    const cms = await variantCms(pdf, signature.byteRange, {
      attributes: (digest) => [
        ...baselineSignedAttributes(digest, signer.certificate).slice(0, 2),
        signingCertificateV2Attribute(otherSigner.certificate),
      ],
    });
    expectFailed(writeContents(pdf, cms), 'FORMAT_FAILURE');
  });

  it('rebuilt CMS with no defect still passes', async () => {
    // Guards the cases above: the rebuilding itself must not break a signature.
    const pdf = new Uint8Array(signed);
    const report = validatePdfSignatures(writeContents(pdf, await variantCms(pdf, signature.byteRange)));
    expect(report.indication, report.message).toBe('PASSED');
    const rebuilt = validatePdfSignatures(await withByteRange(signature.byteRange));
    expect(rebuilt.indication, rebuilt.message).toBe('PASSED');
  });
});
