/**
 * The `ecert` command as a user runs it: real processes of dist/cli/main.js against a real hub
 * on 127.0.0.1, with exit codes checked (0 success, 1 failed check or rejected request, 2 usage).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseTestKey, parseTestVerifierKey } from '../helpers/envelopes.js';
import { ensureBuilt, makeTempDir, runCli, startHub, type HubProcess } from '../helpers/hub-process.js';
import { cabCode, cabRegisterBody, request } from '../helpers/records.js';
import { openCheckpointNote } from '../api/signed-note.js';

let temp: ReturnType<typeof makeTempDir>;
let hub: HubProcess;
let devData: string;
let logVkeyFile: string;

function file(name: string): string {
  return path.join(temp.dir, name);
}

function writeJson(name: string, value: unknown): string {
  writeFileSync(file(name), JSON.stringify(value, null, 2));
  return file(name);
}

beforeAll(async () => {
  ensureBuilt();
  temp = makeTempDir('cli');
  devData = file('dev');
  hub = await startHub(devData, { args: ['--batch-interval', '5'] });
  logVkeyFile = path.join(devData, 'log.vkey');
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  temp?.remove();
});

describe('keygen', () => {
  it('writes a signing key pair', async () => {
    const out = file('keys');
    const result = await runCli(['keygen', 'registrar:UZ', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const keyPath = path.join(out, 'registrar-UZ.key');
    const vkeyPath = path.join(out, 'registrar-UZ.vkey');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const vkey = readFileSync(vkeyPath, 'utf8');
    expect(vkey.endsWith('\n')).toBe(true);
    expect(result.stdout).toBe(vkey);
    const parsed = parseTestVerifierKey(vkey);
    expect(parsed.name).toBe('registrar:UZ');
    expect(parsed.type).toBe(0x01);
    const key = parseTestKey(readFileSync(keyPath, 'utf8'));
    expect(key.name).toBe('registrar:UZ');
    expect(key.keyId).toBe(parsed.keyId);
    expect(Buffer.from(key.publicKey).equals(Buffer.from(parsed.publicKey))).toBe(true);
  });

  it('writes a cosigner key with type 0x04', async () => {
    const out = file('keys');
    const result = await runCli(['keygen', '--cosigner', 'witness:KG', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const parsed = parseTestVerifierKey(readFileSync(path.join(out, 'witness-KG.vkey'), 'utf8'));
    expect(parsed.name).toBe('witness:KG');
    expect(parsed.type).toBe(0x04);
    expect(statSync(path.join(out, 'witness-KG.key')).mode & 0o777).toBe(0o600);
  });

  it('existing key files without --force exit 2', async () => {
    const out = file('keys-existing');
    expect((await runCli(['keygen', 'authority:KG', '--out', out])).code).toBe(0);
    const before = readFileSync(path.join(out, 'authority-KG.key'), 'utf8');
    const again = await runCli(['keygen', 'authority:KG', '--out', out]);
    expect(again.code).toBe(2);
    expect(readFileSync(path.join(out, 'authority-KG.key'), 'utf8')).toBe(before);
    expect((await runCli(['keygen', 'authority:KG', '--out', out, '--force'])).code).toBe(0);
    expect(readFileSync(path.join(out, 'authority-KG.key'), 'utf8')).not.toBe(before);
  });

  it('name with a plus exits 2', async () => {
    expect((await runCli(['keygen', 'bad+name', '--out', file('keys-bad')])).code).toBe(2);
  });
});

describe('submit and verify-receipt', () => {
  let receiptPath: string;

  beforeAll(async () => {
    receiptPath = file('receipt.tlog-proof');
    const body = writeJson('cab.json', cabRegisterBody(cabCode('UZ', 1)));
    const key = path.join(devData, 'dev-keys', 'registrar-UZ.key');
    const result = await runCli(['submit', 'cab.register', body, '--key', key, '--hub', hub.url, '-o', receiptPath]);
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { index: number; leafHash: string; checkpoint: string };
    expect(answer.index).toBe(1);
    expect(openCheckpointNote(answer.checkpoint, readFileSync(logVkeyFile, 'utf8')).size).toBe(2);
  });

  it('receipt verifies with the log vkey', async () => {
    const result = await runCli(['verify-receipt', receiptPath, '--vkey', logVkeyFile, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { valid: boolean; index: number; kind: string; actor: string };
    expect(report.valid).toBe(true);
    expect(report.index).toBe(1);
    expect(report.kind).toBe('cab.register');
    expect(report.actor).toBe('registrar:UZ');
  });

  it('tampered receipt exits 1', async () => {
    const lines = readFileSync(receiptPath, 'utf8').split('\n');
    const extra = lines.findIndex((line) => line.startsWith('extra '));
    expect(extra).toBeGreaterThanOrEqual(0);
    // Re-encode the entry with one character changed, so the line stays valid base64.
    const entry = Buffer.from(lines[extra]!.slice('extra '.length), 'base64').toString('utf8');
    const changed = entry.replace('"registrar:UZ"', '"registrar:KG"');
    expect(changed).not.toBe(entry);
    lines[extra] = `extra ${Buffer.from(changed, 'utf8').toString('base64')}`;
    const tampered = file('tampered.tlog-proof');
    writeFileSync(tampered, lines.join('\n'));
    const result = await runCli(['verify-receipt', tampered, '--vkey', logVkeyFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not verify/);
  });

  it('wrong vkey exits 1', async () => {
    // A key of the same name as the log's, so only the signature tells them apart.
    const out = file('other-log');
    const origin = readFileSync(logVkeyFile, 'utf8').split('+')[0]!;
    expect((await runCli(['keygen', origin, '--out', out])).code).toBe(0);
    const otherVkey = path.join(out, `${origin.replaceAll('/', '_')}.vkey`);
    expect(existsSync(otherVkey)).toBe(true);
    const result = await runCli(['verify-receipt', receiptPath, '--vkey', otherVkey]);
    expect(result.code).toBe(1);
  });

  it('missing receipt file exits 2', async () => {
    const result = await runCli(['verify-receipt', file('no-such-receipt'), '--vkey', logVkeyFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ENOENT/);
  });

  it('missing vkey file exits 2', async () => {
    expect((await runCli(['verify-receipt', receiptPath, '--vkey', file('no-such-vkey')])).code).toBe(2);
  });

  it('rejected submission exits 1', async () => {
    const body = writeJson('cab-kg.json', cabRegisterBody(cabCode('KG', 1)));
    const key = path.join(devData, 'dev-keys', 'registrar-UZ.key');
    const result = await runCli(['submit', 'cab.register', body, '--key', key, '--hub', hub.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/wrong_country/);
  });

  it('unknown kind exits 2', async () => {
    const body = writeJson('empty.json', {});
    const key = path.join(devData, 'dev-keys', 'registrar-UZ.key');
    expect((await runCli(['submit', 'cab.delete', body, '--key', key, '--hub', hub.url])).code).toBe(2);
  });
});

describe('proof and checkpoint', () => {
  beforeAll(async () => {
    // A few more entries, so proofs have some depth.
    const key = path.join(devData, 'dev-keys', 'registrar-AZ.key');
    for (let i = 1; i <= 4; i++) {
      const body = writeJson(`cab-az-${i}.json`, cabRegisterBody(cabCode('AZ', i)));
      const result = await runCli(['submit', 'cab.register', body, '--key', key, '--hub', hub.url]);
      expect(result.code, result.stderr).toBe(0);
    }
  });

  it('inclusion proof by index verifies', async () => {
    const result = await runCli(['proof', '--hub', hub.url, '--vkey', logVkeyFile, '--index', '2']);
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { index: number; size: number; verified: boolean; leafHash: string };
    expect(answer.index).toBe(2);
    expect(answer.verified).toBe(true);
    const entry = await request(`${hub.url}/v1/entries/2`);
    expect(answer.leafHash).toBe(entry.body.leafHash);
  });

  it('inclusion proof by leaf hash verifies', async () => {
    const entry = await request(`${hub.url}/v1/entries/3`);
    const result = await runCli(['proof', '--hub', hub.url, '--vkey', logVkeyFile, '--leaf-hash', entry.body.leafHash]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).index).toBe(3);
  });

  it('consistency proof verifies', async () => {
    const result = await runCli(['proof', '--hub', hub.url, '--vkey', logVkeyFile, '--from', '2']);
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { from: number; to: number; verified: boolean };
    expect(answer.from).toBe(2);
    expect(answer.to).toBe(6);
    expect(answer.verified).toBe(true);
  });

  it('proof without a selector exits 2', async () => {
    expect((await runCli(['proof', '--hub', hub.url, '--vkey', logVkeyFile])).code).toBe(2);
  });

  it('proof of an index beyond the tree exits 1', async () => {
    const result = await runCli(['proof', '--hub', hub.url, '--vkey', logVkeyFile, '--index', '99']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not_found/);
  });

  it('checkpoint prints the verified note', async () => {
    const result = await runCli(['checkpoint', '--hub', hub.url, '--vkey', logVkeyFile]);
    expect(result.code, result.stderr).toBe(0);
    const opened = openCheckpointNote(result.stdout, readFileSync(logVkeyFile, 'utf8'));
    expect(opened.size).toBe(6);
    const json = await runCli(['checkpoint', '--hub', hub.url, '--vkey', logVkeyFile, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).size).toBe(6);
  });

  it('checkpoint under a wrong vkey exits 1', async () => {
    const wrong = path.join(devData, 'dev-keys', 'operator.vkey');
    expect((await runCli(['checkpoint', '--hub', hub.url, '--vkey', wrong])).code).toBe(1);
  });

  it('unreachable hub exits 1', async () => {
    // Port 9 (discard) on 127.0.0.1 has no listener here, so the connection is refused.
    const result = await runCli(['checkpoint', '--hub', 'http://127.0.0.1:9', '--vkey', logVkeyFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach the hub/);
  });
});

describe('init, serve and fsck', () => {
  it('init from keygen outputs, then serve and submit', async () => {
    const keys = file('prod-keys');
    for (const args of [['operator'], ['registrar:UZ'], ['registrar:KG'], ['registrar:PK'], ['--cosigner', 'witness:UZ']]) {
      const result = await runCli(['keygen', ...args, '--out', keys]);
      expect(result.code, result.stderr).toBe(0);
    }
    const vkey = (stem: string): string => readFileSync(path.join(keys, `${stem}.vkey`), 'utf8').trim();
    const participants = writeJson('participants.json', {
      origin: 'hub.example.test/ledger',
      operator: vkey('operator'),
      participants: [
        { country: 'UZ', registrar: vkey('registrar-UZ') },
        { country: 'KG', registrar: vkey('registrar-KG') },
        { country: 'PK', registrar: vkey('registrar-PK') },
      ],
      witnesses: [{ name: 'witness:UZ', key: vkey('witness-UZ') }],
      witnessQuorum: 1,
      recoveryQuorum: 2,
    });
    const data = file('prod');
    const init = await runCli(['init', '--data', data, '--participants', participants, '--operator-key', path.join(keys, 'operator.key')]);
    expect(init.code, init.stderr).toBe(0);
    const logVkey = readFileSync(path.join(data, 'log.vkey'), 'utf8');
    expect(init.stdout).toBe(logVkey);
    expect(parseTestVerifierKey(logVkey).name).toBe('hub.example.test/ledger');
    expect(existsSync(path.join(data, 'dev-keys'))).toBe(false);

    const again = await runCli(['init', '--data', data, '--participants', participants, '--operator-key', path.join(keys, 'operator.key')]);
    expect(again.code).toBe(2);

    const fsck = await runCli(['fsck', '--data', data]);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
    expect(fsck.stdout).toMatch(/checked tree size 1/);

    const prod = await startHub(data, { args: ['--batch-interval', '5'] });
    try {
      const checkpoint = openCheckpointNote((await request(`${prod.url}/checkpoint`)).text, logVkey);
      expect(checkpoint.size).toBe(1);
      const genesis = await request(`${prod.url}/v1/entries/0`);
      expect(genesis.body.entry.body.operator).toBe(vkey('operator'));
      const body = writeJson('prod-cab.json', cabRegisterBody(cabCode('UZ', 7)));
      const submit = await runCli(['submit', 'cab.register', body, '--key', path.join(keys, 'registrar-UZ.key'), '--hub', prod.url]);
      expect(submit.code, submit.stderr).toBe(0);
      expect(JSON.parse(submit.stdout).index).toBe(1);
    } finally {
      await prod.stop();
    }
    const after = await runCli(['fsck', '--data', data]);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toMatch(/checked tree size 2/);
  });

  it('init whose genesis the rules reject leaves the directory empty', async () => {
    const keys = file('prod-keys-3');
    for (const name of ['operator', 'registrar:UZ', 'registrar:KG']) expect((await runCli(['keygen', name, '--out', keys])).code).toBe(0);
    const vkey = (stem: string): string => readFileSync(path.join(keys, `${stem}.vkey`), 'utf8').trim();
    // Two registrars cannot meet a recovery quorum of 2 other registrars.
    const participants = writeJson('participants-3.json', {
      origin: 'hub.example.test/ledger',
      operator: vkey('operator'),
      participants: [
        { country: 'UZ', registrar: vkey('registrar-UZ') },
        { country: 'KG', registrar: vkey('registrar-KG') },
      ],
      witnesses: [],
      witnessQuorum: 0,
      recoveryQuorum: 2,
    });
    const data = file('prod-3');
    const operatorKey = path.join(keys, 'operator.key');
    const init = await runCli(['init', '--data', data, '--participants', participants, '--operator-key', operatorKey]);
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/invalid_quorum/);
    // Nothing is left behind, so the same directory can be used once the file is fixed.
    expect(existsSync(data)).toBe(false);
  });

  it('init with a participants file that is not JSON exits 2', async () => {
    const keys = file('prod-keys-2');
    expect((await runCli(['keygen', 'operator', '--out', keys])).code).toBe(0);
    writeFileSync(file('broken.json'), '{"origin": ');
    const result = await runCli(['init', '--data', file('prod-2'), '--participants', file('broken.json'), '--operator-key', path.join(keys, 'operator.key')]);
    expect(result.code).toBe(2);
    expect(existsSync(path.join(file('prod-2'), 'log.key'))).toBe(false);
  });
});

describe('help', () => {
  it('top-level --help exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: ecert/);
  });

  it('every command has --help', async () => {
    const listing = (await runCli(['--help'])).stdout;
    const commands = [...listing.split('Commands:')[1]!.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
      .map((m) => m[1]!)
      .filter((command) => command !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['serve', 'init', 'keygen', 'submit', 'proof', 'checkpoint', 'verify-receipt', 'fsck']));
    const results = await Promise.all(commands.map((command) => runCli([command, '--help'])));
    results.forEach((result, i) => {
      expect(result.code, `${commands[i]} --help`).toBe(0);
      expect(result.stdout, `${commands[i]} --help`).toMatch(new RegExp(`^Usage: ecert ${commands[i]}`));
    });
  });
});
