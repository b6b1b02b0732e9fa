import { createHash } from 'node:crypto';
import { PDFDocument, PDFHexString, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

/**
 * Conformity certificates (CC) and test reports (TR) for the pilot, generated
 * as unsigned PDFs with pdf-lib 1.17.1. The same spec always yields the same
 * bytes: the dates and the trailer /ID come from the spec, so a re-run of the
 * pilot registers the same SHA-256.
 */

export interface DocumentSpec {
  type: 'CC' | 'TR';
  number: string;
  issuer: { cabCode: string; cabName: string; country: string };
  applicant: { name: string; address: string };
  product: { description: string; hsCodes: string[] };
  /** Technical regulations, e.g. "TR CU 004/2011". */
  regulations: string[];
  standards: string[];
  /** Issue date, YYYY-MM-DD. */
  issuedAt: string;
  /** Expiry date, YYYY-MM-DD; a test report may have none. */
  validUntil?: string;
  /** Rows of the results table of a test report: parameter, requirement, result, verdict. */
  testResults?: [string, string, string, string][];
}

export class DocumentSpecError extends Error {
  readonly code = 'invalid_document_spec';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`document spec field ${field}: ${message}`);
    this.name = 'DocumentSpecError';
    this.field = field;
  }
}

const PAGE_WIDTH = 595.28; // A4 in points
const PAGE_HEIGHT = 841.89;
const MARGIN = 56;
const BODY_SIZE = 10.5;
const LINE_HEIGHT = 15;
const MAX_FIELD_LENGTH = 2000;

/** Generates the PDF for `spec`; identical specs give identical bytes. */
export async function generateDocument(spec: DocumentSpec): Promise<Uint8Array> {
  validateSpec(spec);
  const pdf = await PDFDocument.create({ updateMetadata: false });
  const issued = new Date(`${spec.issuedAt}T00:00:00Z`);
  const title = spec.type === 'CC' ? 'Certificate of Conformity' : 'Test Report';
  pdf.setTitle(`${title} ${spec.number}`);
  pdf.setAuthor(spec.issuer.cabName);
  pdf.setSubject(spec.product.description);
  pdf.setKeywords([spec.issuer.cabCode, ...spec.product.hsCodes, ...spec.regulations]);
  pdf.setProducer('ecert-ledger pilot');
  pdf.setCreator('ecert-ledger pilot');
  pdf.setCreationDate(issued);
  pdf.setModificationDate(issued);
  const id = PDFHexString.of(documentId(spec));
  pdf.context.trailerInfo.ID = pdf.context.obj([id, id]);

  const fonts = { regular: await pdf.embedFont(StandardFonts.Helvetica), bold: await pdf.embedFont(StandardFonts.HelveticaBold) };
  const writer = new PageWriter(pdf, fonts);
  writeHeading(writer, spec, title);
  writeParticulars(writer, spec);
  writeTable(writer, tableFor(spec));
  writeStatement(writer, spec);
  return pdf.save({ useObjectStreams: false });
}

/** Derives the trailer /ID from the first 16 bytes of the SHA-256 of the spec's JSON. */
function documentId(spec: DocumentSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 32);
}

function validateSpec(spec: DocumentSpec): void {
  if (spec.type !== 'CC' && spec.type !== 'TR') throw new DocumentSpecError('type', `${String(spec.type)} is neither CC nor TR`);
  const dates: [string, string | undefined][] = [
    ['issuedAt', spec.issuedAt],
    ['validUntil', spec.validUntil],
  ];
  for (const [field, value] of dates) {
    if (value === undefined && field === 'validUntil') continue;
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      throw new DocumentSpecError(field, `${JSON.stringify(value)} is not a YYYY-MM-DD date`);
    }
  }
  if (spec.type === 'CC' && spec.validUntil === undefined) throw new DocumentSpecError('validUntil', 'a CC needs an expiry date');
  if (spec.product.hsCodes.length === 0) throw new DocumentSpecError('product.hsCodes', 'at least one HS code is needed');
  for (const code of spec.product.hsCodes) {
    if (!/^\d{2,10}$/.test(code)) throw new DocumentSpecError('product.hsCodes', `${JSON.stringify(code)} is not 2 to 10 digits`);
  }
  for (const [field, text] of textFields(spec)) {
    if (text.length > MAX_FIELD_LENGTH) throw new DocumentSpecError(field, `longer than ${MAX_FIELD_LENGTH} characters`);
    // The standard fonts use WinAnsiEncoding; other characters cannot be drawn.
    const unsupported = [...text].find((char) => !isWinAnsi(char));
    if (unsupported !== undefined) {
      throw new DocumentSpecError(field, `character U+${unsupported.codePointAt(0)!.toString(16).padStart(4, '0')} is outside WinAnsiEncoding`);
    }
  }
}

function textFields(spec: DocumentSpec): [string, string][] {
  const fields: [string, string][] = [
    ['number', spec.number],
    ['issuer.cabCode', spec.issuer.cabCode],
    ['issuer.cabName', spec.issuer.cabName],
    ['issuer.country', spec.issuer.country],
    ['applicant.name', spec.applicant.name],
    ['applicant.address', spec.applicant.address],
    ['product.description', spec.product.description],
  ];
  spec.regulations.forEach((text, index) => fields.push([`regulations[${index}]`, text]));
  spec.standards.forEach((text, index) => fields.push([`standards[${index}]`, text]));
  (spec.testResults ?? []).forEach((row, index) => row.forEach((text, column) => fields.push([`testResults[${index}][${column}]`, text])));
  return fields;
}

function isWinAnsi(char: string): boolean {
  const code = char.codePointAt(0)!;
  if (code >= 0x20 && code <= 0x7e) return true;
  if (code >= 0xa0 && code <= 0xff) return true;
  return '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'.includes(char);
}

/** Lays out lines top to bottom, starting a new page when one is full. */
class PageWriter {
  private page: PDFPage;
  private y = PAGE_HEIGHT - MARGIN;

  constructor(
    private readonly pdf: PDFDocument,
    readonly fonts: { regular: PDFFont; bold: PDFFont },
  ) {
    this.page = pdf.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
  }

  /** Draws `text` wrapped to the page width. */
  paragraph(text: string, options: { size?: number; bold?: boolean; indent?: number } = {}): void {
    const size = options.size ?? BODY_SIZE;
    const font = options.bold ? this.fonts.bold : this.fonts.regular;
    const indent = options.indent ?? 0;
    for (const line of wrap(text, font, size, PAGE_WIDTH - 2 * MARGIN - indent)) {
      this.ensureSpace(size + 4);
      this.page.drawText(line, { x: MARGIN + indent, y: this.y, size, font, color: rgb(0, 0, 0) });
      this.y -= Math.max(LINE_HEIGHT, size + 4);
    }
  }

  space(points: number): void {
    this.y -= points;
  }

  /** Draws one table row of cells at the given column widths, with borders. */
  row(cells: string[], widths: number[], bold: boolean): void {
    const font = bold ? this.fonts.bold : this.fonts.regular;
    const size = 9;
    const wrapped = cells.map((cell, index) => wrap(cell, font, size, widths[index] - 8));
    const height = Math.max(...wrapped.map((lines) => lines.length)) * 12 + 8;
    this.ensureSpace(height);
    let x = MARGIN;
    wrapped.forEach((lines, index) => {
      this.page.drawRectangle({ x, y: this.y - height, width: widths[index], height, borderColor: rgb(0.3, 0.3, 0.3), borderWidth: 0.7 });
      lines.forEach((line, lineIndex) => {
        this.page.drawText(line, { x: x + 4, y: this.y - 13 - 12 * lineIndex, size, font });
      });
      x += widths[index];
    });
    this.y -= height;
  }

  private ensureSpace(height: number): void {
    if (this.y - height >= MARGIN) return;
    this.page = this.pdf.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.y = PAGE_HEIGHT - MARGIN;
  }
}

/** Greedy word wrap; a word wider than the line is split by characters. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter((part) => part.length > 0)) {
    const candidate = current === '' ? word : `${current} ${word}`;
    if (font.widthOfTextAtSize(candidate, size) <= width) {
      current = candidate;
      continue;
    }
    if (current !== '') lines.push(current);
    current = word;
    while (font.widthOfTextAtSize(current, size) > width && current.length > 1) {
      let cut = current.length - 1;
      while (cut > 1 && font.widthOfTextAtSize(current.slice(0, cut), size) > width) cut--;
      lines.push(current.slice(0, cut));
      current = current.slice(cut);
    }
  }
  if (current !== '' || lines.length === 0) lines.push(current);
  return lines;
}

function writeHeading(writer: PageWriter, spec: DocumentSpec, title: string): void {
  writer.paragraph(spec.issuer.cabName, { size: 13, bold: true });
  writer.paragraph(`Conformity assessment body ${spec.issuer.cabCode}, ${spec.issuer.country}`);
  writer.space(18);
  writer.paragraph(title.toUpperCase(), { size: 18, bold: true });
  writer.paragraph(`No. ${spec.number}`, { size: 12, bold: true });
  writer.space(12);
}

function writeParticulars(writer: PageWriter, spec: DocumentSpec): void {
  const particulars: [string, string][] = [
    ['Applicant', `${spec.applicant.name}, ${spec.applicant.address}`],
    ['Product', spec.product.description],
    ['HS code(s)', spec.product.hsCodes.join(', ')],
    ['Technical regulations', spec.regulations.join('; ') || 'none'],
    ['Standards', spec.standards.join('; ') || 'none'],
    ['Date of issue', spec.issuedAt],
    ['Valid until', spec.validUntil ?? 'not limited'],
  ];
  for (const [label, value] of particulars) {
    writer.paragraph(`${label}:`, { bold: true });
    writer.paragraph(value, { indent: 18 });
  }
  writer.space(12);
}

function tableFor(spec: DocumentSpec): { header: string[]; rows: string[][]; widths: number[] } {
  if (spec.type === 'TR') {
    const rows = spec.testResults ?? spec.standards.map((standard) => [`Clause tests of ${standard}`, standard, 'see annex', 'pass']);
    return { header: ['Parameter', 'Requirement', 'Result', 'Verdict'], rows, widths: [170, 150, 100, 63] };
  }
  const rows = spec.product.hsCodes.map((code) => [code, spec.product.description, spec.regulations.join('; '), spec.standards.join('; ')]);
  return { header: ['HS code', 'Product', 'Regulations', 'Standards'], rows, widths: [70, 163, 125, 125] };
}

function writeTable(writer: PageWriter, table: { header: string[]; rows: string[][]; widths: number[] }): void {
  writer.row(table.header, table.widths, true);
  for (const row of table.rows) writer.row(row, table.widths, false);
  writer.space(18);
}

function writeStatement(writer: PageWriter, spec: DocumentSpec): void {
  const statement =
    spec.type === 'CC'
      ? `${spec.issuer.cabName} certifies that the product described above, manufactured for ${spec.applicant.name}, ` +
        `conforms to the requirements of ${spec.regulations.join(', ') || 'the regulations listed'} on the basis of ` +
        `the type testing and the assessment of production listed in this certificate. The certificate is valid from ` +
        `${spec.issuedAt} until ${spec.validUntil}, provided the production conditions remain unchanged.`
      : `${spec.issuer.cabName} tested the sample of the product described above, submitted by ${spec.applicant.name}, ` +
        `against ${spec.standards.join(', ') || 'the standards listed'}. The results relate only to the item tested. ` +
        `This report shall not be reproduced except in full without the written approval of the laboratory.`;
  writer.paragraph(statement);
  writer.space(24);
  writer.paragraph(`Issued on ${spec.issuedAt} by ${spec.issuer.cabName} (${spec.issuer.cabCode}).`, { bold: true });
  writer.paragraph('This document is signed electronically; the signature covers the whole file.');
}
