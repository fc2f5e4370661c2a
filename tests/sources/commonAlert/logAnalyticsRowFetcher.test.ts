import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFiredAlertMemory,
  createLogAnalyticsRowFetcher,
} from '../../../src/sources/commonAlert/logAnalyticsRowFetcher.js';
import type { LogSearchPlan } from '../../../src/sources/commonAlert/logSearchPlan.js';
import { createMemoryStore } from '../../../src/state/memoryStore.js';
import { FakeLogAnalytics } from '../../support/fakeLogAnalytics.js';

const WS = '7d2e9c1a-4b3f-4e8d-9a6c-1f0b2e3d4c5a';
const start = new Date('2026-11-21T03:00:00Z');
const end = new Date('2026-11-21T03:15:00Z');

function plan(): LogSearchPlan {
  return {
    target: { workspaceId: WS },
    query: `KubeEvents\n| where ingestion_time() between (datetime(${start.toISOString()}) .. datetime(${end.toISOString()}))\n| where Reason == 'NodeRebootError'`,
    window: { start, end },
    rule: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/scheduledQueryRules/r',
  };
}

let fake: FakeLogAnalytics;
beforeEach(async () => {
  fake = await FakeLogAnalytics.start();
});
afterEach(() => fake.close());

describe('log search alert rows through the real client', () => {
  it('fetches at most the cap and says when there were more', async () => {
    const rows = [0, 1, 2].map((i) => ({
      ingestedAt: new Date(start.getTime() + (i + 1) * 60_000).toISOString(),
      row: {
        TimeGenerated: new Date(start.getTime() + i * 60_000).toISOString(),
        Reason: 'NodeRebootError',
        Name: `node-${i}`,
      },
    }));
    fake
      .workspace(WS)
      .result('nodeAutoRepair')
      .add(...rows);
    const fetcher = createLogAnalyticsRowFetcher(fake.client());
    const all = await fetcher.fetch(plan(), 10);
    expect(all.ok && all.tables[0]?.rows.length).toBe(3);
    expect(all.ok && all.capped).toBe(false);
    const capped = await fetcher.fetch(plan(), 2);
    expect(capped.ok && capped.tables[0]?.rows.length).toBe(2);
    expect(capped.ok && capped.capped).toBe(true);
    expect(fake.requests.at(-1)?.query).toMatch(/\| take 3$/);
  });

  it('calls throttling transient and a missing role permanent', async () => {
    const fetcher = createLogAnalyticsRowFetcher(fake.client({ retryOptions: { maxRetries: 0 } }));
    fake.script(WS, {
      status: 403,
      body: {
        error: {
          code: 'InsufficientAccessError',
          message: 'The provided credentials have insufficient access',
        },
      },
    });
    const denied = await fetcher.fetch(plan(), 10);
    expect(denied).toMatchObject({ ok: false, transient: false });
    for (let i = 0; i < 6; i++)
      fake.script(WS, {
        status: 429,
        headers: { 'retry-after': '0' },
        body: { error: { code: 'TooManyRequests', message: 'slow down' } },
      });
    const throttled = await fetcher.fetch(plan(), 10);
    expect(throttled).toMatchObject({ ok: false, transient: true });
  });
});

describe('resource-centric log search alert rows through the real client', () => {
  const CLUSTER =
    '/subscriptions/c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod-weu';
  const onCluster = (): LogSearchPlan => ({ ...plan(), target: { resourceId: CLUSTER } });

  it('fetches the rows of the resource', async () => {
    fake
      .workspace(CLUSTER)
      .result('nodeAutoRepair')
      .add({
        ingestedAt: new Date(start.getTime() + 60_000).toISOString(),
        row: { TimeGenerated: start.toISOString(), Reason: 'NodeRebootError', Name: 'node-0' },
      });
    const got = await createLogAnalyticsRowFetcher(fake.client()).fetch(onCluster(), 10);
    expect(got.ok && got.tables[0]?.rows.length).toBe(1);
    expect(fake.requests.at(-1)?.workspaceId).toBe(CLUSTER);
  });

  it('takes a 204 (no data) as no rows, not as a failure to retry', async () => {
    fake.workspace(CLUSTER).noContent = true;
    const got = await createLogAnalyticsRowFetcher(fake.client()).fetch(onCluster(), 10);
    expect(got).toEqual({ ok: true, tables: [], capped: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('calls a missing role permanent and names the resource', async () => {
    fake.script(CLUSTER, {
      status: 403,
      body: {
        error: {
          code: 'InsufficientAccessError',
          message: 'The provided credentials have insufficient access',
        },
      },
    });
    const got = await createLogAnalyticsRowFetcher(fake.client({ retryOptions: { maxRetries: 0 } })).fetch(
      onCluster(),
      10,
    );
    expect(got).toMatchObject({ ok: false, transient: false });
    expect(!got.ok && got.reason).toContain(`Log Analytics query on resource ${CLUSTER}: access denied (403`);
  });
});

describe('fired alert memory', () => {
  it('recalls what an alert became until it resolves', async () => {
    const memory = createFiredAlertMemory(createMemoryStore());
    expect(await memory.recall('alert-1')).toBeUndefined();
    await memory.remember('alert-1', []);
    expect(await memory.recall('alert-1')).toEqual([]);
  });
});
