import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** True when an `openssl` binary runs; tests that cross-check with it skip otherwise. */
export const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

/** Runs openssl with `input` written to a temp file whose path replaces `{in}` in `args`. */
export function runOpenssl(args: string[], input: Uint8Array | string): { status: number | null; stdout: string; stderr: string } {
  const directory = mkdtempSync(path.join(tmpdir(), 'ecert-openssl-'));
  try {
    const file = path.join(directory, 'input');
    writeFileSync(file, input);
    const result = spawnSync('openssl', args.map((arg) => (arg === '{in}' ? file : arg)), { encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Splits `openssl pkcs7 -print_certs` output into PEM blocks. */
export function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}
