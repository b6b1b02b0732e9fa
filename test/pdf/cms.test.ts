import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSignedData } from '../../pdf/cms.js';
import { findDerViolations } from '../../pdf/der-strict.js';
import { PdfError } from '../../pdf/errors.js';
import { extractSignerCertificates } from '../../pdf/extract.js';
import { findSignatures } from '../../pdf/signatures.js';
import { hasOpenssl, pemBlocks, pemToDer, runOpenssl } from './openssl.js';

const samples = path.resolve(import.meta.dirname, '../../../shared/samples/pdf');
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(samples, name)));
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecdsaWithSha1: '1.2.840.10045.4.1',
  data: '1.2.840.113549.1.7.1',
};

// Algorithms and counts as `openssl cms -cmsout -print` shows them for each sample's CMS.
const table = [
  { file: 'pdf-signed-original.pdf', certificates: 2, digest: OID.sha256, signature: OID.sha256WithRSA, eContent: false },
  { file: 'pades-bes.pdf', certificates: 2, digest: OID.sha512, signature: OID.sha512WithRSA, eContent: false },
  { file: 'hello_signed_INCSAVE_signed.pdf', certificates: 1, digest: OID.sha256, signature: OID.rsaEncryption, eContent: false },
  { file: 'pkcs7-no-message-digest.pdf', certificates: 1, digest: OID.sha1, signature: OID.rsaEncryption, eContent: false },
  { file: 'BadEncodedCMS.pdf', certificates: 1, digest: OID.sha1, signature: OID.ecdsaWithSha1, eContent: false },
  { file: 'coverage-tail-uncovered.pdf', certificates: 1, digest: OID.sha256, signature: OID.sha256WithRSA, eContent: false },
  { file: 'pdf-sig-with-econtent.pdf', certificates: 3, digest: OID.sha256, signature: OID.sha256WithRSA, eContent: true },
];

describe('parseSignedData on the samples', () => {
  it.each(table)('$file', ({ file, certificates, digest, signature, eContent }) => {
    for (const found of findSignatures(read(file)).signatures) {
      const cms = parseSignedData(found.contents);
      expect(cms.certificates).toHaveLength(certificates);
      expect(cms.signers).toHaveLength(1);
      expect(cms.signers[0].digestAlgorithm).toBe(digest);
      expect(cms.signers[0].signatureAlgorithm).toBe(signature);
      expect(cms.signers[0].sid.kind).toBe('issuerAndSerialNumber');
      expect(cms.eContentPresent).toBe(eContent);
      expect(cms.eContentType).toBe(OID.data);
      expect(cms.signerCertificate).toBeDefined();
      expect(cms.certificates.map(sha256)).toContain(sha256(cms.signerCertificate!));
    }
  });

  it('when signed attributes are absent, it says so', () => {
    const [found] = findSignatures(read('pkcs7-no-message-digest.pdf')).signatures;
    const cms = parseSignedData(found.contents);
    expect(cms.signers[0].hasSignedAttributes).toBe(false);
    expect(cms.signers[0].signedAttributes).toEqual([]);
  });

  it('lists signed attribute OIDs in order', () => {
    const [found] = findSignatures(read('pdf-signed-original.pdf')).signatures;
    const cms = parseSignedData(found.contents);
    // content-type, message-digest, signing-certificate-v2
    expect(cms.signers[0].signedAttributes).toEqual(['1.2.840.113549.1.9.3', '1.2.840.113549.1.9.4', '1.2.840.113549.1.9.16.2.47']);
  });

  it('when the bytes are not BER, it raises cms_invalid', () => {
    expect(() => parseSignedData(new Uint8Array([0x30, 0x05, 0x01]))).toThrowError(expect.objectContaining({ code: 'cms_invalid' }));
  });

  it('when the content type is not signedData, it raises cms_invalid', () => {
    // ContentInfo { id-data, [0] OCTET STRING "" }
    const contentInfo = Buffer.from('300f06092a864886f70d010701a0020400', 'hex');
    let error: unknown;
    try {
      parseSignedData(contentInfo);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PdfError);
    expect((error as PdfError).code).toBe('cms_invalid');
    expect((error as PdfError).actual).toBe(OID.data);
  });
});

describe.skipIf(!hasOpenssl)('certificates against openssl pkcs7 -print_certs', () => {
  it.each(table.map((row) => row.file))('%s', (file) => {
    for (const found of findSignatures(read(file)).signatures) {
      const ours = parseSignedData(found.contents).certificates;
      const strict = ours.every((der) => findDerViolations(der).length === 0);
      const result = runOpenssl(['pkcs7', '-inform', 'DER', '-in', '{in}', '-print_certs'], found.contents);
      if (strict) {
        expect(result.status).toBe(0);
        expect(pemBlocks(result.stdout).map((pem) => sha256(pemToDer(pem))).sort()).toEqual(ours.map(sha256).sort());
      } else {
        // OpenSSL 3 refuses certificates that are not strict DER (BadEncodedCMS.pdf's padded serial).
        expect(result.status).not.toBe(0);
        expect(result.stderr).toMatch(/illegal padding|nested asn1 error/);
      }
    }
  });
});

if (!hasOpenssl) console.warn('openssl is not on PATH: the openssl cross-checks of the CMS are skipped');

describe('extractSignerCertificates', () => {
  it('returns the signer certificate for each signature', () => {
    const results = extractSignerCertificates(read('hello_signed_INCSAVE_signed.pdf'));
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result.error).toBeUndefined();
      expect(result.signerCertificate).toBeDefined();
      expect(result.signature.subFilter).toBe('ETSI.CAdES.detached');
    }
  });
});
