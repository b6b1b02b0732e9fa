/**
 * Reads a real hub back over HTTP and checks it with code independent of ledger/: the
 * checkpoint signature, every tile and entry bundle it implies, the root, the JSON proofs,
 * and every envelope's signature against the key the log itself registered for its actor.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  parseTestVerifierKey,
  readDevKey,
  readDevVkey,
  signTestEnvelope,
  signingInput,
  verifyEd25519,
  type TestEnvelope,
} from '../helpers/envelopes.js';
import { ensureBuilt, makeTempDir, startHub, type HubProcess } from '../helpers/hub-process.js';
import {
  accreditationBody,
  authorityRegisterBody,
  cabCode,
  cabRegisterBody,
  DEV_COUNTRIES,
  documentBody,
  getBytes,
  mapConcurrent,
  request,
  submitOk,
  type SubmitAnswer,
} from '../helpers/records.js';
import {
  consistencyPath,
  equalBytes,
  inclusionPath,
  leafHash,
  splitBundle,
  splitHashes,
  tileUrlPath,
  treeHash,
  verifyConsistencyProof,
  verifyInclusionProof,
} from './rfc6962.js';
import { openCheckpointNote, type OpenedCheckpoint } from './signed-note.js';

const CABS_PER_COUNTRY = 20;
const TILE_WIDTH = 256;

const decodeBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

let temp: ReturnType<typeof makeTempDir>;
let hub: HubProcess;
let logVkey: string;
let answers: SubmitAnswer[] = [];
let checkpoint: OpenedCheckpoint;
let leaves: Uint8Array[] = [];
let entries: Uint8Array[] = [];

/** Submits envelopes concurrently, as clients of several countries would. */
async function submitAll(envelopes: TestEnvelope[]): Promise<SubmitAnswer[]> {
  return mapConcurrent(envelopes, 24, (envelope) => submitOk(hub.url, envelope));
}

beforeAll(async () => {
  ensureBuilt();
  temp = makeTempDir('read-back');
  const dataDir = path.join(temp.dir, 'data');
  hub = await startHub(dataDir, { args: ['--batch-interval', '10'] });
  logVkey = readFileSync(path.join(dataDir, 'log.vkey'), 'utf8').trim();

  const registrars = new Map(DEV_COUNTRIES.map((country) => [country, readDevKey(dataDir, `registrar:${country}`)]));
  const authorities = new Map(DEV_COUNTRIES.map((country) => [country, readDevKey(dataDir, `authority:${country}`)]));
  const codes = DEV_COUNTRIES.flatMap((country) =>
    Array.from({ length: CABS_PER_COUNTRY }, (_, i) => ({ country, code: cabCode(country, i + 1) })),
  );

  // Authorities and CABs first, then what depends on them: accreditations, then documents.
  answers.push(
    ...(await submitAll([
      ...DEV_COUNTRIES.map((country) =>
        signTestEnvelope(
          'actor.register',
          authorityRegisterBody(country, readDevVkey(dataDir, `authority:${country}`)),
          registrars.get(country)!,
        ),
      ),
      ...codes.map(({ country, code }) => signTestEnvelope('cab.register', cabRegisterBody(code), registrars.get(country)!)),
    ])),
  );
  answers.push(
    ...(await submitAll(
      codes.map(({ country, code }) => signTestEnvelope('accreditation.set', accreditationBody(code), registrars.get(country)!)),
    )),
  );
  answers.push(
    ...(await submitAll(
      codes.map(({ country, code }) => signTestEnvelope('document.register', documentBody(code, code), authorities.get(country)!)),
    )),
  );

  checkpoint = openCheckpointNote((await request(`${hub.url}/checkpoint`)).text, logVkey);
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  temp?.remove();
});

describe('read-back over HTTP', () => {
  it('when the entries are logged, the checkpoint covers them all', () => {
    expect(answers).toHaveLength(5 + 3 * 5 * CABS_PER_COUNTRY);
    expect(checkpoint.size).toBe(answers.length + 1);
    expect(checkpoint.size).toBeGreaterThan(TILE_WIDTH);
    const indexes = new Set(answers.map((answer) => answer.index));
    expect(indexes.size).toBe(answers.length);
    expect(indexes.has(0)).toBe(false);
  });

  it('level-0 tiles and bundles recompute the signed root', async () => {
    const size = checkpoint.size;
    for (let index = 0; index * TILE_WIDTH < size; index++) {
      const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
      const tile = splitHashes(await getBytes(`${hub.url}/${tileUrlPath(0, index, width)}`));
      expect(tile).toHaveLength(width);
      const bundle = splitBundle(await getBytes(`${hub.url}/${tileUrlPath('entries', index, width)}`));
      expect(bundle).toHaveLength(width);
      leaves.push(...tile);
      entries.push(...bundle);
    }
    expect(leaves).toHaveLength(size);
    for (let i = 0; i < size; i++) {
      expect(equalBytes(leafHash(entries[i]!), leaves[i]!), `entry ${i} against its tile hash`).toBe(true);
    }
    expect(Buffer.from(treeHash(leaves)).toString('base64')).toBe(Buffer.from(checkpoint.root).toString('base64'));
  });

  it('every answered leaf hash is the tile hash at its index', () => {
    for (const answer of answers) {
      expect(Buffer.from(leaves[answer.index]!).toString('base64')).toBe(answer.leafHash);
    }
  });

  it('level-1 tile hashes are the roots of the full level-0 tiles', async () => {
    const fullTiles = Math.floor(checkpoint.size / TILE_WIDTH);
    expect(fullTiles).toBeGreaterThan(0);
    const level1 = splitHashes(await getBytes(`${hub.url}/${tileUrlPath(1, 0, fullTiles)}`));
    expect(level1).toHaveLength(fullTiles);
    for (let i = 0; i < fullTiles; i++) {
      const subtree = treeHash(leaves.slice(i * TILE_WIDTH, (i + 1) * TILE_WIDTH));
      expect(equalBytes(level1[i]!, subtree), `level-1 hash ${i}`).toBe(true);
    }
    // No level-1 hash beyond the full tiles, and no level-2 tile yet.
    expect((await request(`${hub.url}/${tileUrlPath(1, 0, fullTiles + 1)}`)).status).toBe(404);
    expect((await request(`${hub.url}/${tileUrlPath(2, 0, 1)}`)).status).toBe(404);
  });

  it('narrower partial tiles and bundles are prefixes of the full ones', async () => {
    for (const width of [1, 17, 255]) {
      const tile = await getBytes(`${hub.url}/${tileUrlPath(0, 0, width)}`);
      expect(splitHashes(tile).map((h) => Buffer.from(h).toString('hex'))).toEqual(
        leaves.slice(0, width).map((h) => Buffer.from(h).toString('hex')),
      );
      const bundle = splitBundle(await getBytes(`${hub.url}/${tileUrlPath('entries', 0, width)}`));
      expect(bundle.map((e) => Buffer.from(e).toString('hex'))).toEqual(
        entries.slice(0, width).map((e) => Buffer.from(e).toString('hex')),
      );
    }
    const full = await request(`${hub.url}/${tileUrlPath(0, 0, TILE_WIDTH)}`);
    expect(full.headers.get('cache-control')).toContain('immutable');
  });

  it('JSON inclusion proofs match and verify', async () => {
    const size = checkpoint.size;
    const sizes = [size, ...checkpointsSeen().map((seen) => seen.size)];
    for (let index = 0; index < size; index++) {
      // Every index against the latest size, and some against an older checkpoint.
      const targets = index % 17 === 0 ? sizes.filter((s) => s > index).slice(0, 4) : [size];
      for (const target of targets) {
        const root = target === size ? checkpoint.root : checkpointOfSize(target).root;
        const answer = await request(`${hub.url}/v1/proofs/inclusion?index=${index}&size=${target}`);
        expect(answer.status).toBe(200);
        const proof = (answer.body.proof as string[]).map(decodeBase64);
        const expected = inclusionPath(index, leaves.slice(0, target)).map((h) => Buffer.from(h).toString('base64'));
        expect(answer.body.proof, `inclusion proof of ${index} in ${target}`).toEqual(expected);
        expect(verifyInclusionProof(index, target, leaves[index]!, proof, root)).toBe(true);
      }
    }
    const byLeaf = await request(
      `${hub.url}/v1/proofs/inclusion?leafHash=${encodeURIComponent(answers[42]!.leafHash)}&size=${size}`,
    );
    expect(byLeaf.body.index).toBe(answers[42]!.index);
  });

  it('JSON consistency proofs from every seen checkpoint verify', async () => {
    const seen = checkpointsSeen();
    expect(seen.length).toBeGreaterThan(3);
    for (const old of seen) {
      const answer = await request(`${hub.url}/v1/proofs/consistency?from=${old.size}&to=${checkpoint.size}`);
      expect(answer.status).toBe(200);
      const proof = (answer.body.proof as string[]).map(decodeBase64);
      if (old.size < checkpoint.size) {
        const expected = consistencyPath(old.size, leaves).map((h) => Buffer.from(h).toString('base64'));
        expect(answer.body.proof, `consistency ${old.size} to ${checkpoint.size}`).toEqual(expected);
      }
      expect(verifyConsistencyProof(old.size, checkpoint.size, proof, old.root, checkpoint.root)).toBe(true);
      expect(equalBytes(treeHash(leaves.slice(0, old.size)), old.root)).toBe(true);
    }
  });

  it("every envelope verifies under its actor's key from the log", () => {
    const keys = new Map<string, ReturnType<typeof parseTestVerifierKey>>();
    for (let index = 0; index < entries.length; index++) {
      const text = Buffer.from(entries[index]!).toString('utf8');
      const logged = JSON.parse(text) as TestEnvelope & { loggedAt: number };
      expect(canonicalize(logged), `entry ${index} is canonical JSON`).toBe(text);
      expect(Number.isSafeInteger(logged.loggedAt)).toBe(true);
      if (index === 0) {
        expect(logged.kind).toBe('log.genesis');
        const genesis = logged.body as { operator: string; participants: { country: string; registrar: string }[] };
        keys.set('operator', parseTestVerifierKey(genesis.operator));
        for (const participant of genesis.participants) {
          keys.set(`registrar:${participant.country}`, parseTestVerifierKey(participant.registrar));
        }
      }
      const key = keys.get(logged.actor);
      expect(key, `key of ${logged.actor} at entry ${index}`).toBeDefined();
      expect(key!.name).toBe(logged.actor);
      expect(logged.keyId).toBe(key!.keyId);
      const signature = Buffer.from(logged.sig, 'base64');
      expect(verifyEd25519(key!.publicKey, signingInput(logged), signature), `signature of entry ${index}`).toBe(true);
      if (logged.kind === 'actor.register') {
        const body = logged.body as { actor: string; key: string };
        keys.set(body.actor, parseTestVerifierKey(body.key));
      }
    }
    expect(keys.size).toBe(1 + 2 * DEV_COUNTRIES.length);
  });
});

/** The signed checkpoints of the submission responses, checked and deduplicated by size. */
function checkpointsSeen(): OpenedCheckpoint[] {
  const bySize = new Map<number, OpenedCheckpoint>();
  for (const answer of answers) {
    const opened = openCheckpointNote(answer.checkpoint, logVkey);
    const known = bySize.get(opened.size);
    if (known !== undefined) expect(equalBytes(known.root, opened.root)).toBe(true);
    bySize.set(opened.size, opened);
  }
  return [...bySize.values()].sort((a, b) => a.size - b.size);
}

function checkpointOfSize(size: number): OpenedCheckpoint {
  const found = checkpointsSeen().find((seen) => seen.size === size);
  if (found === undefined) throw new Error(`no checkpoint of size ${size} was seen`);
  return found;
}
