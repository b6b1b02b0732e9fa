import { describe, expect, it } from 'vitest';

import { parseSignedData } from '../../pdf/cms.js';
import { signPdf } from '../../pdf/sign.js';
import { findSignatures } from '../../pdf/signatures.js';
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
  });
});
