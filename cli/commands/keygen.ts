import type { Command } from 'commander';

import { UsageError } from '../errors.js';
import type { KeygenOptions } from './keygen-run.js';

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .summary('make a key pair for an actor, a witness or the log')
    .description(
      'Makes an Ed25519 key pair and writes <name>.key (the private key in the Go note format, mode 0600) ' +
        'and <name>.vkey (the public verifier key, one line) into --out. The name is the actor name the ' +
        "key signs as, e.g. registrar:UZ, authority:KG or witness:KG; ':' becomes '-' in file names.",
    )
    .argument('[name]', 'actor or key name (no spaces, no "+"); or give it with --name')
    .option('--name <name>', 'actor or key name, instead of the argument')
    .option('--cosigner', 'make a witness cosigning key (note signature type 0x04) instead of a signing key')
    .option('--out <dir>', 'directory to write the key files into', '.')
    .option('--force', 'overwrite existing key files')
    .action(async (name: string | undefined, options: KeygenOptions) => {
      const chosen = name ?? options.name;
      if (chosen === undefined) {
        throw new UsageError('give the key name, e.g. `ecert keygen registrar:UZ` or `ecert keygen --cosigner witness:KG`');
      }
      if (name !== undefined && options.name !== undefined && name !== options.name) {
        throw new UsageError(`the name argument ${name} differs from --name ${options.name}; give one`);
      }
      const { runKeygen } = await import('./keygen-run.js');
      runKeygen(chosen, options);
    });
}
