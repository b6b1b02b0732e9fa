/**
 * The PDF object model (ISO 32000-2 §7.3). Strings and streams remember where
 * they sit in the file, because signature checks compare the /ByteRange gap
 * with the exact position of the /Contents hex string.
 */
export type PdfObject =
  | null
  | boolean
  | number
  | PdfName
  | PdfString
  | PdfArray
  | PdfDict
  | PdfRef
  | PdfStream;

export interface PdfName {
  readonly type: 'name';
  /** The name without its leading slash, with #xx escapes decoded (as Latin-1). */
  readonly value: string;
}

export interface PdfString {
  readonly type: 'string';
  readonly bytes: Uint8Array;
  /** True for a hexadecimal string `<…>`, false for a literal string `(…)`. */
  readonly hex: boolean;
  /** Offset of the opening `<` or `(` in the file. */
  readonly start: number;
  /** Offset just after the closing `>` or `)`. */
  readonly end: number;
}

export interface PdfArray {
  readonly type: 'array';
  readonly items: PdfObject[];
}

export interface PdfDict {
  readonly type: 'dict';
  readonly entries: Map<string, PdfObject>;
  /** Offset of the opening `<<`. */
  readonly start: number;
  /** Offset just after the closing `>>`. */
  readonly end: number;
}

export interface PdfRef {
  readonly type: 'ref';
  readonly objectNumber: number;
  readonly generation: number;
}

export interface PdfStream {
  readonly type: 'stream';
  readonly dict: PdfDict;
  /** Offset of the first byte of the raw (still encoded) stream data. */
  readonly dataStart: number;
  /** Offset just after the last byte of the raw stream data. */
  readonly dataEnd: number;
}

/** An indirect object `N G obj … endobj` as found in the file or in an object stream. */
export interface IndirectObject {
  readonly objectNumber: number;
  readonly generation: number;
  readonly value: PdfObject;
  /** Offset of the object header in the file, or of its containing object stream. */
  readonly offset: number;
  /** Object number of the object stream holding it, when compressed. */
  readonly inObjectStream?: number;
}

export function isName(value: PdfObject | undefined, name?: string): value is PdfName {
  return (
    typeof value === 'object' &&
    value !== null &&
    value.type === 'name' &&
    (name === undefined || value.value === name)
  );
}

export function isDict(value: PdfObject | undefined): value is PdfDict {
  return typeof value === 'object' && value !== null && value.type === 'dict';
}

export function isRef(value: PdfObject | undefined): value is PdfRef {
  return typeof value === 'object' && value !== null && value.type === 'ref';
}

export function isArray(value: PdfObject | undefined): value is PdfArray {
  return typeof value === 'object' && value !== null && value.type === 'array';
}

export function isString(value: PdfObject | undefined): value is PdfString {
  return typeof value === 'object' && value !== null && value.type === 'string';
}

export function isStream(value: PdfObject | undefined): value is PdfStream {
  return typeof value === 'object' && value !== null && value.type === 'stream';
}

/** Returns the dictionary of a dictionary or stream object. */
export function dictOf(value: PdfObject | undefined): PdfDict | undefined {
  if (isDict(value)) return value;
  if (isStream(value)) return value.dict;
  return undefined;
}

/** Decodes a PDF text string: UTF-16BE with a BOM, UTF-8 with a BOM, else Latin-1. */
export function decodeTextString(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  }
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  }
  // NOTE: PDFDocEncoding differs from Latin-1 in 0x18–0x1f and 0x80–0xad; those
  // code points are rare in /Name, /Reason and /Location and are left as Latin-1.
  return Buffer.from(bytes).toString('latin1');
}
