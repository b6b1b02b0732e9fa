import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** True when an `openssl` binary runs; tests that cross-check with it skip otherwise. */
export const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

type Input = Uint8Array | string;

/**
 * Runs openssl with each input written to a temp file: `{in}` in `args` is the
 * path of `input` when it is a single value, `{name}` that of `input[name]`.
 */
export function runOpenssl(args: string[], input: Input | Record<string, Input>): { status: number | null; stdout: string; stderr: string } {
  const directory = mkdtempSync(path.join(tmpdir(), 'ecert-openssl-'));
  try {
    const inputs: Record<string, Input> = typeof input === 'string' || input instanceof Uint8Array ? { in: input } : input;
    const paths = new Map<string, string>();
    for (const [name, content] of Object.entries(inputs)) {
      const file = path.join(directory, name);
      writeFileSync(file, content);
      paths.set(`{${name}}`, file);
    }
    const result = spawnSync('openssl', args.map((arg) => paths.get(arg) ?? arg), { encoding: 'utf8' });
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
