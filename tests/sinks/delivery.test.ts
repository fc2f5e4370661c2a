import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryOptions } from '../../src/sinks/delivery.js';
import { backoffMs, deliverDue, redact } from '../../src/sinks/delivery.js';
import { genericWebhook } from '../../src/sinks/genericWebhook.js';
import type { Receiver } from '../../src/sinks/sinkProtocol.js';
import { readHealth } from '../../src/state/deliveryHealth.js';
import { createFileStore } from '../../src/state/fileStore.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import type { OutboxItem } from '../../src/state/outbox.js';
import { enqueueOutgoing, listOutbox, replayDead } from '../../src/state/outbox.js';
import { notificationOf, operationFailure } from '../support/enrichedFailures.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

const SECRET = `whsec_${Buffer.from('a-32-byte-signing-secret-for-test').toString('base64')}`;

let dir: string;
let store: KeyValueStore;
let receiver: WebhookReceiver;
let clock: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'delivery-'));
  store = createFileStore(dir);
  receiver = new WebhookReceiver(SECRET);
  await receiver.start();
  clock = Date.parse('2026-11-22T07:00:00Z');
});

afterEach(async () => {
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

function receivers(url = receiver.url): Map<string, Receiver> {
  return new Map([['ops', { name: 'ops', type: 'generic', url, secret: SECRET }]]);
}

function options(overrides: Partial<DeliveryOptions> = {}): DeliveryOptions {
  return {
    store,
    receivers: receivers(),
    protocols: { generic: genericWebhook },
    now: () => new Date(clock),
    maxAttempts: 5,
    maxAgeMs: 86_400_000,
    timeoutMs: 300,
    backoffBaseMs: 1_000,
    random: () => 1,
    ...overrides,
  };
}

async function enqueue(n: number, receiverName = 'ops'): Promise<void> {
  const items = Array.from({ length: n }, (_, i) => {
    const notification = notificationOf([operationFailure({ sourceId: `row-${i}` })], { id: `n-${i}` });
    return {
      receiver: receiverName,
      sinkType: 'generic' as const,
      id: notification.id,
      body: genericWebhook.render(notification),
      createdAt: new Date(clock - n + i).toISOString(),
      summary: `failure ${i}`,
    };
  });
  await enqueueOutgoing(store, items);
}

async function items(state: 'pending' | 'delivered' | 'dead'): Promise<OutboxItem[]> {
  const out: OutboxItem[] = [];
  for await (const e of listOutbox(store, state)) out.push(e.item);
  return out;
}

describe('deliverDue', () => {
  it('delivers signed notifications and records them as delivered', async () => {
    await enqueue(3);
    const report = await deliverDue(options());
    expect(report.delivered).toBe(3);
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual(['n-0', 'n-1', 'n-2']);
    expect(JSON.parse(receiver.requests[0]?.body ?? '{}')).toMatchObject({
      type: 'aks-alert-enricher.notification',
      version: 1,
      id: 'n-0',
    });
    expect(await items('pending')).toEqual([]);
    expect((await items('delivered')).map((i) => i.attempts)).toEqual([1, 1, 1]);
    expect((await readHealth(store, new Date(clock), new Date(clock))).ops?.delivered).toBe(3);
  });

  it('does not enqueue a notification twice, even after it was delivered', async () => {
    await enqueue(1);
    await deliverDue(options());
    await enqueue(1);
    expect(await items('pending')).toEqual([]);
    await deliverDue(options());
    expect(receiver.requests).toHaveLength(1);
  });

  it('retries a 500 with backoff and delivers with the same webhook-id once the receiver recovers', async () => {
    await enqueue(1);
    receiver.script.push({ status: 500 }, { status: 503 });
    const first = await deliverDue(options());
    expect(first.retried).toBe(1);
    const [pending] = await items('pending');
    expect(pending?.nextAttemptAt).toBe(new Date(clock + 1_000).toISOString());
    expect(pending?.lastError).toBe('HTTP 500');
    expect((await deliverDue(options())).retried).toBe(0); // not due yet
    clock += 1_000;
    expect((await deliverDue(options())).retried).toBe(1);
    clock += 2_000;
    expect((await deliverDue(options())).delivered).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(['n-0']));
    expect(receiver.requests).toHaveLength(3);
  });

  it('honours Retry-After on 429 for the item and the rest of that receiver', async () => {
    await enqueue(3);
    receiver.script.push({ status: 429, headers: { 'retry-after': '120' } });
    const report = await deliverDue(options());
    expect(report.retried).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    const pending = await items('pending');
    expect(pending.find((i) => i.id === 'n-0')?.nextAttemptAt).toBe(new Date(clock + 120_000).toISOString());
    clock += 120_000;
    expect((await deliverDue(options())).delivered).toBe(3);
  });

  it('retries a timeout and a connection reset', async () => {
    await enqueue(2);
    receiver.script.push({ hang: true }, { reset: true });
    const report = await deliverDue(options());
    expect(report.retried).toBe(2);
    expect(report.errors.some((e) => e.includes('timed out'))).toBe(true);
    clock += 5_000;
    expect((await deliverDue(options())).delivered).toBe(2);
  });

  it('dead-letters on a permanent error and after the last attempt; a dead item can be replayed', async () => {
    await enqueue(2);
    receiver.script.push({ status: 400 }, { status: 500 });
    await deliverDue(options({ maxAttempts: 1 }));
    expect((await items('dead')).map((i) => [i.id, i.lastError])).toEqual([
      ['n-0', 'HTTP 400'],
      ['n-1', 'HTTP 500'],
    ]);
    expect((await readHealth(store, new Date(clock), new Date(clock))).ops?.deadLettered).toBe(2);
    expect(await replayDead(store, 'ops', 'n-0', new Date(clock))).toBe(true);
    expect((await deliverDue(options())).delivered).toBe(1);
  });

  it('loses nothing and shows nothing twice when the process dies between sending and marking', async () => {
    await enqueue(4);
    // The first process sends two items, then dies before it can record them as delivered.
    let sent = 0;
    const dying: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (++sent >= 2) throw new Error('process died');
      return res;
    };
    await deliverDue(options({ fetch: dying, limit: 2 }));
    // A new process over the same state directory carries on.
    store = createFileStore(dir);
    clock += 60_000;
    await deliverDue(options());
    expect(await items('pending')).toEqual([]);
    expect((await items('delivered')).map((i) => i.id).sort()).toEqual(['n-0', 'n-1', 'n-2', 'n-3']);
    expect(receiver.acceptedIds()).toEqual(new Set(['n-0', 'n-1', 'n-2', 'n-3']));
    expect(receiver.requests.length).toBe(5); // n-1 twice, same webhook-id
  });

  it('keeps items for an unknown receiver pending and never puts a URL in an error', async () => {
    await enqueue(1, 'gone');
    await enqueue(1);
    const report = await deliverDue(
      options({ receivers: receivers('http://127.0.0.1:1/hooks/secret-path-token') }),
    );
    expect(report.errors.join('\n')).not.toContain('secret-path-token');
    expect(report.errors).toContain('gone: receiver "gone" is not configured');
    expect((await items('pending')).map((i) => i.receiver).sort()).toEqual(['gone', 'ops']);
    for (const i of await items('pending')) expect(i.lastError ?? '').not.toContain('secret-path-token');
  });
});

describe('delivery helpers', () => {
  it('doubles the backoff per attempt, with jitter, up to an hour', () => {
    expect(backoffMs(1, 1000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, () => 1)).toBe(4000);
    expect(backoffMs(3, 1000, () => 0)).toBe(2000);
    expect(backoffMs(30, 1000, () => 1)).toBe(3_600_000);
  });

  it('redacts the URL, its path and the secret', () => {
    const r: Receiver = {
      name: 'x',
      type: 'slack',
      url: 'https://hooks.slack.com/services/T0/B0/XYZ',
      secret: 'k3y',
    };
    expect(redact('failed https://hooks.slack.com/services/T0/B0/XYZ and /services/T0/B0/XYZ', r)).toBe(
      'failed <redacted> and <redacted>',
    );
  });
});
