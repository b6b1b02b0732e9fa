import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString, type PDFRef } from '@cantoo/pdf-lib';

import { PdfSignError } from './sign-errors.js';

/** Values of the new signature dictionary and its field. */
export interface PlaceholderOptions {
  /** Bytes reserved for the DER CMS in /Contents; the hex string is twice as long. */
  contentsSize: number;
  /** /M, the claimed signing time; unsigned in PAdES-BASELINE-B. */
  time: Date;
  name?: string;
  reason?: string;
  location?: string;
  contactInfo?: string;
}

/** The PDF with the placeholders and where they sit. */
export interface PreparedPdf {
  bytes: Uint8Array;
  /** Offset and width of the /ByteRange array placeholder. */
  byteRangeStart: number;
  byteRangeWidth: number;
  /** Offset of the '<' that opens /Contents and offset just after its '>'. */
  contentsStart: number;
  contentsEnd: number;
}

// A name replaces each number so the array is wide enough for any file offset
// of up to 10 digits. The patched array is padded to the same width.
const BYTE_RANGE_PLACEHOLDER = '**********';
// ISO 32000-2 §12.7.5.5, Table 225: SignaturesExist (1) + AppendOnly (2).
const SIG_FLAGS = 3;
// ISO 32000-2 §12.5.3, Table 167: Print (4) + Locked (128).
const WIDGET_FLAGS = 132;

/**
 * Appends an incremental update (ISO 32000-2 §7.5.6) that adds an invisible
 * signature field on the first page, with a signature dictionary whose
 * /ByteRange and /Contents are placeholders. The input stays an exact prefix
 * of the output. The update uses a classic xref table and no object streams,
 * so the signature dictionary has file offsets that can be patched.
 *
 * @throws PdfSignError `invalid_pdf` for a PDF that does not load or has no
 *   page, `encrypted_pdf`, and `placeholder_not_found` when the written update
 *   does not contain each placeholder exactly once.
 */
export async function addSignaturePlaceholder(pdf: Uint8Array, options: PlaceholderOptions): Promise<PreparedPdf> {
  const document = await loadForUpdate(pdf);
  checkChangesPermitted(document);
  const context = document.context;
  const pages = document.getPages();
  if (pages.length === 0) throw new PdfSignError('invalid_pdf', 'the PDF has no page to put the signature field on');
  const page = pages[0];

  const byteRange = context.obj([0, PDFName.of(BYTE_RANGE_PLACEHOLDER), PDFName.of(BYTE_RANGE_PLACEHOLDER), PDFName.of(BYTE_RANGE_PLACEHOLDER)]);
  const contents = PDFHexString.of('0'.repeat(options.contentsSize * 2));
  const signature = context.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: byteRange,
    Contents: contents,
    M: PDFString.fromDate(options.time),
  });
  setText(signature, 'Name', options.name);
  setText(signature, 'Reason', options.reason);
  setText(signature, 'Location', options.location);
  setText(signature, 'ContactInfo', options.contactInfo);
  const signatureRef = context.register(signature);

  const fields = formFields(document);
  // A zero-size Rect makes the widget invisible, and such a widget needs no
  // appearance stream (ISO 32000-2 §12.5.5).
  const widget = context.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    Rect: [0, 0, 0, 0],
    F: WIDGET_FLAGS,
    T: PDFHexString.fromText(freeFieldName(fields)),
    V: signatureRef,
    P: page.ref,
  });
  const widgetRef = context.register(widget);
  addAnnotation(page.node, widgetRef);
  fields.push(widgetRef);

  const bytes = withFinalEol(await document.commit({ useObjectStreams: false }));
  checkPrefix(pdf, bytes);
  const byteRangeStart = findOnce(bytes, pdf.length, byteRange.toString(), '/ByteRange');
  const contentsStart = findOnce(bytes, pdf.length, contents.toString(), '/Contents');
  return {
    bytes,
    byteRangeStart,
    byteRangeWidth: byteRange.toString().length,
    contentsStart,
    contentsEnd: contentsStart + contents.toString().length,
  };
}

async function loadForUpdate(pdf: Uint8Array): Promise<PDFDocument> {
  let document: PDFDocument;
  try {
    // updateMetadata: false, or pdf-lib would rewrite /Producer and /ModDate in the update.
    document = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false, ignoreEncryption: true });
  } catch (error) {
    throw new PdfSignError('invalid_pdf', `@cantoo/pdf-lib cannot load the PDF: ${(error as Error).message}`, { cause: error });
  }
  if (document.isEncrypted) {
    throw new PdfSignError('encrypted_pdf', 'the PDF is encrypted; decrypt it before signing');
  }
  return document;
}

/**
 * Rejects a document certified with DocMDP permission 1: no change at all is
 * permitted, so an added signature would invalidate the certification
 * signature (ISO 32000-2 §12.8.2.2).
 */
function checkChangesPermitted(document: PDFDocument): void {
  const perms = document.catalog.lookupMaybe(PDFName.of('Perms'), PDFDict);
  const certification = perms?.lookupMaybe(PDFName.of('DocMDP'), PDFDict);
  const references = certification?.lookupMaybe(PDFName.of('Reference'), PDFArray);
  if (!references) return;
  for (let index = 0; index < references.size(); index++) {
    const reference = references.lookupMaybe(index, PDFDict);
    const method = reference?.lookupMaybe(PDFName.of('TransformMethod'), PDFName);
    if (method !== PDFName.of('DocMDP')) continue;
    const parameters = reference?.lookupMaybe(PDFName.of('TransformParams'), PDFDict);
    const permission = parameters?.lookupMaybe(PDFName.of('P'), PDFNumber);
    if (permission?.asNumber() === 1) {
      throw new PdfSignError('changes_not_permitted', 'the PDF is certified with DocMDP permission 1, which permits no change, so it cannot be signed again', {
        actual: 1,
      });
    }
  }
}

/** Returns the AcroForm's /Fields array, creating the form and the array when absent. */
function formFields(document: PDFDocument): PDFArray {
  const context = document.context;
  let acroForm = document.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  if (!acroForm) {
    acroForm = context.obj({});
    document.catalog.set(PDFName.of('AcroForm'), context.register(acroForm));
  }
  let fields = acroForm.lookupMaybe(PDFName.of('Fields'), PDFArray);
  if (!fields) {
    fields = context.obj([]);
    acroForm.set(PDFName.of('Fields'), fields);
  }
  acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(SIG_FLAGS));
  return fields;
}

/** Returns the first of Signature1, Signature2, … that no top-level field uses. */
function freeFieldName(fields: PDFArray): string {
  const used = new Set<string>();
  for (let index = 0; index < fields.size(); index++) {
    const field = fields.lookupMaybe(index, PDFDict);
    const name = field?.lookup(PDFName.of('T'));
    if (name instanceof PDFString || name instanceof PDFHexString) used.add(name.decodeText());
  }
  let number = 1;
  while (used.has(`Signature${number}`)) number++;
  return `Signature${number}`;
}

/**
 * Appends the widget to the page's /Annots. pdf-lib's own addAnnot first
 * normalizes the page, which wraps its content in new q/Q streams and adds
 * resource dictionaries: a change to the page content that a validator must
 * treat as a modification of earlier signed revisions.
 */
function addAnnotation(page: PDFDict, annotation: PDFRef): void {
  const annotations = page.lookupMaybe(PDFName.of('Annots'), PDFArray);
  if (annotations) annotations.push(annotation);
  else page.set(PDFName.of('Annots'), page.context.obj([annotation]));
}

function setText(dict: PDFDict, key: string, value: string | undefined): void {
  if (value !== undefined) dict.set(PDFName.of(key), PDFHexString.fromText(value));
}

/**
 * Ends the update with an end-of-line after %%EOF, which @cantoo/pdf-lib 2.11
 * leaves out. The next update then starts after that EOL, so the signed
 * revision ends where readers that count the EOL as part of the %%EOF line
 * (ISO 32000-2 §7.5.5) place the end of a revision.
 */
function withFinalEol(bytes: Uint8Array): Uint8Array {
  if (bytes[bytes.length - 1] === 0x0a) return bytes;
  const ended = new Uint8Array(bytes.length + 1);
  ended.set(bytes);
  ended[bytes.length] = 0x0a;
  return ended;
}

function checkPrefix(original: Uint8Array, updated: Uint8Array): void {
  const prefix = updated.subarray(0, original.length);
  if (updated.length <= original.length || Buffer.compare(prefix, original) !== 0) {
    throw new PdfSignError('invalid_pdf', 'the incremental update did not keep the original bytes as its prefix');
  }
}

/** Returns the offset of the only occurrence of `text` at or after `from`. */
function findOnce(bytes: Uint8Array, from: number, text: string, description: string): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const needle = Buffer.from(text, 'latin1');
  const first = buffer.indexOf(needle, from);
  const second = first < 0 ? -1 : buffer.indexOf(needle, first + 1);
  if (first < 0 || second >= 0) {
    throw new PdfSignError(
      'placeholder_not_found',
      `the ${description} placeholder occurs ${first < 0 ? 'nowhere' : 'more than once'} in the incremental update`,
    );
  }
  return first;
}
