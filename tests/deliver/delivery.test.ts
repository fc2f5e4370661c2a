import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveryOptions, DeliveryReport, Timer } from '../../src/deliver/delivery.js';
import { backoffMs, deliverDue, redact, sendLeaseUntil, startDelivery } from '../../src/deliver/delivery.js';
import { genericWebhook } from '../../src/deliver/genericWebhook.js';
import type { Receiver } from '../../src/model.js';
import { readHealth } from '../../src/state/deliveryHealth.js';
import { createFileStore } from '../../src/state/fileStore.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import type { EnqueueOptions, OutboxItem } from '../../src/deliver/outbox.js';
import { enqueueOutgoing, listOutbox, readReceiverPause, replayDead } from '../../src/deliver/outbox.js';
import { createTableStore } from '../../src/state/tableStore.js';
import type { Azurite } from '../support/azurite.js';
import { startAzurite } from '../support/azurite.js';
import { notificationOf, operationFailure } from '../support/enrichedFailures.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';
import { RENDERERS } from '../../src/render/renderers.js';

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

/**
 * The pass's clock as the test's own: sleeping moves it (to the latest point any sleeper waits for)
 * at once, and each request start is noted on it; the requests themselves go over the network.
 */
function virtualTime(): { timer: Timer; sleeps: number[]; starts: number[]; fetchAt: typeof fetch } {
  const sleeps: number[] = [];
  const starts: number[] = [];
  // Sleepers wake one at a time, earliest first, each after the previous one's continuation ran.
  const sleepers: { until: number; wake: () => void }[] = [];
  let waking = false;
  const wakeNext = () => {
    sleepers.sort((a, b) => a.until - b.until);
    const next = sleepers.shift();
    if (!next) {
      waking = false;
      return;
    }
    clock = Math.max(clock, next.until);
    next.wake();
    setImmediate(wakeNext);
  };
  const timer: Timer = {
    now: () => clock,
    sleep: (ms) => {
      sleeps.push(ms);
      return new Promise<void>((wake) => {
        sleepers.push({ until: clock + ms, wake });
        if (!waking) {
          waking = true;
          setImmediate(wakeNext);
        }
      });
    },
  };
  const fetchAt: typeof fetch = (input, init) => {
    starts.push(clock);
    return fetch(input, init);
  };
  return { timer, sleeps, starts, fetchAt };
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

async function enqueue(
  n: number,
  receiverName = 'ops',
  enqueueOptions: EnqueueOptions = {},
): Promise<Awaited<ReturnType<typeof enqueueOutgoing>>> {
  const items = Array.from({ length: n }, (_, i) => {
    const notification = notificationOf([operationFailure({ sourceId: `row-${i}` })], { id: `n-${i}` });
    return {
      receiver: receiverName,
      sinkType: 'generic' as const,
      id: notification.id,
      body: RENDERERS.generic.render(notification),
      createdAt: new Date(clock - n + i).toISOString(),
      summary: `failure ${i}`,
    };
  });
  return enqueueOutgoing(store, items, enqueueOptions);
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
    // Oldest first; after the first answer several are in flight, so the rest may overtake each other.
    expect(receiver.requests[0]?.headers['webhook-id']).toBe('n-0');
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(
      new Set(['n-0', 'n-1', 'n-2']),
    );
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

  it('retries a timeout and a connection reset, each notification on its own backoff', async () => {
    await enqueue(2);
    receiver.script.push({ hang: true }, { reset: true });
    const first = await deliverDue(options());
    // Neither failure speaks for the receiver: each item is tried and backs off by itself.
    expect(first.retried).toBe(2);
    expect(first.errors.some((e) => e.includes('timed out'))).toBe(true);
    expect(first.errors.join('\n')).toMatch(/ECONNRESET|socket|other side closed/i);
    expect((await items('pending')).map((i) => [i.id, i.attempts, i.nextAttemptAt])).toEqual([
      ['n-0', 1, new Date(clock + 1_000).toISOString()],
      ['n-1', 1, new Date(clock + 1_000).toISOString()],
    ]);
    clock += 1_000;
    expect((await deliverDue(options())).delivered).toBe(2);
    expect(receiver.acceptedIds()).toEqual(new Set(['n-0', 'n-1']));
  });

  it('does not let a notification that keeps failing hold back the others (4 poison of 400)', async () => {
    await enqueue(400);
    const poison = new Set(['n-0', 'n-1', 'n-2', 'n-3']);
    receiver.answer = (req) => (poison.has(String(req.headers['webhook-id'])) ? { status: 500 } : undefined);
    const first = await deliverDue(options({ maxAttempts: 3 }));
    expect(first.delivered).toBe(396);
    expect(first.retried).toBe(4);
    expect(receiver.acceptedIds().size).toBe(396);
    // The four keep their own backoff; with attempts used up but young, they are not given up yet.
    for (let pass = 0; pass < 4; pass++) {
      clock += 10 * 60_000;
      await deliverDue(options({ maxAttempts: 3 }));
    }
    expect((await items('pending')).map((i) => i.id).sort()).toEqual([...poison].sort());
    expect(await items('dead')).toEqual([]);
  }, 60_000);

  it('pauses the receiver exactly as long as its Retry-After says, and no longer', async () => {
    await enqueue(3);
    receiver.script.push({ status: 503, headers: { 'retry-after': '1' } });
    const { timer, sleeps, starts, fetchAt } = virtualTime();
    const first = await deliverDue(options({ timer, fetch: fetchAt }));
    // Waited the second it asked for (in this pass), then sent the rest and the retried one's turn came later.
    expect(first.delivered).toBe(2);
    expect(first.retried).toBe(1);
    expect(sleeps).toEqual([1_000]);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBe(1_000);
    const [pending] = await items('pending');
    expect(Date.parse(pending?.nextAttemptAt ?? '') - Date.parse(pending?.lastAttemptAt ?? '')).toBe(1_000);
  });

  it('dead-letters on a permanent error and after the last attempt; a dead item can be replayed', async () => {
    await enqueue(2);
    receiver.script.push({ status: 400 }, { status: 500 });
    // Attempts used up and older than the maximum age: both, so the 500 is given up on.
    await deliverDue(options({ maxAttempts: 1, maxAgeMs: 0 }));
    expect((await items('dead')).map((i) => [i.id, i.lastError])).toEqual([
      ['n-0', 'HTTP 400'],
      ['n-1', 'HTTP 500'],
    ]);
    expect((await readHealth(store, new Date(clock), new Date(clock))).ops?.deadLettered).toBe(2);
    expect(await replayDead(store, 'ops', 'n-0', new Date(clock))).toBe(true);
    expect((await deliverDue(options())).delivered).toBe(1);
  });

  it('dead-letters only when attempts and age are both used up, never on the first failure after the age', async () => {
    await enqueue(2);
    receiver.fallback = { status: 500 };
    // Attempts used up but young: retried.
    expect((await deliverDue(options({ maxAttempts: 1 }))).deadLettered).toBe(0);
    // Old, but this is its first failure past the age with attempts left: retried.
    clock += 2 * 86_400_000;
    const old = await deliverDue(options({ maxAttempts: 5 }));
    expect(old.deadLettered).toBe(0);
    expect(old.retried).toBe(2);
    // Old and out of attempts: dead.
    clock += 3_600_000;
    expect((await deliverDue(options({ maxAttempts: 2 }))).deadLettered).toBe(2);
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

  it('re-sends with the same webhook-id after a crash between the 2xx and recording it', async () => {
    await enqueue(3);
    // The process dies (its state writes fail) right after n-1 was accepted by the receiver.
    const dying: KeyValueStore = {
      ...store,
      create: (scope, key, value) =>
        scope === 'outbox-delivered' && key === 'ops|n-1'
          ? Promise.reject(new Error('process died'))
          : store.create(scope, key, value),
    };
    const first = await deliverDue(options({ store: dying, concurrency: 1 }));
    expect(first.delivered).toBe(1);
    expect(first.errors.join('\n')).toMatch(/ops: delivery pass stopped: process died/);
    expect(receiver.acceptedIds()).toEqual(new Set(['n-0', 'n-1']));
    // A new process over the same folder: n-1 is held by the dead sender's lease, then sent again.
    store = createFileStore(dir);
    const during = await deliverDue(options());
    expect(during.delivered).toBe(1); // n-2 only
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] === 'n-1')).toHaveLength(1);
    clock += 10 * 60_000;
    expect((await deliverDue(options())).delivered).toBe(1);
    const n1 = receiver.requests.filter((r) => r.headers['webhook-id'] === 'n-1');
    expect(n1).toHaveLength(2);
    expect(n1.every((r) => r.signatureValid)).toBe(true);
    expect(n1[0]?.body).toBe(n1[1]?.body);
    expect(receiver.acceptedIds()).toEqual(new Set(['n-0', 'n-1', 'n-2']));
    expect(await items('pending')).toEqual([]);
  });

  it('does not send again when the crash came after the delivered record was written', async () => {
    await enqueue(2);
    const dying: KeyValueStore = {
      ...store,
      delete: (scope, key, ifVersion) =>
        scope === 'outbox-pending' && key === 'ops|n-0'
          ? Promise.reject(new Error('process died'))
          : store.delete(scope, key, ifVersion),
    };
    await deliverDue(options({ store: dying }));
    expect((await items('pending')).map((i) => i.id)).toEqual(['n-0', 'n-1']);
    store = createFileStore(dir);
    clock += 10 * 60_000;
    await deliverDue(options());
    expect(await items('pending')).toEqual([]);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual(['n-0', 'n-1']);
  });

  it('sends each item once when two passes over the same state run at the same time', async () => {
    await enqueue(6);
    const [a, b] = await Promise.all([
      deliverDue(options({ store: createFileStore(dir) })),
      deliverDue(options({ store: createFileStore(dir) })),
    ]);
    expect(a.delivered + b.delivered).toBe(6);
    expect(receiver.requests).toHaveLength(6);
    expect(receiver.acceptedIds().size).toBe(6);
  });

  it('keeps a healthy receiver flowing while another fails, and delivers everything once both recover, across a restart', async () => {
    const flaky = new WebhookReceiver(SECRET);
    await flaky.start();
    try {
      flaky.fallback = { status: 503 };
      await enqueue(4, 'ops');
      await enqueue(4, 'flaky');
      const both = () =>
        new Map<string, Receiver>([
          ['ops', { name: 'ops', type: 'generic', url: receiver.url, secret: SECRET }],
          ['flaky', { name: 'flaky', type: 'generic', url: flaky.url, secret: SECRET }],
        ]);
      const first = await deliverDue(options({ receivers: both(), maxAttempts: 10 }));
      expect(first.perReceiver.ops?.delivered).toBe(4);
      // Each notification is tried and backs off on its own (a 503 without Retry-After is no pause).
      expect(first.perReceiver.flaky?.retried).toBe(4);
      for (let pass = 0; pass < 3; pass++) {
        clock += 60_000;
        await deliverDue(options({ receivers: both(), maxAttempts: 10 }));
      }
      expect(await items('delivered')).toHaveLength(4);
      // Restart while the receiver is still down, then it recovers.
      store = createFileStore(dir);
      flaky.fallback = { status: 200, body: 'ok' };
      for (let pass = 0; pass < 3; pass++) {
        clock += 10 * 60_000;
        await deliverDue(options({ receivers: both(), maxAttempts: 10 }));
      }
      expect(await items('pending')).toEqual([]);
      expect(await items('dead')).toEqual([]);
      expect(flaky.acceptedIds()).toEqual(new Set(['n-0', 'n-1', 'n-2', 'n-3']));
      const accepted = flaky.requests.filter((r) => r.headers['x-test-accepted'] === '1');
      expect(accepted).toHaveLength(4); // none twice
      expect(receiver.requests).toHaveLength(4);
      const health = await readHealth(store, new Date(clock - 86_400_000), new Date(clock));
      expect(health.flaky?.delivered).toBe(4);
      expect(health.flaky?.retried).toBe(flaky.requests.length - 4);
    } finally {
      await flaky.stop();
    }
  });

  it('paces a receiver to its maxPerSecond', async () => {
    await enqueue(4);
    const paced = new Map<string, Receiver>([
      ['ops', { name: 'ops', type: 'generic', url: receiver.url, secret: SECRET, maxPerSecond: 10 }],
    ]);
    const { timer, starts, fetchAt } = virtualTime();
    expect((await deliverDue(options({ receivers: paced, timer, fetch: fetchAt }))).delivered).toBe(4);
    // Request starts 100 ms apart on the pass's clock, however many are in flight.
    expect(starts.map((s) => s - (starts[0] ?? 0))).toEqual([0, 100, 200, 300]);
  });

  it('keeps going when one receiver has an unusable signing secret', async () => {
    await enqueue(1, 'broken');
    await enqueue(1);
    const mixed = new Map<string, Receiver>([
      ['ops', { name: 'ops', type: 'generic', url: receiver.url, secret: SECRET }],
      ['broken', { name: 'broken', type: 'generic', url: receiver.url, secret: 'whsec_' }],
    ]);
    const report = await deliverDue(options({ receivers: mixed }));
    expect(report.perReceiver.ops?.delivered).toBe(1);
    expect(report.perReceiver.broken?.retried).toBe(1);
    expect(report.errors.join('\n')).toMatch(/broken: n-0: cannot build the request: .*signing secret/);
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
    // Never dead-lettered for a configuration gap, and no attempt used up: configuring it delivers it.
    clock += 3 * 86_400_000;
    await deliverDue(options({ receivers: receivers('http://127.0.0.1:1/hooks/secret-path-token') }));
    const gone = (await items('pending')).find((i) => i.receiver === 'gone');
    expect(gone?.attempts).toBe(0);
    expect(gone?.lastError).toBe('receiver "gone" is not configured');
    const back = new Map([
      ['gone', { name: 'gone', type: 'generic' as const, url: receiver.url, secret: SECRET }],
    ]);
    expect((await deliverDue(options({ receivers: back, maxAgeMs: 7 * 86_400_000 }))).delivered).toBe(1);
  });
});

/** Resolves once `check` holds (polled), or after 5 s so a broken expectation fails instead of hanging. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1_000 && !(await check()); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('delivery behind a slow or pausing receiver', () => {
  it('takes its own lease again before it runs out, so another pass never sends an item twice', async () => {
    // Created leased to the pass (as planning does) behind a receiver taking one a second: with a
    // 300 ms timeout the lease is 60.6 s, so the 62nd item goes out after its first lease ran out.
    const { created } = await enqueue(80, 'ops', { leaseUntil: sendLeaseUntil(new Date(clock), 300) });
    const paced = new Map<string, Receiver>([
      ['ops', { name: 'ops', type: 'generic', url: receiver.url, secret: SECRET, maxPerSecond: 1 }],
    ]);
    const start = clock;
    let other: DeliveryReport | undefined;
    const timer: Timer = {
      now: () => clock,
      async sleep(ms) {
        clock += ms;
        // Another instance on the same store, once the first leases ran out: it takes what they held.
        if (!other && clock >= start + 61_000)
          other = await deliverDue(options({ store: createFileStore(dir) }));
      },
    };
    const run = startDelivery(options({ receivers: paced, timer }));
    run.add(created.map((c) => ({ ...c, leased: true })));
    const report = await run.finish();
    // n-61 was leased again at 60 s (under half its lease left), so the other pass left it alone;
    // n-62..n-79 still had their first lease, taken by the other pass and skipped by this one.
    expect(receiver.requests).toHaveLength(80);
    expect(receiver.acceptedIds().size).toBe(80);
    expect(other?.delivered).toBe(18);
    expect(report.delivered).toBe(62);
    expect(report.pending).toBe(18);
    expect(await items('pending')).toEqual([]);
  });

  it('sends items created leased without writing their lease again while it is fresh', async () => {
    const { created } = await enqueue(3, 'ops', { leaseUntil: sendLeaseUntil(new Date(clock), 300) });
    const puts: string[] = [];
    const counting: KeyValueStore = {
      ...store,
      put: (scope, key, value, ifVersion) => {
        puts.push(`${scope}/${key}`);
        return store.put(scope, key, value, ifVersion);
      },
    };
    const run = startDelivery(options({ store: counting }));
    run.add(created.map((c) => ({ ...c, leased: true })));
    expect((await run.finish()).delivered).toBe(3);
    expect(puts.filter((p) => p.startsWith('outbox-pending/'))).toEqual([]);
  });

  it('keeps the pause a receiver asked for when a send already in flight succeeds after it', async () => {
    await enqueue(3);
    // n-0 goes alone; after its 2xx, n-1 and n-2 are in flight together. n-1 is answered 429 once
    // n-2 has arrived, n-2 is answered 200 only once n-1's pause is stored.
    let arrived = (): void => undefined;
    const n2 = new Promise<void>((resolve) => (arrived = resolve));
    const seen: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        seen.push(id);
        void (async () => {
          if (id === 'n-1') {
            await n2;
            res.writeHead(429, { 'retry-after': '120' }).end();
            return;
          }
          if (id === 'n-2') {
            arrived();
            await until(async () => (await readReceiverPause(store, 'ops')) !== undefined);
          }
          res.writeHead(200).end('ok');
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hook`;
      const report = await deliverDue(options({ receivers: receivers(url), timeoutMs: 5_000 }));
      expect(seen.sort()).toEqual(['n-0', 'n-1', 'n-2']);
      expect(report.delivered).toBe(2);
      expect(report.retried).toBe(1);
      // The later success does not undo what the receiver asked for.
      expect(await readReceiverPause(store, 'ops')).toEqual({
        until: new Date(clock + 120_000).toISOString(),
        requested: true,
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
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

describe('deliverDue over Table Storage (Azurite)', () => {
  let azurite: Azurite | undefined;
  afterEach(async () => {
    await azurite?.stop();
    azurite = undefined;
  });

  it('keeps retry state across a restart and delivers each item once after the outage', async () => {
    azurite = await startAzurite(['table']);
    const connection = azurite.connectionString;
    const openTable = () =>
      createTableStore(
        TableClient.fromConnectionString(connection, 'deliverytest', { allowInsecureConnection: true }),
      );
    store = openTable();
    await enqueue(3);
    receiver.fallback = { status: 500 };
    expect((await deliverDue(options())).retried).toBe(3);
    store = openTable();
    receiver.fallback = { status: 200, body: 'ok' };
    clock += 60_000;
    expect((await deliverDue(options())).delivered).toBe(3);
    expect(receiver.acceptedIds()).toEqual(new Set(['n-0', 'n-1', 'n-2']));
    expect(receiver.requests).toHaveLength(6);
    expect(await items('pending')).toEqual([]);
  }, 60_000);
});
