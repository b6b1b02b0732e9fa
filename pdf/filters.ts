import { constants, inflateSync } from 'node:zlib';
import { PdfError } from './errors.js';
import type { PdfLimits } from './limits.js';
import { isArray, isDict, isName, type PdfDict, type PdfObject, type PdfStream } from './objects.js';

/**
 * Decodes stream data for the streams the signature walk needs: cross-reference
 * streams and object streams (ISO 32000-2 §7.5.7, §7.5.8). Only FlateDecode
 * with the PNG and TIFF predictors is implemented; other filters raise
 * unsupported_filter. The output size is bounded, so a zip bomb stops early.
 */
export function decodeStream(bytes: Uint8Array, stream: PdfStream, limits: PdfLimits, objectNumber: number): Uint8Array {
  const filters = asList(stream.dict.entries.get('Filter'));
  const params = asList(stream.dict.entries.get('DecodeParms'));
  let data: Uint8Array = bytes.subarray(stream.dataStart, stream.dataEnd);
  filters.forEach((filter, index) => {
    if (!isName(filter) || (filter.value !== 'FlateDecode' && filter.value !== 'Fl')) {
      const name = isName(filter) ? filter.value : String(filter);
      throw new PdfError('unsupported_filter', `object ${objectNumber} uses the unsupported filter ${name}`, {
        objectNumber,
        actual: name,
      });
    }
    data = inflate(data, limits, objectNumber);
    const parameters = params[index];
    if (isDict(parameters)) data = applyPredictor(data, parameters, limits, objectNumber);
  });
  if (data.length > limits.maxDecompressedSize) {
    throw new PdfError('decompressed_too_large', `stream of object ${objectNumber} is larger than ${limits.maxDecompressedSize} bytes`, {
      objectNumber,
      limit: limits.maxDecompressedSize,
      actual: data.length,
    });
  }
  return data;
}

function asList(value: PdfObject | undefined): PdfObject[] {
  if (value === undefined || value === null) return [];
  return isArray(value) ? value.items : [value];
}

function inflate(data: Uint8Array, limits: PdfLimits, objectNumber: number): Uint8Array {
  try {
    // Z_SYNC_FLUSH accepts a stream without its final checksum, which some
    // writers omit; the output bound still applies.
    return inflateSync(data, {
      maxOutputLength: limits.maxDecompressedSize,
      finishFlush: constants.Z_SYNC_FLUSH,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new PdfError('decompressed_too_large', `stream of object ${objectNumber} inflates past ${limits.maxDecompressedSize} bytes`, {
        objectNumber,
        limit: limits.maxDecompressedSize,
        cause: error,
      });
    }
    throw new PdfError('format_failure', `stream of object ${objectNumber} is not valid Flate data`, {
      objectNumber,
      cause: error,
    });
  }
}

function integerParam(dict: PdfDict, key: string, fallback: number): number {
  const value = dict.entries.get(key);
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : fallback;
}

/** Undoes a PNG (10–15) or TIFF (2) predictor (ISO 32000-2 §7.4.4.4). */
function applyPredictor(data: Uint8Array, params: PdfDict, limits: PdfLimits, objectNumber: number): Uint8Array {
  const predictor = integerParam(params, 'Predictor', 1);
  if (predictor === 1) return data;
  const colors = integerParam(params, 'Colors', 1);
  const bitsPerComponent = integerParam(params, 'BitsPerComponent', 8);
  const columns = integerParam(params, 'Columns', 1);
  const valid =
    colors >= 1 && colors <= 32 && [1, 2, 4, 8, 16].includes(bitsPerComponent) && columns >= 1 && columns <= limits.maxDecompressedSize;
  if (!valid) {
    throw new PdfError('format_failure', `stream of object ${objectNumber} has invalid predictor parameters`, { objectNumber });
  }
  const bytesPerPixel = Math.max(1, Math.ceil((colors * bitsPerComponent) / 8));
  const rowLength = Math.ceil((colors * bitsPerComponent * columns) / 8);
  if (predictor === 2) {
    if (bitsPerComponent !== 8) {
      throw new PdfError('unsupported_filter', `TIFF predictor with ${bitsPerComponent} bits per component`, { objectNumber });
    }
    const out = new Uint8Array(data);
    for (let row = 0; row + rowLength <= out.length; row += rowLength) {
      for (let i = bytesPerPixel; i < rowLength; i++) out[row + i] = (out[row + i] + out[row + i - bytesPerPixel]) % 256;
    }
    return out;
  }
  if (predictor < 10 || predictor > 15) {
    throw new PdfError('unsupported_filter', `predictor ${predictor} of object ${objectNumber}`, { objectNumber, actual: predictor });
  }
  return undoPng(data, rowLength, bytesPerPixel);
}

function undoPng(data: Uint8Array, rowLength: number, bytesPerPixel: number): Uint8Array {
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  for (let row = 0; row < rows; row++) {
    const filterType = data[row * (rowLength + 1)];
    const source = row * (rowLength + 1) + 1;
    const target = row * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const raw = data[source + i];
      const left = i >= bytesPerPixel ? out[target + i - bytesPerPixel] : 0;
      const up = row > 0 ? out[target - rowLength + i] : 0;
      const upLeft = row > 0 && i >= bytesPerPixel ? out[target - rowLength + i - bytesPerPixel] : 0;
      let predicted = 0;
      if (filterType === 1) predicted = left;
      else if (filterType === 2) predicted = up;
      else if (filterType === 3) predicted = Math.floor((left + up) / 2);
      else if (filterType === 4) predicted = paeth(left, up, upLeft);
      out[target + i] = (raw + predicted) % 256;
    }
  }
  return out;
}

function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const distanceLeft = Math.abs(estimate - left);
  const distanceUp = Math.abs(estimate - up);
  const distanceUpLeft = Math.abs(estimate - upLeft);
  if (distanceLeft <= distanceUp && distanceLeft <= distanceUpLeft) return left;
  if (distanceUp <= distanceUpLeft) return up;
  return upLeft;
}
