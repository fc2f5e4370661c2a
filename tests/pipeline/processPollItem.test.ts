import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planPollWork } from '../../src/sources/logAnalytics/pollWork.js';
import { createGate, PollItemError, processPollItem } from '../../src/pipeline/processPollItem.js';
import type { PollItemDeps } from '../../src/pipeline/processPollItem.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { listOutbox } from '../../src/deliver/outbox.js';
import { readWatermark } from '../../src/state/watermarks.js';
import { FakeLogAnalytics } from '../support/fakeLogAnalytics.js';
import { MIN, pipelineTo, repairRowOf } from '../support/fanout.js';

const WS = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c';

let fake: FakeLogAnalytics;
let store: KeyValueStore;

beforeEach(async () => {
  fake = await FakeLogAnalytics.start({ latencyMs: 20 });
  store = createMemoryStore();
});
afterEach(async () => {
  await fake.close();
});

function deps(extra: Partial<PollItemDeps> = {}): PollItemDeps {
  return {
    store,
    pipeline: pipelineTo(store, 'https://127.0.0.1:9/hook').deps,
    client: fake.client({ retryOptions: { maxRetries: 0 } }),
    query: { maxAttempts: 1 },
    ...extra,
  };
}

async function pending(): Promise<number> {
  let n = 0;
  for await (const _ of listOutbox(store, 'pending')) n++;
  return n;
}

describe('processPollItem', () => {
  it('queries the window, queues the failures and moves the watermark', async () => {
    const now = Date.now();
    fake
      .workspace(WS)
      .result('nodeAutoRepair')
      .add({
        ingestedAt: new Date(now - 10 * MIN).toISOString(),
        row: repairRowOf(1, 'aks-nodepool1-1-vmss000001', new Date(now - 11 * MIN).toISOString()),
      });
    const { items } = await planPollWork(store, {
      workspaceIds: [WS],
      queryNames: ['nodeAutoRepair'],
      now: new Date(now),
      overlapMs: 2 * MIN,
      initialLookbackMs: 60 * MIN,
    });
    const [item] = items;
    if (!item) throw new Error('expected an item');
    const report = await processPollItem(deps(), item);
    expect(report.processed).toBe(1);
    expect(report.watermark).toBe(item.end);
    expect(await readWatermark(store, WS, 'nodeAutoRepair')).toBe(item.end);
    expect(await pending()).toBe(1);
    // Processed again (a redelivery): nothing new.
    const again = await processPollItem(deps(), item);
    expect(again.duplicates).toBe(1);
    expect(await pending()).toBe(1);
  });

  it('throws on a failed query, keeping the watermark and the range open', async () => {
    fake.workspace(WS);
    fake.script(WS, {
      status: 403,
      body: {
        error: {
          code: 'InsufficientAccessError',
          message: 'The provided credentials have insufficient access',
        },
      },
    });
    const now = Date.now();
    const { items } = await planPollWork(store, {
      workspaceIds: [WS],
      queryNames: ['failedOperations'],
      now: new Date(now),
      overlapMs: 2 * MIN,
      initialLookbackMs: 60 * MIN,
      leaseMs: MIN,
    });
    const [item] = items;
    if (!item) throw new Error('expected an item');
    const error = await processPollItem(deps(), item).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PollItemError);
    expect((error as Error).message).toMatch(new RegExp(`${WS}/failedOperations .*attempt 1`));
    expect(await readWatermark(store, WS, 'failedOperations')).toBeUndefined();
    // After the lease the same range is planned again.
    const later = await planPollWork(store, {
      workspaceIds: [WS],
      queryNames: ['failedOperations'],
      now: new Date(now + 2 * MIN),
      overlapMs: 2 * MIN,
      initialLookbackMs: 60 * MIN,
    });
    expect(later.items).toContainEqual({ ...item, attempt: 2 });
  });

  it('keeps the queries of one process under the gate limit', async () => {
    fake.workspace(WS);
    const now = Date.now();
    const { items } = await planPollWork(store, {
      workspaceIds: [WS],
      now: new Date(now),
      overlapMs: 2 * MIN,
      initialLookbackMs: 240 * MIN,
      maxSliceMs: 30 * MIN,
    });
    expect(items.length).toBeGreaterThanOrEqual(20);
    const d = deps({ gate: createGate(3) });
    await Promise.all(items.map((i) => processPollItem(d, i)));
    expect(fake.maxInFlight).toBeLessThanOrEqual(3);
    expect(fake.maxInFlight).toBe(3);
    expect(fake.requests).toHaveLength(items.length);
  });
});
