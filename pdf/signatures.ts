import { berElementLength } from './der.js';
import { PdfDocument, type PdfDocumentOptions } from './document.js';
import { PdfError } from './errors.js';
import {
  decodeTextString,
  dictOf,
  isArray,

  isName,
  isRef,
  isString,
  type IndirectObject,
  type PdfDict,
  type PdfObject,
} from './objects.js';

/** A signature dictionary as written in the file (ISO 32000-2 §12.8.1, Table 255). */
export interface PdfSignature {
  /** The indirect object holding the dictionary (the field's, when /V is a direct dictionary). */
  objectNumber: number;
  generation: number;
  /** /Type: 'Sig', 'DocTimeStamp', or undefined when the dictionary has none. */
  type?: string;
  /** Fully qualified name of the signature field that points at it, when one does. */
  fieldName?: string;
  /** /ByteRange as written; a non-number item becomes NaN, a missing array is empty. */
  byteRange: number[];
  /** The DER (or BER) CMS from /Contents, with the trailing zero padding removed. */
  contents: Uint8Array;
  /** Length of the hex-decoded /Contents including padding. */
  contentsCapacity: number;
  /**
   * The position of the /Contents hex string in the file: `start` is the
   * offset of '<' and `end` the offset just after '>'. It is absent when the
   * dictionary is in an object stream, because file offsets do not exist there.
   */
  contentsRange?: { start: number; end: number };
  /** Object stream holding the dictionary, when compressed. */
  inObjectStream?: number;
  /** Offset of the object header, or of the containing object stream. */
  objectOffset: number;
  filter?: string;
  subFilter?: string;
  name?: string;
  /** /M as written (a PDF date string); unsigned, so informative only. */
  m?: string;
  reason?: string;
  location?: string;
  contactInfo?: string;
}

export interface FindSignaturesResult {
  signatures: PdfSignature[];
  /** The parsed document, for callers that go on to compare revisions. */
  document: PdfDocument;
}

const MAX_FIELD_DEPTH = 32;

/**
 * Finds every signature dictionary of a PDF: the /V of every AcroForm field of
 * type /Sig, and every object whose /Type is /Sig or /DocTimeStamp, in every
 * revision. Results are ordered by the offset of their /Contents.
 *
 * @throws PdfError for a file that does not parse, and `signature_invalid`,
 *   `contents_not_hex` or `contents_invalid` for a signature dictionary whose
 *   /Contents is missing, literal or not one BER element.
 */
export function findSignatures(bytes: Uint8Array, options: PdfDocumentOptions = {}): FindSignaturesResult {
  const document = PdfDocument.load(bytes, options);
  const found = new Map<PdfDict, { object: IndirectObject; fieldName?: string }>();

  for (const [dict, fieldName, holder] of signatureFields(document)) {
    found.set(dict, { object: holder, fieldName });
  }
  for (const object of document.objects) {
    const dict = dictOf(object.value);
    if (!dict || found.has(dict)) continue;
    const type = dict.entries.get('Type');
    if (isName(type, 'Sig') || isName(type, 'DocTimeStamp')) found.set(dict, { object });
  }

  const signatures = [...found].map(([dict, { object, fieldName }]) => toSignature(dict, object, fieldName));
  signatures.sort((a, b) => (a.contentsRange?.start ?? a.objectOffset) - (b.contentsRange?.start ?? b.objectOffset));
  return { signatures, document };
}

/** Yields [signature dictionary, field name, holding object] for every /FT /Sig field with a /V. */
function* signatureFields(document: PdfDocument): Generator<[PdfDict, string | undefined, IndirectObject]> {
  const acroForm = dictOf(document.resolve(document.catalog()?.entries.get('AcroForm')));
  const fields = document.resolve(acroForm?.entries.get('Fields'));
  if (!isArray(fields)) return;
  const seen = new Set<number>();
  const byNumber = new Map<number, IndirectObject>();
  for (const object of document.objects) byNumber.set(object.objectNumber, object);

  // Depth-first over the field tree; /FT and names are inherited from parents (ISO 32000-2 §12.7.4).
  const stack: { ref: PdfObject; parentName?: string; parentType?: string; depth: number }[] = fields.items.map((ref) => ({
    ref,
    depth: 0,
  }));
  while (stack.length > 0) {
    const { ref, parentName, parentType, depth } = stack.pop()!;
    if (!isRef(ref) || seen.has(ref.objectNumber) || depth > MAX_FIELD_DEPTH) continue;
    seen.add(ref.objectNumber);
    const field = dictOf(document.getObject(ref.objectNumber));
    if (!field) continue;
    const partial = field.entries.get('T');
    const name = isString(partial) ? joinName(parentName, decodeTextString(partial.bytes)) : parentName;
    const fieldType = field.entries.get('FT');
    const type = isName(fieldType) ? fieldType.value : parentType;
    const kids = document.resolve(field.entries.get('Kids'));
    if (isArray(kids)) {
      for (const kid of kids.items) stack.push({ ref: kid, parentName: name, parentType: type, depth: depth + 1 });
    }
    if (type !== 'Sig') continue;
    const value = field.entries.get('V');
    const holder = isRef(value) ? byNumber.get(value.objectNumber) : byNumber.get(ref.objectNumber);
    const dict = dictOf(document.resolve(value));
    if (dict && holder) yield [dict, name, holder];
  }
}

function joinName(parent: string | undefined, partial: string): string {
  return parent === undefined ? partial : `${parent}.${partial}`;
}

function toSignature(dict: PdfDict, object: IndirectObject, fieldName?: string): PdfSignature {
  const objectNumber = object.objectNumber;
  const contents = dict.entries.get('Contents');
  if (!isString(contents)) {
    throw new PdfError('signature_invalid', `signature dictionary in object ${objectNumber} has no /Contents string`, {
      objectNumber,
    });
  }
  if (!contents.hex) {
    throw new PdfError('contents_not_hex', `/Contents of the signature in object ${objectNumber} is a literal string, want a hex string`, {
      objectNumber,
      offset: object.inObjectStream === undefined ? contents.start : undefined,
    });
  }
  let der: Uint8Array;
  try {
    der = contents.bytes.subarray(0, berElementLength(contents.bytes));
  } catch (error) {
    if (!(error instanceof PdfError)) throw error;
    throw new PdfError('contents_invalid', `/Contents of the signature in object ${objectNumber}: ${error.message}`, {
      objectNumber,
      cause: error,
    });
  }

  const signature: PdfSignature = {
    objectNumber,
    generation: object.generation,
    byteRange: readByteRange(dict.entries.get('ByteRange')),
    contents: der,
    contentsCapacity: contents.bytes.length,
    objectOffset: object.offset,
  };

  if (object.inObjectStream === undefined) signature.contentsRange = { start: contents.start, end: contents.end };
  else signature.inObjectStream = object.inObjectStream;
  if (fieldName !== undefined) signature.fieldName = fieldName;
  const type = dict.entries.get('Type');
  if (isName(type)) signature.type = type.value;
  assignName(signature, 'filter', dict.entries.get('Filter'));
  assignName(signature, 'subFilter', dict.entries.get('SubFilter'));
  assignText(signature, 'name', dict.entries.get('Name'));
  assignText(signature, 'm', dict.entries.get('M'));
  assignText(signature, 'reason', dict.entries.get('Reason'));
  assignText(signature, 'location', dict.entries.get('Location'));
  assignText(signature, 'contactInfo', dict.entries.get('ContactInfo'));
  return signature;
}

/** Returns /ByteRange as written: a non-number item becomes NaN, a non-array an empty list. */
function readByteRange(value: PdfObject | undefined): number[] {
  if (!isArray(value)) return [];
  return value.items.map((item) => (typeof item === 'number' ? item : Number.NaN));
}

function assignName(signature: PdfSignature, key: 'filter' | 'subFilter', value: PdfObject | undefined): void {
  if (isName(value)) signature[key] = value.value;
}

function assignText(
  signature: PdfSignature,
  key: 'name' | 'm' | 'reason' | 'location' | 'contactInfo',
  value: PdfObject | undefined,
): void {
  if (isString(value)) signature[key] = decodeTextString(value.bytes);
}
