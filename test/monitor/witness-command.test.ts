/**
 * `ecert witness` as a process: it cosigns over HTTP, keeps its state across a restart, and
 * rejects keys of the wrong type as usage errors.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formatPrivateKey, generatePrivateKey, noteVerifier, openNote, SIG_TYPE_COSIGNATURE, verifierKeyOf } from '../../ledger/note.js';
import { CLI_PATH, ensureBuilt, makeTempDir, PROJECT_ROOT, runCli } from '../helpers/hub-process.js';
import { TestLog } from './witness-log.js';

interface WitnessProcess {
  url: string;
  stderr: () => string;
  stop: () => Promise<void>;
}

let temp: ReturnType<typeof makeTempDir>;
let files: { key: string; logKey: string; logVkey: string; state: string };
const log = new TestLog('example.test/cli-log', 30);
const witnessKey = generatePrivateKey('witness:KG', SIG_TYPE_COSIGNATURE);

/** Starts `ecert witness` on a free port and resolves once it logs its address. */
function startWitnessProcess(): Promise<WitnessProcess> {
  const args = ['witness', '--state', files.state, '--key', files.key, '--log', files.logVkey, '--port', '0'];
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ECERT_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ecert witness exited with ${code} before listening:\n${stderr}`)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"witness listening"/.exec(stderr);
      if (match === null) return;
      resolve({
        url: match[1]!,
        stderr: () => stderr,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

function addCheckpoint(url: string, body: string): Promise<Response> {
  return fetch(`${url}/add-checkpoint`, { method: 'POST', body });
}

beforeAll(() => {
  ensureBuilt();
  temp = makeTempDir('witness-command');
  files = {
    key: path.join(temp.dir, 'witness-KG.key'),
    logKey: path.join(temp.dir, 'log.key'),
    logVkey: path.join(temp.dir, 'log.vkey'),
    state: path.join(temp.dir, 'state'),
  };
  writeFileSync(files.key, formatPrivateKey(witnessKey) + '\n');
  writeFileSync(files.logKey, formatPrivateKey(log.key) + '\n');
  writeFileSync(files.logVkey, log.vkey + '\n');
});

afterAll(() => temp?.remove());

describe('ecert witness', () => {
  it('cosigns, then keeps its size across a restart', async () => {
    const first = await startWitnessProcess();
    try {
      const response = await addCheckpoint(first.url, log.request(0, 12));
      expect(response.status).toBe(200);
      const cosigned = log.checkpoint(12) + (await response.text());
      expect(() => openNote(cosigned, [noteVerifier(verifierKeyOf(witnessKey))])).not.toThrow();
      expect(first.stderr()).toMatch(/"origin":"example.test\/cli-log","size":12,"msg":"cosigned checkpoint"/);
    } finally {
      await first.stop();
    }

    const second = await startWitnessProcess();
    try {
      const response = await addCheckpoint(second.url, log.request(0, 20));
      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toBe('text/x.tlog.size');
      expect(await response.text()).toBe('12\n');
      expect((await addCheckpoint(second.url, log.request(12, 20))).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('rejects a log key as --key, exit 2', async () => {
    const result = await runCli(['witness', '--state', files.state, '--key', files.logKey, '--log', files.logVkey]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a cosigner key/);
  });

  it('rejects a cosigner key as --log, exit 2', async () => {
    const vkeyFile = path.join(temp.dir, 'witness-KG.vkey');
    writeFileSync(vkeyFile, verifierKeyOf(witnessKey) + '\n');
    const result = await runCli(['witness', '--state', files.state, '--key', files.key, '--log', vkeyFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not an Ed25519 log key/);
  });
});
