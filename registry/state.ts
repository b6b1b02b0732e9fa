import { registrarName } from './formats.js';
import type { AccreditationStandard } from './kinds/accreditation.js';
import {
  accreditationKey,
  type AccreditationRecord,
  type ActorRecord,
  type ApprovalRequest,
  type CabRecord,
  type CertificateRecord,
  type DocumentRecord,
  type ExchangeRecord,
  type GenesisRecord,
  type StateChange,
  type TableName,
  type Tables,
  type WitnessSet,
} from './records.js';
import {
  accreditationStatusAt,
  cabStatusAt,
  keyStatusAt,
  type AccreditationStatus,
  type CabStatus,
  type KeyStatus,
} from './trust.js';
import { VersionedTable, type Version } from './versioned-table.js';

const LATEST = Number.MAX_SAFE_INTEGER;
const SINGLETON = '';

type TableSet = { [T in TableName]: VersionedTable<Tables[T]> };

/**
 * The registry state folded from the log's entries in order. Every record keeps its
 * versions by log index, so each query takes an optional `index` and returns the record
 * as it was after the entry at that index (inclusive); without it, the latest. A query
 * as of a time goes through {@link indexAtTime}.
 */
export class RegistryState {
  private readonly tables: TableSet = {
    genesis: new VersionedTable(),
    actor: new VersionedTable(),
    witnesses: new VersionedTable(),
    cab: new VersionedTable(),
    accreditation: new VersionedTable(),
    certificate: new VersionedTable(),
    caSubject: new VersionedTable(),
    document: new VersionedTable(),
    exchange: new VersionedTable(),
    request: new VersionedTable(),
    openRecovery: new VersionedTable(),
  };
  private readonly logTimes: number[] = [];
  /** Keys each entry wrote, from `undoFloor` on, so truncate can drop them. */
  private readonly journal: { table: TableName; key: string }[][] = [];
  private undoFloor = 0;

  /** Number of entries applied: the next entry's index. */
  get size(): number {
    return this.logTimes.length;
  }

  /** Log time of the last applied entry, or undefined before genesis. */
  get lastLoggedAt(): number | undefined {
    return this.logTimes[this.logTimes.length - 1];
  }

  /**
   * Applies an accepted entry's change. Requires `index` to be the next index.
   * @throws RangeError for an index out of order.
   */
  apply(index: number, loggedAt: number, change: StateChange): void {
    if (index !== this.size) throw new RangeError(`entry index ${index} is not the next index ${this.size}`);
    const touched: { table: TableName; key: string }[] = [];
    for (const write of change.writes) {
      (this.tables[write.table] as VersionedTable<unknown>).put(write.key, index, write.value);
      touched.push({ table: write.table, key: write.key });
    }
    this.logTimes.push(loggedAt);
    this.journal.push(touched);
  }

  /**
   * Drops every version written at or after `size`, for a batch whose commit failed.
   * @throws RangeError when `size` is below what {@link releaseUndo} already released.
   */
  truncate(size: number): void {
    if (size >= this.size) return;
    if (size < this.undoFloor) {
      throw new RangeError(`cannot truncate to ${size}: entries before ${this.undoFloor} are released`);
    }
    while (this.size > size) {
      const touched = this.journal.pop()!;
      const index = this.logTimes.length - 1;
      for (const { table, key } of touched) this.tables[table].dropFrom(key, index);
      this.logTimes.pop();
    }
  }

  /**
   * Forgets how to undo entries before `size`, once they are durable; keeps memory flat
   * over a long log. Truncating below `size` is then impossible.
   */
  releaseUndo(size: number): void {
    const target = Math.min(size, this.size);
    if (target <= this.undoFloor) return;
    this.journal.splice(0, target - this.undoFloor);
    this.undoFloor = target;
  }

  /** Returns the index of the last entry logged at or before `time` (epoch ms), or -1. */
  indexAtTime(time: number): number {
    let low = 0;
    let high = this.logTimes.length;
    while (low < high) {
      const middle = low + Math.floor((high - low) / 2);
      if (this.logTimes[middle]! <= time) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }

  /** Returns the log time of the entry at `index`. */
  loggedAtOf(index: number): number | undefined {
    return this.logTimes[index];
  }

  genesis(index = LATEST): GenesisRecord | undefined {
    return this.tables.genesis.at(SINGLETON, index);
  }

  isParticipant(country: string, index = LATEST): boolean {
    return this.genesis(index)?.participants.includes(country) ?? false;
  }

  actorAt(name: string, index = LATEST): ActorRecord | undefined {
    return this.tables.actor.at(name, index);
  }

  registrarAt(country: string, index = LATEST): ActorRecord | undefined {
    return this.actorAt(registrarName(country), index);
  }

  witnessesAt(index = LATEST): WitnessSet | undefined {
    return this.tables.witnesses.at(SINGLETON, index);
  }

  cabAt(code: string, index = LATEST): CabRecord | undefined {
    return this.tables.cab.at(code, index);
  }

  cabHistory(code: string, index = LATEST): readonly Version<CabRecord>[] {
    return this.tables.cab.history(code, index);
  }

  /** Status of a CAB at `time`, from the versions logged up to `index`. */
  cabStatusAt(code: string, time: number, index = LATEST): CabStatus {
    return cabStatusAt(this.cabHistory(code, index), time);
  }

  accreditationAt(cabCode: string, standard: AccreditationStandard, index = LATEST): AccreditationRecord | undefined {
    return this.tables.accreditation.at(accreditationKey(cabCode, standard), index);
  }

  accreditationHistory(
    cabCode: string,
    standard: AccreditationStandard,
    index = LATEST,
  ): readonly Version<AccreditationRecord>[] {
    return this.tables.accreditation.history(accreditationKey(cabCode, standard), index);
  }

  /** Whether an accreditation was in force at `time`, from the versions logged up to `index`. */
  accreditationStatusAt(
    cabCode: string,
    standard: AccreditationStandard,
    time: number,
    index = LATEST,
  ): AccreditationStatus {
    return accreditationStatusAt(this.accreditationHistory(cabCode, standard, index), time);
  }

  /** Any registered certificate, national CA or CAB, by the SHA-256 of its DER. */
  certificateAt(sha256: string, index = LATEST): CertificateRecord | undefined {
    return this.tables.certificate.at(sha256, index);
  }

  caAt(sha256: string, index = LATEST): CertificateRecord | undefined {
    const record = this.certificateAt(sha256, index);
    return record?.role === 'ca' ? record : undefined;
  }

  /** National CAs registered with this subject Name (DER, hex). */
  casBySubject(subjectNameHex: string, index = LATEST): CertificateRecord[] {
    const hashes = this.tables.caSubject.at(subjectNameHex, index) ?? [];
    return hashes.map((sha256) => this.caAt(sha256, index)).filter((record) => record !== undefined);
  }

  keyAt(sha256: string, index = LATEST): CertificateRecord | undefined {
    const record = this.certificateAt(sha256, index);
    return record?.role === 'cab' ? record : undefined;
  }

  /**
   * Status of a CAB key as of `index`. With `proofOfExistence` (the log time of a
   * document's `document.register`), `revoked` applies the revocation rule: a document
   * logged before the revocation's effective time is unaffected.
   */
  keyStatusAt(sha256: string, index = LATEST, proofOfExistence?: number): KeyStatus | undefined {
    const record = this.keyAt(sha256, index);
    return record === undefined ? undefined : keyStatusAt(record, proofOfExistence);
  }

  documentBySha256(sha256: string, index = LATEST): DocumentRecord | undefined {
    return this.tables.document.at(sha256, index);
  }

  exchange(exchangeId: string, index = LATEST): ExchangeRecord | undefined {
    return this.tables.exchange.at(exchangeId, index);
  }

  /** Yields every exchange as of `index`, in the log order of their `exchange.send` entries. */
  *exchanges(index = LATEST): Generator<ExchangeRecord> {
    for (const exchangeId of this.tables.exchange.keys()) {
      const record = this.tables.exchange.at(exchangeId, index);
      if (record !== undefined) yield record;
    }
  }

  /** The approval request logged at `requestIndex`, as of `index`. */
  requestAt(requestIndex: number, index = LATEST): ApprovalRequest | undefined {
    return this.tables.request.at(String(requestIndex), index);
  }

  openRecoveryOf(country: string, index = LATEST): number | null {
    return this.tables.openRecovery.at(country, index) ?? null;
  }
}
