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
    retentionMs: parseDays(flags.retention, '--retention'),
    collectionLimitMs: parseDays(flags.collectionLimit, '--collection-limit'),
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

/** Largest size flag, in MiB: 1 PiB, far beyond any disk the hub runs on. */
const MAX_MEBIBYTES = 1024 * 1024 * 1024;

/** Shortest retention or collection limit, in days: one minute, so a PDF outlives its own upload. */
const MIN_DAYS = 1 / (24 * 60);

/** Largest retention or collection limit, in days: 100 years. */
const MAX_DAYS = 36_500;

/** Converts a size in MiB, decimals allowed, to whole bytes: from 1 KiB to 1 PiB. */
function parseMebibytes(text: string, flag: string): number {
  const mebibytes = parsePositive(text, flag);
  const bytes = Math.floor(mebibytes * MIB);
  if (bytes < 1024 || mebibytes > MAX_MEBIBYTES) {
    throw new UsageError(`${flag} ${text} MiB is out of range; give from 0.001 MiB (1 KiB) to ${MAX_MEBIBYTES} MiB`);
  }
  return bytes;
}

/** Converts a duration in days, decimals allowed, to milliseconds: from one minute to 100 years. */
function parseDays(text: string, flag: string): number {
  const days = parsePositive(text, flag);
  if (days < MIN_DAYS || days > MAX_DAYS) {
    throw new UsageError(`${flag} ${text} days is out of range; give from 0.0007 days (one minute) to ${MAX_DAYS} days`);
  }
  return Math.round(days * DAY_MS);
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
    throw new UsageError(`${flag} ${text} must be a positive decimal number, such as 20 or 0.5`);
  }
  return value;
}
