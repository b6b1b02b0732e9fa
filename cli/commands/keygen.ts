import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Command } from 'commander';

import {
  formatPrivateKey,
  generatePrivateKey,
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  verifierKeyOf,
} from '../../ledger/note.js';
import { UsageError } from '../errors.js';
import { keyFileStem } from '../key-files.js';

interface KeygenOptions {
  name?: string;
  cosigner?: boolean;
  out: string;
  force?: boolean;
}

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .summary('make a key pair for an actor, a witness or the log')
    .description(
      'Makes an Ed25519 key pair and writes <name>.key (the private key in the Go note format, mode 0600)\n' +
        'and <name>.vkey (the public verifier key, one line) into --out. The name is the actor name the\n' +
        "key signs as, e.g. registrar:UZ, authority:KG or witness:KG; ':' becomes '-' in file names.",
    )
    .argument('[name]', 'actor or key name (no spaces, no "+"); or give it with --name')
    .option('--name <name>', 'actor or key name, instead of the argument')
    .option('--cosigner', 'make a witness cosigning key (note signature type 0x04) instead of a signing key')
    .option('--out <dir>', 'directory to write the key files into', '.')
    .option('--force', 'overwrite existing key files')
    .action((name: string | undefined, options: KeygenOptions) => {
      const chosen = name ?? options.name;
      if (chosen === undefined) {
        throw new UsageError('give the key name, e.g. `ecert keygen registrar:UZ` or `ecert keygen --cosigner witness:KG`');
      }
      if (name !== undefined && options.name !== undefined && name !== options.name) {
        throw new UsageError(`the name argument ${name} differs from --name ${options.name}; give one`);
      }
      runKeygen(chosen, options);
    });
}

function runKeygen(name: string, options: KeygenOptions): void {
  if (!/^[^\s+]+$/u.test(name)) {
    throw new UsageError(`key name ${JSON.stringify(name)} must be non-empty with no spaces and no '+'`);
  }
  const type = options.cosigner ? SIG_TYPE_COSIGNATURE : SIG_TYPE_ED25519;
  const key = generatePrivateKey(name, type);
  mkdirSync(options.out, { recursive: true });
  const stem = join(options.out, keyFileStem(name));
  for (const file of [`${stem}.key`, `${stem}.vkey`]) {
    if (existsSync(file) && !options.force) {
      throw new UsageError(`${file} exists; choose another --out or pass --force to overwrite it`);
    }
  }
  writeFileSync(`${stem}.key`, formatPrivateKey(key) + '\n', { mode: 0o600 });
  writeFileSync(`${stem}.vkey`, verifierKeyOf(key) + '\n');
  process.stdout.write(`${verifierKeyOf(key)}\n`);
  process.stderr.write(`wrote ${stem}.key (keep it secret) and ${stem}.vkey\n`);
}
