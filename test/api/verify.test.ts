/**
 * POST /v1/verify on a development hub: the six checks against the hub's own log and registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ApiError } from '../../api/errors.js';
import { createVerifyGate, MAX_VERIFY_BODY, VERIFY_PDF_LIMITS } from '../../api/routes/verify.js';
import { ownCertificate, Scenario, type LoggedDocument } from '../verifier/scenario.js';

const CAB = 'UZ-UZAC-0001';

let scenario: Scenario;
let good: LoggedDocument;

beforeAll(async () => {
  scenario = await Scenario.start();
  await scenario.registerAuthorities();
  await scenario.registerCab(CAB);
  const certificate = await ownCertificate(scenario, CAB);
  await scenario.registerCabKey(CAB, certificate);
  good = await scenario.document({ cabCode: CAB, signer: certificate });
}, 120_000);

afterAll(async () => {
  await scenario?.stop();
});

async function post(body: Uint8Array, contentType = 'application/pdf'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${scenario.url}/v1/verify`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, body: await response.json() };
}

/**
 * Appends to `pdf` an incremental update of `count` tiny objects with a classic xref
 * section listing them, chained to the file's last xref by /Prev (ISO 32000-2 §7.5.6).
 */
function withManyObjects(pdf: Uint8Array, count: number): Uint8Array {
  const text = Buffer.from(pdf).toString('latin1');
  const prev = [...text.matchAll(/startxref\s+(\d+)/g)].at(-1)![1];
  const root = [...text.matchAll(/\/Root\s+(\d+\s+\d+\s+R)/g)].at(-1)![1];
  const size = Math.max(...[...text.matchAll(/\/Size\s+(\d+)/g)].map((match) => Number(match[1])));
  const body: string[] = [];
  const offsets: number[] = [];
  let offset = pdf.length;
  for (let i = 0; i < count; i++) {
    const object = `${size + i} 0 obj null endobj\n`;
    offsets.push(offset);
    body.push(object);
    offset += object.length;
  }
  const xref = [`xref\n${size} ${count}\n`, ...offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n\r\n`)].join('');
  const trailer = `trailer\n<< /Size ${size + count} /Root ${root} /Prev ${prev} >>\nstartxref\n${offset}\n%%EOF\n`;
  return Buffer.concat([Buffer.from(pdf), Buffer.from(body.join('') + xref + trailer, 'latin1')]);
}

function indicationOf(report: { checks: { id: string; indication: string; subIndication?: string }[] }, id: string): string {
  const check = report.checks.find((candidate) => candidate.id === id)!;
  return check.subIndication === undefined ? check.indication : `${check.indication}/${check.subIndication}`;
}

describe('POST /v1/verify', () => {
  it('returns TOTAL-PASSED for a good PDF', async () => {
    const answer = await post(good.pdf);
    expect(answer.status).toBe(200);
    expect(answer.body.result).toBe('TOTAL-PASSED');
    expect(answer.body.checks).toHaveLength(6);
    expect(answer.body.document).toEqual(expect.objectContaining({ sha256: good.sha256, index: good.index }));
    expect(answer.body.checkpoint.origin).toBe(scenario.hub.origin);
    expect(answer.body.checks.find((check: { id: string }) => check.id === 'key-registry').evidence.path).toBe('registered');
  });

  it('fails the signature of a tampered PDF', async () => {
    const tampered = good.pdf.slice();
    // Widen the page from 595 to 596 points: a change inside the signed byte range.
    const marker = Buffer.from(tampered).indexOf('595');
    expect(marker).toBeGreaterThan(0);
    tampered[marker + 2] = '6'.charCodeAt(0);
    const answer = await post(tampered);
    expect(answer.status).toBe(200);
    expect(answer.body.result).toBe('TOTAL-FAILED');
    expect(indicationOf(answer.body, 'signature')).toBe('FAILED/HASH_FAILURE');
    expect(indicationOf(answer.body, 'traceability')).toBe('FAILED/NOT_LOGGED');
  });

  it('rejects another content type with 415', async () => {
    const answer = await post(good.pdf, 'application/octet-stream');
    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe('unsupported_media_type');
  });

  it('rejects an empty body with 400', async () => {
    const answer = await post(new Uint8Array(0));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
  });

  it('rejects a body over the limit with 413', async () => {
    const answer = await post(new Uint8Array(MAX_VERIFY_BODY + 1));
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('body_too_large');
  });

  it('fails a PDF over the object limit', async () => {
    const limit = VERIFY_PDF_LIMITS.maxObjects!;
    const answer = await post(withManyObjects(good.pdf, limit + 1));
    expect(answer.status).toBe(200);
    expect(answer.body.result).toBe('TOTAL-FAILED');
    expect(indicationOf(answer.body, 'signature')).toBe('FAILED/FORMAT_FAILURE');
    const signature = answer.body.checks.find((check: { id: string }) => check.id === 'signature');
    expect(signature.message).toContain(String(limit));
  });

  it('passes a PDF under the object limit', async () => {
    const answer = await post(withManyObjects(good.pdf, 10));
    expect(answer.status).toBe(200);
    expect(indicationOf(answer.body, 'signature')).toBe('PASSED');
  });
});

describe('createVerifyGate', () => {
  it('rejects a concurrent verification', async () => {
    const gate = createVerifyGate();
    let release!: () => void;
    const first = gate(() => new Promise<string>((resolve) => (release = () => resolve('first'))));
    const second = gate(async () => 'second');
    await expect(second).rejects.toBeInstanceOf(ApiError);
    await expect(second).rejects.toMatchObject({ statusCode: 503, code: 'verify_busy', retryAfter: expect.any(Number) });
    release();
    await expect(first).resolves.toBe('first');
    await expect(gate(async () => 'third')).resolves.toBe('third');
  });

  it('reopens after a failed verification', async () => {
    const gate = createVerifyGate();
    await expect(gate(async () => Promise.reject(new Error('parse failed')))).rejects.toThrow('parse failed');
    await expect(gate(async () => 'next')).resolves.toBe('next');
  });
});
