/**
 * Crash safety of a real `ecert serve` process: SIGKILL it at random moments while clients
 * submit concurrently, restart it, and check that every answer it returned is still in the
 * log and that every signed checkpoint it ever served is consistent with every other.
 * The checks use the independent verifier in this folder, not ledger/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readDevKey, signTestEnvelope, type TestEnvelope, type TestKey } from '../helpers/envelopes.js';
import { ensureBuilt, makeTempDir, runCli, startHub, type HubProcess } from '../helpers/hub-process.js';
import { cabCode, cabRegisterBody, DEV_COUNTRIES, getBytes, postEntry, request, type SubmitAnswer } from '../helpers/records.js';
import { equalBytes, splitHashes, tileUrlPath, treeHash, verifyConsistencyProof, verifyInclusionProof } from './rfc6962.js';
import { openCheckpointNote, type OpenedCheckpoint } from './signed-note.js';

/** Restarts after a SIGKILL. Each costs about one hub start (~0.6 s on 2 cores) plus the checks. */
const KILLS = 50;
/** Concurrent submitting clients. */
const CLIENTS = 8;
/** A kill lands between these many milliseconds after the stream starts. */
const KILL_WINDOW_MS = [10, 300] as const;

const decodeBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

let temp: ReturnType<typeof makeTempDir>;
let dataDir: string;
let logVkey: string;
let hub: HubProcess | undefined;
let registrars: TestKey[];
let nextCab = 1;

/** The leaf hash of every entry the hub acknowledged, by index. */
const answered = new Map<number, string>();
/** Every signed checkpoint the hub served, by size (a second root for a size fails the test). */
const checkpoints = new Map<number, OpenedCheckpoint>();

function recordCheckpoint(note: string): OpenedCheckpoint {
  const opened = openCheckpointNote(note, logVkey);
  const known = checkpoints.get(opened.size);
  if (known !== undefined && !equalBytes(known.root, opened.root)) {
    throw new Error(`two checkpoints of size ${opened.size} with different roots`);
  }
  checkpoints.set(opened.size, opened);
  return opened;
}

function recordAnswer(answer: SubmitAnswer): void {
  const known = answered.get(answer.index);
  if (known !== undefined && known !== answer.leafHash) {
    throw new Error(`index ${answer.index} was answered with leaf hashes ${known} and ${answer.leafHash}`);
  }
  answered.set(answer.index, answer.leafHash);
  recordCheckpoint(answer.checkpoint);
}

function newEnvelope(): TestEnvelope {
  const registrar = registrars[nextCab % registrars.length]!;
  const country = registrar.name.slice('registrar:'.length);
  return signTestEnvelope('cab.register', cabRegisterBody(cabCode(country, nextCab++)), registrar);
}

/**
 * Submits new envelopes from CLIENTS clients until the hub dies. Returns the envelopes whose
 * outcome is unknown because the connection broke before a response.
 */
async function submitUntilKilled(url: string, killAfterMs: number): Promise<TestEnvelope[]> {
  const unknown: TestEnvelope[] = [];
  let alive = true;
  const client = async (): Promise<void> => {
    while (alive) {
      const envelope = newEnvelope();
      try {
        const answer = await postEntry(url, envelope);
        if (answer.status !== 200) throw new Error(`submission rejected: ${answer.status} ${answer.text}`);
        recordAnswer(answer.body as SubmitAnswer);
      } catch (error) {
        if (alive && !isConnectionError(error)) throw error;
        unknown.push(envelope);
        return;
      }
    }
  };
  const poller = async (): Promise<void> => {
    while (alive) {
      try {
        const answer = await request(`${url}/checkpoint`);
        recordCheckpoint(answer.text);
      } catch (error) {
        if (alive && !isConnectionError(error)) throw error;
        return;
      }
    }
  };
  const running = Promise.all([...Array.from({ length: CLIENTS }, client), poller()]);
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  await hub!.kill();
  alive = false;
  await running;
  return unknown;
}

function isConnectionError(error: unknown): boolean {
  // undici reports a reset or refused connection as a TypeError "fetch failed" with a cause.
  return error instanceof TypeError || (error instanceof Error && error.name === 'SocketError');
}

/** Leaf hashes of the tree of `size`, read from the level-0 tiles. */
async function readLeaves(url: string, size: number): Promise<Uint8Array[]> {
  const leaves: Uint8Array[] = [];
  for (let index = 0; index * 256 < size; index++) {
    const width = Math.min(256, size - index * 256);
    leaves.push(...splitHashes(await getBytes(`${url}/${tileUrlPath(0, index, width)}`)));
  }
  return leaves;
}

/** Checks the restarted hub against everything it answered and served before. */
async function checkAfterRestart(url: string, previous: OpenedCheckpoint | undefined, newIndexes: number[]): Promise<OpenedCheckpoint> {
  const current = recordCheckpoint((await request(`${url}/checkpoint`)).text);
  const maxAnswered = Math.max(0, ...answered.keys());
  expect(current.size).toBeGreaterThan(maxAnswered);

  // Every answer ever returned: the leaf at its index is the answered one, and the tiles give the signed root.
  const leaves = await readLeaves(url, current.size);
  expect(equalBytes(treeHash(leaves), current.root)).toBe(true);
  for (const [index, leafHash] of answered) {
    expect(Buffer.from(leaves[index]!).toString('base64'), `leaf ${index}`).toBe(leafHash);
  }

  // The answers of the run just killed, each with an inclusion proof to the new checkpoint.
  for (const index of newIndexes) {
    const answer = await request(`${url}/v1/proofs/inclusion?index=${index}&size=${current.size}`);
    expect(answer.status).toBe(200);
    expect(answer.body.leafHash).toBe(answered.get(index));
    const proof = (answer.body.proof as string[]).map(decodeBase64);
    expect(verifyInclusionProof(index, current.size, decodeBase64(answered.get(index)!), proof, current.root)).toBe(true);
  }

  // Every checkpoint served since the previous restart, and that restart's, extend to the new one.
  const since = [...checkpoints.values()].filter((seen) => previous === undefined || seen.size >= previous.size);
  for (const seen of since) await expectConsistent(url, seen, current);
  return current;
}

async function expectConsistent(url: string, older: OpenedCheckpoint, newer: OpenedCheckpoint): Promise<void> {
  const answer = await request(`${url}/v1/proofs/consistency?from=${older.size}&to=${newer.size}`);
  expect(answer.status).toBe(200);
  const proof = (answer.body.proof as string[]).map(decodeBase64);
  const consistent = verifyConsistencyProof(older.size, newer.size, proof, older.root, newer.root);
  expect(consistent, `checkpoint ${older.size} against ${newer.size}`).toBe(true);
}

beforeAll(() => {
  ensureBuilt();
  temp = makeTempDir('crash');
  dataDir = path.join(temp.dir, 'data');
});

afterAll(async () => {
  await hub?.kill();
  temp?.remove();
});

describe('crash safety', () => {
  it(`when the hub is SIGKILLed ${KILLS} times, no answer or checkpoint is lost`, async () => {
    hub = await startHub(dataDir, { args: ['--batch-interval', '5'] });
    logVkey = readFileSync(path.join(dataDir, 'log.vkey'), 'utf8').trim();
    registrars = DEV_COUNTRIES.map((country) => readDevKey(dataDir, `registrar:${country}`));
    let previous = await checkAfterRestart(hub.url, undefined, []);

    for (let round = 1; round <= KILLS; round++) {
      const known = new Set(answered.keys());
      const killAfterMs = KILL_WINDOW_MS[0] + Math.random() * (KILL_WINDOW_MS[1] - KILL_WINDOW_MS[0]);
      const cutOff = await submitUntilKilled(hub.url, killAfterMs);

      hub = await startHub(dataDir, { args: ['--batch-interval', '5'] });
      // A clean start: nothing logged at error level or above (pino levels 50 and 60).
      expect(hub.stderr()).not.toMatch(/"level":(50|60)/);
      // Retries of the envelopes cut off by the kill: each is logged once, before the kill or now.
      for (const envelope of cutOff) {
        const answer = await postEntry(hub.url, envelope);
        expect(answer.status, answer.text).toBe(200);
        recordAnswer(answer.body as SubmitAnswer);
      }
      const fresh = [...answered.keys()].filter((index) => !known.has(index));
      previous = await checkAfterRestart(hub.url, previous, fresh);
    }

    // The final hub: every checkpoint ever served is consistent with its checkpoint.
    const final = previous;
    for (const seen of checkpoints.values()) await expectConsistent(hub!.url, seen, final);
    expect(answered.size).toBeGreaterThan(KILLS);
    await hub!.stop();
    hub = undefined;

    const fsck = await runCli(['fsck', '--data', dataDir]);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
  }, 240_000);
});
