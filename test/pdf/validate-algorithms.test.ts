import { beforeAll, describe, expect, it } from 'vitest';
import { validatePdfSignatures } from '../../pdf/validate.js';
import { findSignatures } from '../../pdf/signatures.js';
import { addDocumentTimestamp, createSigner, hasHighS, signPdf, type KeyKind, type TestSigner } from './validate-cms-builder.js';
import { readSample, writeContents } from './validate-fixtures.js';

const carrier = readSample('pdf-signed-original.pdf');
const signers = new Map<KeyKind, TestSigner>();

beforeAll(async () => {
  for (const kind of ['rsa-pss', 'ecdsa-p256', 'ed25519', 'rsa-1024'] as const) signers.set(kind, await createSigner(kind));
});

describe('validatePdfSignatures on freshly signed byte ranges', () => {
  it.each([
    ['rsa-pss', 'RSASSA-PSS'],
    ['ecdsa-p256', 'ECDSA'],
    ['ed25519', 'Ed25519'],
  ] as const)('when signed with %s, it passes as %s and baseline B', (kind, family) => {
    const report = validatePdfSignatures(signPdf(carrier, signers.get(kind)!));
    expect(report.indication).toBe('PASSED');
    expect(report.signatures[0].signatureAlgorithm).toBe(family);
    expect(report.signatures[0].baselineB).toBe(true);
  });

  it.each(['high', 'low'] as const)('when the ECDSA S is %s, it passes', (side) => {
    const pdf = signPdf(carrier, signers.get('ecdsa-p256')!, { ecdsaS: side });
    expect(hasHighS(pdf)).toBe(side === 'high');
    expect(validatePdfSignatures(pdf).indication).toBe('PASSED');
  });

  it('when the Ed25519 signature is replaced by another key, it is SIG_CRYPTO_FAILURE', async () => {
    const other = await createSigner('ed25519');
    const pdf = signPdf(carrier, { ...signers.get('ed25519')!, privateKey: other.privateKey });
    const report = validatePdfSignatures(pdf);
    expect(report.subIndication).toBe('SIG_CRYPTO_FAILURE');
  });

  it('when the RSA key has 1024 bits, it is CRYPTO_CONSTRAINTS_FAILURE', () => {
    const pdf = signPdf(carrier, signers.get('rsa-1024')!);
    const report = validatePdfSignatures(pdf);
    expect(report.indication).toBe('INDETERMINATE');
    expect(report.subIndication).toBe('CRYPTO_CONSTRAINTS_FAILURE');
    expect(validatePdfSignatures(pdf, { minRsaBits: 1024 }).indication).toBe('PASSED');
  });

  it('when both constraints apply, the crypto one wins', () => {
    const pdf = signPdf(carrier, signers.get('rsa-1024')!, { signingTime: true });
    const report = validatePdfSignatures(pdf, { requireBaselineB: true });
    expect(report.subIndication).toBe('CRYPTO_CONSTRAINTS_FAILURE');
    expect(report.signatures[0].problems).toHaveLength(2);
    expect(report.signatures[0].problems[1]).toBe('signature is not PAdES-BASELINE-B');
  });

  it('when a signing-time is signed, baseline B is required only under the policy', () => {
    const pdf = signPdf(carrier, signers.get('ecdsa-p256')!, { signingTime: true });
    expect(validatePdfSignatures(pdf).indication).toBe('PASSED');
    const strict = validatePdfSignatures(pdf, { requireBaselineB: true });
    expect(strict.indication).toBe('INDETERMINATE');
    expect(strict.subIndication).toBe('SIG_CONSTRAINTS_FAILURE');
  });
});

describe('validatePdfSignatures on document timestamps', () => {
  it('when a timestamp follows the signature, both pass', async () => {
    const pdf = await addDocumentTimestamp(carrier, signers.get('ecdsa-p256')!);
    const report = validatePdfSignatures(pdf, { requireBaselineB: true });
    expect(report.indication).toBe('PASSED');
    expect(report.coversWholeFile).toBe(true);
    expect(report.signatures.map((check) => check.subFilter)).toEqual(['ETSI.CAdES.detached', 'ETSI.RFC3161']);
    expect(report.signatures.map((check) => check.indication)).toEqual(['PASSED', 'PASSED']);
  });

  it('when the MessageImprint is wrong, it is HASH_FAILURE', async () => {
    const pdf = await addDocumentTimestamp(carrier, signers.get('ecdsa-p256')!, { wrongImprint: true });
    const report = validatePdfSignatures(pdf);
    expect(report.subIndication).toBe('HASH_FAILURE');
    expect(report.message).toMatch(/MessageImprint [0-9a-f]{64} is not the sha256 of the signed byte ranges/);
  });

  it('when a byte of the TSTInfo changes, it is HASH_FAILURE', async () => {
    const pdf = await addDocumentTimestamp(carrier, signers.get('ecdsa-p256')!);
    const [, contents] = findSignatures(pdf).signatures;
    const cms = Buffer.from(contents.contents);
    // The genTime "20260101000000Z" sits inside the TSTInfo, which the message-digest covers.
    const at = cms.indexOf('20260101000000Z', 0, 'latin1');
    cms[at] = '3'.charCodeAt(0);
    const report = validatePdfSignatures(writeContents(pdf, cms, -1));
    expect(report.subIndication).toBe('HASH_FAILURE');
    expect(report.message).toMatch(/message-digest .* is not the sha256 of the TSTInfo/);
  });
});

describe('validatePdfSignatures after a certification with DocMDP permission 1', () => {
  /** Certified with /P 1, SHA-1 and RSA: the policy below accepts its algorithms, so only the updates decide. */
  const certified = readSample('pkcs7-no-message-digest.pdf');
  const legacy = { allowSha1: true, minRsaBits: 1024 };

  it('when a document timestamp is added, it passes', async () => {
    const pdf = await addDocumentTimestamp(certified, signers.get('ecdsa-p256')!);
    const report = validatePdfSignatures(pdf, legacy);
    expect(report.signatures.map((check) => check.indication)).toEqual(['PASSED', 'PASSED']);
  });

  it('when a signature is added, it is FORMAT_FAILURE', async () => {
    const pdf = await addDocumentTimestamp(certified, signers.get('ecdsa-p256')!, { dictionaryType: 'Sig' });
    const report = validatePdfSignatures(pdf, legacy);
    expect(report.subIndication).toBe('FORMAT_FAILURE');
    expect(report.signatures[0].message).toMatch(/AcroForm \/Fields gained object \d+, which is not a new signature field/);
    expect(report.signatures[1].indication).toBe('PASSED');
  });
});
