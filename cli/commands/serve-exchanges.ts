import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Logger } from 'pino';

import { DATA_FILES } from '../../api/data-dir.js';
import { openExchanges, type Exchanges, type ExchangeSetupOptions } from '../../api/exchanges/setup.js';
import type { Hub } from '../../api/hub.js';
import { CliError, UsageError } from '../errors.js';
import { readPrivateKeyFile } from '../key-files.js';
import type { ExchangeFlags } from './serve-exchange-flags.js';

const MIB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The exchange flags, checked, as openExchanges takes them. */
export type ExchangeSettings = Pick<
  ExchangeSetupOptions,
  'maxDocumentBytes' | 'storageQuotaBytes' | 'maxConcurrentUploads' | 'retentionMs' | 'collectionLimitMs'
> & { operatorKey?: string };

/** Checks the exchange flags, so a usage error comes before the hub touches its data directory. */
export function parseExchangeFlags(flags: ExchangeFlags): ExchangeSettings {
  return {
    operatorKey: flags.operatorKey,
    maxDocumentBytes: parseMebibytes(flags.maxDocumentSize, '--max-document-size'),
    storageQuotaBytes: parseMebibytes(flags.storageQuota, '--storage-quota'),
    maxConcurrentUploads: parseUploadLimit(flags.maxUploads),
    retentionMs: parsePositive(flags.retention, '--retention') * DAY_MS,
    collectionLimitMs: parsePositive(flags.collectionLimit, '--collection-limit') * DAY_MS,
  };
}

/**
 * Opens the hub's document exchange when an operator key is at hand, checking that the key is
 * the operator key the genesis registered.
 */
export async function openServeExchanges(hub: Hub, dataDir: string, flags: ExchangeSettings, logger: Logger): Promise<Exchanges | undefined> {
  const keyPath = flags.operatorKey ?? join(dataDir, DATA_FILES.devKeys, 'operator.key');
  if (flags.operatorKey === undefined && !existsSync(keyPath)) {
    logger.warn('no --operator-key given and no development operator key found: the document-exchange routes are off');
    return undefined;
  }
  const operatorKey = readPrivateKeyFile(keyPath, '--operator-key');
  const registered = hub.registry.state.actorAt('operator');
  if (operatorKey.name !== 'operator' || registered === undefined || registered.key.keyId !== operatorKey.keyId) {
    throw new CliError(
      `--operator-key ${keyPath} is not the operator key of this log (key ${operatorKey.name}+${operatorKey.keyId.toString(16).padStart(8, '0')}); ` +
        "give the private key whose verifier key is the genesis's operator",
    );
  }
  const { operatorKey: _path, ...settings } = flags;
  return openExchanges(hub, { dataDir, operatorKey, ...settings, logger });
}

/** Converts a size in MiB, decimals allowed, to whole bytes: at least 1 KiB. */
function parseMebibytes(text: string, flag: string): number {
  const bytes = Math.floor(parsePositive(text, flag) * MIB);
  if (bytes < 1024 || !Number.isSafeInteger(bytes)) {
    throw new UsageError(`${flag} ${text} MiB is out of range; give at least 0.001 MiB (1 KiB)`);
  }
  return bytes;
}

function parseUploadLimit(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 1024) {
    throw new UsageError(`--max-uploads ${text} must be an integer from 1 to 1024`);
  }
  return value;
}

function parsePositive(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0) || !Number.isFinite(value)) {
    throw new UsageError(`${flag} ${text} must be a positive number`);
  }
  return value;
}
