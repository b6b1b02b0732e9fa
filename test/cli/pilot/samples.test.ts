import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSamples } from '../../../cli/pilot/samples.js';
import { hasOpenssl, runOpenssl } from '../../pdf/openssl.js';

const directory = path.resolve(import.meta.dirname, '../../../../shared/samples/pdf');
const expected = JSON.parse(readFileSync(path.join(directory, 'expected.json'), 'utf8')) as { file: string; sha256: string }[];
const set = readSamples(directory);

// The signer certificates of the samples, listed with @peculiar/x509 and checked with `openssl x509`.
const certificates = [
  { subject: 'CN=Yury Strozhevsky', notAfter: '2016-04-18T13:40:16.000Z', parses: true, strict: false, files: ['BadEncodedCMS.pdf'] },
  {
    subject: 'C=BE, ST=Vlaams-Brabant, L=Leuven, O=Test, OU=Test, CN=Lord Testerino, E=testerino@example.com',
    notAfter: '2294-05-19T12:52:19.000Z',
    parses: true,
    strict: true,
    files: ['coverage-one-byterange.pdf', 'coverage-tail-uncovered.pdf'],
  },
  {
    subject: 'C=IT, O=non presente, CN=MonacelliTestIncard 02 2016 MarcoTestIncard 02  2016, 2.5.4.5=IT:AAAAAA00A00A000A, G=MarcoTestIncard 02  2016, SN=MonacelliTestIncard 02 2016, 2.5.4.46=15374967',
    notAfter: '2019-03-22T23:59:59.000Z',
    parses: true,
    strict: true,
    files: ['hello_signed_INCSAVE_signed.pdf'],
  },
  { subject: 'CN=good-user, O=Nowina Solutions, OU=PKI-TEST, C=LU', notAfter: '2025-06-30T09:25:54.000Z', parses: true, strict: true, files: ['pades-bes.pdf'] },
  {
    subject: 'C=BE, O=Example Inc, OU=Testing Authority, CN=Alice, E=alice@example.com',
    notAfter: '2022-01-01T00:00:00.000Z',
    parses: true,
    strict: true,
    files: ['pdf-sig-with-econtent.pdf'],
  },
  {
    subject: 'CN=good-user, O=Nowina Solutions, OU=PKI-TEST, C=LU',
    notAfter: '2020-03-05T09:20:36.000Z',
    parses: true,
    strict: true,
    files: ['pdf-signed-added-page.pdf', 'pdf-signed-corrupted.pdf', 'pdf-signed-original.pdf', 'pdf-signed-out-of-byteRange.pdf'],
  },
  {
    subject: '2.5.4.5=201011308EE11, SN=EKEMEN, G=ERDEM, C=RO, CN=EKEMEN ERDEM',
    notAfter: '2022-01-10T13:59:19.000Z',
    parses: true,
    strict: true,
    files: ['pkcs7-no-message-digest.pdf'],
  },
];

describe('readSamples', () => {
  it.each(expected)('$file has the expected SHA-256', ({ file, sha256 }) => {
    const sample = set.files.find((candidate) => candidate.file === file);
    expect(sample?.sha256).toBe(sha256);
    expect(sample?.sha256Matches).toBe(true);
  });

  it('reads every PDF of the directory', () => {
    expect(set.files.map((sample) => sample.file).sort()).toEqual(expected.map((entry) => entry.file).sort());
  });

  it('gives every sample a signer certificate', () => {
    for (const sample of set.files) {
      expect(sample.problems, sample.file).toEqual([]);
      expect(sample.signerCertificates.length, sample.file).toBeGreaterThan(0);
    }
  });

  it('says which sample needed object recovery', () => {
    const recovered = set.files.filter((sample) => sample.recoveredBecause !== undefined).map((sample) => sample.file);
    expect(recovered).toEqual(['pdf-signed-corrupted.pdf']);
  });

  it('deduplicates signer certificates by SHA-256', () => {
    expect(new Set(set.certificates.map((certificate) => certificate.sha256)).size).toBe(set.certificates.length);
    const listed = set.certificates.map((certificate) => ({
      subject: certificate.subject,
      notAfter: certificate.notAfter,
      parses: certificate.parses,
      strict: certificate.derViolations.length === 0,
      files: [...certificate.files].sort(),
    }));
    expect(listed).toEqual(expect.arrayContaining(certificates));
    expect(listed).toHaveLength(certificates.length);
  });

  it('flags the padded serial number of BadEncodedCMS.pdf', () => {
    const bad = set.certificates.find((certificate) => certificate.files.includes('BadEncodedCMS.pdf'))!;
    expect(bad.derViolations).toEqual([expect.stringMatching(/INTEGER with a superfluous leading byte/)]);
    expect(bad.serialNumber).toBe('005051165595717c2a5d0ee19a79268e');
  });

  describe.skipIf(!hasOpenssl)('against openssl x509', () => {
    it.each(certificates.map((row) => row.files[0]))('the signer certificate of %s', (file) => {
      const certificate = set.certificates.find((candidate) => candidate.files.includes(file))!;
      const result = runOpenssl(['x509', '-inform', 'DER', '-in', '{in}', '-noout', '-enddate'], certificate.der);
      if (certificate.derViolations.length > 0) {
        expect(result.status).not.toBe(0);
        return;
      }
      expect(result.status).toBe(0);
      // notAfter=Mar  5 09:20:36 2020 GMT
      const notAfter = new Date(result.stdout.trim().replace('notAfter=', ''));
      expect(notAfter.toISOString()).toBe(certificate.notAfter);
    });
  });
});

describe('readSamples expected signature outcomes', () => {
  it('splits the alternatives expected.json names with "or"', () => {
    const badEncoded = readSamples(directory).files.find((sample) => sample.file === 'BadEncodedCMS.pdf')!;
    expect(badEncoded.expectedSignature).toEqual(['FAILED/FORMAT_FAILURE', 'INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE']);
  });
});
