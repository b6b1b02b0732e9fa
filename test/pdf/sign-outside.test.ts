import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { signPdf } from '../../pdf/sign.js';
import { findSignatures } from '../../pdf/signatures.js';
import { hasBinary, makeSigner, signedBytes, unsignedDocument, type TestKeyType } from './sign-fixtures.js';

// Ed25519 is left out: pdfsig 22.12 with NSS 3.87 and OpenSSL 3.0 cms cannot verify it.
const KEY_TYPES: TestKeyType[] = ['RSA-2048', 'ECDSA-P256', 'ECDSA-P384'];
const havePdfsig = hasBinary('pdfsig');
const haveOpenssl = hasBinary('openssl');
if (!havePdfsig) console.warn('pdfsig not found (apt-get install poppler-utils): skipping the pdfsig cross-checks');
if (!haveOpenssl) console.warn('openssl not found: skipping the openssl cms cross-checks');

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'ecert-sign-'));
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

function write(name: string, content: Uint8Array | string): string {
  const file = path.join(directory, name);
  writeFileSync(file, content);
  return file;
}

describe.each(KEY_TYPES)('outside verifiers with %s', (keyType) => {
  it.skipIf(!havePdfsig)('pdfsig reports every signature valid', async () => {
    const signer = await makeSigner(keyType);
    const once = await signPdf(await unsignedDocument(), { privateKey: signer.privateKey, certificate: signer.certificate });
    const twice = await signPdf(once, { privateKey: signer.privateKey, certificate: signer.certificate, chain: [signer.caCertificatePem] });
    const file = write(`${keyType}-pdfsig.pdf`, twice);

    // pdfsig exits 0 even for a broken signature, so read what it prints.
    const result = spawnSync('pdfsig', [file], { encoding: 'utf8' });
    const output = result.stdout;
    expect(output.match(/Signature is Valid\./g)).toHaveLength(2);
    expect(output).toMatch(/Total document signed/);
    expect(output).not.toMatch(/Signature is Invalid|Digest Mismatch/);
  });

  it.skipIf(!haveOpenssl)('openssl cms verifies the detached CMS', async () => {
    const signer = await makeSigner(keyType);
    const pdf = await signPdf(await unsignedDocument(), {
      privateKey: signer.privateKeyPem,
      certificate: signer.certificatePem,
      chain: [signer.caCertificatePem],
    });
    const [signature] = findSignatures(pdf).signatures;
    const cms = write(`${keyType}.p7s`, signature.contents);
    const content = write(`${keyType}.content`, signedBytes(pdf, signature.byteRange));
    const ca = write(`${keyType}-ca.pem`, signer.caCertificatePem);

    const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cms, '-content', content, '-out', path.join(directory, 'out')];
    const result = spawnSync('openssl', [...args, '-CAfile', ca, '-purpose', 'any'], { encoding: 'utf8' });
    expect(result.stderr).toMatch(/Verification successful/);
    expect(result.status).toBe(0);

    const tampered = signedBytes(pdf, signature.byteRange);
    tampered[100] ^= 1;
    const bad = spawnSync('openssl', [...args.slice(0, 8), write(`${keyType}.tampered`, tampered), '-noverify', '-out', path.join(directory, 'out')], {
      encoding: 'utf8',
    });
    expect(bad.status).not.toBe(0);
  });
});

describe('outside verifiers with RSA-PSS', () => {
  it.skipIf(!haveOpenssl)('openssl cms verifies an RSA-PSS signature', async () => {
    const signer = await makeSigner('RSA-2048');
    const pdf = await signPdf(await unsignedDocument(), { privateKey: signer.privateKey, certificate: signer.certificate, rsaPss: true });
    const [signature] = findSignatures(pdf).signatures;
    const cms = write('pss.p7s', signature.contents);
    const content = write('pss.content', signedBytes(pdf, signature.byteRange));

    const printed = spawnSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', cms], { encoding: 'utf8' });
    expect(printed.stdout).toMatch(/rsassaPss/);
    const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cms, '-content', content, '-noverify', '-out', path.join(directory, 'out')];
    const result = spawnSync('openssl', args, { encoding: 'utf8' });
    expect(result.stderr).toMatch(/Verification successful/);
    expect(result.status).toBe(0);
  });
});
