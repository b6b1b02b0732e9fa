import { generatePrivateKey, SIG_TYPE_COSIGNATURE, verifierKeyOf, type PrivateKey } from '../../ledger/note.js';
import { signEnvelope, type SignedEnvelope } from '../../registry/envelope.js';
import { RuleError } from '../../registry/errors.js';
import type { BodyOfKind, Kind } from '../../registry/kinds/index.js';
import type { StateChange } from '../../registry/records.js';
import { Registry } from '../../registry/registry.js';

export const T0 = Date.parse('2026-12-04T10:00:00.000Z');
export const COUNTRIES = ['UZ', 'KG', 'AZ', 'PK', 'TJ'] as const;

export interface SubmitOptions {
  key?: PrivateKey;
  signedAt?: number;
  nonce?: Uint8Array;
}

/** A log under test: the participants' keys, a registry and an in-memory nonce set. */
export class TestLog {
  readonly registry = new Registry();
  readonly nonces = new Set<string>();
  readonly keys = new Map<string, PrivateKey>();
  now = T0;

  constructor() {
    this.key('operator');
    for (const country of COUNTRIES) this.key(`registrar:${country}`);
  }

  /** Returns the key of an actor, made on first use. */
  key(name: string, type?: number): PrivateKey {
    let key = this.keys.get(name);
    if (key === undefined) {
      key = generatePrivateKey(name, type);
      this.keys.set(name, key);
    }
    return key;
  }

  vkey(name: string, type?: number): string {
    return verifierKeyOf(this.key(name, type));
  }

  genesisBody(): BodyOfKind['log.genesis'] {
    return {
      origin: 'ecert-ledger.localhost/test',
      operator: this.vkey('operator'),
      participants: COUNTRIES.map((country) => ({ country, registrar: this.vkey(`registrar:${country}`) })),
      witnesses: [{ name: 'witness:KG', key: this.vkey('witness:KG', SIG_TYPE_COSIGNATURE) }],
      witnessQuorum: 1,
      recoveryQuorum: 2,
    };
  }

  sign<K extends Kind>(kind: K, body: BodyOfKind[K], actor: string, options: SubmitOptions = {}): SignedEnvelope<K> {
    const signOptions = options.nonce === undefined ? { now: options.signedAt ?? this.now } : { now: options.signedAt ?? this.now, nonce: options.nonce };
    return signEnvelope({ kind, body, actor }, options.key ?? this.key(actor), signOptions);
  }

  /** Evaluates an envelope as the next entry and applies it when accepted. */
  submitEnvelope(envelope: SignedEnvelope): StateChange | RuleError {
    const hasNonce = (actor: string, nonce: string): boolean => this.nonces.has(`${actor}\n${nonce}`);
    const index = this.registry.state.size;
    const result = this.registry.evaluate(envelope, this.now, hasNonce);
    if (result instanceof RuleError) return result;
    this.registry.apply(index, this.now, result);
    this.nonces.add(`${result.actor}\n${result.nonce}`);
    this.now += 1000;
    return result;
  }

  submit<K extends Kind>(kind: K, body: BodyOfKind[K], actor: string, options: SubmitOptions = {}): StateChange | RuleError {
    return this.submitEnvelope(this.sign(kind, body, actor, options));
  }

  /** Submits and fails the test unless the entry is accepted. */
  accept<K extends Kind>(kind: K, body: BodyOfKind[K], actor: string, options: SubmitOptions = {}): StateChange {
    const result = this.submit(kind, body, actor, options);
    if (result instanceof RuleError) throw new Error(`${kind} by ${actor} rejected: ${result.code}: ${result.message}`);
    return result;
  }

  /** Submits and returns the rejection's code, or `accepted`. */
  codeOf<K extends Kind>(kind: K, body: BodyOfKind[K], actor: string, options: SubmitOptions = {}): string {
    const result = this.submit(kind, body, actor, options);
    return result instanceof RuleError ? result.code : 'accepted';
  }

  get size(): number {
    return this.registry.state.size;
  }
}

/** Starts a log with its genesis, a UZ and a KG CAB, and a sender and receiver in each of UZ and KG. */
export function startedLog(): TestLog {
  const log = new TestLog();
  log.accept('log.genesis', log.genesisBody(), 'operator');
  for (const country of ['UZ', 'KG']) {
    log.accept('actor.register', { actor: `authority:${country}`, roles: ['sender', 'receiver'], key: log.vkey(`authority:${country}`) }, `registrar:${country}`);
  }
  log.accept('cab.register', cabBody('UZ-UZAC-0042'), 'registrar:UZ');
  log.accept('cab.register', cabBody('KG-KGAC-0007'), 'registrar:KG');
  return log;
}

export function cabBody(code: string, status: 'active' | 'suspended' | 'withdrawn' = 'active', effectiveAt = '2026-01-01T00:00:00.000Z'): BodyOfKind['cab.register'] {
  return { code, name: `CAB ${code}`, type: 'certification-body', status, effectiveAt };
}

export function documentBody(sha256: string, issuer = 'UZ-UZAC-0042'): BodyOfKind['document.register'] {
  return {
    type: 'CC',
    number: `CC-${sha256.slice(0, 6)}`,
    issuer,
    sha256,
    issuedOn: '2026-12-01',
    validUntil: '2029-12-01',
    product: { description: 'Electric kettles', hsCodes: ['851671'] },
    regulations: ['TR CU 004/2011'],
    standards: ['IEC 60335-2-15'],
    related: [],
  };
}

export const SHA_A = 'a'.repeat(64);
export const SHA_B = 'b'.repeat(64);
