/**
 * `ecert verify` and `ecert receipt` run in-process against a development hub on 127.0.0.1,
 * with the exit codes of the command contract: 0 TOTAL-PASSED, 1 TOTAL-FAILED,
 * 3 INDETERMINATE, 2 usage error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { CliError } from '../../cli/errors.js';
import { buildProgram } from '../../cli/program.js';
import { ownCertificate, Scenario } from '../verifier/scenario.js';

const CAB = 'UZ-UZAC-0001';

let scenario: Scenario;
let dir: string;
const files: Record<string, string> = {};
const hashes: Record<string, string> = {};

beforeAll(async () => {
  scenario = await Scenario.start();
  dir = mkdtempSync(path.join(tmpdir(), 'ecert-verify-cli-'));
  await scenario.registerAuthorities();
  await scenario.registerCab(CAB);
  const good = await ownCertificate(scenario, CAB);
  await scenario.registerCabKey(CAB, good);
  const revoked = await ownCertificate(scenario, CAB);
  await scenario.registerCabKey(CAB, revoked);
  await scenario.revokeCabKey(revoked);
  const documents = {
    good: await scenario.document({ cabCode: CAB, signer: good }),
    revoked: await scenario.document({ cabCode: CAB, signer: revoked }),
    unknown: await scenario.document({ cabCode: CAB, signer: await ownCertificate(scenario, CAB) }),
  };
  for (const [name, document] of Object.entries(documents)) {
    files[name] = path.join(dir, `${name}.pdf`);
    writeFileSync(files[name]!, document.pdf);
    hashes[name] = document.sha256;
  }
  files.policy = path.join(dir, 'none.policy');
  writeFileSync(files.policy, 'quorum none\n');
}, 120_000);

afterAll(async () => {
  await scenario?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs `ecert <args>` in-process and returns the exit code main.ts would set, and stdout. */
async function run(...args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(['node', 'ecert', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout };
  } catch (error) {
    if (error instanceof CommanderError) return { code: error.exitCode === 0 ? 0 : 2, stdout };
    if (error instanceof CliError) return { code: error.exitCode, stdout };
    throw error;
  } finally {
    process.exitCode = undefined;
  }
}

describe('ecert verify', () => {
  it('exits 0 for TOTAL-PASSED over a hub', async () => {
    const result = await run('verify', files.good!, '--hub', scenario.url, '--vkey', scenario.logVkeyFile);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('TOTAL-PASSED');
  });

  it('exits 1 for TOTAL-FAILED', async () => {
    const result = await run('verify', files.revoked!, '--hub', scenario.url, '--vkey', scenario.logVkeyFile, '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { result: string; checks: { id: string; subIndication?: string }[] };
    expect(report.result).toBe('TOTAL-FAILED');
    expect(report.checks.find((check) => check.id === 'key-registry')?.subIndication).toBe('REVOKED');
  });

  it('exits 3 for INDETERMINATE', async () => {
    expect((await run('verify', files.unknown!, '--hub', scenario.url, '--vkey', scenario.logVkeyFile)).code).toBe(3);
  });

  it('exits 3 when the hub is unreachable', async () => {
    const result = await run('verify', files.good!, '--hub', 'http://127.0.0.1:1', '--vkey', scenario.logVkeyFile, '--json');
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as { checks: { id: string; subIndication?: string; message: string }[] };
    const traceability = report.checks.find((check) => check.id === 'traceability')!;
    expect(traceability.subIndication).toBe('TRY_LATER');
    expect(traceability.message).toContain('could not be read');
  });

  it('exits 3 without evidence', async () => {
    const result = await run('verify', files.good!, '--json');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).checks.find((check: { id: string }) => check.id === 'signature').indication).toBe('PASSED');
  });

  const usageCases: [string, string[]][] = [
    ['both --hub and --receipt', ['--hub', 'http://127.0.0.1:1', '--receipt', 'r.json', '--vkey', 'log.vkey']],
    ['--hub without --vkey', ['--hub', 'http://127.0.0.1:1']],
    ['--policy without evidence', ['--policy', 'p.policy']],
    ['an unknown option', ['--fast']],
  ];
  for (const [name, flags] of usageCases) {
    it(`exits 2 for ${name}`, async () => {
      expect((await run('verify', files.good!, ...flags)).code).toBe(2);
    });
  }

  it('exits 2 for a missing PDF', async () => {
    expect((await run('verify', path.join(dir, 'missing.pdf'))).code).toBe(2);
  });

  it('exits 2 for a malformed policy file', async () => {
    const policy = path.join(dir, 'bad.policy');
    writeFileSync(policy, 'quorum\n');
    expect((await run('verify', files.good!, '--hub', scenario.url, '--vkey', scenario.logVkeyFile, '--policy', policy)).code).toBe(2);
  });
});

describe('ecert receipt', () => {
  it('receipt with the log verifies offline with exit 0', async () => {
    const receipt = path.join(dir, 'good-with-log.json');
    const written = await run('receipt', hashes.good!, '--hub', scenario.url, '--vkey', scenario.logVkeyFile, '--with-log', '-o', receipt);
    expect(written.code).toBe(0);
    expect(JSON.parse(readFileSync(receipt, 'utf8')).format).toBe('ecert-receipt/v1');
    expect((await run('verify', files.good!, '--receipt', receipt, '--vkey', scenario.logVkeyFile)).code).toBe(0);
  });

  it('receipt without the log needs --policy and is INDETERMINATE', async () => {
    const receipt = path.join(dir, 'good.json');
    expect((await run('receipt', hashes.good!, '--hub', scenario.url, '--vkey', scenario.logVkeyFile, '-o', receipt)).code).toBe(0);
    expect((await run('verify', files.good!, '--receipt', receipt, '--vkey', scenario.logVkeyFile)).code).toBe(2);
    const result = await run('verify', files.good!, '--receipt', receipt, '--vkey', scenario.logVkeyFile, '--policy', files.policy!);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('TRY_LATER');
  });

  it('exits 2 for a hash that is not hex', async () => {
    expect((await run('receipt', 'XYZ', '--hub', scenario.url, '--vkey', scenario.logVkeyFile, '-o', path.join(dir, 'x.json'))).code).toBe(2);
  });

  it('exits 1 for an unknown document', async () => {
    const unknown = '0'.repeat(64);
    expect((await run('receipt', unknown, '--hub', scenario.url, '--vkey', scenario.logVkeyFile, '-o', path.join(dir, 'x.json'))).code).toBe(1);
  });
});
