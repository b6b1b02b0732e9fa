import { openCheckpoint, type Checkpoint } from '../../ledger/checkpoint.js';
import { LedgerError } from '../../ledger/errors.js';
import { noteVerifier, type VerifierKey } from '../../ledger/note.js';
import { verifyConsistency, verifyInclusion } from '../../ledger/proof.js';
import { CliError, UsageError } from '../errors.js';
import { HubClient } from '../hub-client.js';
import { readVerifierKeyFile } from '../key-files.js';
import { parseCount } from '../numbers.js';

export interface ProofOptions {
  hub: string;
  vkey: string;
  index?: string;
  leafHash?: string;
  from?: string;
  size?: string;
}

export async function runProof(options: ProofOptions): Promise<void> {
  const chosen = [options.index, options.leafHash, options.from].filter((v) => v !== undefined);
  if (chosen.length !== 1) throw new UsageError('give exactly one of --index, --leaf-hash and --from');
  if (options.leafHash !== undefined && !/^[A-Za-z0-9+/]{43}=$/.test(options.leafHash)) {
    throw new UsageError(`--leaf-hash ${options.leafHash} is not a SHA-256 hash in standard base64 (44 characters)`);
  }
  const logKey = readVerifierKeyFile(options.vkey);
  const hub = new HubClient(options.hub);
  const target = await fetchCheckpoint(hub, logKey, options.size);
  try {
    if (options.from !== undefined) {
      const from = parseCount(options.from, '--from');
      const old = await fetchCheckpoint(hub, logKey, String(from));
      const answer = await hub.getJson<{ from: number; to: number; proof: string[] }>(
        `/v1/proofs/consistency?from=${from}&to=${target.size}`,
      );
      const proof = answer.proof.map((h) => new Uint8Array(Buffer.from(h, 'base64')));
      if (from !== target.size) verifyConsistency(from, target.size, proof, old.rootHash, target.rootHash);
      process.stdout.write(JSON.stringify({ ...answer, verified: true }, null, 2) + '\n');
      return;
    }
    const query =
      options.index !== undefined
        ? `index=${parseCount(options.index, '--index')}`
        : `leafHash=${encodeURIComponent(options.leafHash!)}`;
    const answer = await hub.getJson<{ index: number; size: number; leafHash: string; proof: string[] }>(
      `/v1/proofs/inclusion?${query}&size=${target.size}`,
    );
    if (options.leafHash !== undefined && answer.leafHash !== options.leafHash) {
      throw new CliError(`the hub returned the proof for leaf hash ${answer.leafHash}, not ${options.leafHash}`);
    }
    const proof = answer.proof.map((h) => new Uint8Array(Buffer.from(h, 'base64')));
    const leafHash = new Uint8Array(Buffer.from(answer.leafHash, 'base64'));
    verifyInclusion(answer.index, target.size, leafHash, proof, target.rootHash);
    process.stdout.write(JSON.stringify({ ...answer, verified: true }, null, 2) + '\n');
  } catch (error) {
    if (error instanceof LedgerError) throw new CliError(`proof does not verify (${error.code}): ${error.message}`);
    throw error;
  }
}

async function fetchCheckpoint(hub: HubClient, logKey: VerifierKey, size: string | undefined): Promise<Checkpoint> {
  const path = size === undefined ? '/checkpoint' : `/v1/checkpoints/${parseCount(size, '--size')}`;
  const note = await hub.getText(path);
  try {
    return openCheckpoint(note, noteVerifier(logKey), logKey.name).checkpoint;
  } catch (error) {
    if (error instanceof LedgerError) {
      throw new CliError(`checkpoint from ${hub.baseUrl}${path} does not verify (${error.code}): ${error.message}`);
    }
    throw error;
  }
}
