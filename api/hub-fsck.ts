/**
 * `ecert fsck` of a whole data directory: the data files, the log store (ledger/fsck.ts) and the
 * entries with their index keys. Everything the hub checks at start, and more, is reported here
 * as a list of problems; nothing is created or repaired.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { LedgerError } from '../ledger/errors.js';
import { checkStore, type FsckProblem, type FsckReport } from '../ledger/fsck.js';
import { openLevelStorage } from '../ledger/level-storage.js';
import { LogReader } from '../ledger/log.js';
import { noteVerifier, parsePrivateKey, verifierKeyOf, type NoteVerifier } from '../ledger/note.js';
import type { LogStorage } from '../ledger/storage.js';
import { decodeLeaf, envelopeDedupKey, type SignedEnvelope } from '../registry/envelope.js';
import { parseStrictJson } from '../registry/json.js';
import { Registry } from '../registry/registry.js';
import { DATA_FILES } from './data-dir.js';
import { DOCUMENTS_DIR, EXCHANGE_DIR } from './exchanges/setup.js';
import { replayEntries } from './store-check.js';

/** The store report, with the problems of the data files and the entries added. */
export interface HubFsckReport extends FsckReport {
  /** Entries replayed with their index keys checked. */
  entriesChecked: number;
}

/** Maximum problems a report keeps, so a wrecked store cannot exhaust memory. */
const MAX_PROBLEMS = 1000;

/**
 * Checks the data directory `dataDir`: `log.key`, `log.vkey` and `genesis.json`, the store with
 * every checkpoint's signature by the log key, the genesis against entry 0, and every entry's
 * replay and index keys. The store is opened without creating it, so a missing store is a problem.
 * @throws StorageError `store_locked` while a hub runs on the directory.
 */
export async function checkHub(dataDir: string): Promise<HubFsckReport> {
  const report: HubFsckReport = {
    size: 0,
    problems: [],
    truncated: false,
    tilesChecked: 0,
    bundlesChecked: 0,
    checkpointsChecked: 0,
    entriesChecked: 0,
  };
  if (!existsSync(dataDir)) {
    addProblem(report, problem('data_directory_missing', dataDir, 'the data directory does not exist'));
    return report;
  }
  const files = checkDataFiles(dataDir, report);

  let storage: LogStorage;
  try {
    storage = await openLevelStorage(join(dataDir, DATA_FILES.store));
  } catch (error) {
    if (!(error instanceof LedgerError) || error.code === 'store_locked') throw error;
    addProblem(report, problem(error.code, DATA_FILES.store, error.message));
    return report;
  }
  try {
    const store = await checkStore(storage, { verifier: files.verifier });
    report.size = store.size;
    report.tilesChecked = store.tilesChecked;
    report.bundlesChecked = store.bundlesChecked;
    report.checkpointsChecked = store.checkpointsChecked;
    report.truncated ||= store.truncated;
    for (const problem of store.problems) addProblem(report, problem);
    const registry = await checkEntries(storage, files.genesis, report);
    if (registry !== undefined) checkDocuments(dataDir, registry, report);
  } finally {
    await storage.close();
  }
  return report;
}

interface DataFiles {
  verifier?: NoteVerifier;
  genesis?: SignedEnvelope;
}

/** Checks log.key, log.vkey, genesis.json and the creation marker, returning what they hold. */
function checkDataFiles(dataDir: string, report: HubFsckReport): DataFiles {
  const files: DataFiles = {};
  const read = (name: string): string | undefined => {
    const path = join(dataDir, name);
    if (existsSync(path)) return readFileSync(path, 'utf8');
    addProblem(report, problem('file_missing', name, `${path} is missing`));
    return undefined;
  };
  if (existsSync(join(dataDir, DATA_FILES.genesisPending))) {
    const message = 'the creation of this directory stopped before the genesis was logged';
    addProblem(report, problem('setup_incomplete', DATA_FILES.genesisPending, message));
  }

  const keyText = read(DATA_FILES.logKey);
  let vkey: string | undefined;
  if (keyText !== undefined) {
    try {
      vkey = verifierKeyOf(parsePrivateKey(keyText.trim()));
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      addProblem(report, problem('log_key_invalid', DATA_FILES.logKey, error.message));
    }
  }
  const vkeyText = read(DATA_FILES.logVkey)?.trim();
  if (vkeyText !== undefined && vkey !== undefined && vkeyText !== vkey) {
    const message = `${DATA_FILES.logVkey} is ${vkeyText}, but the verifier key of ${DATA_FILES.logKey} is ${vkey}`;
    addProblem(report, problem('vkey_mismatch', DATA_FILES.logVkey, message));
  }
  // The private key signs the checkpoints, so its verifier key wins over a differing log.vkey.
  const signing = vkey ?? vkeyText;
  if (signing !== undefined) {
    try {
      files.verifier = noteVerifier(signing);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      addProblem(report, problem('vkey_invalid', DATA_FILES.logVkey, error.message));
    }
  }

  const genesisText = read(DATA_FILES.genesis);
  if (genesisText !== undefined) {
    try {
      files.genesis = parseStrictJson(Buffer.from(genesisText, 'utf8')) as SignedEnvelope;
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      addProblem(report, problem('genesis_invalid', DATA_FILES.genesis, error.message));
    }
  }
  return files;
}

/** Compares the genesis file with entry 0, then replays every entry and checks its index keys. */
async function checkEntries(storage: LogStorage, genesis: SignedEnvelope | undefined, report: HubFsckReport): Promise<Registry | undefined> {
  const latest = await storage.readLatestCheckpoint().catch(() => undefined);
  // Without a latest checkpoint the entries cannot be addressed; the store check reported why.
  if (latest === undefined) return undefined;
  try {
    if (genesis !== undefined) {
      // Entry 0 carries the integration time, which the file lacks, so the dedup hashes compare.
      const entry0 = decodeLeaf(await new LogReader(storage).entry(0));
      if (!Buffer.from(envelopeDedupKey(entry0)).equals(Buffer.from(safeDedupKey(genesis)))) {
        const message = `${DATA_FILES.genesis} is not the envelope logged as entry 0 (compared without loggedAt)`;
        addProblem(report, problem('genesis_mismatch', 'entry 0', message));
      }
    }
    const registry = new Registry();
    await replayEntries(storage, registry, latest.size, {
      onIndexKeyProblem: (keyProblem) => {
        addProblem(report, problem(keyProblem.code, `entry ${keyProblem.index}`, keyProblem.message));
      },
    });
    report.entriesChecked = latest.size;
    return registry;
  } catch (error) {
    if (!(error instanceof LedgerError) || error.code === 'store_closed') throw error;
    addProblem(report, problem(error.code, 'entries', `the replay stopped: ${error.message}`));
    return undefined;
  }
}

/**
 * Checks that every PDF the hub must still keep by the log (a hub exchange with no purge) is in
 * the document store under its SHA-256 and still hashes to it.
 */
function checkDocuments(dataDir: string, registry: Registry, report: HubFsckReport): void {
  const checked = new Set<string>();
  for (const exchange of registry.state.exchanges()) {
    const sha256 = exchange.send.documentSha256;
    if (exchange.send.channel !== 'hub' || exchange.purged || checked.has(sha256)) continue;
    checked.add(sha256);
    const where = join(EXCHANGE_DIR, DOCUMENTS_DIR, `${sha256}.pdf`);
    const path = join(dataDir, where);
    if (!existsSync(path)) {
      addProblem(report, problem('document_lost', where, `exchange ${exchange.exchangeId} has no purge on the log, but its PDF is missing`));
      continue;
    }
    const actual = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (actual !== sha256) {
      addProblem(report, problem('document_corrupt', where, `the stored PDF of exchange ${exchange.exchangeId} hashes to ${actual}`));
    }
  }
}

/** Computes the dedup hash of a genesis file, or returns an empty array for a file that is not an envelope. */
function safeDedupKey(genesis: SignedEnvelope): Uint8Array {
  try {
    return envelopeDedupKey(genesis);
  } catch {
    return new Uint8Array(0);
  }
}

function problem(code: string, where: string, message: string): FsckProblem {
  return { code, where, message };
}

function addProblem(report: HubFsckReport, problem: FsckProblem): void {
  if (report.problems.length >= MAX_PROBLEMS) {
    report.truncated = true;
    return;
  }
  report.problems.push(problem);
}
