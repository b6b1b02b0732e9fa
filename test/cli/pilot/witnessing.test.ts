import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UsageError } from '../../../cli/errors.js';
import { HubClient } from '../../../cli/hub-client.js';
import type { PilotContext } from '../../../cli/pilot/context.js';
import { startOwnHub, type HubTarget } from '../../../cli/pilot/hub-target.js';
import { PilotKeys } from '../../../cli/pilot/keys.js';
import { LogMirror } from '../../../cli/pilot/log-mirror.js';
import { OutcomeLog } from '../../../cli/pilot/outcomes.js';
import { buildScenario } from '../../../cli/pilot/scenario.js';
import { HubSession } from '../../../cli/pilot/session.js';
import { formatSummary, type PilotSummary } from '../../../cli/pilot/summary.js';
import { startWitnessServers } from '../../../cli/pilot/witness-servers.js';
import { awaitWitnessedCheckpoint } from '../../../cli/pilot/witnessed-checkpoint.js';
import { PilotWitnessing } from '../../../cli/pilot/witnessing.js';

const root = mkdtempSync(path.join(tmpdir(), 'ecert-pilot-witnessing-'));
let target: HubTarget;
let context: PilotContext;

beforeAll(async () => {
  target = await startOwnHub(path.join(root, 'hub'));
  const client = new HubClient(target.url);
  const mirror = new LogMirror(client, target.logVkey);
  await mirror.refresh();
  const countries = mirror.registry.state.genesis()!.participants;
  const outcomes = new OutcomeLog();
  const session = new HubSession(client, PilotKeys.read(target.keysDir, countries), outcomes);
  context = { session, mirror, scenario: buildScenario('000001', countries, []), outcomes };
}, 30_000);

afterAll(async () => {
  await target.close();
  rmSync(root, { recursive: true, force: true });
});

describe('PilotWitnessing on another hub', () => {
  it('skips without a witness quorum', async () => {
    const witnessing = await PilotWitnessing.start(context, { ...target, pushSource: undefined });
    try {
      await witnessing.register(context);
      expect(await witnessing.checkpointForVerifications(context)).toBeUndefined();
      const summary = witnessing.summary(context, 0);
      expect(summary.mode).toBe('skipped');
      expect(summary.skipReason).toMatch(/cannot make another hub push checkpoints/);
      expect(summary.witnesses).toEqual([]);
      expect(summary.quorum).toBe(0);
      expect(summary.checkpointSize).toBeNull();
      expect(context.outcomes.mismatches).toEqual([]);

      const text = formatSummary({ ...emptySummary(), witnesses: summary });
      expect(text).toContain('  witnesses: skipped: the pilot cannot make another hub push checkpoints');
    } finally {
      await witnessing.close();
    }
  });
});

describe('awaitWitnessedCheckpoint', () => {
  it('rejects a checkpoint below minSize', async () => {
    const size = context.mirror.size;
    const result = await awaitWitnessedCheckpoint(context, { minSize: size + 1, minQuorum: 0, timeoutMs: 0 });
    expect(result).toHaveProperty('reason');
    expect((result as { reason: string }).reason).toContain(`has size ${size}, want at least ${size + 1}`);
  });

  it('rejects a registry quorum below minQuorum', async () => {
    const size = context.mirror.size;
    const result = await awaitWitnessedCheckpoint(context, { minSize: size, minQuorum: 1, timeoutMs: 0 });
    expect(result).toHaveProperty('reason');
    expect((result as { reason: string }).reason).toContain(`witness quorum at size ${size} is 0, want at least 1`);
  });

  it('accepts the newest checkpoint at quorum 0', async () => {
    const result = await awaitWitnessedCheckpoint(context, { minSize: context.mirror.size, minQuorum: 0, timeoutMs: 0 });
    expect('witnessed' in result).toBe(true);
    if (!('witnessed' in result)) return;
    expect(result.witnessed.checkpoint.size).toBe(context.mirror.size);
    expect(result.witnessed.quorum).toBe(0);
    expect(result.witnessed.cosigners).toEqual([]);
  });
});

describe('startWitnessServers', () => {
  it('rejects a directory without witness keys', async () => {
    const empty = path.join(root, 'no-keys');
    await expect(startWitnessServers(empty, path.join(root, 'state'), target.logVkey, ['KG'])).rejects.toThrow(UsageError);
  });

  it('serves each witness on its own port', async () => {
    const servers = await startWitnessServers(target.keysDir, path.join(root, 'state'), target.logVkey, ['KG', 'PK']);
    try {
      expect(servers.witnesses.map((witness) => witness.name)).toEqual(['witness:KG', 'witness:PK']);
      expect(new Set(servers.witnesses.map((witness) => witness.url)).size).toBe(2);
      for (const witness of servers.witnesses) {
        expect(witness.vkey.startsWith(`${witness.name}+`)).toBe(true);
        expect(witness.url.startsWith('http://127.0.0.1:')).toBe(true);
        // An empty add-checkpoint body is malformed, so the witness returns 400.
        const response = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: '' });
        expect(response.status).toBe(400);
      }
    } finally {
      await servers.close();
    }
  });
});

function emptySummary(): PilotSummary {
  return {
    passed: true,
    runNumber: '000001',
    hub: target.url,
    dataDir: null,
    entriesByKind: {},
    rejectionsByCode: {},
    documents: 0,
    documentsByResult: {},
    checksByOutcome: {},
    verifications: [],
    witnesses: { mode: 'skipped', witnesses: [], quorum: 0, skipReason: null, checkpointSize: null, cosigners: [], verificationsWitnessed: 0 },
    decisions: {},
    exchanges: 0,
    logSize: 1,
    checkpoint: '',
    receiptsChecked: 0,
    checkpointsChecked: 0,
    outcomesChecked: 0,
    durationMs: 0,
    mismatches: [],
  };
}
