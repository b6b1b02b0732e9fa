import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DATA_FILES } from '../../../api/data-dir.js';
import { openExchanges } from '../../../api/exchanges/setup.js';
import { Hub } from '../../../api/hub.js';
import { buildServer } from '../../../api/server.js';
import { WitnessPusher } from '../../../api/witness-push.js';
import { UsageError } from '../../../cli/errors.js';
import { executePilot } from '../../../cli/pilot/run.js';
import { readSamples } from '../../../cli/pilot/samples.js';
import type { PilotSummary } from '../../../cli/pilot/summary.js';
import { startWitnessServers } from '../../../cli/pilot/witness-servers.js';
import { checkStore } from '../../../ledger/fsck.js';
import { openLevelStorage } from '../../../ledger/level-storage.js';
import { noteVerifier, openNote, parsePrivateKey } from '../../../ledger/note.js';
import { decodeLeaf } from '../../../registry/envelope.js';
import type { VerificationBody } from '../../../registry/kinds/verification.js';

const samples = path.resolve(import.meta.dirname, '../../../../shared/samples/pdf');
const sampleSet = readSamples(samples);
const root = mkdtempSync(path.join(tmpdir(), 'ecert-pilot-test-'));
const dataDir = path.join(root, 'hub');
let summary: PilotSummary;

beforeAll(async () => {
  summary = await executePilot({ data: dataDir, samples });
}, 120_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function verificationOf(labelPart: string): PilotSummary['verifications'][number] {
  const matching = summary.verifications.filter((verification) => verification.label.includes(labelPart));
  expect(matching.map((verification) => verification.label)).toHaveLength(1);
  return matching[0]!;
}

function checksOf(labelPart: string): string[] {
  return verificationOf(labelPart).checks;
}

describe('executePilot on its own hub', () => {
  it('matches every outcome of the scenario', () => {
    expect(summary.mismatches).toEqual([]);
    expect(summary.passed).toBe(true);
  });

  it('registers and exchanges at least 60 documents', () => {
    const generated = summary.documents - sampleSet.files.length;
    expect(generated).toBeGreaterThanOrEqual(60);
    expect(summary.exchanges).toBe(summary.documents);
    expect(summary.entriesByKind['document.register']).toBe(summary.documents);
    for (const kind of ['exchange.send', 'exchange.deliver', 'exchange.receive', 'verification.record']) {
      expect(summary.entriesByKind[kind], kind).toBe(summary.exchanges);
    }
  });

  it('passes most generated documents', () => {
    const generated = summary.verifications.filter((verification) => !verification.label.startsWith('sample '));
    const passed = generated.filter((verification) => verification.result === 'TOTAL-PASSED');
    expect(passed.length).toBeGreaterThanOrEqual(60);
    for (const verification of passed) expect(verification.checks.every((check) => check.endsWith('=PASSED'))).toBe(true);
    expect(summary.documentsByResult['TOTAL-PASSED']).toBe(passed.length);
    expect(summary.checksByOutcome.traceability).toEqual({ PASSED: summary.documents });
  });

  it('fails checks 1 to 3 as planned', () => {
    expect(checksOf('CC of suspended')).toContain('cab-authority=FAILED/NOT_AUTHORISED');
    expect(checksOf('TR of certification body')).toEqual(
      expect.arrayContaining(['accreditation=FAILED/NOT_ACCREDITED', 'scope=FAILED/OUT_OF_SCOPE']),
    );
    expect(checksOf('outside its scope')).toContain('scope=FAILED/OUT_OF_SCOPE');
  });

  it('key revoked before logging: REVOKED', () => {
    const verification = verificationOf('signed with its key revoked before logging');
    expect(verification.checks).toContain('key-registry=FAILED/REVOKED');
    expect(verification.checks).toContain('signature=PASSED');
    expect(verification.result).toBe('TOTAL-FAILED');
    expect(verification.decision).toBe('rejected');
  });

  it('key revoked after logging: passes', () => {
    const verification = verificationOf('signed with a key revoked after logging');
    expect(verification.result).toBe('TOTAL-PASSED');
    expect(summary.entriesByKind['cabkey.revoke']).toBe(2);
  });

  it("another CAB's key: NO_CERTIFICATE_CHAIN_FOUND", () => {
    const verification = verificationOf('signed with the key of');
    expect(verification.checks).toContain('key-registry=INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND');
    expect(verification.result).toBe('INDETERMINATE');
  });

  it('changed after signing: HASH_FAILURE', () => {
    const verification = verificationOf('changed after signing');
    expect(verification.checks).toContain('signature=FAILED/HASH_FAILURE');
    expect(verification.checks).toContain('key-registry=PASSED');
    expect(verification.result).toBe('TOTAL-FAILED');
  });

  it.each(sampleSet.files)('sample $file: expected signature outcome', (sample) => {
    const signature = verificationOf(`sample ${sample.file}`).checks.find((check) => check.startsWith('signature='))!;
    const outcome = signature.slice('signature='.length);
    expect(sample.expectedSignature.some((expected) => outcome === expected || outcome.startsWith(`${expected}/`))).toBe(true);
  });

  it('records decisions from the results', () => {
    const failed = summary.documentsByResult['TOTAL-FAILED']!;
    expect(failed).toBe(summary.verifications.filter((verification) => verification.decision === 'rejected').length);
    expect(summary.decisions).toEqual({ accepted: summary.documents - failed - 1, query: 1, rejected: failed });
  });

  it('logs the key, suspension, revocation and exception steps', () => {
    expect(summary.entriesByKind['registrar.rotate']).toBe(3);
    expect(summary.entriesByKind['registrar.recover']).toBe(1);
    // Two for the recovery, two for each of the three witness additions.
    expect(summary.entriesByKind['registrar.approve']).toBe(8);
    expect(summary.entriesByKind['cab.update']).toBe(1);
    expect(summary.entriesByKind['cabkey.revoke']).toBe(2);
    expect(summary.entriesByKind['exchange.exception']).toBe(1);
  });

  it('gets certificate_expired for exactly the expired sample certificates', () => {
    const now = Date.now();
    const expired = sampleSet.certificates.filter(
      (certificate) => certificate.derViolations.length === 0 && Date.parse(certificate.notAfter!) < now,
    );
    expect(expired.length).toBeGreaterThan(0);
    expect(summary.rejectionsByCode.certificate_expired).toBe(expired.length);
    expect(summary.rejectionsByCode.certificate_invalid).toBe(1);
  });

  it('gets the expected rejections of forbidden submissions', () => {
    expect(summary.rejectionsByCode.replayed_nonce).toBe(1);
    expect(summary.rejectionsByCode.key_mismatch).toBe(2);
    expect(summary.rejectionsByCode.not_receiver).toBe(1);
    expect(summary.rejectionsByCode.request_closed).toBe(1);
    expect(summary.rejectionsByCode.invalid_quorum).toBe(1);
    expect(summary.rejectionsByCode.certificate_revoked).toBe(1);
    expect(summary.rejectionsByCode.wrong_country).toBeGreaterThanOrEqual(2);
  });

  it('audits every receipt and checkpoint', () => {
    const logged = Object.values(summary.entriesByKind).reduce((sum, count) => sum + count, 0);
    // The hub logs each delivery itself, so the pilot has a receipt for every other entry.
    expect(summary.receiptsChecked).toBe(logged - summary.entriesByKind['exchange.deliver']!);
    expect(summary.logSize).toBe(logged + 1);
    expect(summary.checkpointsChecked).toBeGreaterThan(1);
  });

  it('adds three witnesses with quorum 2', () => {
    expect(summary.entriesByKind['witness.add']).toBe(3);
    expect(summary.witnesses.mode).toBe('added');
    expect(summary.witnesses.witnesses).toEqual(['witness:KG', 'witness:PK', 'witness:TJ']);
    expect(summary.witnesses.quorum).toBe(2);
    expect(summary.witnesses.skipReason).toBeNull();
  });

  it('verifies every document against the witnessed checkpoint', () => {
    const size = summary.witnesses.checkpointSize;
    expect(size).not.toBeNull();
    expect(summary.witnesses.cosigners.length).toBeGreaterThanOrEqual(2);
    expect(summary.witnesses.verificationsWitnessed).toBe(summary.documents);
    for (const verification of summary.verifications) {
      expect(verification.checkpointSize, verification.label).toBe(size);
      expect(verification.checks, verification.label).toContain('traceability=PASSED');
    }
  });

  it('logs verifications against checkpoints with 2 valid cosignatures', async () => {
    const hub = await Hub.open({ dataDir });
    try {
      let records = 0;
      for (let index = 0; index < hub.size; index++) {
        const envelope = decodeLeaf(await hub.reader.entry(index));
        if (envelope.kind !== 'verification.record') continue;
        records++;
        const body = envelope.body as VerificationBody;
        const traceability = body.checks.find((check) => check.id === 'traceability');
        expect(traceability?.indication, `entry ${index}`).toBe('PASSED');

        // The registry as of the checkpoint's last entry sets the quorum and the witness keys.
        const witnesses = hub.registry.state.witnessesAt(body.checkpointSize - 1);
        expect(witnesses?.witnessQuorum, `entry ${index}`).toBe(2);
        const note = await hub.checkpointWithCosignatures(await hub.reader.checkpoint(body.checkpointSize));
        const cosigners = (witnesses?.witnesses ?? []).filter((witness) => {
          try {
            openNote(note, [noteVerifier(witness.key)]);
            return true;
          } catch {
            return false;
          }
        });
        expect(cosigners.length, `entry ${index}`).toBeGreaterThanOrEqual(2);
      }
      expect(records).toBe(summary.documents);
    } finally {
      await hub.close();
    }
  });

  it('leaves a store that reopens with the same checkpoint', async () => {
    const hub = await Hub.open({ dataDir });
    try {
      expect(hub.size).toBe(summary.logSize);
      expect(await hub.checkpointWithCosignatures(hub.latestCheckpoint!)).toBe(summary.checkpoint);
    } finally {
      await hub.close();
    }
  });

  it('leaves a store that fsck finds clean', async () => {
    const storage = await openLevelStorage(path.join(dataDir, DATA_FILES.store));
    try {
      const report = await checkStore(storage);
      expect(report.problems).toEqual([]);
      expect(report.size).toBe(summary.logSize);
    } finally {
      await storage.close();
    }
  });
});

describe('executePilot against a hub with cosigning witnesses', () => {
  let second: PilotSummary;
  let close: (() => Promise<void>) | undefined;

  // The first run's hub, now served like `ecert serve --witness`, with the same witnesses.
  beforeAll(async () => {
    const hub = await Hub.open({ dataDir });
    const keysDir = path.join(dataDir, DATA_FILES.devKeys);
    const operatorKey = parsePrivateKey(readFileSync(path.join(keysDir, 'operator.key'), 'utf8').trim());
    const exchanges = await openExchanges(hub, { dataDir, operatorKey });
    const app = await buildServer(hub, { logger: false, exchanges: exchanges.routes });
    const logVkey = readFileSync(path.join(dataDir, DATA_FILES.logVkey), 'utf8').trim();
    const servers = await startWitnessServers(keysDir, path.join(dataDir, 'pilot-witnesses'), logVkey, ['KG', 'PK', 'TJ']);
    const pusher = new WitnessPusher(hub, { urls: servers.witnesses.map((witness) => witness.url) });
    close = async () => {
      await pusher.close();
      await servers.close();
      await app.close();
      await exchanges.close();
      await hub.close();
    };
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    pusher.start();
    second = await executePilot({ hub: url, keys: keysDir, samples });
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  it("uses the hub's own witnesses", () => {
    expect(second.mismatches).toEqual([]);
    expect(second.witnesses.mode).toBe('existing');
    expect(second.witnesses.witnesses).toEqual(['witness:KG', 'witness:PK', 'witness:TJ']);
    expect(second.witnesses.quorum).toBe(2);
    expect(second.entriesByKind['witness.add']).toBeUndefined();
  });

  it('verifies every document against a witnessed checkpoint', () => {
    expect(second.witnesses.checkpointSize).toBeGreaterThan(summary.logSize);
    expect(second.witnesses.cosigners.length).toBeGreaterThanOrEqual(2);
    expect(second.witnesses.verificationsWitnessed).toBe(second.documents);
  });
});

describe('executePilot options', () => {
  it('rejects a non-empty data directory', async () => {
    const full = path.join(root, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'keep'), 'x');
    await expect(executePilot({ data: full, samples })).rejects.toThrow(UsageError);
  });

  it('rejects --hub without --keys', async () => {
    await expect(executePilot({ hub: 'http://127.0.0.1:9', samples })).rejects.toThrow(/--keys/);
  });

  it('rejects a missing sample directory', async () => {
    await expect(executePilot({ data: path.join(root, 'unused'), samples: path.join(root, 'none') })).rejects.toThrow(UsageError);
  });
});
