/**
 * The exchange commands (`ecert send`, `inbox`, `fetch`, `ack`, `exception`) as a user runs
 * them: real processes of dist/cli/main.js against a real hub on 127.0.0.1, with the
 * authorities, CAB and accreditation registered as the pilot registers them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readDevKey, readDevVkey, signTestEnvelope } from '../helpers/envelopes.js';
import { ensureBuilt, makeTempDir, runCli, startHub, type CommandResult, type HubProcess } from '../helpers/hub-process.js';
import { accreditationBody, authorityRegisterBody, cabCode, cabRegisterBody, request, submitOk } from '../helpers/records.js';

let temp: ReturnType<typeof makeTempDir>;
let hub: HubProcess;
let devData: string;
const issuer = cabCode('UZ', 7);

interface SendResult {
  exchangeId: string;
  status: string;
  documentSha256: string;
  registerIndex: number | null;
  sendIndex: number;
  resendExceptionIndex?: number;
}

interface View {
  exchangeId: string;
  from: string;
  to: string;
  status: string;
  documentSha256: string;
  header: { subject: string; reference?: string; note?: string };
  sentIndex: number;
  deliveredIndex?: number;
  acknowledgement?: string;
  reason?: string;
  exceptions: { index: number; actor: string; reason: string; text: string }[];
}

function file(name: string): string {
  return path.join(temp.dir, name);
}

function keyFile(actor: string, extension = 'key'): string {
  return path.join(devData, 'dev-keys', `${actor.replaceAll(':', '-')}.${extension}`);
}

/** Writes a one-page PDF whose title makes its SHA-256 unique. */
async function writePdf(name: string, title: string): Promise<{ path: string; bytes: Uint8Array; sha256: string }> {
  const document = await PDFDocument.create();
  document.setTitle(title);
  document.addPage([200, 200]).drawText(title, { x: 20, y: 100, size: 10 });
  const bytes = await document.save();
  writeFileSync(file(name), bytes);
  return { path: file(name), bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Flags that register a new document issued by the test CAB. */
function registerFlags(number: string): string[] {
  return [
    '--type', 'CC',
    '--number', number,
    '--issuer', issuer,
    '--hs', '851671,8516',
    '--description', 'Electric kettles',
    '--issued-on', '2026-11-02',
    '--valid-until', '2029-11-01',
    '--regulation', 'TR CU 004/2011',
    '--standard', 'IEC 60335-2-15',
  ];
}

function hubFlags(actor: string): string[] {
  return ['--key', keyFile(actor), '--hub', hub.url];
}

function parseJson<T>(result: CommandResult): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** Reads one exchange through `ecert inbox --status all --json` as the receiver. */
async function viewOf(exchangeId: string): Promise<View> {
  const inbox = parseJson<{ exchanges: View[] }>(await runCli(['inbox', '--status', 'all', '--json', ...hubFlags('authority:KG')]));
  const view = inbox.exchanges.find((exchange) => exchange.exchangeId === exchangeId);
  expect(view, `exchange ${exchangeId} in KG's inbox`).toBeDefined();
  return view!;
}

beforeAll(async () => {
  ensureBuilt();
  temp = makeTempDir('exchange-cli');
  devData = file('dev');
  hub = await startHub(devData, { args: ['--batch-interval', '5'] });
  for (const country of ['UZ', 'KG', 'AZ']) {
    const registrar = readDevKey(devData, `registrar:${country}`);
    const body = authorityRegisterBody(country, readDevVkey(devData, `authority:${country}`));
    await submitOk(hub.url, signTestEnvelope('actor.register', body, registrar));
  }
  const registrarUz = readDevKey(devData, 'registrar:UZ');
  await submitOk(hub.url, signTestEnvelope('cab.register', cabRegisterBody(issuer), registrarUz));
  await submitOk(hub.url, signTestEnvelope('accreditation.set', accreditationBody(issuer), registrarUz));
}, 90_000);

afterAll(async () => {
  await hub?.stop();
  temp?.remove();
});

describe('exchange from UZ to KG', () => {
  let pdf: Awaited<ReturnType<typeof writePdf>>;
  let sent: SendResult;

  beforeAll(async () => {
    pdf = await writePdf('kettle.pdf', 'CC-2026-0001 electric kettles');
    const result = await runCli(['send', pdf.path, '--to', 'KG', ...registerFlags('CC-2026-0001'), '--note', 'original', '--json', ...hubFlags('authority:UZ')]);
    sent = parseJson<SendResult>(result);
  });

  it('send registers the document and logs the exchange', async () => {
    expect(sent.status).toBe('pending');
    expect(sent.documentSha256).toBe(pdf.sha256);
    expect(sent.registerIndex).toBeTypeOf('number');
    expect(sent.sendIndex).toBeGreaterThan(sent.registerIndex!);
    expect(sent.exchangeId).toMatch(/^UZ-KG-[0-9a-f-]{36}$/);

    const entry = await request(`${hub.url}/v1/entries/${sent.sendIndex}`);
    expect(entry.status).toBe(200);
    expect(entry.body.entry.kind).toBe('exchange.send');
    expect(entry.body.entry.actor).toBe('authority:UZ');
    expect(entry.body.entry.body).toMatchObject({
      exchangeId: sent.exchangeId,
      documentSha256: pdf.sha256,
      from: 'UZ',
      to: 'KG',
      channel: 'hub',
      header: { subject: 'CC CC-2026-0001', note: 'original' },
    });
    const register = await request(`${hub.url}/v1/entries/${sent.registerIndex}`);
    expect(register.body.entry.kind).toBe('document.register');
    expect(register.body.entry.body).toMatchObject({
      type: 'CC',
      number: 'CC-2026-0001',
      issuer,
      sha256: pdf.sha256,
      issuedOn: '2026-11-02',
      validUntil: '2029-11-01',
      product: { description: 'Electric kettles', hsCodes: ['851671', '8516'] },
      regulations: ['TR CU 004/2011'],
      standards: ['IEC 60335-2-15'],
      related: [],
    });
  });

  it('inbox as KG lists the exchange', async () => {
    const inbox = parseJson<{ country: string; exchanges: View[] }>(await runCli(['inbox', '--json', ...hubFlags('authority:KG')]));
    expect(inbox.country).toBe('KG');
    const view = inbox.exchanges.find((exchange) => exchange.exchangeId === sent.exchangeId);
    expect(view?.status).toBe('pending');
    expect(view?.from).toBe('UZ');
    expect(view?.sentIndex).toBe(sent.sendIndex);

    const table = await runCli(['inbox', ...hubFlags('authority:KG')]);
    expect(table.code, table.stderr).toBe(0);
    const row = table.stdout.split('\n').find((line) => line.startsWith(sent.exchangeId));
    expect(row).toContain('CC CC-2026-0001');
    expect(row).toContain('pending');
    expect(row).toContain(String(sent.sendIndex));
  });

  it("inbox as UZ for KG's country is rejected", async () => {
    const result = await runCli(['inbox', '--country', 'KG', ...hubFlags('authority:UZ')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not_your_inbox/);
  });

  it('fetch writes the exact bytes and logs the delivery', async () => {
    const output = file('received/kettle.pdf');
    mkdirSync(path.dirname(output), { recursive: true });
    const fetched = parseJson<{ path: string; documentSha256: string; deliveryIndex: number }>(
      await runCli(['fetch', sent.exchangeId, '-o', output, '--json', ...hubFlags('authority:KG')]),
    );
    expect(fetched.path).toBe(output);
    expect(fetched.documentSha256).toBe(pdf.sha256);
    expect(Buffer.from(readFileSync(output)).equals(Buffer.from(pdf.bytes))).toBe(true);
    expect(readdirSync(path.dirname(output))).toEqual(['kettle.pdf']);

    const view = await viewOf(sent.exchangeId);
    expect(view.status).toBe('delivered');
    expect(view.deliveredIndex).toBe(fetched.deliveryIndex);
  });

  it('fetch defaults to <exchange-id>.pdf', async () => {
    const result = await runCli(['fetch', sent.exchangeId, ...hubFlags('authority:KG')], { cwd: temp.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(Buffer.from(readFileSync(file(`${sent.exchangeId}.pdf`))).equals(Buffer.from(pdf.bytes))).toBe(true);
  });

  it('fetch by the sender is rejected', async () => {
    const result = await runCli(['fetch', sent.exchangeId, '-o', file('sender-copy.pdf'), ...hubFlags('authority:UZ')]);
    expect(result.code).toBe(1);
    expect(existsSync(file('sender-copy.pdf'))).toBe(false);
  });

  it('ack records a positive acknowledgement', async () => {
    const ack = parseJson<{ acknowledgement: string; index: number }>(await runCli(['ack', sent.exchangeId, '--json', ...hubFlags('authority:KG')]));
    expect(ack.acknowledgement).toBe('positive');
    const view = await viewOf(sent.exchangeId);
    expect(view.status).toBe('acknowledged');
    expect(view.acknowledgement).toBe('positive');

    const again = await runCli(['ack', sent.exchangeId, ...hubFlags('authority:KG')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exchange_acknowledged/);
  });
});

describe('second exchange of a registered document', () => {
  let pdf: Awaited<ReturnType<typeof writePdf>>;
  let first: SendResult;
  let second: SendResult;

  beforeAll(async () => {
    pdf = await writePdf('heater.pdf', 'CC-2026-0002 water heaters');
    first = parseJson<SendResult>(await runCli(['send', pdf.path, '--to', 'KG', ...registerFlags('CC-2026-0002'), '--json', ...hubFlags('authority:UZ')]));
    second = parseJson<SendResult>(
      await runCli(['send', pdf.path, '--to', 'KG', '--exchange-id', 'UZ-KG-second-1', '--reference', 'ORDER-17', '--json', ...hubFlags('authority:UZ')]),
    );
  });

  it('send reuses the registration', async () => {
    expect(first.registerIndex).toBeTypeOf('number');
    expect(second.registerIndex).toBeNull();
    expect(second.exchangeId).toBe('UZ-KG-second-1');
    const entry = await request(`${hub.url}/v1/entries/${second.sendIndex}`);
    expect(entry.body.entry.body.header).toEqual({ subject: 'CC CC-2026-0002', reference: 'ORDER-17' });
  });

  it('send with a different --number is rejected', async () => {
    const result = await runCli(['send', pdf.path, '--to', 'KG', '--number', 'CC-9999', ...hubFlags('authority:UZ')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/registered with --number "CC-2026-0002"/);
  });

  it('ack before fetch is rejected', async () => {
    const result = await runCli(['ack', second.exchangeId, ...hubFlags('authority:KG')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not_delivered/);
    expect(result.stderr).toContain(`run \`ecert fetch ${second.exchangeId}\` first`);
  });

  it('ack --negative records the reason', async () => {
    expect((await runCli(['fetch', second.exchangeId, '-o', file('heater-in.pdf'), ...hubFlags('authority:KG')])).code).toBe(0);
    const result = await runCli(['ack', second.exchangeId, '--negative', 'wrong product', ...hubFlags('authority:KG')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\(negative\) at index \d+/);
    const view = await viewOf(second.exchangeId);
    expect(view.acknowledgement).toBe('negative');
    expect(view.reason).toBe('wrong product');
  });

  it('exception query is logged', async () => {
    const result = await runCli(['exception', first.exchangeId, '--reason', 'query', '--text', 'Which batch?', '--json', ...hubFlags('authority:KG')]);
    const logged = parseJson<{ reason: string; index: number }>(result);
    expect(logged.reason).toBe('query');
    const view = await viewOf(first.exchangeId);
    expect(view.exceptions).toContainEqual(expect.objectContaining({ index: logged.index, actor: 'authority:KG', reason: 'query', text: 'Which batch?' }));
  });

  it('send --resend refers to the old exchange', async () => {
    const corrected = await writePdf('heater-v2.pdf', 'CC-2026-0003 water heaters, corrected');
    const result = await runCli([
      'send', corrected.path, '--to', 'KG', ...registerFlags('CC-2026-0003'), '--resend', first.exchangeId, '--json', ...hubFlags('authority:UZ'),
    ]);
    const resent = parseJson<SendResult>(result);
    expect(resent.resendExceptionIndex).toBeGreaterThan(resent.sendIndex);
    const entry = await request(`${hub.url}/v1/entries/${resent.sendIndex}`);
    expect(entry.body.entry.body.header.reference).toBe(first.exchangeId);

    const old = await viewOf(first.exchangeId);
    expect(old.exceptions).toContainEqual(
      expect.objectContaining({
        index: resent.resendExceptionIndex,
        actor: 'authority:UZ',
        reason: 'resend',
        text: `resent as exchange ${resent.exchangeId}`,
      }),
    );
  });

  it('send --resend of an exchange to another country exits 2', async () => {
    const result = await runCli(['send', pdf.path, '--to', 'TJ', '--resend', first.exchangeId, ...hubFlags('authority:UZ')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/went to KG, not to --to TJ/);
  });
});

describe('inbox webhook', () => {
  it('--webhook sets and --no-webhook removes it', async () => {
    // AZ receives no exchange in this file, so the hub has nothing to push to the address.
    const set = await runCli(['inbox', '--webhook', 'http://127.0.0.1:9/ecert-hook', '--json', ...hubFlags('authority:AZ')]);
    expect(parseJson<{ country: string; url: string }>(set)).toMatchObject({ country: 'AZ', url: 'http://127.0.0.1:9/ecert-hook' });
    const removed = await runCli(['inbox', '--no-webhook', '--json', ...hubFlags('authority:AZ')]);
    expect(parseJson<{ country: string; url: string | null }>(removed)).toEqual({ country: 'AZ', url: null });
  });

  it('--webhook with --status exits 2', async () => {
    const result = await runCli(['inbox', '--webhook', 'http://127.0.0.1:9/hook', '--status', 'all', ...hubFlags('authority:AZ')]);
    expect(result.code).toBe(2);
  });

  it('--webhook that is no http URL exits 2', async () => {
    const result = await runCli(['inbox', '--webhook', 'ftp://127.0.0.1/hook', ...hubFlags('authority:AZ')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/must be an http or https URL/);
  });
});

// Each case is its own process and shares no state with the others.
describe.concurrent('usage errors', () => {
  let pdf: Awaited<ReturnType<typeof writePdf>>;

  beforeAll(async () => {
    pdf = await writePdf('usage.pdf', 'usage errors');
  });

  it('send without --to exits 2', async () => {
    const result = await runCli(['send', pdf.path, ...registerFlags('CC-1'), ...hubFlags('authority:UZ')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--to/);
  });

  it('send of an unreadable file exits 2', async () => {
    const result = await runCli(['send', file('no-such.pdf'), '--to', 'KG', ...registerFlags('CC-1'), ...hubFlags('authority:UZ')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read the PDF .*ENOENT/);
  });

  it('send of a file that is no PDF exits 2', async () => {
    writeFileSync(file('notes.txt'), 'plain text\n');
    const result = await runCli(['send', file('notes.txt'), '--to', 'KG', ...registerFlags('CC-1'), ...hubFlags('authority:UZ')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a PDF/);
  });

  it('send of a new document without its fields exits 2', async () => {
    const result = await runCli(['send', pdf.path, '--to', 'KG', '--type', 'CC', '--number', 'CC-1', ...hubFlags('authority:UZ')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not registered yet; to register it, also give --issuer, --hs, --description, --issued-on/);
  });

  it('send with an invalid HS code exits 2', async () => {
    const flags = registerFlags('CC-1').map((value) => (value === '851671,8516' ? '85x6' : value));
    const result = await runCli(['send', pdf.path, '--to', 'KG', ...flags, ...hubFlags('authority:UZ')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--hs "85x6"/);
  });

  it('verifier key file as --key exits 2', async () => {
    const result = await runCli(['send', pdf.path, '--to', 'KG', ...registerFlags('CC-1'), '--key', keyFile('authority:UZ', 'vkey'), '--hub', hub.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not a note private key/);
  });

  it('witness cosigning key as --key exits 2', async () => {
    const result = await runCli(['inbox', '--key', keyFile('witness:KG'), '--hub', hub.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not an Ed25519 signing key/);
  });

  it('key of an unregistered actor is rejected', async () => {
    const result = await runCli(['inbox', '--key', keyFile('authority:TJ'), '--hub', hub.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown_key/);
  });

  it('ack with --warning and --negative exits 2', async () => {
    const result = await runCli(['ack', 'UZ-KG-1', '--warning', 'a', '--negative', 'b', ...hubFlags('authority:KG')]);
    expect(result.code).toBe(2);
  });

  it('exception with an unknown reason exits 2', async () => {
    const result = await runCli(['exception', 'UZ-KG-1', '--reason', 'lost', '--text', 'x', ...hubFlags('authority:KG')]);
    expect(result.code).toBe(2);
  });

  it('exchange ID with a slash exits 2', async () => {
    const result = await runCli(['fetch', '../v1/log', ...hubFlags('authority:KG')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not an exchange ID/);
  });
});

/**
 * A hostile hub on 127.0.0.1 for the cases the real hub never produces: a download whose bytes
 * differ from the logged hash, and a 503 with Retry-After. It does not check signatures, but it
 * records the request headers so the test can compare them.
 */
describe('against a hostile hub', () => {
  let server: Server;
  let url: string;
  let seen: IncomingMessage['headers'][] = [];
  const logged = createHash('sha256').update('the logged PDF').digest('hex');
  let busyOnce = false;

  beforeAll(async () => {
    server = createServer((incoming, response) => {
      seen.push(incoming.headers);
      if (incoming.url === '/v1/exchanges/X-1') {
        if (busyOnce) {
          busyOnce = false;
          response.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: { code: 'busy', message: 'retry' } }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ exchangeId: 'X-1', documentSha256: logged }));
        return;
      }
      if (incoming.url === '/v1/exchanges/X-1/document') {
        const body = Buffer.from('%PDF-1.7 a different PDF');
        const digest = createHash('sha256').update(body).digest('base64');
        response.writeHead(200, { 'content-type': 'application/pdf', 'content-digest': `sha-256=:${digest}:`, 'ecert-delivery-index': '9' });
        response.end(body);
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'not_found', message: incoming.url } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetch of mismatching bytes writes nothing', async () => {
    const output = file('hostile.pdf');
    const result = await runCli(['fetch', 'X-1', '-o', output, '--key', keyFile('authority:KG'), '--hub', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`but the log names ${logged}; nothing was written`));
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(temp.dir).filter((name) => name.includes('hostile'))).toEqual([]);
  });

  it('503 with Retry-After is retried with a new signature', async () => {
    seen = [];
    busyOnce = true;
    const result = await runCli(['fetch', 'X-1', '-o', file('hostile-retry.pdf'), '--key', keyFile('authority:KG'), '--hub', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/nothing was written/);
    const attempts = seen.slice(0, 2);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!['content-digest']).toBe(`sha-256=:${createHash('sha256').update('').digest('base64')}:`);
    expect(attempts[0]!['signature-input']).toMatch(/^ecert=\("@method" "@path" "@query" "content-digest"\)/);
    expect(attempts[0]!['signature-input']).not.toBe(attempts[1]!['signature-input']);
    expect(attempts[0]!['signature']).not.toBe(attempts[1]!['signature']);
  });
});
