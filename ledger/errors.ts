/**
 * Errors of the generic log. Callers switch on `code`, never on the message.
 * Subclasses say what the caller should do: a ProofError or NoteError rejects
 * the input, a StorageError with `corrupt: true` stops the sequencer.
 */
export class LedgerError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
