import { generateKeyPairSync, type KeyObject } from 'node:crypto';

import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';

import { parseSignedData } from '../../pdf/cms.js';
import { MAX_TEXT_LENGTH, signPdf } from '../../pdf/sign.js';
import { findSignatures } from '../../pdf/signatures.js';
import { validatePdfSignatures } from '../../pdf/validate.js';
import { buildPdf } from './build-pdf.js';
import { makeSigner, unsignedDocument, type TestKeyType } from './sign-fixtures.js';

const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';

const KEY_TYPES: TestKeyType[] = ['RSA-2048', 'ECDSA-P256', 'ECDSA-P384', 'Ed25519'];

describe.each(KEY_TYPES)('signPdf with %s', (keyType) => {
  it('when signing, it appends a PAdES B-B signature', async () => {
    const signer = await makeSigner(keyType);
    const input = await unsignedDocument();
    const output = await signPdf(input, {
      privateKey: signer.privateKeyPem,
      certificate: signer.certificatePem,
      chain: [signer.caCertificate],
      reason: 'Issued',
      time: new Date('2026-03-02T10:00:00Z'),
    });

    expect(Buffer.compare(output.subarray(0, input.length), input)).toBe(0);
    const { signatures } = findSignatures(output);
    expect(signatures).toHaveLength(1);
    const [signature] = signatures;
    const [a, b, c, d] = signature.byteRange;
    expect(a).toBe(0);
    expect(b).toBe(signature.contentsRange?.start);
    expect(c).toBe(signature.contentsRange?.end);
    expect(c + d).toBe(output.length);
    expect(signature.subFilter).toBe('ETSI.CAdES.detached');
    expect(signature.filter).toBe('Adobe.PPKLite');
    expect(signature.m).toBe('D:20260302100000Z');
    expect(signature.reason).toBe('Issued');

    const cms = parseSignedData(signature.contents);
    expect(cms.eContentPresent).toBe(false);
    expect(cms.signers).toHaveLength(1);
    expect([...cms.signers[0].signedAttributes].sort()).toEqual([OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNING_CERTIFICATE_V2].sort());
    expect(cms.signers[0].signedAttributes).not.toContain(OID_SIGNING_TIME);
    expect(Buffer.from(cms.signerCertificate!).equals(Buffer.from(signer.certificate))).toBe(true);
    expect(cms.certificates).toHaveLength(2);

    const report = validatePdfSignatures(output, { requireBaselineB: true });
    expect(report.indication, report.message).toBe('PASSED');
    expect(report.signatures[0].baselineB).toBe(true);
    expect(report.coversWholeFile).toBe(true);
  });

  it('when signing twice, it keeps the first signature valid', async () => {
    const signer = await makeSigner(keyType);
    const once = await signPdf(await unsignedDocument(), { privateKey: signer.privateKey, certificate: signer.certificate });
    const twice = await signPdf(once, { privateKey: signer.privateKey, certificate: signer.certificate });

    const report = validatePdfSignatures(twice, { requireBaselineB: true });
    expect(report.signatures.map((check) => check.indication), report.signatures.map((check) => check.message).join(" / ")).toEqual(["PASSED", "PASSED"]);
    expect(report.signatures.map((check) => check.baselineB)).toEqual([true, true]);
    expect(report.indication, report.message).toBe('PASSED');
  });
});

describe('signPdf', () => {
  it('when the file is already signed, it keeps the first signature intact', async () => {
    const signer = await makeSigner('ECDSA-P256');
    const once = await signPdf(await unsignedDocument(), { privateKey: signer.privateKey, certificate: signer.certificate });
    const twice = await signPdf(once, { privateKey: signer.privateKey, certificate: signer.certificate });

    expect(Buffer.compare(twice.subarray(0, once.length), once)).toBe(0);
    const { signatures } = findSignatures(twice);
    expect(signatures.map((signature) => signature.fieldName)).toEqual(['Signature1', 'Signature2']);
    const [first, second] = signatures;
    expect(first.byteRange[2] + first.byteRange[3]).toBe(once.length);
    expect(second.byteRange[2] + second.byteRange[3]).toBe(twice.length);
  });

  it('when the file uses an xref stream, it appends a readable update', async () => {
    const signer = await makeSigner('ECDSA-P256');
    const source = await PDFDocument.load(await unsignedDocument());
    const compressed = await source.save({ useObjectStreams: true });
    expect(Buffer.from(compressed).includes('/XRef')).toBe(true);

    const output = await signPdf(compressed, { privateKey: signer.privateKey, certificate: signer.certificate });
    const [signature] = findSignatures(output).signatures;
    expect(signature.inObjectStream).toBeUndefined();
    expect(signature.byteRange[2] + signature.byteRange[3]).toBe(output.length);
    const report = validatePdfSignatures(output);
    expect(report.indication, report.message).toBe('PASSED');
  });

  it('when /Contents is too small, it raises signature_too_large', async () => {
    const signer = await makeSigner('RSA-2048');
    const call = signPdf(await unsignedDocument(), { privateKey: signer.privateKey, certificate: signer.certificate, contentsSize: 1024 });
    await expect(call).rejects.toMatchObject({ code: 'signature_too_large', limit: 1024 });
  });

  it('when the key belongs to another certificate, it raises key_certificate_mismatch', async () => {
    const [signer, other] = await Promise.all([makeSigner('ECDSA-P256'), makeSigner('ECDSA-P256')]);
    const call = signPdf(await unsignedDocument(), { privateKey: signer.privateKey, certificate: other.certificate });
    await expect(call).rejects.toMatchObject({ code: 'key_certificate_mismatch' });
  });

  it('unsupported and invalid keys', async () => {
    const signer = await makeSigner('ECDSA-P256');
    const pdf = await unsignedDocument();
    const cases: [KeyObject | string, string][] = [
      [generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'unsupported_key'],
      [generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, 'unsupported_key'],
      [generateKeyPairSync('ed448').privateKey, 'unsupported_key'],
      [generateKeyPairSync('ed25519').publicKey, 'invalid_key'],
      [signer.certificatePem, 'invalid_key'],
      ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 'invalid_key'],
    ];
    for (const [privateKey, code] of cases) {
      await expect(signPdf(pdf, { privateKey, certificate: signer.certificate })).rejects.toMatchObject({ code });
    }
  });

  it('invalid certificates, PDFs and options', async () => {
    const signer = await makeSigner('ECDSA-P256');
    const pdf = await unsignedDocument();
    const base = { privateKey: signer.privateKey, certificate: signer.certificate };
    await expect(signPdf(pdf, { ...base, certificate: 'not a certificate' })).rejects.toMatchObject({ code: 'invalid_certificate' });
    await expect(signPdf(pdf, { ...base, certificate: new Uint8Array([0x30, 0x03, 1, 2, 3]) })).rejects.toMatchObject({
      code: 'invalid_certificate',
    });
    await expect(signPdf(pdf, { ...base, certificate: signer.certificatePem + signer.caCertificatePem })).rejects.toMatchObject({
      code: 'invalid_certificate',
    });
    await expect(signPdf(pdf, { ...base, chain: ['garbage'] })).rejects.toMatchObject({ code: 'invalid_certificate' });
    await expect(signPdf(new TextEncoder().encode('hello'), base)).rejects.toMatchObject({ code: 'invalid_pdf' });
    await expect(signPdf(pdf, { ...base, reason: 'x'.repeat(MAX_TEXT_LENGTH + 1) })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(signPdf(pdf, { ...base, time: new Date(Number.NaN) })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(signPdf(pdf, { ...base, contentsSize: 10 })).rejects.toMatchObject({ code: 'invalid_option' });
  });

  it('when the PDF has no page, it raises invalid_pdf', async () => {
    const signer = await makeSigner('ECDSA-P256');
    const empty = buildPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>']);
    const call = signPdf(empty, { privateKey: signer.privateKey, certificate: signer.certificate });
    await expect(call).rejects.toMatchObject({ code: 'invalid_pdf' });
  });

  it('when DocMDP permits no change, it raises changes_not_permitted', async () => {
    const signer = await makeSigner('ECDSA-P256');
    const certified = (permission: number): Uint8Array =>
      buildPdf([
        '<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 4 0 R >> >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
        '<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 0 0 0] /Contents <3000> ' +
          `/Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P ${permission} /V /1.2 >> >>] >>`,
      ]);
    const options = { privateKey: signer.privateKey, certificate: signer.certificate };
    await expect(signPdf(certified(1), options)).rejects.toMatchObject({ code: 'changes_not_permitted' });
    const permitted = await signPdf(certified(2), options);
    expect(findSignatures(permitted).signatures.some((signature) => signature.fieldName === 'Signature1')).toBe(true);
  });

  it('when the PDF is encrypted, it raises encrypted_pdf', async () => {
    const signer = await makeSigner('ECDSA-P256');
    const encrypted = buildPdf(
      [
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
        '<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00> /U <00> >>',
      ],
      '/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] ',
    );
    const call = signPdf(encrypted, { privateKey: signer.privateKey, certificate: signer.certificate });
    await expect(call).rejects.toMatchObject({ code: 'encrypted_pdf' });
  });

  it('when texts are not ASCII, they read back unchanged', async () => {
    const signer = await makeSigner('ECDSA-P256');
    const output = await signPdf(await unsignedDocument(), {
      ...{ privateKey: signer.privateKey, certificate: signer.certificate },
      name: 'Ташкентский центр',
      location: 'Toshkent, Oʻzbekiston',
    });
    const [signature] = findSignatures(output).signatures;
    expect(signature.name).toBe('Ташкентский центр');
    expect(signature.location).toBe('Toshkent, Oʻzbekiston');
  });
});
