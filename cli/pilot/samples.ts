import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { extractSignatures } from '../../pdf/extract.js';
import { findDerViolations } from '../../pdf/der-strict.js';
import { PdfError } from '../../pdf/errors.js';

/**
 * The real signed PDFs the pilot replays: their SHA-256 checked against the
 * sample set's expected.json, and the signer certificates of their CMS, so the
 * pilot can register real certificates and submit real documents.
 */

/** A signer certificate found in one or more samples, deduplicated by SHA-256. */
export interface SampleCertificate {
  sha256: string;
  der: Uint8Array;
  /** Sample files whose signatures name this certificate. */
  files: string[];
  /** True when @peculiar/x509 parses it. */
  parses: boolean;
  parseError?: string;
  /** RFC 4514 subject, notBefore and notAfter (ISO 8601), when it parses. */
  subject?: string;
  issuer?: string;
  notBefore?: string;
  notAfter?: string;
  serialNumber?: string;
  /** DER rule violations, empty for strict DER; OpenSSL 3.0 rejects a certificate with a padded INTEGER. */
  derViolations: string[];
}

export interface SampleFile {
  file: string;
  /** The file's bytes, which the pilot registers and verifies. */
  bytes: Uint8Array;
  sha256: string;
  /** The SHA-256 that expected.json lists, undefined when the file is not listed. */
  expectedSha256?: string;
  /**
   * The check-4 outcomes expected.json lists, each `INDICATION` or `INDICATION/SUB_INDICATION`;
   * several where it names alternatives ("A or B"); empty when the file is not listed.
   */
  expectedSignature: string[];
  sha256Matches: boolean;
  signatureCount: number;
  /** SHA-256 of each signature's signer certificate, in signature order, deduplicated. */
  signerCertificates: string[];
  /**
   * The reason the xref walk failed, when the objects were recovered by
   * scanning the file. A signature verifier rejects such a file, but the
   * certificates in it are still real.
   */
  recoveredBecause?: string;
  /** The reasons a signature or the whole file gave no signer certificate; empty when all did. */
  problems: { code: string; message: string }[];
}

export interface SampleSet {
  files: SampleFile[];
  certificates: SampleCertificate[];
}

interface ExpectedEntry {
  file: string;
  sha256: string;
  signature: string;
}

/** The SHA-256 and check-4 outcomes that expected.json lists for one file. */
interface Expected {
  sha256: string;
  signature: string[];
}

const SIGNATURE_OUTCOME = /^(PASSED|FAILED|INDETERMINATE)(\/[A-Z][A-Z_]{0,63})?$/;

/** Reads every PDF in `directory` and its expected.json. */
export function readSamples(directory: string): SampleSet {
  const expected = readExpected(path.join(directory, 'expected.json'));
  const certificates = new Map<string, SampleCertificate>();
  const files: SampleFile[] = [];
  const names = readdirSync(directory)
    .filter((name) => name.toLowerCase().endsWith('.pdf'))
    .sort();
  for (const name of names) {
    const bytes = new Uint8Array(readFileSync(path.join(directory, name)));
    const listed = expected.get(name);
    files.push(readSample(name, bytes, listed?.sha256, listed?.signature ?? [], certificates));
  }
  return { files, certificates: [...certificates.values()] };
}

function readSample(
  name: string,
  bytes: Uint8Array,
  expectedSha256: string | undefined,
  expectedSignature: string[],
  certificates: Map<string, SampleCertificate>,
): SampleFile {
  const sha256 = sha256Hex(bytes);
  const sample: SampleFile = {
    file: name,
    bytes,
    sha256,
    expectedSha256,
    expectedSignature,
    sha256Matches: sha256 === expectedSha256,
    signatureCount: 0,
    signerCertificates: [],
    problems: [],
  };
  let extracted;
  try {
    const { signatures, document } = extractSignatures(bytes, { recover: true });
    extracted = signatures;
    if (document.recoveryCause) sample.recoveredBecause = document.recoveryCause.message;
  } catch (error) {
    if (!(error instanceof PdfError)) throw error;
    sample.problems.push({ code: error.code, message: error.message });
    return sample;
  }
  sample.signatureCount = extracted.length;
  if (extracted.length === 0) sample.problems.push({ code: 'no_signature', message: 'the file has no signature dictionary' });
  for (const signature of extracted) {
    if (signature.error) sample.problems.push(signature.error);
    if (!signature.signerCertificate) continue;
    const certificate = describeCertificate(signature.signerCertificate, certificates);
    if (!certificate.files.includes(name)) certificate.files.push(name);
    if (!sample.signerCertificates.includes(certificate.sha256)) sample.signerCertificates.push(certificate.sha256);
  }
  return sample;
}

function describeCertificate(der: Uint8Array, known: Map<string, SampleCertificate>): SampleCertificate {
  const sha256 = sha256Hex(der);
  const existing = known.get(sha256);
  if (existing) return existing;
  const description: SampleCertificate = {
    sha256,
    der,
    files: [],
    parses: false,
    derViolations: findDerViolations(der).map((violation) => `byte ${violation.offset}: ${violation.message}`),
  };
  try {
    const certificate = new x509.X509Certificate(new Uint8Array(der));
    description.parses = true;
    description.subject = certificate.subject;
    description.issuer = certificate.issuer;
    description.notBefore = certificate.notBefore.toISOString();
    description.notAfter = certificate.notAfter.toISOString();
    description.serialNumber = certificate.serialNumber;
  } catch (error) {
    description.parseError = error instanceof Error ? error.message : String(error);
  }
  known.set(sha256, description);
  return description;
}

function readExpected(file: string): Map<string, Expected> {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new TypeError(`${file} does not hold a JSON array`);
  const result = new Map<string, Expected>();
  for (const entry of parsed as Partial<ExpectedEntry>[]) {
    if (typeof entry?.file !== 'string' || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      throw new TypeError(`${file} has an entry without a file name and a lowercase hex sha256: ${JSON.stringify(entry)}`);
    }
    // expected.json writes alternatives as "FAILED/FORMAT_FAILURE or INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE".
    const signature = typeof entry.signature === 'string' ? entry.signature.split(' or ').map((item) => item.trim()) : [];
    if (signature.length === 0 || signature.some((item) => !SIGNATURE_OUTCOME.test(item))) {
      throw new TypeError(`${file} entry ${entry.file} has no signature outcome of the form INDICATION[/SUB_INDICATION]: ${JSON.stringify(entry.signature)}`);
    }
    result.set(entry.file, { sha256: entry.sha256, signature });
  }
  return result;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
