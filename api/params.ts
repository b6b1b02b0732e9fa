import { ApiError } from './errors.js';
import type { EntryReceipt } from './hub.js';

/** JSON schema of a tree size or index in a path or query: a decimal integer below 2^53. */
export const countSchema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

/** JSON schema of a lowercase hex SHA-256, as `sha256sum` prints it. */
export const sha256HexSchema = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

/** JSON schema of a standard base64 SHA-256 hash (44 characters with padding). */
export const hashBase64Schema = { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' } as const;

/** JSON schema of the error body every route shares. */
export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/** Formats a receipt as `POST /v1/entries` and the transfer endpoints return it. */
export function receiptJson(receipt: EntryReceipt): { index: number; leafHash: string; checkpoint: string; proof: string[]; receipt: string } {
  return {
    index: receipt.index,
    leafHash: base64(receipt.leafHash),
    checkpoint: receipt.checkpoint,
    proof: receipt.proof.map(base64),
    receipt: receipt.receipt,
  };
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Resolves an optional `size` parameter against the latest tree size. */
export function resolveSize(requested: number | undefined, latest: number): number {
  if (requested === undefined) return latest;
  if (requested > latest) {
    throw new ApiError(404, 'not_found', `size ${requested} is beyond the latest checkpoint (size ${latest})`);
  }
  return requested;
}
