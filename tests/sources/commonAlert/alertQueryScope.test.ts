import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  alertQueryScope,
  outOfScope,
  scopedRowFetcher,
} from '../../../src/sources/commonAlert/alertQueryScope.js';
import { createLogAnalyticsRowFetcher } from '../../../src/sources/commonAlert/logAnalyticsRowFetcher.js';
import type { LogSearchPlan, LogSearchTarget } from '../../../src/sources/commonAlert/logSearchPlan.js';
import { FakeLogAnalytics } from '../../support/fakeLogAnalytics.js';

const POLLED = '7d2e9c1a-4b3f-4e8d-9a6c-1f0b2e3d4c5a';
const EXTRA = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OTHER = 'ffffffff-1111-4222-8333-444444444444';
const CLUSTER =
  '/subscriptions/c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod-weu';
const VM =
  '/subscriptions/c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71/resourceGroups/rg-shop-prod/providers/Microsoft.Compute/virtualMachines/jump';

const ws = (workspaceId: string): LogSearchTarget => ({ workspaceId });
const res = (resourceId: string): LogSearchTarget => ({ resourceId });

describe('alertQueryScope', () => {
  it('lets queries run on the polled workspaces and ALERT_QUERY_SCOPES, whatever the case', () => {
    const scope = alertQueryScope(`${POLLED}, `, EXTRA.toUpperCase());
    expect(outOfScope(scope, ws(POLLED.toUpperCase()))).toBeUndefined();
    expect(outOfScope(scope, ws(EXTRA))).toBeUndefined();
    expect(outOfScope(scope, ws(OTHER))).toBe(
      `workspace ${OTHER} is not one this app may query: add it to LOG_ANALYTICS_WORKSPACE_IDS or ALERT_QUERY_SCOPES`,
    );
  });

  it('without resource scopes, runs resource-centric queries on AKS clusters only', () => {
    const scope = alertQueryScope(POLLED, undefined);
    expect(outOfScope(scope, res(CLUSTER))).toBeUndefined();
    expect(outOfScope(scope, res(CLUSTER.toLowerCase()))).toBeUndefined();
    expect(outOfScope(scope, res(VM))).toMatch(
      /is not an AKS cluster: add a scope holding it to ALERT_QUERY_SCOPES/,
    );
  });

  it('with resource scopes, runs resource-centric queries under them only (whole path segments)', () => {
    const scope = alertQueryScope(
      undefined,
      '/subscriptions/C5A4E1D2-7B3F-4E8A-9D21-3F6B8A0C4E71/resourceGroups/rg-shop-prod/',
    );
    expect(outOfScope(scope, res(VM))).toBeUndefined();
    expect(outOfScope(scope, res(CLUSTER))).toBeUndefined();
    const sibling = CLUSTER.replace('rg-shop-prod', 'rg-shop-prod-2');
    expect(outOfScope(scope, res(sibling))).toMatch(/is outside ALERT_QUERY_SCOPES/);
    expect(outOfScope(scope, ws(POLLED))).toMatch(/is not one this app may query/);
  });
});

describe('outOfScope: ids built to reach another path', () => {
  const scope = alertQueryScope(POLLED, '/subscriptions/c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71');
  it.each([
    `/subscriptions/c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71/x/../../subscriptions/other/resourceGroups/rg`,
    `/subscriptions/c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71/x/..%2F..%2Fworkspaces%2F${OTHER}`,
    `/subscriptions/c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71/x/%2e%2e/y`,
    `/subscriptions/c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71/x/.\\..\\y`,
  ])('refuses %s before comparing prefixes', (id) => {
    expect(outOfScope(scope, res(id))).toMatch(/^resource id holds/);
  });

  it('refuses a workspace resource id with dot segments under an allowed prefix', () => {
    expect(
      outOfScope(scope, {
        workspaceId: OTHER,
        workspaceResourceId: '/subscriptions/c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71/x/../../other/workspaces/w',
      }),
    ).toMatch(/is not one this app may query/);
  });

  it('reads ids of hostile length and shape in one pass (no backtracking on runs of slashes)', () => {
    expect(outOfScope(scope, res(`/subscriptions/${'/'.repeat(100_000)}x`))).toBeDefined();
    expect(
      outOfScope(alertQueryScope(POLLED, undefined), res(`/subscriptions/a${'/'.repeat(100_000)}`)),
    ).toBeDefined();
  });
});

describe('scopedRowFetcher', () => {
  let fake: FakeLogAnalytics;
  beforeEach(async () => {
    fake = await FakeLogAnalytics.start();
  });
  afterEach(() => fake.close());

  const plan = (target: LogSearchTarget): LogSearchPlan => ({
    target,
    query:
      "KubeEvents\n| where ingestion_time() between (datetime(2026-11-21T03:00:00.000Z) .. datetime(2026-11-21T03:15:00.000Z))\n| where Reason == 'NodeRebootError'",
    window: { start: new Date('2026-11-21T03:00:00Z'), end: new Date('2026-11-21T03:15:00Z') },
    rule: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/scheduledQueryRules/r',
  });

  it('refuses an out-of-scope workspace without sending the query, and runs an in-scope one', async () => {
    fake
      .workspace(POLLED)
      .result('nodeAutoRepair')
      .add({
        ingestedAt: '2026-11-21T03:05:00.000Z',
        row: { TimeGenerated: '2026-11-21T03:04:00.000Z', Reason: 'NodeRebootError', Name: 'node-0' },
      });
    const fetcher = scopedRowFetcher(
      createLogAnalyticsRowFetcher(fake.client()),
      alertQueryScope(POLLED, undefined),
    );
    const refused = await fetcher.fetch(plan(ws(OTHER)), 10);
    expect(refused).toEqual({
      ok: false,
      transient: false,
      reason: expect.stringContaining(`workspace ${OTHER} is not one this app may query`) as unknown,
    });
    expect(fake.requests).toHaveLength(0);
    const allowed = await fetcher.fetch(plan(ws(POLLED)), 10);
    expect(allowed.ok && allowed.tables[0]?.rows.length).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });
});
