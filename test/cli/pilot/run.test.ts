import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DATA_FILES } from '../../../api/data-dir.js';
import { Hub } from '../../../api/hub.js';
import { UsageError } from '../../../cli/errors.js';
import { executePilot } from '../../../cli/pilot/run.js';
import { readSamples } from '../../../cli/pilot/samples.js';
import type { PilotSummary } from '../../../cli/pilot/summary.js';
import { checkStore } from '../../../ledger/fsck.js';
import { openLevelStorage } from '../../../ledger/level-storage.js';

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

  it('fails exactly the three documents meant to fail', () => {
    expect(summary.documentsByResult['TOTAL-FAILED']).toBe(3);
    expect(summary.documentsByResult.INDETERMINATE).toBe(summary.documents - 3);
    expect(summary.decisions).toEqual({ accepted: summary.documents - 4, query: 1, rejected: 3 });
  });

  it('logs the key, suspension, revocation and exception steps', () => {
    expect(summary.entriesByKind['registrar.rotate']).toBe(3);
    expect(summary.entriesByKind['registrar.recover']).toBe(1);
    expect(summary.entriesByKind['registrar.approve']).toBe(2);
    expect(summary.entriesByKind['cab.update']).toBe(1);
    expect(summary.entriesByKind['cabkey.revoke']).toBe(1);
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
    expect(summary.rejectionsByCode.certificate_revoked).toBe(1);
    expect(summary.rejectionsByCode.wrong_country).toBeGreaterThanOrEqual(2);
  });

  it('audits every receipt and checkpoint', () => {
    const logged = Object.values(summary.entriesByKind).reduce((sum, count) => sum + count, 0);
    expect(summary.receiptsChecked).toBe(logged);
    expect(summary.logSize).toBe(logged + 1);
    expect(summary.checkpointsChecked).toBeGreaterThan(1);
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
