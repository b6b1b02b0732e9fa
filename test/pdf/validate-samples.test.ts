import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePdfSignatures } from '../../pdf/validate.js';

const samples = path.resolve(import.meta.dirname, '../../../shared/samples/pdf');
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(samples, name)));

interface Expected {
  file: string;
  signature: string;
}
const expected: Expected[] = JSON.parse(readFileSync(path.join(samples, 'expected.json'), 'utf8'));

/** Outcomes under requireBaselineB for the files the samples' README names, the rest unchanged. */
const baselineB: Record<string, string> = {
  'pades-bes.pdf': 'INDETERMINATE/SIG_CONSTRAINTS_FAILURE',
  'pkcs7-no-message-digest.pdf': 'INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE',
  'pdf-signed-original.pdf': 'PASSED',
};

const outcome = (file: string, requireBaselineB = false): string => {
  const report = validatePdfSignatures(read(file), { requireBaselineB });
  return report.subIndication ? `${report.indication}/${report.subIndication}` : report.indication;
};

describe('validatePdfSignatures on the signed samples', () => {
  it.each(expected)('$file gives $signature', ({ file, signature }) => {
    const result = outcome(file);
    if (signature === 'FAILED') expect(result).toMatch(/^FAILED\/(FORMAT_FAILURE|HASH_FAILURE|SIG_CRYPTO_FAILURE)$/);
    else expect(signature.split(' or ')).toContain(result);
  });

  it.each(Object.entries(baselineB))('%s under requireBaselineB gives %s', (file, wanted) => {
    expect(outcome(file, true)).toBe(wanted);
  });

  it('reports the evidence of a valid signature', () => {
    const report = validatePdfSignatures(read('pdf-signed-original.pdf'));
    expect(report.coversWholeFile).toBe(true);
    expect(report.signatures).toHaveLength(1);
    const [check] = report.signatures;
    expect(check.indication).toBe('PASSED');
    expect(check.baselineB).toBe(true);
    expect(check.digestAlgorithm).toBe('sha256');
    expect(check.signatureAlgorithm).toBe('RSASSA-PKCS1-v1_5');
    expect(check.revisionEnd).toBe(151126);
    expect(check.certificates).toHaveLength(2);
    expect(check.signerCertificate).toBeDefined();
    expect(check.problems).toEqual([]);
  });

  it('when the sample has a signing-time, it is not baseline B', () => {
    const [check] = validatePdfSignatures(read('pades-bes.pdf')).signatures;
    expect(check.indication).toBe('PASSED');
    expect(check.baselineB).toBe(false);
  });

  it('when a revision adds a second signature, both are checked', () => {
    const report = validatePdfSignatures(read('hello_signed_INCSAVE_signed.pdf'));
    expect(report.signatures.map((check) => check.fieldName)).toEqual(['Signature1', 'Signature2']);
    expect(report.signatures.map((check) => check.subIndication)).toEqual(['CRYPTO_CONSTRAINTS_FAILURE', 'CRYPTO_CONSTRAINTS_FAILURE']);
    expect(report.signatures[0].problems).toEqual(['RSA key has 1024 bits, below the policy\'s 2048']);
    expect(report.coversWholeFile).toBe(true);
  });

  it('when a page was added after signing, it names the change', () => {
    const report = validatePdfSignatures(read('pdf-signed-added-page.pdf'));
    expect(report.subIndication).toBe('FORMAT_FAILURE');
    expect(report.message).toMatch(/changed after signing/);
    expect(report.coversWholeFile).toBe(false);
  });

  it('under a policy allowing SHA-1 and 1024-bit RSA, the legacy samples pass', () => {
    const policy = { allowSha1: true, minRsaBits: 1024 };
    expect(validatePdfSignatures(read('hello_signed_INCSAVE_signed.pdf'), policy).indication).toBe('PASSED');
    expect(validatePdfSignatures(read('pkcs7-no-message-digest.pdf'), policy).indication).toBe('PASSED');
  });
});
