/**
 * Signed test PDFs for the PDF verification benchmark, made at run time. Each is a pilot test
 * report (cli/pilot/documents.ts) grown to a target size with annex pages of real PDF content: a
 * measurement log drawn as text and a Flate-compressed photo of the sample. `signPdf` then signs
 * it with a CAB certificate from a national CA.
 */
import { deflateSync } from 'node:zlib';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFDocument, StandardFonts, concatTransformationMatrix, drawObject, popGraphicsState, pushGraphicsState, type PDFFont } from 'pdf-lib';
import { generateDocument, type DocumentSpec } from '../cli/pilot/documents.js';
import { createCabCertificate, createNationalCa, type CertifiedKey, type KeyAlgorithm } from '../cli/pilot/pki.js';
import { DEFAULT_CONTENTS_SIZE, signPdf } from '../pdf/sign.js';
import { seededRandom } from './measure.js';

/** The key algorithms the files are signed with. Ed25519 is left out because pdfsig 22.12 (Debian 12) cannot check it. */
export const SIGNING_ALGORITHMS: readonly KeyAlgorithm[] = ['RSA-2048', 'ECDSA-P256'];

export interface PdfSize {
  label: string;
  /** Approximate size of the signed file, in bytes. */
  targetBytes: number;
}

export const PDF_SIZES: readonly PdfSize[] = [
  { label: '150 KB', targetBytes: 150 * 1024 },
  { label: '5 MB', targetBytes: 5 * 1024 * 1024 },
];

export interface SignedPdf {
  size: PdfSize;
  keyAlgorithm: KeyAlgorithm;
  file: string;
  bytes: Uint8Array;
  pages: number;
}

const A4: [number, number] = [595.28, 841.89];
/** Photo size in pixels: 720 × 480 RGB is 1 MB raw. */
const PHOTO_WIDTH = 720;
const PHOTO_HEIGHT = 480;
/** Pixel noise amplitude, so Flate cannot shrink the photo to almost nothing as it would a pure gradient. */
const PHOTO_NOISE = 16;
const LOG_LINES_PER_PAGE = 40;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Bytes the signature adds: the /Contents reserve, hex-encoded, plus about 1 KB of dictionaries and xref. */
const SIGNATURE_BYTES = 2 * DEFAULT_CONTENTS_SIZE + 1024;

/**
 * Writes one signed PDF per size and key algorithm into `directory` and returns them. Each
 * file carries one PAdES-BASELINE-B signature over the whole file, with the CA in the chain.
 */
export async function makeSignedPdfs(directory: string): Promise<SignedPdf[]> {
  const signers = await Promise.all(SIGNING_ALGORITHMS.map((algorithm) => createSigner(algorithm)));
  const files: SignedPdf[] = [];
  for (const size of PDF_SIZES) {
    const { bytes: unsigned, pages } = await growDocument(size.targetBytes - SIGNATURE_BYTES);
    for (const signer of signers) {
      const bytes = await signPdf(unsigned, {
        privateKey: signer.cab.privateKeyPem,
        certificate: signer.cab.der,
        chain: [signer.ca.der],
        name: 'Bench Testing Laboratory',
        reason: 'Test report issued',
      });
      const file = path.join(directory, `report-${size.targetBytes}-${signer.cab.keyAlgorithm}.pdf`);
      await writeFile(file, bytes);
      files.push({ size, keyAlgorithm: signer.cab.keyAlgorithm, file, bytes, pages });
    }
  }
  return files;
}

async function createSigner(keyAlgorithm: KeyAlgorithm): Promise<{ ca: CertifiedKey; cab: CertifiedKey }> {
  const now = Date.now();
  const validity = { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 365 * DAY_MS) };
  const ca = await createNationalCa('KG', 'Bench Accreditation Centre', validity, keyAlgorithm);
  const cab = await createCabCertificate(ca, {
    cabCode: 'KG-BENCH-01',
    cabName: 'Bench Testing Laboratory',
    country: 'KG',
    keyAlgorithm,
    ...validity,
  });
  return { ca, cab };
}

/** Generates the test report and appends annex pages until the saved file reaches `targetBytes`. */
async function growDocument(targetBytes: number): Promise<{ bytes: Uint8Array; pages: number }> {
  const pdf = await PDFDocument.load(await generateDocument(reportSpec()), { updateMetadata: false });
  const font = await pdf.embedFont(StandardFonts.Courier);
  const random = seededRandom(targetBytes);
  let bytes = await pdf.save({ useObjectStreams: false });
  // Each photo adds a known number of compressed bytes, so the loop saves only to check the total.
  let estimate = bytes.length;
  let annex = 0;
  while (estimate < targetBytes) {
    annex++;
    estimate += addAnnexPage(pdf, font, annex, random, targetBytes - estimate);
    if (estimate >= targetBytes) {
      bytes = await pdf.save({ useObjectStreams: false });
      estimate = bytes.length;
    }
  }
  return { bytes, pages: pdf.getPageCount() };
}

/**
 * Adds a page with a measurement log and a photo. The photo is cut to the rows that fit in
 * `budget` bytes, so the last page does not overshoot the target by a whole photo. Returns the
 * bytes the page adds, estimated from its compressed photo plus a margin for the text.
 */
function addAnnexPage(pdf: PDFDocument, font: PDFFont, annex: number, random: () => number, budget: number): number {
  const page = pdf.addPage(A4);
  page.drawText(`Annex ${annex}: measurement log and photo of the sample`, { x: 56, y: 800, size: 11, font });
  for (let line = 0; line < LOG_LINES_PER_PAGE; line++) {
    const seconds = (annex * LOG_LINES_PER_PAGE + line) * 0.5;
    const voltage = (230 + (random() - 0.5) * 4).toFixed(2);
    const current = (0.42 + (random() - 0.5) * 0.02).toFixed(4);
    const temperature = (23 + random() * 2).toFixed(1);
    const text = `t=${seconds.toFixed(1).padStart(7)} s  U=${voltage} V  I=${current} A  T=${temperature} C  pass`;
    page.drawText(text, { x: 56, y: 780 - line * 11, size: 8, font });
  }

  const { compressed, rows } = photo(random, budget);
  const image = pdf.context.register(
    pdf.context.stream(compressed, {
      Type: 'XObject',
      Subtype: 'Image',
      Width: PHOTO_WIDTH,
      Height: rows,
      ColorSpace: 'DeviceRGB',
      BitsPerComponent: 8,
      Filter: 'FlateDecode',
    }),
  );
  const name = page.node.newXObject('Photo', image);
  const height = (483 * rows) / PHOTO_WIDTH;
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(483, 0, 0, height, 56, 300 - height), drawObject(name), popGraphicsState());
  return compressed.length + 3_000;
}

/**
 * Generates a smooth colour gradient with pixel noise and compresses it with Flate, so it is
 * random but compressible like a photo. When the whole photo would exceed `budget` bytes, it keeps the share of rows that fits,
 * at least 16.
 */
function photo(random: () => number, budget: number): { compressed: Uint8Array; rows: number } {
  const rowBytes = PHOTO_WIDTH * 3;
  const pixels = new Uint8Array(rowBytes * PHOTO_HEIGHT);
  const hue = random() * 255;
  for (let y = 0; y < PHOTO_HEIGHT; y++) {
    for (let x = 0; x < PHOTO_WIDTH; x++) {
      const offset = y * rowBytes + x * 3;
      const noise = (random() - 0.5) * PHOTO_NOISE;
      pixels[offset] = clampByte(hue + (x * 96) / PHOTO_WIDTH + noise);
      pixels[offset + 1] = clampByte(80 + (y * 120) / PHOTO_HEIGHT + noise);
      pixels[offset + 2] = clampByte(200 - (x * 64) / PHOTO_WIDTH - (y * 64) / PHOTO_HEIGHT + noise);
    }
  }
  const whole = deflateSync(pixels);
  if (whole.length <= budget) return { compressed: new Uint8Array(whole), rows: PHOTO_HEIGHT };
  const rows = Math.max(16, Math.floor((PHOTO_HEIGHT * budget) / whole.length));
  return { compressed: new Uint8Array(deflateSync(pixels.subarray(0, rows * rowBytes))), rows };
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

function reportSpec(): DocumentSpec {
  const testResults: [string, string, string, string][] = [];
  for (let clause = 1; clause <= 24; clause++) {
    testResults.push([`Clause 8.${clause} dielectric strength at 50 Hz`, '1250 V for 60 s, no breakdown', 'no breakdown', 'pass']);
  }
  return {
    type: 'TR',
    number: 'TR-KG-BENCH-0001',
    issuer: { cabCode: 'KG-BENCH-01', cabName: 'Bench Testing Laboratory', country: 'KG' },
    applicant: { name: 'Example Appliances LLC', address: '1 Industrial Street, Bishkek' },
    product: { description: 'Electric kettle, 2200 W, 230 V', hsCodes: ['851671'] },
    regulations: ['TR CU 004/2011', 'TR CU 020/2011'],
    standards: ['IEC 60335-1:2020', 'IEC 60335-2-15:2016'],
    issuedAt: '2025-03-14',
    testResults,
  };
}
