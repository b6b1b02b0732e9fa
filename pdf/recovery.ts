import { PdfError } from './errors.js';
import { Lexer } from './lexer.js';
import type { PdfLimits } from './limits.js';
import { isDict, isName, isStream, type IndirectObject, type PdfDict } from './objects.js';
import { ObjectParser, parseIndirectObject } from './parser.js';

/**
 * Rebuilds the object list of a file whose xref does not check out by
 * scanning for `N G obj` headers, the way common readers repair files. A later
 * definition of an object number replaces an earlier one, as an incremental
 * update would. Objects inside object streams are not recovered.
 */
export function scanObjects(bytes: Uint8Array, limits: PdfLimits): { objects: IndirectObject[]; trailer?: PdfDict } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const header = /(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj(?![^\0\t\n\f\r ()<>[\]{}/%])/g;
  const objects: IndirectObject[] = [];
  let trailer: PdfDict | undefined;
  for (let match = header.exec(text); match; match = header.exec(text)) {
    // Headers inside a number ("12 0 obj" preceded by digits) are not headers.
    if (match.index > 0 && /[0-9.+-]/.test(text[match.index - 1])) continue;
    let object: (IndirectObject & { end: number }) | undefined;
    try {
      object = parseIndirectObject(bytes, match.index, limits);
    } catch (error) {
      if (error instanceof PdfError && error.code === 'format_failure') continue;
      throw error;
    }
    objects.push(object);
    if (objects.length > limits.maxObjects) {
      throw new PdfError('too_many_objects', `more than ${limits.maxObjects} objects`, { limit: limits.maxObjects });
    }
    if (isStream(object.value) && isName(object.value.dict.entries.get('Type'), 'XRef')) trailer = object.value.dict;
    header.lastIndex = Math.max(object.end, match.index + 1);
  }
  return { objects, trailer: lastTrailer(bytes, text, limits) ?? trailer };
}

function lastTrailer(bytes: Uint8Array, text: string, limits: PdfLimits): PdfDict | undefined {
  let position = text.lastIndexOf('trailer');
  while (position >= 0) {
    try {
      const lexer = new Lexer(bytes, position + 'trailer'.length);
      const value = new ObjectParser(lexer, limits).parseObject();
      if (isDict(value)) return value;
    } catch (error) {
      if (!(error instanceof PdfError) || error.code !== 'format_failure') throw error;
    }
    position = position > 0 ? text.lastIndexOf('trailer', position - 1) : -1;
  }
  return undefined;
}
