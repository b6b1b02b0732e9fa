import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  formatPrivateKey,
  generatePrivateKey,
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  verifierKeyOf,
} from '../../ledger/note.js';
import { UsageError } from '../errors.js';
import { keyFileStem } from '../key-files.js';

export interface KeygenOptions {
  name?: string;
  cosigner?: boolean;
  out: string;
  force?: boolean;
}

export function runKeygen(name: string, options: KeygenOptions): void {
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
