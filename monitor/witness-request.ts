/**
 * The body of a c2sp.org/tlog-witness add-checkpoint request:
 *
 *   old <size>\n
 *   <base64 consistency proof hash>\n   (0 to 63 lines)
 *   \n
 *   <signed checkpoint note>
 */
import { HASH_SIZE } from '../ledger/hash.js';
import { decodeBase64Strict } from '../ledger/note.js';
import { WitnessError } from './witness-errors.js';

/** A consistency proof of a tree below 2^63 leaves has at most 63 hashes. */
export const MAX_PROOF_HASHES = 63;

export interface AddCheckpointRequest {
  /** The size of the witness's latest checkpoint, as the client believes it. */
  oldSize: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, not yet parsed or checked. */
  note: string;
}

const OLD_LINE = /^old (0|[1-9][0-9]{0,15})$/;

function invalid(why: string): WitnessError {
  return new WitnessError(400, 'invalid_request', `add-checkpoint request is malformed: ${why}`);
}

/** Parses an add-checkpoint body (attacker-controlled). Throws WitnessError 400 `invalid_request`. */
export function parseAddCheckpointRequest(body: string): AddCheckpointRequest {
  const split = body.indexOf('\n\n');
  if (split < 0) throw invalid('no empty line between the proof and the checkpoint');
  const lines = body.slice(0, split).split('\n');
  if (lines.length - 1 > MAX_PROOF_HASHES) {
    throw invalid(`${lines.length - 1} proof lines, at most ${MAX_PROOF_HASHES} allowed`);
  }

  const match = OLD_LINE.exec(lines[0]!);
  const oldSize = match === null ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(oldSize)) {
    throw invalid(`first line ${JSON.stringify(lines[0]!.slice(0, 40))} is not "old <decimal size below 2^53>"`);
  }

  const proof = lines.slice(1).map((line, i) => {
    const hash = decodeBase64Strict(line);
    if (hash === undefined || hash.length !== HASH_SIZE) {
      throw invalid(`proof line ${i + 1} is not ${HASH_SIZE} bytes of padded base64`);
    }
    return hash;
  });
  return { oldSize, proof, note: body.slice(split + 2) };
}

/** Formats an add-checkpoint body. */
export function formatAddCheckpointRequest(request: AddCheckpointRequest): string {
  const proofLines = request.proof.map((hash) => `${Buffer.from(hash).toString('base64')}\n`).join('');
  return `old ${request.oldSize}\n${proofLines}\n${request.note}`;
}
