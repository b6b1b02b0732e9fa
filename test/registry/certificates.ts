import 'reflect-metadata';

import { webcrypto, type webcrypto as WebCrypto } from 'node:crypto';

type CryptoKeyPair = WebCrypto.CryptoKeyPair;

import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface TestCa {
  der: Uint8Array;
  keys: CryptoKeyPair;
  subject: string;
}

/** Makes a self-signed national CA certificate of `country`, valid `days` from `notBefore`. */
export async function makeCaCertificate(country: string, notBefore: number, days = 3650, isCa = true): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const subject = `CN=National CA ${country}, O=Registrar ${country}, C=${country}`;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notBefore + days * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(isCa, undefined, true)],
  });
  return { der: new Uint8Array(certificate.rawData), keys, subject };
}

/**
 * Makes a CAB signing certificate, issued by `issuer` or self-signed when absent, with
 * the CAB code in organizationIdentifier when given.
 */
export async function makeCabCertificate(options: {
  country: string;
  cabCode?: string;
  issuer?: TestCa;
  notBefore: number;
  days?: number;
}): Promise<Uint8Array> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const orgId = options.cabCode === undefined ? '' : `, 2.5.4.97=${options.cabCode}`;
  const subject = `CN=Signer${orgId}, O=Test CAB, C=${options.country}`;
  const common = {
    serialNumber: '02',
    subject,
    notBefore: new Date(options.notBefore),
    notAfter: new Date(options.notBefore + (options.days ?? 365) * DAY_MS),
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  };
  const certificate =
    options.issuer === undefined
      ? await x509.X509CertificateGenerator.create({ ...common, issuer: subject, signingKey: keys.privateKey })
      : await x509.X509CertificateGenerator.create({
          ...common,
          issuer: options.issuer.subject,
          signingKey: options.issuer.keys.privateKey,
        });
  return new Uint8Array(certificate.rawData);
}
