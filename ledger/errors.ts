/**
 * Errors of the generic log. Callers switch on `code`, never on the message.
 * The subclass says what the caller should do: a ProofError or NoteError
 * rejects the input; a StorageError stops the sequencer when `corrupt` is set
 * and may be retried otherwise; a SequencerError says why a submission was
 * not integrated.
 */
export class LedgerError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A Merkle proof, tree size or index that does not check out. */
export class ProofError extends LedgerError {
  /** Root the caller expected, when known. */
  readonly expectedRoot?: Uint8Array;
  /** Root computed from the proof, when it got that far. */
  readonly computedRoot?: Uint8Array;

  constructor(
    code: string,
    message: string,
    evidence: { expectedRoot?: Uint8Array; computedRoot?: Uint8Array } = {},
  ) {
    super(code, message);
    this.expectedRoot = evidence.expectedRoot;
    this.computedRoot = evidence.computedRoot;
  }
}

/** A malformed or unverifiable signed note, checkpoint, key or proof text. */
export class NoteError extends LedgerError {}

/** A storage failure; `corrupt` marks stored data that contradicts itself. */
export class StorageError extends LedgerError {
  readonly corrupt: boolean;

  constructor(code: string, message: string, options: { corrupt?: boolean; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.corrupt = options.corrupt ?? false;
  }
}

/** A submission the sequencer did not integrate (full pool, closed log, too large). */
export class SequencerError extends LedgerError {}
