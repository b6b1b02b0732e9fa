import { PdfError } from './errors.js';
import { decodeStream } from './filters.js';
import { Lexer } from './lexer.js';
import { resolveLimits, type PdfLimits } from './limits.js';
import { isDict, isName, isRef, isStream, type IndirectObject, type PdfDict, type PdfObject } from './objects.js';
import { ObjectParser, parseIndirectObject } from './parser.js';
import { scanObjects } from './recovery.js';
import { findRevisions, type Revision } from './revisions.js';
import { readXrefChain, type XrefEntry, type XrefSection } from './xref.js';

export interface PdfDocumentOptions {
  limits?: Partial<PdfLimits>;
  /**
   * When the xref walk fails with format_failure, rebuild the object table by
   * scanning the file for `N G obj` headers, as most readers do. Default false:
   * a signature verifier must treat a broken xref as a format failure, while a
   * tool that only collects certificates may opt in and read `recovered`.
   */
  recover?: boolean;
}

/**
 * A PDF file opened for reading its objects: the revisions, the xref sections
 * newest first, and every indirect object any section lists. Objects are read
 * once when the document loads, so any malformed object surfaces as a PdfError
 * from `load` and never later.
 */
export class PdfDocument {
  readonly bytes: Uint8Array;
  readonly limits: PdfLimits;
  readonly revisions: Revision[];
  /** Xref sections newest first; empty when the table was rebuilt by scanning. */
  readonly sections: XrefSection[];
  /** The newest trailer dictionary, when one was found. */
  readonly trailer: PdfDict | undefined;
  /** True when the xref walk failed and the objects come from a scan of the file. */
  readonly recovered: boolean;
  /** The error of the failed xref walk, when `recovered` is true. */
  readonly recoveryCause?: PdfError;
  /** Every object listed by any section (or found by the scan), deduplicated by location. */
  readonly objects: IndirectObject[];
  private readonly current: Map<number, IndirectObject>;

  private constructor(init: {
    bytes: Uint8Array;
    limits: PdfLimits;
    revisions: Revision[];
    sections: XrefSection[];
    trailer: PdfDict | undefined;
    objects: IndirectObject[];
    current: Map<number, IndirectObject>;
    recoveryCause?: PdfError;
  }) {
    this.bytes = init.bytes;
    this.limits = init.limits;
    this.revisions = init.revisions;
    this.sections = init.sections;
    this.trailer = init.trailer;
    this.objects = init.objects;
    this.current = init.current;
    this.recovered = init.recoveryCause !== undefined;
    this.recoveryCause = init.recoveryCause;
  }

  /** Opens `bytes` (attacker-controlled) and reads every object it lists. */
  static load(bytes: Uint8Array, options: PdfDocumentOptions = {}): PdfDocument {
    const limits = resolveLimits(options.limits);
    checkHeader(bytes, limits);
    const revisions = findRevisions(bytes, limits);
    try {
      if (revisions.length === 0) {
        throw new PdfError('format_failure', 'no startxref followed by %%EOF in the file');
      }
      checkTail(bytes, revisions[revisions.length - 1]);
      const sections = readXrefChain(bytes, revisions[revisions.length - 1].startxref, limits);
      const { objects, current } = new ObjectTable(bytes, limits, sections).loadAll();
      return new PdfDocument({ bytes, limits, revisions, sections, trailer: sections[0].trailer, objects, current });
    } catch (error) {
      const recoverable = error instanceof PdfError && error.code === 'format_failure';
      if (!recoverable || options.recover !== true) throw wrap(error);
      const scanned = scanObjects(bytes, limits);
      if (scanned.objects.length === 0) throw error;
      const current = new Map<number, IndirectObject>();
      for (const object of scanned.objects) current.set(object.objectNumber, object);
      return new PdfDocument({
        bytes,
        limits,
        revisions,
        sections: [],
        trailer: scanned.trailer,
        objects: scanned.objects,
        current,
        recoveryCause: error,
      });
    }
  }

  /** Returns the newest version of object `objectNumber`, or undefined when absent or free. */
  getObject(objectNumber: number): PdfObject | undefined {
    return this.current.get(objectNumber)?.value;
  }

  /** Follows references (at most `limits.maxDepth` hops) to a direct object. */
  resolve(value: PdfObject | undefined): PdfObject | undefined {
    let result = value;
    for (let hops = 0; isRef(result); hops++) {
      if (hops >= this.limits.maxDepth) {
        throw new PdfError('too_deep', `reference chain longer than ${this.limits.maxDepth}`, { limit: this.limits.maxDepth });
      }
      result = this.getObject(result.objectNumber);
    }
    return result;
  }

  /** Returns the document catalog (/Root of the newest trailer), or undefined. */
  catalog(): PdfDict | undefined {
    const root = this.resolve(this.trailer?.entries.get('Root'));
    if (isDict(root)) return root;
    for (const object of this.current.values()) {
      if (isDict(object.value) && isName(object.value.entries.get('Type'), 'Catalog')) return object.value;
    }
    return undefined;
  }
}

function checkHeader(bytes: Uint8Array, limits: PdfLimits): void {
  if (bytes.length > limits.maxFileSize) {
    throw new PdfError('too_large', `file has ${bytes.length} bytes, more than the maximum ${limits.maxFileSize}`, {
      limit: limits.maxFileSize,
      actual: bytes.length,
    });
  }
  // ISO 32000-2 §7.5.2; readers accept the header within the first 1024 bytes.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024));
  if (head.indexOf('%PDF-', 0, 'latin1') < 0) {
    throw new PdfError('format_failure', 'no %PDF- header in the first 1024 bytes');
  }
}

/**
 * Rejects bytes other than whitespace after the last %%EOF: they are an
 * incomplete revision (a truncated incremental update, or appended data), and
 * reading only the earlier revisions would silently ignore them.
 */
function checkTail(bytes: Uint8Array, last: Revision): void {
  for (let pos = last.end; pos < bytes.length; pos++) {
    const byte = bytes[pos];
    if (byte !== 0 && byte !== 9 && byte !== 10 && byte !== 12 && byte !== 13 && byte !== 32) {
      throw new PdfError('format_failure', `${bytes.length - last.end} bytes after the last %%EOF at offset ${last.eofOffset} do not form a complete revision`, {
        offset: last.end,
      });
    }
  }
}

function wrap(error: unknown): PdfError {
  if (error instanceof PdfError) return error;
  return new PdfError('format_failure', `unexpected parser failure: ${String(error)}`, { cause: error });
}

/** Reads the objects an xref chain lists, resolving object streams and indirect /Length values. */
class ObjectTable {
  private readonly merged = new Map<number, XrefEntry>();
  private readonly loaded = new Map<string, IndirectObject>();
  private readonly objectStreams = new Map<number, Map<number, IndirectObject>>();
  private readonly resolving = new Set<number>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: PdfLimits,
    private readonly sections: XrefSection[],
  ) {
    for (const section of sections) {
      for (const [objectNumber, entry] of section.entries) {
        if (!this.merged.has(objectNumber)) this.merged.set(objectNumber, entry);
      }
    }
  }

  loadAll(): { objects: IndirectObject[]; current: Map<number, IndirectObject> } {
    const current = new Map<number, IndirectObject>();
    for (const [objectNumber, entry] of this.merged) {
      const object = this.load(objectNumber, entry);
      if (object) current.set(objectNumber, object);
    }
    // Older sections may list versions that a later revision replaced; the
    // signature search needs those too.
    for (const section of this.sections) {
      for (const [objectNumber, entry] of section.entries) this.load(objectNumber, entry);
    }
    return { objects: [...this.loaded.values()], current };
  }

  private load(objectNumber: number, entry: XrefEntry): IndirectObject | undefined {
    if (entry.kind === 'free') return undefined;
    // Object 0 is the head of the free list and never a real object.
    if (objectNumber === 0) return undefined;
    const key = entry.kind === 'offset' ? `o${entry.offset}` : `s${entry.streamNumber}:${entry.index}`;
    const cached = this.loaded.get(key);
    if (cached) return cached;
    let object: IndirectObject;
    if (entry.kind === 'offset') {
      object = parseIndirectObject(this.bytes, entry.offset, this.limits, {
        expected: objectNumber,
        resolveLength: (ref) => this.resolveLength(ref.objectNumber),
      });
    } else {
      const found = this.objectStream(entry.streamNumber).get(objectNumber);
      if (!found) {
        throw new PdfError('format_failure', `object stream ${entry.streamNumber} does not contain object ${objectNumber}`, {
          objectNumber,
        });
      }
      object = found;
    }
    this.loaded.set(key, object);
    return object;
  }

  private resolveLength(objectNumber: number): number | undefined {
    const entry = this.merged.get(objectNumber);
    if (!entry || this.resolving.has(objectNumber)) return undefined;
    this.resolving.add(objectNumber);
    try {
      const value = this.load(objectNumber, entry)?.value;
      return typeof value === 'number' ? value : undefined;
    } finally {
      this.resolving.delete(objectNumber);
    }
  }

  /** Parses object stream `streamNumber` (ISO 32000-2 §7.5.7) once and caches its objects. */
  private objectStream(streamNumber: number): Map<number, IndirectObject> {
    const cached = this.objectStreams.get(streamNumber);
    if (cached) return cached;
    const entry = this.merged.get(streamNumber);
    if (!entry || entry.kind !== 'offset' || this.resolving.has(streamNumber)) {
      throw new PdfError('format_failure', `object stream ${streamNumber} is missing or itself compressed`, {
        objectNumber: streamNumber,
      });
    }
    const container = this.load(streamNumber, entry);
    if (!container || !isStream(container.value)) {
      throw new PdfError('format_failure', `object ${streamNumber} is not an object stream`, { objectNumber: streamNumber });
    }
    const objects = parseObjectStream(this.bytes, container, this.limits);
    this.objectStreams.set(streamNumber, objects);
    return objects;
  }
}

function parseObjectStream(bytes: Uint8Array, container: IndirectObject, limits: PdfLimits): Map<number, IndirectObject> {
  const stream = container.value;
  if (!isStream(stream)) throw new PdfError('format_failure', 'not a stream');
  const streamNumber = container.objectNumber;
  const count = stream.dict.entries.get('N');
  const first = stream.dict.entries.get('First');
  if (typeof count !== 'number' || typeof first !== 'number' || count < 0 || first < 0 || count > limits.maxObjects) {
    throw new PdfError('format_failure', `object stream ${streamNumber} has an invalid /N or /First`, {
      objectNumber: streamNumber,
    });
  }
  const data = decodeStream(bytes, stream, limits, streamNumber);
  const header = new Lexer(data, 0, Math.min(first, data.length));
  const objects = new Map<number, IndirectObject>();
  for (let i = 0; i < count; i++) {
    const numberToken = header.next();
    const offsetToken = header.next();
    if (numberToken.kind !== 'number' || offsetToken.kind !== 'number') {
      throw new PdfError('format_failure', `object stream ${streamNumber} has a short header`, { objectNumber: streamNumber });
    }
    const start = first + offsetToken.value;
    if (!Number.isSafeInteger(start) || start >= data.length) {
      throw new PdfError('format_failure', `object stream ${streamNumber} points outside its data`, { objectNumber: streamNumber });
    }
    const value = new ObjectParser(new Lexer(data, start), limits).parseObject();
    objects.set(numberToken.value, {
      objectNumber: numberToken.value,
      generation: 0,
      value,
      offset: container.offset,
      inObjectStream: streamNumber,
    });
  }
  return objects;
}
