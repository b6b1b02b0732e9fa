import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { CliError } from '../../cli/errors.js';
import { buildProgram } from '../../cli/program.js';
import { findSignatures } from '../../pdf/signatures.js';
import { makeSigner, unsignedDocument, type TestSigner } from './sign-fixtures.js';

let directory: string;
let signer: TestSigner;
let other: TestSigner;
let files: { input: string; key: string; cert: string; ca: string; otherCert: string };

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 'ecert-sign-command-'));
  signer = await makeSigner('ECDSA-P256');
  other = await makeSigner('ECDSA-P256');
  const file = (name: string, content: Uint8Array | string): string => {
    const full = path.join(directory, name);
    writeFileSync(full, content);
    return full;
  };
  files = {
    input: file('in.pdf', await unsignedDocument()),
    key: file('cab.key.pem', signer.privateKeyPem),
    cert: file('cab.crt', signer.certificate),
    ca: file('ca.pem', signer.caCertificatePem),
    otherCert: file('other.pem', other.certificatePem),
  };
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Runs `ecert sign ...args` in process; returns the error it throws and what it printed. */
async function runSign(args: string[]): Promise<{ error?: unknown; stdout: string }> {
  const chunks: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await buildProgram().parseAsync(['node', 'ecert', 'sign', ...args]);
    return { stdout: chunks.join('') };
  } catch (error) {
    return { error, stdout: chunks.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

function out(name: string): string {
  return path.join(directory, name);
}

describe('ecert sign', () => {
  it('when given key and certificate, it writes a signed copy', async () => {
    const target = out('signed.pdf');
    const { error, stdout } = await runSign([files.input, target, '--key', files.key, '--cert', files.cert, '--chain', files.ca, '--reason', 'Issued']);
    expect(error).toBeUndefined();
    const input = readFileSync(files.input);
    const signed = readFileSync(target);
    expect(signed.subarray(0, input.length).equals(input)).toBe(true);
    const { signatures } = findSignatures(signed);
    expect(signatures).toHaveLength(1);
    expect(signatures[0].reason).toBe('Issued');
    expect(stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when OUT exists, it refuses without --force', async () => {
    const target = out('exists.pdf');
    writeFileSync(target, 'keep me');
    const { error } = await runSign([files.input, target, '--key', files.key, '--cert', files.cert]);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/exists.*--force/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');

    const forced = await runSign([files.input, target, '--key', files.key, '--cert', files.cert, '--force']);
    expect(forced.error).toBeUndefined();
    expect(findSignatures(readFileSync(target)).signatures).toHaveLength(1);
  });

  it('when OUT is IN, it refuses even with --force', async () => {
    const before = readFileSync(files.input);
    const { error } = await runSign([files.input, files.input, '--key', files.key, '--cert', files.cert, '--force']);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as Error).message).toContain('input file');
    expect(readFileSync(files.input).equals(before)).toBe(true);
  });

  it('when the key does not match the certificate, it names both files', async () => {
    const target = out('mismatch.pdf');
    const { error } = await runSign([files.input, target, '--key', files.key, '--cert', files.otherCert]);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as Error).message).toContain(files.key);
    expect((error as Error).message).toContain(files.otherCert);
    expect((error as Error).message).toContain('key_certificate_mismatch');
    expect(existsSync(target)).toBe(false);
  });

  it('when the key file is not PKCS#8, it says how to convert it', async () => {
    const { error } = await runSign([files.input, out('bad-key.pdf'), '--key', files.cert, '--cert', files.cert]);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as Error).message).toContain('invalid_key');
    expect((error as Error).message).toContain('openssl pkcs8');
  });

  it('when IN is missing or not a PDF, it names IN', async () => {
    const missing = await runSign([out('nope.pdf'), out('x.pdf'), '--key', files.key, '--cert', files.cert]);
    expect((missing.error as CliError).exitCode).toBe(2);
    expect((missing.error as Error).message).toContain('nope.pdf');

    const notPdf = await runSign([files.ca, out('y.pdf'), '--key', files.key, '--cert', files.cert]);
    expect((notPdf.error as CliError).exitCode).toBe(2);
    expect((notPdf.error as Error).message).toContain(`IN ${files.ca}`);
    expect(existsSync(out('y.pdf'))).toBe(false);
  });

  it('prints usage with --help', async () => {
    const { error, stdout } = await runSign(['--help']);
    expect((error as CommanderError).code).toBe('commander.helpDisplayed');
    expect(stdout).toContain('--key <file>');
    expect(stdout).toContain('--cert <file>');
    expect(stdout).toContain('--force');
  });

  it('when --key is missing, commander reports a usage error', async () => {
    const { error } = await runSign([files.input, out('z.pdf'), '--cert', files.cert]);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).code).toBe('commander.missingMandatoryOptionValue');
  });
});
