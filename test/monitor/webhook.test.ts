/**
 * Webhook delivery of alarms against a local receiver on 127.0.0.1: retries with backoff on
 * 5xx and unreachable receivers, none on other 4xx, and a log line for every failed attempt.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { alarmOutput, type Alarm } from '../../monitor/alarms.js';
import { deliverWebhook } from '../../monitor/webhook.js';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Starts a receiver that responds to each request with the next status of `statuses` (the last one repeats). */
async function startReceiver(statuses: number[]): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      bodies.push(body);
      response.writeHead(statuses[Math.min(bodies.length, statuses.length) - 1]!).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alarms`, bodies };
}

/** Returns a pino logger that keeps its records as parsed objects. */
function recordingLogger() {
  const records: { level: number; msg: string; attempt?: number; status?: number }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      records.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), records };
}

const alarm: Alarm = {
  code: 'fork',
  message: 'two checkpoints signed by the log key are not consistent',
  origin: 'ecert-ledger.localhost/dev',
  source: 'http://127.0.0.1:1',
  detectedAt: '2026-12-04T00:00:00.000Z',
  evidence: { acceptedSize: 5 },
};

describe('webhook delivery', () => {
  it('when the receiver fails twice, the third attempt delivers', async () => {
    const receiver = await startReceiver([500, 503, 200]);
    const { logger, records } = recordingLogger();
    const sink = alarmOutput({ logger, webhook: receiver.url, webhookRetryDelayMs: 10 });

    await sink.raise(alarm);

    expect(receiver.bodies).toHaveLength(3);
    for (const body of receiver.bodies) expect(JSON.parse(body)).toEqual(alarm);
    const rejected = records.filter((record) => record.msg === 'webhook rejected the alarm');
    expect(rejected.map((record) => [record.attempt, record.status])).toEqual([
      [1, 500],
      [2, 503],
    ]);
    expect(records.some((record) => record.msg === 'webhook accepted the alarm after a retry' && record.attempt === 3)).toBe(true);
  });

  it('when the receiver rejects with 400, it does not retry', async () => {
    const receiver = await startReceiver([400]);
    const { logger, records } = recordingLogger();
    expect(await deliverWebhook(receiver.url, alarm, { logger, retryDelayMs: 10 })).toBe(false);
    expect(receiver.bodies).toHaveLength(1);
    expect(records.some((record) => record.msg.includes('giving up'))).toBe(true);
  });

  it('when the receiver always fails, it stops after the attempts', async () => {
    const receiver = await startReceiver([502]);
    const { logger, records } = recordingLogger();
    expect(await deliverWebhook(receiver.url, alarm, { logger, attempts: 3, retryDelayMs: 5 })).toBe(false);
    expect(receiver.bodies).toHaveLength(3);
    expect(records.filter((record) => record.msg === 'webhook rejected the alarm')).toHaveLength(3);
  });

  it('when the receiver is unreachable, it retries and gives up', async () => {
    const receiver = await startReceiver([200]);
    const url = receiver.url;
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    const { logger, records } = recordingLogger();
    expect(await deliverWebhook(url, alarm, { logger, attempts: 2, retryDelayMs: 5 })).toBe(false);
    expect(records.filter((record) => record.msg === 'webhook request failed').map((record) => record.attempt)).toEqual([1, 2]);
  });

  it('invalid attempts are a RangeError', async () => {
    const { logger } = recordingLogger();
    await expect(deliverWebhook('http://127.0.0.1:1', alarm, { logger, attempts: 0 })).rejects.toThrow(RangeError);
    await expect(deliverWebhook('http://127.0.0.1:1', alarm, { logger, attempts: 11 })).rejects.toThrow(RangeError);
  });
});
