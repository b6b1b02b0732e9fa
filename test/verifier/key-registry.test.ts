/**
 * Check 5 path validation against RFC 5280 §4.2: a certificate on the national CA path that
 * carries a critical extension the verifier does not recognise is rejected.
 */
import 'reflect-metadata';

import { webcrypto } from 'node:crypto';

import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HubClient } from '../../cli/hub-client.js';
import { hubFetcher } from '../../cli/commands/verify.js';
import { sha256Hex, toPem, type CertifiedKey } from '../../cli/pilot/pki.js';
import { noteVerifier } from '../../ledger/note.js';
import { fetchLog } from '../../verifier/log-fetch.js';
import { verifyDocument, type DocumentVerificationReport } from '../../verifier/verify.js';
import { caIssuedCertificate, nationalCa, Scenario, validity, type LoggedDocument } from './scenario.js';

const CAB = 'UZ-UZAC-0001';
const UNKNOWN_OID = '1.2.3.4.5.6.7';

let scenario: Scenario;
const docs: Record<string, LoggedDocument> = {};

async function certifiedKey(certificate: x509.X509Certificate, keys: CryptoKeyPair): Promise<CertifiedKey> {
  const der = new Uint8Array(certificate.rawData);
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    certificate,
    der,
    certificatePem: toPem(der, 'CERTIFICATE'),
    keys,
    privateKeyPem: toPem(pkcs8, 'PRIVATE KEY'),
    keyAlgorithm: 'ECDSA-P256',
    sha256: sha256Hex(der),
  };
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** Builds a critical extension with an unassigned test OID and an ASN.1 NULL value. */
function unknownCriticalExtension(): x509.Extension {
  return new x509.Extension(UNKNOWN_OID, true, new Uint8Array([0x05, 0x00]));
}

/** Issues from `ca` a CAB signing certificate like the pilot's, plus an unknown critical extension. */
async function cabCertificateWithUnknownExtension(ca: CertifiedKey): Promise<CertifiedKey> {
  const keys = await generateKeys();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '0102030405060708',
    subject: new x509.Name([{ C: ['UZ'] }, { O: [`Test body ${CAB}`] }, { '2.5.4.97': [{ utf8String: CAB }] }, { CN: [`Test body ${CAB}`] }]),
    issuer: ca.certificate.subjectName,
    ...validity(scenario),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      unknownCriticalExtension(),
    ],
  });
  return certifiedKey(certificate, keys);
}

/** Creates a national CA of UZ with an unknown critical extension beside the usual CA extensions. */
async function nationalCaWithUnknownExtension(): Promise<CertifiedKey> {
  const keys = await generateKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a0b0c0d0e0f',
    name: [{ C: ['UZ'] }, { O: ['Extended Test Authority'] }, { CN: ['Extended Test Authority Root CA'] }],
    ...validity(scenario, 3650),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      unknownCriticalExtension(),
    ],
  });
  return certifiedKey(certificate, keys);
}

beforeAll(async () => {
  scenario = await Scenario.start();
  await scenario.registerAuthorities();
  await scenario.registerCab(CAB);

  const ca = await nationalCa(scenario);
  await scenario.registerCa(ca);
  docs.plain = await scenario.document({ cabCode: CAB, signer: await caIssuedCertificate(scenario, ca, CAB), chain: [ca] });
  docs.criticalSigner = await scenario.document({ cabCode: CAB, signer: await cabCertificateWithUnknownExtension(ca), chain: [ca] });

  const extendedCa = await nationalCaWithUnknownExtension();
  await scenario.registerCa(extendedCa);
  docs.criticalCa = await scenario.document({ cabCode: CAB, signer: await caIssuedCertificate(scenario, extendedCa, CAB), chain: [extendedCa] });
}, 120_000);

afterAll(async () => {
  await scenario?.stop();
});

async function keyRegistryOf(document: LoggedDocument): Promise<DocumentVerificationReport['checks'][number]> {
  const log = await fetchLog(hubFetcher(new HubClient(scenario.url)), noteVerifier(scenario.hub.vkey));
  const report = await verifyDocument({ pdf: document.pdf, logKey: scenario.hub.vkey, evidence: { kind: 'log', ...log } });
  const check = report.checks.find((candidate) => candidate.id === 'key-registry');
  if (check === undefined) throw new Error('report has no key-registry check');
  return check;
}

describe('checkKeyRegistry on the national CA path', () => {
  it('plain national CA path passes', async () => {
    const check = await keyRegistryOf(docs.plain!);
    expect(check.indication).toBe('PASSED');
    expect(check.evidence.path).toBe('national-ca');
  });

  it('unknown critical extension on CAB certificate', async () => {
    const check = await keyRegistryOf(docs.criticalSigner!);
    expect(check.indication).toBe('INDETERMINATE');
    expect(check.subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
    expect(check.message).toContain(UNKNOWN_OID);
    expect(check.message).toContain('signer certificate carries');
  });

  it('unknown critical extension on national CA', async () => {
    const check = await keyRegistryOf(docs.criticalCa!);
    expect(check.indication).toBe('INDETERMINATE');
    expect(check.subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
    expect(check.message).toContain(UNKNOWN_OID);
    expect(check.message).toContain('Extended Test Authority');
  });
});
