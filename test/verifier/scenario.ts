/**
 * A small in-process scenario for the verifier tests: a development hub on 127.0.0.1, CABs,
 * accreditations, national CA and CAB certificates, and signed PDFs logged with exchanges.
 * The hub's clock runs `offsetMs` ahead of the system clock, so a test can log entries after
 * a certificate expires. Every envelope is signed at the same shifted time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';
import { PDFDocument, StandardFonts } from 'pdf-lib';

import { createDevelopmentSetup } from '../../api/data-dir.js';
import { Hub } from '../../api/hub.js';
import { buildServer } from '../../api/server.js';
import { parsePrivateKey, type PrivateKey } from '../../ledger/note.js';
import type { SequencerClock } from '../../ledger/sequencer.js';
import { createCabCertificate, createNationalCa, createSelfSignedCabCertificate, type CertifiedKey } from '../../cli/pilot/pki.js';
import { signPdf } from '../../pdf/sign.js';
import { signEnvelope } from '../../registry/envelope.js';
import type { BodyOfKind, Kind } from '../../registry/kinds/index.js';
import { sha256Hex } from '../helpers/envelopes.js';

export const DAY = 24 * 60 * 60 * 1000;
export const HS_IN_SCOPE = '851671';
export const REGULATION = 'TR CU 004/2011';

export interface DocumentOptions {
  cabCode: string;
  signer: CertifiedKey;
  chain?: CertifiedKey[];
  type?: 'CC' | 'TR';
  hsCodes?: string[];
  /** Register the document; default true. */
  register?: boolean;
  /** Log the exchange to KG and its receipt; default true. */
  exchange?: boolean;
}

export interface LoggedDocument {
  pdf: Uint8Array;
  sha256: string;
  index?: number;
}

export class Scenario {
  readonly dataDir: string;
  readonly hub: Hub;
  readonly app: FastifyInstance;
  readonly url: string;
  readonly logVkeyFile: string;
  offsetMs = 0;
  #seed = 0;

  private constructor(dataDir: string, hub: Hub, app: FastifyInstance, url: string) {
    this.dataDir = dataDir;
    this.hub = hub;
    this.app = app;
    this.url = url;
    this.logVkeyFile = path.join(dataDir, 'log.vkey');
  }

  static async start(): Promise<Scenario> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ecert-verifier-'));
    createDevelopmentSetup(dataDir);
    let scenario: Scenario | undefined;
    const clock: SequencerClock = {
      now: () => Date.now() + (scenario?.offsetMs ?? 0),
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
    const hub = await Hub.open({ dataDir, batchInterval: 2, clock });
    const app = await buildServer(hub, { logger: false });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    scenario = new Scenario(dataDir, hub, app, url);
    return scenario;
  }

  async stop(): Promise<void> {
    await this.app.close();
    await this.hub.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  key(actor: string): PrivateKey {
    return parsePrivateKey(readFileSync(path.join(this.dataDir, 'dev-keys', `${actor.replaceAll(':', '-')}.key`), 'utf8').trim());
  }

  /** Signs a record with the actor's development key at the hub's time and logs it. */
  async submit<K extends Kind>(kind: K, body: BodyOfKind[K], actor: string): Promise<number> {
    const envelope = signEnvelope({ kind, body, actor }, this.key(actor), { now: this.now() });
    return (await this.hub.submit(envelope)).index;
  }

  async registerAuthorities(): Promise<void> {
    for (const country of ['UZ', 'KG']) {
      const vkey = readFileSync(path.join(this.dataDir, 'dev-keys', `authority-${country}.vkey`), 'utf8').trim();
      await this.submit('actor.register', { actor: `authority:${country}`, roles: ['sender', 'receiver'], key: vkey }, `registrar:${country}`);
    }
  }

  async registerCab(code: string, options: { standard?: 'ISO/IEC 17065' | 'ISO/IEC 17025' } = {}): Promise<void> {
    await this.submit(
      'cab.register',
      { code, name: `Test body ${code}`, type: 'certification-body', status: 'active', effectiveAt: '2026-01-01T00:00:00.000Z' },
      'registrar:UZ',
    );
    await this.submit(
      'accreditation.set',
      {
        cabCode: code,
        standard: options.standard ?? 'ISO/IEC 17065',
        accreditationBody: 'UZAC',
        number: `ACC-${code}`,
        scope: { hsCodes: ['8516'], regulations: [REGULATION], standards: ['IEC 60335-1'] },
        validFrom: '2026-01-01',
        validUntil: '2035-12-31',
        status: 'active',
        effectiveAt: '2026-01-01T00:00:00.000Z',
      },
      'registrar:UZ',
    );
  }

  async registerCabKey(code: string, certificate: CertifiedKey): Promise<number> {
    return this.submit('cabkey.register', { cabCode: code, certificate: Buffer.from(certificate.der).toString('base64') }, 'registrar:UZ');
  }

  async registerCa(certificate: CertifiedKey): Promise<number> {
    return this.submit('ca.register', { certificate: Buffer.from(certificate.der).toString('base64') }, 'registrar:UZ');
  }

  async revokeCabKey(certificate: CertifiedKey, compromisedAt?: number): Promise<number> {
    const body: BodyOfKind['cabkey.revoke'] = { sha256: certificate.sha256, reason: 'keyCompromise' };
    if (compromisedAt !== undefined) body.compromisedAt = new Date(compromisedAt).toISOString();
    return this.submit('cabkey.revoke', body, 'registrar:UZ');
  }

  /** Signs a fresh PDF with `signer` and, by default, logs it with an exchange from UZ to KG and its receipt. */
  async document(options: DocumentOptions): Promise<LoggedDocument> {
    const seed = `${options.cabCode} document ${++this.#seed} ${Math.random()}`;
    const pdf = await signPdf(await unsignedPdf(seed), {
      privateKey: options.signer.privateKeyPem,
      certificate: options.signer.der,
      chain: options.chain?.map((certificate) => certificate.der),
      time: new Date(this.now()),
    });
    const sha256 = sha256Hex(pdf);
    if (options.register === false) return { pdf, sha256 };
    const type = options.type ?? 'CC';
    const index = await this.submit(
      'document.register',
      {
        type,
        number: `${type}-${sha256.slice(0, 8)}`,
        issuer: options.cabCode,
        sha256,
        issuedOn: '2026-11-02',
        product: { description: 'Electric kettles', hsCodes: options.hsCodes ?? [HS_IN_SCOPE] },
        regulations: [REGULATION],
        standards: ['IEC 60335-2-15'],
        related: [],
      },
      'authority:UZ',
    );
    if (options.exchange !== false) {
      const exchangeId = `x-${sha256.slice(0, 12)}`;
      await this.submit(
        'exchange.send',
        { exchangeId, documentSha256: sha256, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: `document ${sha256.slice(0, 8)}` } },
        'authority:UZ',
      );
      await this.submit('exchange.receive', { exchangeId, acknowledgement: 'positive' }, 'authority:KG');
    }
    return { pdf, sha256, index };
  }
}

/** Certificate validity around the hub's time: from a day before to `days` after. */
export function validity(scenario: Scenario, days = 365): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(scenario.now() - DAY), notAfter: new Date(scenario.now() + days * DAY) };
}

export async function ownCertificate(scenario: Scenario, cabCode: string, notAfter?: Date): Promise<CertifiedKey> {
  const window = validity(scenario);
  return createSelfSignedCabCertificate({
    cabCode,
    cabName: `Test body ${cabCode}`,
    country: 'UZ',
    notBefore: window.notBefore,
    notAfter: notAfter ?? window.notAfter,
    keyAlgorithm: 'ECDSA-P256',
  });
}

export async function nationalCa(scenario: Scenario): Promise<CertifiedKey> {
  return createNationalCa('UZ', 'Uzbek Test Accreditation', validity(scenario, 3650), 'ECDSA-P256');
}

export async function caIssuedCertificate(scenario: Scenario, ca: CertifiedKey, cabCode: string): Promise<CertifiedKey> {
  return createCabCertificate(ca, { cabCode, cabName: `Test body ${cabCode}`, country: 'UZ', ...validity(scenario), keyAlgorithm: 'ECDSA-P256' });
}

async function unsignedPdf(text: string): Promise<Uint8Array> {
  const document = await PDFDocument.create({ updateMetadata: false });
  const page = document.addPage([595, 842]);
  const font = await document.embedFont(StandardFonts.Helvetica);
  page.drawText(text, { x: 50, y: 780, size: 11, font });
  return document.save({ useObjectStreams: false });
}
