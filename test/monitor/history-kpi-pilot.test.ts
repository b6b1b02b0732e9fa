/**
 * `ecert history` and `ecert kpi` on the pilot's log, served by an in-process hub on 127.0.0.1,
 * against a hand count of the same entries read straight from the entry bundles.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CommanderError } from 'commander';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { Hub } from '../../api/hub.js';
import { buildServer } from '../../api/server.js';
import { CliError } from '../../cli/errors.js';
import { executePilot } from '../../cli/pilot/run.js';
import { buildProgram } from '../../cli/program.js';
import { hashLeaf } from '../../ledger/hash.js';
import { decodeBase64Strict, formatVerifierKey, noteVerifier, parseNote, parseVerifierKey } from '../../ledger/note.js';
import { verifyInclusion } from '../../ledger/proof.js';
import { parseCheckpoint } from '../../ledger/checkpoint.js';
import type { Timeline } from '../../monitor/history.js';
import { readVerifiedLog } from '../../monitor/history-log.js';
import type { KpiReport } from '../../monitor/kpi.js';
import type { LogFetcher } from '../../verifier/log-fetch.js';

const samples = path.resolve(import.meta.dirname, '../../../shared/samples/pdf');
const root = mkdtempSync(path.join(tmpdir(), 'ecert-history-kpi-'));
const dataDir = path.join(root, 'hub');
const vkeyFile = path.join(dataDir, 'log.vkey');

/** An entry as the test decodes it by itself: plain JSON.parse of the bundle bytes. */
interface RawEntry {
  index: number;
  bytes: Uint8Array;
  kind: string;
  actor: string;
  loggedAt: number;
  body: Record<string, any>;
}

let hub: Hub;
let app: FastifyInstance;
let url: string;
let entries: RawEntry[];
let checkpointText: string;

beforeAll(async () => {
  await executePilot({ data: dataDir, samples });
  hub = await Hub.open({ dataDir });
  app = await buildServer(hub, { logger: false });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  checkpointText = await (await fetch(`${url}/checkpoint`)).text();
  entries = await readEntriesByHand(url, checkpointText);
}, 180_000);

afterAll(async () => {
  await app?.close();
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Reads every entry from the full and partial bundles, splitting them on their 2-byte lengths. */
async function readEntriesByHand(base: string, note: string): Promise<RawEntry[]> {
  const size = Number(note.split('\n')[1]);
  const found: RawEntry[] = [];
  for (let bundle = 0; bundle * 256 < size; bundle++) {
    const width = Math.min(256, size - bundle * 256);
    const name = String(bundle).padStart(3, '0');
    const suffix = width === 256 ? '' : `.p/${width}`;
    const bytes = new Uint8Array(await (await fetch(`${base}/tile/entries/${name}${suffix}`)).arrayBuffer());
    let offset = 0;
    while (offset < bytes.length) {
      const length = bytes[offset]! * 256 + bytes[offset + 1]!;
      const entry = bytes.slice(offset + 2, offset + 2 + length);
      const json = JSON.parse(Buffer.from(entry).toString('utf8'));
      found.push({ index: found.length, bytes: entry, kind: json.kind, actor: json.actor, loggedAt: json.loggedAt, body: json.body });
      offset += 2 + length;
    }
  }
  return found;
}

/** Runs `ecert <args>` in-process and returns the exit code main.ts would set, stdout and stderr. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; message: string }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(['node', 'ecert', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, message: '' };
  } catch (error) {
    if (error instanceof CommanderError) return { code: error.exitCode === 0 ? 0 : 2, stdout, message: error.message };
    if (error instanceof CliError) return { code: error.exitCode, stdout, message: error.message };
    throw error;
  } finally {
    process.exitCode = undefined;
  }
}

async function kpiJson(...flags: string[]): Promise<KpiReport> {
  const result = await run('kpi', '--hub', url, '--vkey', vkeyFile, '--format', 'json', ...flags);
  expect(result.code, result.message).toBe(0);
  return JSON.parse(result.stdout) as KpiReport;
}

function countBy(items: readonly RawEntry[], key: (entry: RawEntry) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function rowsToMap(rows: readonly { key: string; count: number }[]): Map<string, number> {
  return new Map(rows.map((row) => [row.key, row.count]));
}

/** Median and p90 by sorting and interpolating between the two closest ranks. */
function handStats(values: number[]): { median: number; p90: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => {
    const rank = p * (sorted.length - 1);
    const low = sorted[Math.floor(rank)]!;
    const high = sorted[Math.ceil(rank)]!;
    return low + (high - low) * (rank - Math.floor(rank));
  };
  return { median: at(0.5), p90: at(0.9) };
}

/** Hand count of latencies from exchange.send to the later entries logged in [from, to]. */
function handLatencies(inWindow: (entry: RawEntry) => boolean): { delivery: number[]; verification: number[] } {
  const sentAt = new Map<string, number>();
  const delivery: number[] = [];
  const verification: number[] = [];
  for (const entry of entries) {
    if (entry.kind === 'exchange.send') sentAt.set(entry.body.exchangeId, entry.loggedAt);
    if (!inWindow(entry)) continue;
    if (entry.kind === 'exchange.deliver' && entry.body.status === 'delivered') delivery.push(entry.loggedAt - sentAt.get(entry.body.exchangeId)!);
    if (entry.kind === 'verification.record') verification.push(entry.loggedAt - sentAt.get(entry.body.exchangeId)!);
  }
  return { delivery, verification };
}

describe('ecert kpi on the pilot log', () => {
  it('counts entries by kind as the bundles hold them', async () => {
    const report = await kpiJson();
    expect(report.log.size).toBe(entries.length);
    expect(report.entries.total).toBe(entries.length);
    expect(rowsToMap(report.entries.byKind)).toEqual(countBy(entries, (entry) => entry.kind));
  });

  it('counts exchanges per country pair', async () => {
    const report = await kpiJson();
    const sends = entries.filter((entry) => entry.kind === 'exchange.send');
    expect(report.exchanges.sent).toBe(sends.length);
    expect(report.exchanges.sent).toBe(78);
    const pairs = new Map(report.exchanges.byPair.map((pair) => [`${pair.from}->${pair.to}`, pair.count]));
    expect(pairs).toEqual(countBy(sends, (entry) => `${entry.body.from}->${entry.body.to}`));
  });

  it('counts deliveries, acknowledgements and purges', async () => {
    const report = await kpiJson();
    const delivers = entries.filter((entry) => entry.kind === 'exchange.deliver');
    const receives = entries.filter((entry) => entry.kind === 'exchange.receive');
    const purges = entries.filter((entry) => entry.kind === 'exchange.purge');
    expect(report.exchanges.deliveries.delivered).toBe(delivers.filter((entry) => entry.body.status === 'delivered').length);
    expect(report.exchanges.deliveries.failed).toBe(delivers.filter((entry) => entry.body.status === 'failed').length);
    for (const acknowledgement of ['positive', 'warning', 'negative'] as const) {
      expect(report.exchanges.acknowledgements[acknowledgement], acknowledgement).toBe(
        receives.filter((entry) => entry.body.acknowledgement === acknowledgement).length,
      );
    }
    expect(report.exchanges.purges.acknowledged).toBe(purges.filter((entry) => entry.body.reason === 'acknowledged').length);
    expect(report.exchanges.purges.notCollected).toBe(purges.filter((entry) => entry.body.reason === 'not-collected').length);
  });

  it('computes latency medians and p90 by sorting', async () => {
    const report = await kpiJson();
    const latencies = handLatencies(() => true);
    expect(latencies.delivery.length).toBeGreaterThan(0);
    expect(report.latency.delivery.count).toBe(latencies.delivery.length);
    expect(report.latency.delivery.medianMs).toBe(handStats(latencies.delivery).median);
    expect(report.latency.delivery.p90Ms).toBe(handStats(latencies.delivery).p90);
    expect(report.latency.delivery.maxMs).toBe(Math.max(...latencies.delivery));
    expect(report.latency.verification.count).toBe(latencies.verification.length);
    expect(report.latency.verification.medianMs).toBe(handStats(latencies.verification).median);
    expect(report.latency.verification.p90Ms).toBe(handStats(latencies.verification).p90);
    expect(report.latency.verification.minMs).toBe(Math.min(...latencies.verification));
  });

  it('computes decisions, rates and rejection reasons', async () => {
    const report = await kpiJson();
    const records = entries.filter((entry) => entry.kind === 'verification.record');
    const decisions = countBy(records, (entry) => entry.body.decision);
    expect(report.decisions.total).toBe(records.length);
    expect(report.decisions.accepted).toBe(decisions.get('accepted'));
    expect(report.decisions.rejected).toBe(decisions.get('rejected'));
    expect(report.decisions.query).toBe(decisions.get('query'));
    expect(report.decisions).toMatchObject({ accepted: 65, rejected: 12, query: 1 });
    expect(report.decisions.acceptanceRate).toBe(65 / 78);
    expect(report.decisions.rejectionRate).toBe(12 / 78);
    const reasons = new Map<string, number>();
    for (const record of records.filter((entry) => entry.body.decision === 'rejected')) {
      for (const check of record.body.checks) {
        if (check.indication === 'PASSED') continue;
        const key = `${check.id}=${check.indication}${check.subIndication === undefined ? '' : `/${check.subIndication}`}`;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
    }
    expect(rowsToMap(report.rejectionReasons.checks)).toEqual(reasons);
    expect(reasons.get('key-registry=FAILED/REVOKED')).toBe(1);
    const negative = entries.filter((entry) => entry.kind === 'exchange.receive' && entry.body.acknowledgement === 'negative');
    expect(rowsToMap(report.rejectionReasons.negativeAcknowledgements)).toEqual(
      countBy(negative, (entry) => entry.body.reason ?? '(no reason given)'),
    );
  });

  it('lists exceptions with their reasons', async () => {
    const report = await kpiJson();
    const exceptions = entries.filter((entry) => entry.kind === 'exchange.exception');
    expect(report.exceptions.total).toBe(exceptions.length);
    expect(report.exceptions.total).toBe(1);
    expect(report.exceptions.items.map((item) => item.index)).toEqual(exceptions.map((entry) => entry.index));
    expect(report.exceptions.items[0]!.text).toBe(exceptions[0]!.body.text);
  });

  it('counts key rotations and effective recoveries', async () => {
    const report = await kpiJson();
    const quorum = entries[0]!.body.recoveryQuorum as number;
    const approvals = new Map<number, number>();
    let effective = 0;
    for (const entry of entries.filter((item) => item.kind === 'registrar.approve' && item.body.requestKind === 'registrar.recover')) {
      const count = (approvals.get(entry.body.requestIndex) ?? 0) + 1;
      approvals.set(entry.body.requestIndex, count);
      if (count === quorum) effective++;
    }
    const count = (kind: string): number => entries.filter((entry) => entry.kind === kind).length;
    expect(report.keyRotations.registrarRotate).toBe(count('registrar.rotate'));
    expect(report.keyRotations.registrarRotate).toBe(3);
    expect(report.keyRotations.registrarRecover).toBe(effective);
    expect(report.keyRotations.registrarRecover).toBe(1);
    expect(report.keyRotations.cabkeyRegister).toBe(count('cabkey.register'));
    expect(report.keyRotations.cabkeyRevoke).toBe(count('cabkey.revoke'));
    expect(report.keyRotations.total).toBe(count('registrar.rotate') + effective + count('cabkey.register') + count('cabkey.revoke'));
  });

  it('counts registry changes by kind', async () => {
    const report = await kpiJson();
    const registry = entries.filter((entry) => /^(actor|registrar|witness|ca|cab|accreditation|cabkey)\./.test(entry.kind));
    expect(report.registryChanges.total).toBe(registry.length);
    expect(rowsToMap(report.registryChanges.byKind)).toEqual(countBy(registry, (entry) => entry.kind));
    expect(rowsToMap(report.registryChanges.byKind).get('cab.update')).toBe(1);
  });

  it('counts only the entries in --from and --to', async () => {
    const middle = entries[Math.floor(entries.length / 2)]!.loggedAt;
    const last = entries[entries.length - 1]!.loggedAt;
    const from = new Date(middle).toISOString();
    const to = new Date(last - 1).toISOString();
    const report = await kpiJson('--from', from, '--to', to);
    const inWindow = (entry: RawEntry): boolean => entry.loggedAt >= middle && entry.loggedAt <= last - 1;
    const selected = entries.filter(inWindow);
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.length).toBeLessThan(entries.length);
    expect(report.entries.total).toBe(selected.length);
    expect(rowsToMap(report.entries.byKind)).toEqual(countBy(selected, (entry) => entry.kind));
    const latencies = handLatencies(inWindow);
    expect(report.latency.verification.count).toBe(latencies.verification.length);
    if (latencies.verification.length > 0) expect(report.latency.verification.medianMs).toBe(handStats(latencies.verification).median);
    expect(report.window).toEqual({ from, to });
  });

  it('gives empty counts for a day before the log', async () => {
    const report = await kpiJson('--from', '2000-01-01', '--to', '2000-01-01');
    expect(report.entries.total).toBe(0);
    expect(report.decisions.acceptanceRate).toBeNull();
    expect(report.latency.delivery.medianMs).toBeNull();
    expect(report.window).toEqual({ from: '2000-01-01T00:00:00.000Z', to: '2000-01-01T23:59:59.999Z' });
  });

  it('prints the numbers in the table format', async () => {
    const result = await run('kpi', '--hub', url, '--vkey', vkeyFile);
    expect(result.code, result.message).toBe(0);
    expect(result.stdout).toContain('exchanges sent: 78');
    expect(result.stdout).toMatch(/accepted\s+65\s+83\.3%/);
    expect(result.stdout).toMatch(/rejected\s+12\s+15\.4%/);
    expect(result.stdout).toContain('registrar.rotate 3');
  });

  it('prints the numbers in the CSV format', async () => {
    const result = await run('kpi', '--hub', url, '--vkey', vkeyFile, '--format', 'csv');
    expect(result.code, result.message).toBe(0);
    const lines = result.stdout.split('\r\n');
    expect(lines[0]).toBe('section,name,value');
    expect(lines).toContain('exchanges,sent,78');
    expect(lines).toContain('decisions,accepted,65');
    expect(lines).toContain('decisions,rejected,12');
    expect(lines).toContain(`entries,total,${entries.length}`);
  });

  it('writes a self-contained HTML report', async () => {
    const file = path.join(root, 'kpi.html');
    const result = await run('kpi', '--hub', url, '--vkey', vkeyFile, '--format', 'html', '-o', file);
    expect(result.code, result.message).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/\ssrc\s*=/i);
    expect(html).not.toMatch(/<(script|link|img|iframe|object)\b/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toContain('<svg');
    expect(html).toContain('65 (83.3%)');
    expect(html).toContain('12 (15.4%)');
    expect(html).toMatch(/<b>78<\/b>exchanges sent/);
  });
});

describe('ecert history on the pilot log', () => {
  /** Finds the exchange that got an exception, with its document and its exchange.send. */
  function exceptionCase(): { exchangeId: string; sha256: string; send: RawEntry } {
    const exception = entries.find((entry) => entry.kind === 'exchange.exception')!;
    const exchangeId = exception.body.exchangeId as string;
    const send = entries.find((entry) => entry.kind === 'exchange.send' && entry.body.exchangeId === exchangeId)!;
    return { exchangeId, sha256: send.body.documentSha256, send };
  }

  function handSelection(sha256: string, exchangeId?: string): number[] {
    const exchangeIds = new Set(
      entries.filter((entry) => entry.kind === 'exchange.send' && entry.body.documentSha256 === sha256).map((entry) => entry.body.exchangeId),
    );
    return entries
      .filter((entry) => {
        if (entry.kind === 'document.register') return entry.body.sha256 === sha256;
        if (!exchangeIds.has(entry.body.exchangeId)) return false;
        return exchangeId === undefined || entry.body.exchangeId === exchangeId;
      })
      .map((entry) => entry.index);
  }

  /** Checks every step's proof again, independently, against the checkpoint the hub serves. */
  function expectProofsVerify(timeline: Timeline): void {
    const checkpoint = parseCheckpoint(parseNote(checkpointText).text);
    expect(timeline.checkpoint.size).toBe(checkpoint.size);
    for (const step of timeline.steps) {
      const proof = step.proof.map((hash) => decodeBase64Strict(hash)!);
      expect(() => verifyInclusion(step.index, checkpoint.size, hashLeaf(entries[step.index]!.bytes), proof, checkpoint.rootHash)).not.toThrow();
      expect(step.leafHash).toBe(Buffer.from(hashLeaf(entries[step.index]!.bytes)).toString('base64'));
    }
  }

  it('lists every entry of a document with verified proofs', async () => {
    const { sha256, send } = exceptionCase();
    const result = await run('history', sha256, '--hub', url, '--vkey', vkeyFile, '--json');
    expect(result.code, result.message).toBe(0);
    const timeline = JSON.parse(result.stdout) as Timeline;
    expect(timeline.subject).toBe('document');
    expect(timeline.complete).toBe(true);
    expect(timeline.steps.map((step) => step.index)).toEqual(handSelection(sha256));
    expect(timeline.steps.map((step) => step.kind)).toContain('exchange.exception');
    expectProofsVerify(timeline);
    const exchange = timeline.exchanges.find((item) => item.exchangeId === send.body.exchangeId)!;
    expect(exchange).toMatchObject({ from: send.body.from, to: send.body.to, channel: send.body.channel, sender: send.actor });
    const receive = entries.find((entry) => entry.kind === 'exchange.receive' && entry.body.exchangeId === send.body.exchangeId)!;
    expect(exchange.receipt?.receiver).toBe(receive.actor);
    expect(exchange.exceptions).toHaveLength(1);
  });

  it('lists one exchange by its id', async () => {
    const { exchangeId, sha256 } = exceptionCase();
    const result = await run('history', exchangeId, '--hub', url, '--vkey', vkeyFile, '--json');
    expect(result.code, result.message).toBe(0);
    const timeline = JSON.parse(result.stdout) as Timeline;
    expect(timeline.subject).toBe('exchange');
    expect(timeline.documentSha256).toBe(sha256);
    expect(timeline.steps.map((step) => step.index)).toEqual(handSelection(sha256, exchangeId));
    expectProofsVerify(timeline);
  });

  it('prints who sent and received in text', async () => {
    const { exchangeId, send } = exceptionCase();
    const result = await run('history', exchangeId, '--hub', url, '--vkey', vkeyFile);
    expect(result.code, result.message).toBe(0);
    expect(result.stdout).toContain(`exchange ${exchangeId}: ${send.body.from} -> ${send.body.to} through ${send.body.channel}`);
    expect(result.stdout).toContain(`#${send.index}  `);
    expect(result.stdout).toContain('each inclusion proof verified');
  });

  it('reads a receipt with its log offline', async () => {
    const { sha256 } = exceptionCase();
    const file = path.join(root, 'with-log.json');
    expect((await run('receipt', sha256, '--hub', url, '--vkey', vkeyFile, '--with-log', '-o', file)).code).toBe(0);
    const result = await run('history', sha256, '--receipt', file, '--vkey', vkeyFile, '--json');
    expect(result.code, result.message).toBe(0);
    const timeline = JSON.parse(result.stdout) as Timeline;
    expect(timeline.complete).toBe(true);
    expect(timeline.steps.map((step) => step.index)).toEqual(handSelection(sha256));
    const kpi = await run('kpi', '--receipt', file, '--vkey', vkeyFile, '--format', 'json');
    expect(kpi.code, kpi.message).toBe(0);
    expect((JSON.parse(kpi.stdout) as KpiReport).entries.total).toBe(entries.length);
  });

  it('marks a receipt without log incomplete', async () => {
    const { sha256, exchangeId } = exceptionCase();
    const file = path.join(root, 'no-log.json');
    expect((await run('receipt', sha256, '--hub', url, '--vkey', vkeyFile, '-o', file)).code).toBe(0);
    const result = await run('history', exchangeId, '--receipt', file, '--vkey', vkeyFile, '--json');
    expect(result.code, result.message).toBe(0);
    const timeline = JSON.parse(result.stdout) as Timeline;
    expect(timeline.complete).toBe(false);
    expect(timeline.signaturesChecked).toBe(false);
    expect(timeline.steps.map((step) => step.index)).toEqual(handSelection(sha256, exchangeId));
    expectProofsVerify(timeline);
    const kpi = await run('kpi', '--receipt', file, '--vkey', vkeyFile);
    expect(kpi.code).toBe(2);
  });

  it('exits 1 for an unknown document', async () => {
    const result = await run('history', 'a'.repeat(64), '--hub', url, '--vkey', vkeyFile);
    expect(result.code).toBe(1);
    expect(result.message).toContain('not_found');
  });

  it('exits 1 under another log key', async () => {
    const other = path.join(root, 'other.vkey');
    const key = parseVerifierKey(readFileSync(vkeyFile, 'utf8').trim());
    const flipped = Uint8Array.from(key.publicKey);
    flipped[0] = (flipped[0]! + 1) % 256;
    writeFileSync(other, `${formatVerifierKey(key.name, key.type, flipped)}\n`);
    const result = await run('history', exceptionCase().sha256, '--hub', url, '--vkey', other);
    expect(result.code).toBe(1);
  });

  it('exits 2 for a malformed query', async () => {
    expect((await run('history', 'not an id!', '--hub', url, '--vkey', vkeyFile)).code).toBe(2);
  });
});

describe('readVerifiedLog on a changed bundle', () => {
  it('rejects an entry changed in transit', async () => {
    const target = entries.find((entry) => entry.kind === 'exchange.receive' && entry.body.acknowledgement === 'positive')!;
    const fetcher: LogFetcher = {
      text: async (resource) => (await fetch(url + resource)).text(),
      bytes: async (resource) => {
        const bytes = new Uint8Array(await (await fetch(url + resource)).arrayBuffer());
        const text = Buffer.from(bytes).toString('latin1');
        const original = Buffer.from(target.bytes).toString('latin1');
        // "positive" and "negative" have the same length, so the bundle still decodes.
        return Uint8Array.from(Buffer.from(text.replace(original, original.replace('"positive"', '"negative"')), 'latin1'));
      },
    };
    const logKey = noteVerifier(readFileSync(vkeyFile, 'utf8').trim());
    await expect(readVerifiedLog(fetcher, logKey)).rejects.toMatchObject({ code: 'invalid_log' });
  });
});

describe('readVerifiedLog on a changed cosignature', () => {
  /**
   * Returns a fetcher of the pilot hub that serves its newest cosigned checkpoint as `/checkpoint`, with
   * `change` applied to its last signature line.
   */
  function fetcherChangingLastLine(change: (line: string) => string): LogFetcher {
    return {
      text: async (resource) => {
        if (resource !== '/checkpoint') return (await fetch(url + resource)).text();
        const text = await (await fetch(`${url}/v1/checkpoints/witnessed`)).text();
        const lines = text.slice(0, -1).split('\n');
        lines[lines.length - 1] = change(lines[lines.length - 1]!);
        return `${lines.join('\n')}\n`;
      },
      bytes: async (resource) => new Uint8Array(await (await fetch(url + resource)).arrayBuffer()),
    };
  }

  it('when a witness cosignature does not verify, it rejects the checkpoint', async () => {
    const logKey = noteVerifier(readFileSync(vkeyFile, 'utf8').trim());
    const flipped = fetcherChangingLastLine((line) => {
      const space = line.lastIndexOf(' ');
      const bytes = Buffer.from(line.slice(space + 1), 'base64');
      bytes[bytes.length - 1]! ^= 1;
      return `${line.slice(0, space + 1)}${bytes.toString('base64')}`;
    });
    const served = await (await fetch(`${url}/v1/checkpoints/witnessed`)).text();
    expect(parseNote(served).signatures.length).toBeGreaterThan(1);
    await expect(readVerifiedLog(fetcherChangingLastLine((line) => line), logKey)).resolves.toBeDefined();
    await expect(readVerifiedLog(flipped, logKey)).rejects.toMatchObject({ code: 'invalid_signature' });
  });

  it('when a cosignature line is from an unknown witness, it is ignored', async () => {
    const logKey = noteVerifier(readFileSync(vkeyFile, 'utf8').trim());
    // A line of another name, which no policy witness has, with the last line's bytes.
    const renamed = fetcherChangingLastLine((line) => `— witness:ZZ ${line.slice(line.lastIndexOf(' ') + 1)}`);
    const verified = await readVerifiedLog(renamed, logKey);
    expect(verified.checkpoint.size).toBeGreaterThan(0);
  });
});
