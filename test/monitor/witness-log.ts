/**
 * A small in-memory log for witness tests: it signs checkpoints of any prefix of its leaves and
 * proves consistency between them, with the ledger's own RFC 9162 code.
 */
import { formatCheckpoint } from '../../ledger/checkpoint.js';
import { EMPTY_ROOT_HASH, hashLeaf } from '../../ledger/hash.js';
import { generatePrivateKey, noteSigner, signNote, verifierKeyOf, type PrivateKey } from '../../ledger/note.js';
import { buildTreeLevels, levelsHashReader, proveConsistencySync, rootFromLeafHashes } from '../../ledger/proof.js';
import { formatAddCheckpointRequest } from '../../monitor/witness-request.js';

export class TestLog {
  readonly key: PrivateKey;
  readonly leaves: Uint8Array[];

  /** `label` varies the entries, so two logs of one origin can hold different trees. */
  constructor(origin: string, size: number, label = 'entry') {
    this.key = generatePrivateKey(origin);
    this.leaves = Array.from({ length: size }, (_, i) => hashLeaf(Buffer.from(`${origin} ${label} ${i}`)));
  }

  get vkey(): string {
    return verifierKeyOf(this.key);
  }

  root(size: number): Uint8Array {
    return size === 0 ? EMPTY_ROOT_HASH : rootFromLeafHashes(this.leaves.slice(0, size));
  }

  /** Signs the checkpoint of `size` with the log key, or with `signer` to forge one. */
  checkpoint(size: number, options: { root?: Uint8Array; signer?: PrivateKey } = {}): string {
    const text = formatCheckpoint({ origin: this.key.name, size, rootHash: options.root ?? this.root(size), extensions: [] });
    return signNote(text, [noteSigner(options.signer ?? this.key)]);
  }

  proof(oldSize: number, size: number): Uint8Array[] {
    if (oldSize === 0 || oldSize === size) return [];
    return proveConsistencySync(oldSize, size, levelsHashReader(buildTreeLevels(this.leaves.slice(0, size))));
  }

  /** Formats an add-checkpoint body from `oldSize` to `size` with the right proof. */
  request(oldSize: number, size: number): string {
    return formatAddCheckpointRequest({ oldSize, proof: this.proof(oldSize, size), note: this.checkpoint(size) });
  }
}
