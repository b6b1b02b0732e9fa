import type { Readable } from 'node:stream';

import { Busboy, type BusboyFileStream, type BusboyHeaders } from '@fastify/busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { MAX_LEAF_SIZE, validateEnvelope } from '../../registry/envelope.js';
import { parseStrictJson } from '../../registry/json.js';
import type { DocumentStore } from '../document-store.js';
import { ApiError } from '../errors.js';
import type { SendRequest } from './service.js';

/** Names of the parts of `POST /v1/exchanges`. */
const PART_NAMES = ['register', 'send', 'document'] as const;
type PartName = (typeof PART_NAMES)[number];

/** Largest envelope part: a logged entry's limit plus room for whitespace, as at `POST /v1/entries`. */
const MAX_ENVELOPE_PART_BYTES = MAX_LEAF_SIZE + 16 * 1024;

/** Maximum pause in an upload's body before the hub gives up on it. */
const UPLOAD_IDLE_TIMEOUT_MS = 30_000;

function idleError(): ApiError {
  return new ApiError(408, 'upload_timeout', `the request body sent nothing for ${UPLOAD_IDLE_TIMEOUT_MS / 1000} s; send the upload again`);
}

/** The first bytes of every PDF file (ISO 32000-2 §7.5.2). */
const PDF_HEADER = Buffer.from('%PDF-');

/** Bytes a multipart body may carry beyond its parts' contents: boundaries and part headers. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * Registers the `multipart/form-data` parser of `POST /v1/exchanges` in `app`'s scope. It streams
 * the `document` part into a document store upload (hashed and synced, not yet visible) and
 * parses the two envelope parts strictly. The parsed body is a SendRequest whose upload is not
 * committed yet, so the route handler commits or aborts it.
 */
export function registerExchangePartsParser(app: FastifyInstance, store: DocumentStore): void {
  app.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    readExchangeParts(request, payload as Readable, store).then(
      (parts) => done(null, parts),
      (error: Error) => done(error, undefined),
    );
  });
  // A request can fail after its body was parsed and before the handler commits the upload (a
  // Content-Digest mismatch, a client that disconnects), so every request ends with an abort,
  // which leaves a committed upload alone.
  const abortUpload = async (request: FastifyRequest): Promise<void> => {
    const upload = (request.body as Partial<SendRequest> | undefined)?.document?.upload;
    await upload?.abort();
  };
  app.addHook('onResponse', abortUpload);
  app.addHook('onRequestAbort', abortUpload);
}

async function readExchangeParts(request: FastifyRequest, payload: Readable, store: DocumentStore): Promise<SendRequest> {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new ApiError(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not supported; send the body uncompressed`);
  }
  const maxBodyBytes = store.maxDocumentBytes + 2 * MAX_ENVELOPE_PART_BYTES + MULTIPART_OVERHEAD_BYTES;
  const declaredLength = Number(request.headers['content-length']);
  if (declaredLength > maxBodyBytes) {
    throw new ApiError(413, 'document_too_large', `the request declares ${declaredLength} bytes, more than ${maxBodyBytes}; the PDF may have at most ${store.maxDocumentBytes} bytes`);
  }
  let busboy;
  try {
    busboy = Busboy({
      headers: request.headers as BusboyHeaders,
      // Every part is read as bytes: envelopes must reach the strict JSON parser undecoded.
      isPartAFile: () => true,
      limits: { parts: PART_NAMES.length, files: PART_NAMES.length, fields: 0, fileSize: store.maxDocumentBytes, headerPairs: 16 },
    });
  } catch (error) {
    throw new ApiError(400, 'invalid_multipart', `the multipart body cannot be read: ${(error as Error).message}; send multipart/form-data with a boundary`);
  }

  const parts: Partial<Record<PartName, unknown>> = {};
  const pending: Promise<void>[] = [];
  let failure: Error | undefined;
  let upload: SendRequest['document'] | undefined;
  let uploadToAbort: { abort(): Promise<void> } | undefined;

  const fail = (error: Error): void => {
    failure ??= error;
  };

  // The body ends in one of two ways: busboy finishes and every part has been read, or the
  // request goes wrong (too long, malformed, aborted by the client, idle too long). In the
  // second case the parts may never end, so nothing waits for them.
  let settle!: () => void;
  const ended = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const stop = (error: Error): void => {
    fail(error);
    payload.unpipe(busboy);
    payload.resume();
    settle();
  };
  const idleTimer = setTimeout(() => stop(idleError()), UPLOAD_IDLE_TIMEOUT_MS);
  let received = 0;
  payload.on('data', (chunk: Buffer) => {
    received += chunk.length;
    idleTimer.refresh();
    if (received > maxBodyBytes && failure === undefined) {
      stop(new ApiError(413, 'document_too_large', `the request body passed ${maxBodyBytes} bytes; the PDF may have at most ${store.maxDocumentBytes} bytes`));
    }
  });
  payload.on('error', (error) => stop(new ApiError(400, 'invalid_request', `the request body could not be read: ${error.message}`)));
  payload.on('close', () => {
    if (!payload.readableEnded) stop(new ApiError(400, 'invalid_request', 'the client closed the connection before the body ended'));
  });
  busboy.on('file', (name: string, stream: BusboyFileStream, _filename: string, _transfer: string, mimeType: string) => {
    if (!isPartName(name) || parts[name] !== undefined || (name === 'document' && upload !== undefined)) {
      fail(new ApiError(400, 'invalid_multipart', `unexpected or repeated part ${JSON.stringify(name)}; send the parts register, send and document once each`));
      stream.resume();
      return;
    }
    parts[name] = true;
    if (name === 'document') {
      let documentUpload: ReturnType<DocumentStore['beginUpload']>;
      try {
        documentUpload = store.beginUpload();
      } catch (error) {
        fail(error as Error);
        stream.resume();
        return;
      }
      uploadToAbort = documentUpload;
      pending.push(
        readDocument(stream, documentUpload, mimeType, store.maxDocumentBytes).then(
          (result) => {
            upload = { upload: documentUpload, ...result };
          },
          fail,
        ),
      );
    } else {
      pending.push(readEnvelope(stream, name).then((envelope) => void (parts[name] = envelope), fail));
    }
  });
  busboy.on('partsLimit', () => fail(new ApiError(400, 'invalid_multipart', `the body has more than ${PART_NAMES.length} parts`)));
  busboy.on('filesLimit', () => fail(new ApiError(400, 'invalid_multipart', `the body has more than ${PART_NAMES.length} parts`)));
  busboy.on('error', (error: unknown) => stop(new ApiError(400, 'invalid_multipart', `the multipart body is malformed: ${(error as Error).message}`)));
  busboy.on('finish', () => {
    void Promise.all(pending).then(() => settle());
  });
  payload.pipe(busboy);

  try {
    await ended;
  } finally {
    clearTimeout(idleTimer);
  }
  if (failure === undefined && parts.send === undefined) {
    fail(new ApiError(400, 'invalid_multipart', 'the part named send (the signed exchange.send envelope) is missing'));
  }
  if (failure !== undefined) {
    await uploadToAbort?.abort();
    throw failure;
  }
  return {
    register: parts.register as SendRequest['register'],
    send: parts.send as SendRequest['send'] & object,
    document: upload,
  };
}

function isPartName(name: string): name is PartName {
  return (PART_NAMES as readonly string[]).includes(name);
}

async function readDocument(
  stream: BusboyFileStream,
  upload: ReturnType<DocumentStore['beginUpload']>,
  mimeType: string,
  maxBytes: number,
): Promise<{ sha256: string; size: number }> {
  if (mimeType !== 'application/pdf' && mimeType !== 'application/octet-stream') {
    stream.resume();
    throw new ApiError(415, 'unsupported_media_type', `the document part has type ${mimeType}; send the PDF as application/pdf`);
  }
  let head = Buffer.alloc(0);
  await consumePart(stream, async (chunk) => {
    if (head.length < PDF_HEADER.length) head = Buffer.concat([head, chunk.subarray(0, PDF_HEADER.length - head.length)]);
    await upload.write(chunk);
  });
  // Busboy stops a part at limits.fileSize without an error and only marks it truncated.
  if (stream.truncated) {
    throw new ApiError(413, 'document_too_large', `the PDF has more than ${maxBytes} bytes, the hub's limit`);
  }
  if (!head.equals(PDF_HEADER)) {
    throw new ApiError(415, 'unsupported_media_type', 'the document part does not start with %PDF-; send the signed PDF itself');
  }
  return upload.finish();
}

async function readEnvelope(stream: BusboyFileStream, name: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  await consumePart(stream, async (chunk) => {
    size += chunk.length;
    if (size > MAX_ENVELOPE_PART_BYTES) {
      throw new ApiError(413, 'body_too_large', `the ${name} part has more than ${MAX_ENVELOPE_PART_BYTES} bytes; an envelope is at most ${MAX_LEAF_SIZE}`);
    }
    chunks.push(chunk);
  });
  const value = parseStrictJson(new Uint8Array(Buffer.concat(chunks)), { maxBytes: MAX_ENVELOPE_PART_BYTES });
  return validateEnvelope(value);
}

/**
 * Feeds a part's chunks to `consume` one at a time, pausing the part meanwhile. After `consume`
 * fails, the rest of the part is read and dropped, so the multipart parser can go on to its end,
 * and the first failure is thrown once the part ends.
 */
function consumePart(stream: BusboyFileStream, consume: (chunk: Buffer) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    let inFlight: Promise<void> = Promise.resolve();
    stream.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return;
      stream.pause();
      inFlight = consume(chunk).then(
        () => void stream.resume(),
        (error: unknown) => {
          failure = error;
          stream.resume();
        },
      );
    });
    stream.on('end', () => {
      void inFlight.then(() => (failure === undefined ? resolve() : reject(failure)));
    });
    stream.on('error', reject);
  });
}
