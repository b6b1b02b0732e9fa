/**
 * Hubs for the monitor tests: honest in-process hubs on 127.0.0.1, and "lying" ones that serve
 * a tampered store through the hub's real tile routes.
 */
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';

import compress from '@fastify/compress';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';

import { createDevelopmentSetup } from '../../api/data-dir.js';
import { Hub } from '../../api/hub.js';
import { registerTileRoutes } from '../../api/routes/tiles.js';
import { buildServer } from '../../api/server.js';
import { openLevelStorage } from '../../ledger/level-storage.js';
import { LogReader } from '../../ledger/log.js';
import { noteSigner, noteVerifier, parsePrivateKey, type NoteVerifier, type PrivateKey } from '../../ledger/note.js';
import { openSequencer } from '../../ledger/sequencer.js';
import type { LogStorage } from '../../ledger/storage.js';
import type { Alarm, AlarmSink } from '../../monitor/alarms.js';
import { Monitor, type MonitorOptions } from '../../monitor/monitor.js';
import { encodeLeaf, signEnvelope, type SignedEnvelope } from '../../registry/envelope.js';
import { cabCode, cabRegisterBody, documentBody } from '../helpers/records.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** Reads a development key of the data directory, e.g. `registrar:UZ`. */
export function devKey(dataDir: string, actor: string): PrivateKey {
  return parsePrivateKey(readFileSync(path.join(dataDir, 'dev-keys', `${actor.replaceAll(':', '-')}.key`), 'utf8').trim());
}

export function logVerifier(dataDir: string): NoteVerifier {
  return noteVerifier(readFileSync(path.join(dataDir, 'log.vkey'), 'utf8').trim());
}

/** A hub opened in this process and listening on 127.0.0.1. */
export interface RunningHub {
  hub: Hub;
  url: string;
  close(): Promise<void>;
}

export async function startInProcessHub(dataDir: string): Promise<RunningHub> {
  const hub = await Hub.open({ dataDir, batchSize: 4096, batchInterval: 5 });
  const app = await buildServer(hub);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    hub,
    url,
    close: async () => {
      await app.close();
      await hub.close();
    },
  };
}

/**
 * Signs entries that pass the registry rules: first the setup a document needs (the UZ
 * authority and one CAB), then documents whose hashes derive from `label`, so two factories
 * with different labels fork a log apart.
 */
export class EntryFactory {
  readonly #registrar: PrivateKey;
  readonly #authority: PrivateKey;
  readonly #authorityVkey: string;
  readonly #label: string;
  #next = 0;

  constructor(dataDir: string, label: string) {
    this.#registrar = devKey(dataDir, 'registrar:UZ');
    this.#authority = devKey(dataDir, 'authority:UZ');
    this.#authorityVkey = readFileSync(path.join(dataDir, 'dev-keys', 'authority-UZ.vkey'), 'utf8').trim();
    this.#label = label;
  }

  /** The two entries that let authority:UZ register documents of CAB UZ-UZAC-0001. */
  setup(): SignedEnvelope[] {
    const body = { actor: 'authority:UZ', roles: ['sender', 'receiver'], key: this.#authorityVkey };
    return [
      signEnvelope({ kind: 'actor.register', body: body as never, actor: 'registrar:UZ' }, this.#registrar),
      signEnvelope({ kind: 'cab.register', body: cabRegisterBody(cabCode('UZ', 1)) as never, actor: 'registrar:UZ' }, this.#registrar),
    ];
  }

  /** Signs `count` new document registrations. */
  documents(count: number): SignedEnvelope[] {
    const envelopes: SignedEnvelope[] = [];
    for (let i = 0; i < count; i++) {
      const body = documentBody(cabCode('UZ', 1), `${this.#label}-${this.#next++}`);
      envelopes.push(signEnvelope({ kind: 'document.register', body: body as never, actor: 'authority:UZ' }, this.#authority));
    }
    return envelopes;
  }
}

/** Submits envelopes in batches that the hub integrates together. */
export async function submitAll(hub: Hub, envelopes: readonly SignedEnvelope[], batch = 4096): Promise<void> {
  for (let i = 0; i < envelopes.length; i += batch) {
    await Promise.all(envelopes.slice(i, i + batch).map((envelope) => hub.submit(envelope)));
  }
}

/** Creates a development data directory whose log holds the genesis, the setup and `documents` entries. */
export async function buildLog(dataDir: string, documents: number, label = 'base'): Promise<void> {
  createDevelopmentSetup(dataDir);
  const hub = await Hub.open({ dataDir, batchSize: 4096, batchInterval: 5 });
  try {
    const factory = new EntryFactory(dataDir, label);
    await submitAll(hub, factory.setup());
    await submitAll(hub, factory.documents(documents));
  } finally {
    await hub.close();
  }
}

/**
 * Creates a development data directory with the genesis and the setup entries logged by the
 * hub, then commits `documents` signed document registrations straight through the ledger
 * sequencer with the log key, which is much faster than submitting them one by one.
 */
export async function buildLogFast(dataDir: string, documents: number, label = 'fast'): Promise<void> {
  await buildLog(dataDir, 0, label);
  const factory = new EntryFactory(dataDir, `${label}-documents`);
  const storage = await openLevelStorage(path.join(dataDir, 'ledger'));
  try {
    const logKey = parsePrivateKey(readFileSync(path.join(dataDir, 'log.key'), 'utf8').trim());
    const handler = { prepare: (items: readonly Uint8Array[]) => items.map((entry) => ({ entry })) };
    const sequencer = await openSequencer(storage, noteSigner(logKey), handler, { batchInterval: 0, batchSize: 4096, maxPending: 100_000 });
    for (let done = 0; done < documents; done += 4096) {
      const loggedAt = Date.now();
      const leaves = factory.documents(Math.min(4096, documents - done)).map((envelope) => encodeLeaf(envelope, loggedAt));
      await Promise.all(leaves.map((leaf) => sequencer.submit(leaf)));
    }
    await sequencer.close();
  } finally {
    await storage.close();
  }
}

/** Copies a stopped hub's data directory. */
export function copyDataDir(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}

/**
 * Serves a store through the hub's real tile routes without opening a Hub, whose start-up
 * checks would refuse a tampered store: this is the lying hub.
 */
export async function serveStore(storeDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const storage: LogStorage = await openLevelStorage(storeDir);
  const app: FastifyInstance = Fastify();
  // The bundle route compresses through this plugin, registered as the hub's server does.
  await app.register(compress, { global: false, encodings: ['gzip'], customTypes: /^application\/octet-stream$/ });
  const reader = new LogReader(storage);
  const hubView = { reader, checkpointWithCosignatures: async (checkpoint: { note: string }) => checkpoint.note };
  registerTileRoutes(app, hubView as unknown as Hub);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    close: async () => {
      await app.close();
      await storage.close();
    },
  };
}

/** An alarm sink that keeps what it receives. */
export function collectingSink(): AlarmSink & { alarms: Alarm[] } {
  const alarms: Alarm[] = [];
  return {
    alarms,
    async raise(alarm) {
      alarms.push(alarm);
    },
  };
}

/** Opens a monitor of `hubUrl` for the log of `dataDir`, with silent logs and collected alarms. */
export async function openMonitor(
  dataDir: string,
  hubUrl: string,
  stateDir: string,
  options: Partial<MonitorOptions> = {},
): Promise<{ monitor: Monitor; sink: ReturnType<typeof collectingSink> }> {
  const sink = collectingSink();
  const monitor = await Monitor.open({
    hubUrl,
    logKey: logVerifier(dataDir),
    stateDir,
    logger: silentLogger,
    alarms: sink,
    ...options,
  });
  return { monitor, sink };
}
