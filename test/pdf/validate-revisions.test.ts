import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFString, StandardFonts } from '@cantoo/pdf-lib';
import { describe, expect, it } from 'vitest';
import { PdfDocument } from '../../pdf/document.js';
import { findChangesAfterSigning } from '../../pdf/revision-diff.js';
import { validatePdfSignatures } from '../../pdf/validate.js';
import { appendRevision, readSample } from './validate-fixtures.js';

/** The sample is one signed revision that ends the file; every update below comes after the signature. */
const original = readSample('pdf-signed-original.pdf');

async function update(change: (document: PDFDocument) => void | Promise<void>): Promise<Uint8Array> {
  const document = await PDFDocument.load(original, { forIncrementalUpdate: true, updateMetadata: false });
  await change(document);
  return new Uint8Array(await document.commit());
}

/** Returns the first page's dictionary without building a PDFPage, which would rewrite its /Contents. */
function firstPage(document: PDFDocument): { ref: PDFRef; dict: PDFDict } {
  const ref = document.catalog.Pages().Kids().get(0) as PDFRef;
  return { ref, dict: document.context.lookup(ref, PDFDict) };
}

function addSignatureField(document: PDFDocument, options: { onPage: boolean; subtype?: string }): void {
  const page = firstPage(document);
  const widget = document.context.register(
    document.context.obj({
      Type: 'Annot',
      Subtype: options.subtype ?? 'Widget',
      FT: 'Sig',
      T: PDFString.of('Signature2'),
      Rect: [0, 0, 0, 0],
      F: 132,
      P: page.ref,
    }),
  );
  document.catalog.getOrCreateAcroForm().addField(widget);
  if (options.onPage) addAnnotation(document, widget);
}

function addAnnotation(document: PDFDocument, annotation: PDFRef): void {
  const page = firstPage(document);
  const annots = page.dict.lookupMaybe(PDFName.of('Annots'), PDFArray) ?? document.context.obj([]);
  annots.push(annotation);
  page.dict.set(PDFName.of('Annots'), annots);
  document.context.snapshot!.markRefForSave(page.ref);
}

function outcome(pdf: Uint8Array): { result: string; message: string } {
  const report = validatePdfSignatures(pdf);
  return { result: report.subIndication ? `${report.indication}/${report.subIndication}` : report.indication, message: report.message };
}

describe('validatePdfSignatures on updates after a signature', () => {
  describe('when the update only adds what is allowed, it passes', () => {
    it('an update with no change', async () => {
      const pdf = await update(() => {});
      const report = validatePdfSignatures(pdf);
      expect(report.indication).toBe('PASSED');
      expect(report.coversWholeFile).toBe(false);
    });

    it('an invisible signature field', async () => {
      expect(outcome(await update((document) => addSignatureField(document, { onPage: false }))).result).toBe('PASSED');
    });

    it('a signature widget on the page', async () => {
      expect(outcome(await update((document) => addSignatureField(document, { onPage: true }))).result).toBe('PASSED');
    });

    it('a DSS with a certificate stream', async () => {
      const pdf = await update((document) => {
        const certificate = document.context.register(document.context.stream(new Uint8Array([0x30, 0x00])));
        const dss = document.context.register(document.context.obj({ Certs: [certificate] }));
        document.catalog.set(PDFName.of('DSS'), dss);
      });
      expect(outcome(pdf).result).toBe('PASSED');
    });
  });

  describe('when the update changes the document, it is FORMAT_FAILURE', () => {
    it.each([
      ['a page is added', (document: PDFDocument) => void document.addPage(), /object 3 \(\/Pages\) changed/],
      [
        'text is drawn on the page',
        async (document: PDFDocument) => {
          const font = await document.embedFont(StandardFonts.Helvetica);
          document.getPage(0).drawText('approved', { font });
        },
        /page object 6 \/Contents changed/,
      ],
      [
        'a text annotation is added',
        (document: PDFDocument) => {
          const note = document.context.register(document.context.obj({ Type: 'Annot', Subtype: 'Text', Rect: [0, 0, 9, 9] }));
          addAnnotation(document, note);
        },
        /\/Annots gained object \d+, which is not a new signature field/,
      ],
      [
        'a signature field that is not a widget is put on the page',
        (document: PDFDocument) => addSignatureField(document, { onPage: true, subtype: 'FreeText' }),
        /which is not a new signature field/,
      ],
      [
        'the title is changed',
        (document: PDFDocument) => document.setTitle('Approved'),
        /object 2 changed after signing|trailer \/Info changed/,
      ],
      [
        'an open action is set',
        (document: PDFDocument) => document.catalog.set(PDFName.of('OpenAction'), document.context.obj([0, 'Fit'])),
        /catalog \/OpenAction changed/,
      ],
      [
        'the existing signature field is dropped from /Fields',
        (document: PDFDocument) => {
          document.catalog.getOrCreateAcroForm().dict.set(PDFName.of('Fields'), document.context.obj([]));
        },
        /AcroForm \/Fields lost or replaced an item/,
      ],
    ] as const)('%s', async (_name, change, message) => {
      const { result, message: actual } = outcome(await update(change));
      expect(result).toBe('FAILED/FORMAT_FAILURE');
      expect(actual).toMatch(message);
    });
  });

  describe('when a hand-written update changes objects, it is FORMAT_FAILURE', () => {
    it('an object is freed', () => {
      const { message } = outcome(appendRevision(original, new Map([[7, null]])));
      expect(message).toMatch(/object 7 was removed after signing/);
    });

    it('the content stream is redefined', () => {
      const pdf = appendRevision(original, new Map([[7, '<< /Length 8 >>\nstream\n0 0 m S \nendstream']]));
      expect(outcome(pdf).message).toMatch(/object 7 changed after signing/);
    });

    it('the signature dictionary is edited', () => {
      const text = Buffer.from(original).toString('latin1');
      const start = text.indexOf('62 0 obj') + '62 0 obj'.length;
      const body = text.slice(start, text.indexOf('endobj', start)).replace('/Name (good-user', '/Name (evil-user');
      const report = validatePdfSignatures(appendRevision(original, new Map([[62, body]])));
      expect(report.indication).toBe('FAILED');
      expect(report.subIndication).toBe('FORMAT_FAILURE');
      const problems = report.signatures.flatMap((check) => check.problems);
      expect(problems.some((problem) => /object 62 \(\/Sig\) changed after signing/.test(problem))).toBe(true);
    });
  });

  it('findChangesAfterSigning flags a dangling reference filled later', () => {
    // Object 75 is beyond /Size, so the reference to it reads as null in the earlier revision.
    const withReference = appendRevision(original, new Map([[74, '<< /Target 75 0 R >>']]));
    const filled = appendRevision(withReference, new Map([[75, '<< /Type /Annot /Subtype /Text /Rect [0 0 9 9] >>']]));
    const changes = findChangesAfterSigning(PdfDocument.load(withReference), PdfDocument.load(filled));
    expect(changes).toEqual(['object 75 was referenced before signing and defined after it']);
  });

  it('when whitespace follows the last %%EOF, it is FORMAT_FAILURE', () => {
    const pdf = new Uint8Array(Buffer.concat([original, Buffer.from('\n\n  \n')]));
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toMatch(/bytes after the last %%EOF are not covered/);
  });
});
