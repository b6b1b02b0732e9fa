import { readFileSync } from 'node:fs';

import { LedgerError } from '../ledger/errors.js';
import { parsePrivateKey, parseVerifierKey, type PrivateKey, type VerifierKey } from '../ledger/note.js';
import { UsageError } from './errors.js';

/** Reads a file named by a flag, turning a missing file into a usage error that names the flag. */
export function readFlagFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`cannot read ${flag} file ${path}: ${reason}`, { cause: err });
  }
}

/** Reads a private key file in the Go note format (`PRIVATE+KEY+<name>+<id>+<key>`). */
export function readPrivateKeyFile(path: string, flag = '--key'): PrivateKey {
  const text = readFlagFile(path, flag).trim();
  try {
    return parsePrivateKey(text);
  } catch (err) {
    const reason = err instanceof LedgerError ? err.message : String(err);
    throw new UsageError(
      `${flag} file ${path} is not a note private key (PRIVATE+KEY+<name>+<id>+<key>): ${reason}; ` +
        'make one with `ecert keygen`',
      { cause: err },
    );
  }
}

/** Reads a verifier key file: one vkey line `<name>+<hex id>+<base64 key>`. */
export function readVerifierKeyFile(path: string, flag = '--vkey'): VerifierKey {
  const text = readFlagFile(path, flag).trim();
  if (/PRIVATE[ +]KEY/.test(text)) {
    throw new UsageError(`${flag} file ${path} holds a private key; give the public verifier key (the .vkey file)`);
  }
  try {
    return parseVerifierKey(text);
  } catch (err) {
    const reason = err instanceof LedgerError ? err.message : String(err);
    throw new UsageError(`${flag} file ${path} is not a note verifier key: ${reason}`, {
      cause: err,
    });
  }
}

/** File name stem for an actor's key files: `registrar:UZ` becomes `registrar-UZ`. */
export function keyFileStem(actor: string): string {
  return actor.replaceAll(':', '-').replaceAll('/', '_');
}
