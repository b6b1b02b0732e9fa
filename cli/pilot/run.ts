import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { PrivateKey } from '../../ledger/note.js';
import type { RegistryState } from '../../registry/state.js';
import { CliError, UsageError } from '../errors.js';
import { HubClient } from '../hub-client.js';
import { auditLog } from './audit.js';
import { registerRetiredKey, revokeCabKey, revokeRetiredKey, type CabKeyring } from './cab-keys.js';
import type { PilotContext } from './context.js';
import { registerDocuments, runExchanges } from './document-exchange.js';
import { existingHub, startOwnHub, type HubTarget } from './hub-target.js';
import { PilotKeys } from './keys.js';
import { LogMirror } from './log-mirror.js';
import { OutcomeLog, sortedObject } from './outcomes.js';
import { recoverRegistrar, restoreRegistrarKeys, rotateRegistrar } from './registrar-keys.js';
import {
  isCabRegistered,
  registerAuthorities,
  registerCabs,
  registerSampleCertificates,
  submitForbiddenRegistrations,
  suspendCabs,
} from './registrations.js';
import { readSamples, type SampleSet } from './samples.js';
import { accreditationBodyOf, buildScenario } from './scenario.js';
import { HubSession } from './session.js';
import { formatSummary, groupByCheck, type PilotSummary } from './summary.js';
import { emptyTally, recordVerifications } from './verification.js';
import { PilotWitnessing } from './witnessing.js';

export interface PilotOptions {
  data?: string;
  hub?: string;
  keys?: string;
  samples: string;
  json?: boolean;
}

/** Runs the pilot, prints its summary, and throws CliError (exit 1) when any outcome differs. */
export async function runPilot(options: PilotOptions): Promise<void> {
  const summary = await executePilot(options);
  process.stdout.write(options.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
  if (!summary.passed) {
    throw new CliError(`the pilot failed: ${summary.mismatches.length} outcomes differ from the scenario`);
  }
}

/**
 * Runs the pilot scenario against the hub the options name (or one it starts) and returns
 * the summary. Outcomes that differ from the scenario are in `mismatches`, not thrown.
 * @throws UsageError for bad options; CliError when the hub is unreachable or serves a log
 *   that does not verify.
 */
export async function executePilot(options: PilotOptions): Promise<PilotSummary> {
  checkOptions(options);
  const samples = readSampleDirectory(options.samples);
  const started = performance.now();
  const target = options.hub === undefined ? await startOwnHub(options.data) : existingHub(options.hub, options.keys!);
  try {
    return await runScenario(target, samples, started);
  } finally {
    await target.close();
  }
}

async function runScenario(target: HubTarget, samples: SampleSet, started: number): Promise<PilotSummary> {
  const client = new HubClient(target.url);
  const outcomes = new OutcomeLog();
  const mirror = new LogMirror(client, target.logVkey);
  await mirror.refresh();
  const countries = mirror.registry.state.genesis()?.participants ?? [];
  const keys = PilotKeys.read(target.keysDir, countries);
  checkRegistrarKeys(mirror.registry.state, keys, countries);
  const session = new HubSession(client, keys, outcomes);
  const runNumber = await chooseRunNumber(session, countries);
  const scenario = buildScenario(
    runNumber,
    countries,
    samples.files.map((file) => ({ file: file.file, sha256: file.sha256, signature: file.expectedSignature, signers: file.signerCertificates })),
  );
  const context: PilotContext = { session, mirror, scenario, outcomes };

  const originals = new Map<string, PrivateKey>();
  let documents: Awaited<ReturnType<typeof registerDocuments>> = [];
  let exchanges: Awaited<ReturnType<typeof runExchanges>> = [];
  let tally = emptyTally();
  const witnessing = await PilotWitnessing.start(context, target);
  try {
    await registerAuthorities(context);
    originals.set(`registrar:${countries[0]}`, await rotateRegistrar(context, countries[0]!));
    originals.set(`registrar:${countries[2]}`, await recoverRegistrar(context, countries[2]!));
    const keys: CabKeyring = await registerCabs(context);
    const [sampleKeys] = await Promise.all([
      registerSampleCertificates(context, samples.certificates),
      submitForbiddenRegistrations(context),
      registerRetiredKey(context, keys),
    ]);
    await suspendCabs(context);
    await revokeCabKey(context, keys);
    // The witnesses are added while the documents are exchanged: neither depends on the other.
    const exchange = async (): Promise<void> => {
      documents = await registerDocuments(context, keys, new Map(samples.files.map((file) => [file.file, file.bytes])));
      await revokeRetiredKey(context, keys);
      // A hub the pilot started runs on this machine, so it can push one country's PDFs to a local endpoint.
      exchanges = await runExchanges(context, documents, { pushTo: target.dataDir === undefined ? undefined : countries[countries.length - 1] });
    };
    await Promise.all([exchange(), witnessing.register(context)]);
    const witnessed = await witnessing.checkpointForVerifications(context);
    tally = await recordVerifications(context, exchanges, sampleKeys, witnessed);
  } finally {
    try {
      await restoreRegistrarKeys(context, originals);
    } finally {
      // Closed before the audit, so the newest checkpoint gets no more cosignatures while it is read.
      await witnessing.close();
    }
  }
  const audit = await auditLog(context);

  return {
    passed: outcomes.passed,
    runNumber,
    hub: target.url,
    dataDir: target.dataDir ?? null,
    entriesByKind: sortedObject(outcomes.entriesByKind),
    rejectionsByCode: sortedObject(outcomes.rejectionsByCode),
    documents: documents.length,
    documentsByResult: sortedObject(tally.byResult),
    checksByOutcome: groupByCheck(tally.byCheck),
    verifications: tally.documents,
    witnesses: witnessing.summary(context, tally.witnessed),
    decisions: sortedObject(tally.byDecision),
    exchanges: exchanges.length,
    logSize: audit.logSize,
    checkpoint: mirror.checkpoint.note,
    receiptsChecked: audit.receiptsChecked,
    checkpointsChecked: audit.checkpointsChecked,
    outcomesChecked: outcomes.outcomesChecked,
    durationMs: Math.round(performance.now() - started),
    mismatches: outcomes.mismatches,
  };
}

function checkOptions(options: PilotOptions): void {
  if (options.hub !== undefined && options.keys === undefined) {
    throw new UsageError("--hub needs --keys DIR, the hub's dev-keys directory");
  }
  if (options.hub === undefined && options.keys !== undefined) {
    throw new UsageError('--keys goes with --hub; without --hub the pilot makes its own keys');
  }
  if (options.hub !== undefined && options.data !== undefined) {
    throw new UsageError('--data names the directory of the hub the pilot starts, so it cannot go with --hub');
  }
}

function readSampleDirectory(directory: string): SampleSet {
  let samples: SampleSet;
  try {
    samples = readSamples(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined && !(error instanceof TypeError)) throw error;
    const reason = code ?? (error as Error).message;
    throw new UsageError(`--samples ${directory} is not a readable sample directory with expected.json: ${reason}`, { cause: error });
  }
  // The scenario states each sample's signature outcome from expected.json, so every PDF must be listed there.
  const unlisted = samples.files.find((file) => file.expectedSignature.length === 0);
  if (unlisted !== undefined) throw new UsageError(`--samples ${directory}: ${unlisted.file} is not listed in expected.json`);
  return samples;
}

/**
 * Requires every registrar's current key in the log to be the one in the keys directory.
 * A run rotates keys and restores them at its end, so a run that stopped halfway leaves
 * keys in the log that no keys file contains.
 */
function checkRegistrarKeys(state: RegistryState, keys: PilotKeys, countries: readonly string[]): void {
  for (const country of countries) {
    const actor = `registrar:${country}`;
    const current = state.registrarAt(country)?.key.vkey;
    if (current !== keys.vkey(actor)) {
      throw new CliError(
        `the log's current key of ${actor} is ${current ?? 'missing'}, not the one in ${keys.directory}; ` +
          'an earlier pilot run may have stopped before restoring it, so start a new hub',
      );
    }
  }
}

/** Picks a 6-digit run number whose CAB codes the hub does not know yet. */
async function chooseRunNumber(session: HubSession, countries: readonly string[]): Promise<string> {
  const country = countries[0]!;
  for (let attempt = 0; attempt < 20; attempt++) {
    const runNumber = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!(await isCabRegistered({ session }, `${country}-${accreditationBodyOf(country).code}-${runNumber}01`))) return runNumber;
  }
  throw new CliError('found no unused run number in 20 attempts; start the pilot against a new hub');
}
