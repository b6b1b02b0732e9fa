import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { devKeyStem } from '../../api/data-dir.js';
import { LedgerError } from '../../ledger/errors.js';
import { parsePrivateKey, SIG_TYPE_ED25519, verifierKeyOf, type PrivateKey } from '../../ledger/note.js';
import { UsageError } from '../errors.js';

/**
 * The development keys the pilot signs with: the operator's, and each participant
 * country's registrar and authority. They live in `<DIR>/dev-keys` of a development setup,
 * one `<actor with ':' as '-'>.key` file each.
 */
export class PilotKeys {
  readonly #keys = new Map<string, PrivateKey>();

  private constructor(readonly directory: string) {}

  /**
   * Reads the operator's key and the registrar and authority keys of `countries`.
   * @throws UsageError naming the first missing or malformed file.
   */
  static read(directory: string, countries: readonly string[]): PilotKeys {
    const keys = new PilotKeys(directory);
    const actors = ['operator', ...countries.flatMap((country) => [`registrar:${country}`, `authority:${country}`])];
    for (const actor of actors) keys.#keys.set(actor, readKey(directory, actor));
    return keys;
  }

  /** Returns the key an actor signs with now; a rotation or recovery replaces it with {@link use}. */
  key(actor: string): PrivateKey {
    const key = this.#keys.get(actor);
    if (key === undefined) throw new RangeError(`the pilot has no key for ${actor}`);
    return key;
  }

  vkey(actor: string): string {
    return verifierKeyOf(this.key(actor));
  }

  /** Makes `key` the one `actor` signs with from now on. */
  use(actor: string, key: PrivateKey): void {
    this.#keys.set(actor, key);
  }
}

function readKey(directory: string, actor: string): PrivateKey {
  const path = join(directory, `${devKeyStem(actor)}.key`);
  if (!existsSync(path)) {
    throw new UsageError(`--keys ${directory} has no ${devKeyStem(actor)}.key for ${actor}; point it at the hub's dev-keys directory`);
  }
  let key: PrivateKey;
  try {
    key = parsePrivateKey(readFileSync(path, 'utf8').trim());
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw new UsageError(`${path} is not a note private key: ${error.message}`, { cause: error });
  }
  if (key.name !== actor || key.type !== SIG_TYPE_ED25519) {
    throw new UsageError(`${path} contains a key named ${key.name} of type ${key.type}, want an Ed25519 key named ${actor}`);
  }
  return key;
}
