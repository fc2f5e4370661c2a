import { describe, expect, it } from 'vitest';
import type { FailureSignal } from '../../src/model.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import type { ContextPort } from '../../src/ports.js';
import type { ProcessReport } from '../../src/pipeline/processSignals.js';
import {
  dispatchPlan,
  emptyReport,
  journalScope,
  processSignals,
  TransientContextError,
} from '../../src/pipeline/processSignals.js';
import { safeWatermark } from '../../src/pipeline/runPoll.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import type { RoutingConfig } from '../../src/route/index.js';
import { readHealth } from '../../src/state/deliveryHealth.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { listOutbox } from '../../src/deliver/outbox.js';
import type { Notification } from '../../src/model.js';
import { notificationOf, operationFailure, resolvedOf } from '../support/enrichedFailures.js';

const CLUSTER = {
  resourceId:
    '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod',
  subscriptionId: '3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21',
  resourceGroup: 'rg',
  name: 'prod',
};

function signal(id: string, over: Partial<FailureSignal> = {}): FailureSignal {
  return {
    source: 'event-grid',
    kind: 'nodepool-rolling',
    sourceId: id,
    occurredAt: '2026-11-21T03:00:00.000Z',
    status: 'firing',
    cluster: CLUSTER,
    nodePool: 'user1',
    reason: 'NodePoolRollingFailed',
    title: 'Node pool user1 rolling failed',
    texts: ['Code="SubnetIsFull" Message="Subnet user-subnet has no free addresses"'],
    errorCodes: [],
    attributes: {},
    ...over,
  };
}

const ROUTING: RoutingConfig = {
  source: 'test',
  receivers: [{ name: 'ops', type: 'generic', url: 'https://example.invalid/hook' }],
  receiverInfo: [],
  routes: [],
  defaultReceivers: ['ops'],
  digest: { receivers: [] },
  notify: { grouping: undefined, silences: undefined },
};

function pipeline(store: KeyValueStore, context?: ContextPort) {
  return createPipeline({ store, routing: ROUTING, policy: DEFAULT_POLICY, ...(context ? { context } : {}) });
}

async function outbox(store: KeyValueStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const { item } of listOutbox(store, 'pending')) ids.push(item.id);
  return ids;
}

describe('processSignals', () => {
  it('enriches, queues for the routed receiver, journals push failures and counts a replay as duplicate', async () => {
    const store = createMemoryStore();
    const p = pipeline(store);
    const first = await processSignals(p.deps, [signal('evt-1'), signal('evt-1')], { keepEnriched: true });
    expect(first).toMatchObject({ received: 2, duplicates: 1, processed: 1, notifications: 1, enqueued: 1 });
    expect(first.enriched[0]?.matches[0]?.code).toBe('SubnetIsFull');
    expect(await outbox(store)).toHaveLength(1);
    const journal = [];
    for await (const e of store.list(journalScope('2026-11-21T03:00:00.000Z'))) journal.push(e.key);
    expect(journal).toHaveLength(1);
    const again = await processSignals(p.deps, [signal('evt-1')]);
    expect(again).toMatchObject({ duplicates: 1, processed: 0, enqueued: 0 });
    expect(await outbox(store)).toHaveLength(1);
  });

  it('adds cluster context, or names why it is missing and goes on', async () => {
    const store = createMemoryStore();
    const ok: ContextPort = {
      get: () => Promise.resolve({ ok: true, context: { kubernetesVersion: '1.31.2' } }),
    };
    const r = await processSignals(pipeline(store, ok).deps, [signal('a')], { keepEnriched: true });
    expect(r.enriched[0]?.context?.kubernetesVersion).toBe('1.31.2');
    const denied: ContextPort = {
      get: () => Promise.resolve({ ok: false, error: 'no Reader role on the cluster', transient: false }),
    };
    const d = await processSignals(pipeline(createMemoryStore(), denied).deps, [signal('b')], {
      keepEnriched: true,
    });
    expect(d.enriched[0]?.contextError).toBe('no Reader role on the cluster');
    expect(d.problems).toEqual(['context of prod: no Reader role on the cluster']);
    expect(d.enqueued).toBe(1);
  });

  it('keeps the part of the context that was read and names the part that was not', async () => {
    const partial: ContextPort = {
      get: () =>
        Promise.resolve({
          ok: true,
          context: { kubernetesVersion: '1.31.2' },
          error: 'node pool oldpool of cluster prod was not found in ARM (deleted?)',
        }),
    };
    const r = await processSignals(pipeline(createMemoryStore(), partial).deps, [signal('p')], {
      keepEnriched: true,
    });
    expect(r.enriched[0]?.context?.kubernetesVersion).toBe('1.31.2');
    expect(r.enriched[0]?.contextError).toBe(
      'node pool oldpool of cluster prod was not found in ARM (deleted?)',
    );
  });

  it('throws on a transient context failure when asked, leaving the signal unprocessed for the retry', async () => {
    const store = createMemoryStore();
    const down: ContextPort = {
      get: () => Promise.resolve({ ok: false, error: 'ARM 503', transient: true }),
    };
    await expect(
      processSignals(pipeline(store, down).deps, [signal('c')], { failOnTransientContext: true }),
    ).rejects.toBeInstanceOf(TransientContextError);
    const retried = await processSignals(pipeline(store).deps, [signal('c')]);
    expect(retried).toMatchObject({ duplicates: 0, processed: 1, enqueued: 1 });
  });

  it('counts notices apart from failures: received, new and notified', async () => {
    const store = createMemoryStore();
    const p = pipeline(store);
    const notices = [
      signal('repair-started', {
        source: 'kube-events',
        kind: 'node-auto-repair',
        status: 'info',
        reason: 'NodeAutoRepairStarted',
        texts: ['Node auto-repair started for aks-user1-12345678-vmss000001'],
      }),
      signal('support-ended', {
        kind: 'cluster-support',
        reason: 'ClusterSupportEnded',
        title: 'Cluster prod is out of support',
        texts: ['Kubernetes 1.27 is out of support'],
      }),
      signal('new-version', {
        kind: 'kubernetes-version',
        status: 'info',
        reason: 'NewKubernetesVersionAvailable',
        title: 'Kubernetes 1.33.1 is available',
        texts: ['Kubernetes 1.33.1 is available'],
      }),
    ];
    const first = await processSignals(p.deps, [signal('f1'), ...notices], { keepEnriched: true });
    expect(first).toMatchObject({ received: 4, notices: 3, processed: 4, newNotices: 3 });
    // The support notice is still sent (it fires), but it is counted as a notice.
    expect(first.notifications).toBeGreaterThan(first.noticeNotifications);
    expect(first.noticeNotifications).toBe(1);
    const again = await processSignals(p.deps, [signal('f1'), ...notices, signal('f2')]);
    expect(again).toMatchObject({ received: 5, notices: 3, duplicates: 4, processed: 1, newNotices: 0 });
    expect(again.noticeNotifications).toBe(0);
  });
});

describe('dispatchPlan: resolves go only where the failures went', () => {
  const now = new Date('2026-11-21T03:00:00.000Z');
  // Firing goes to ops; resolves are routed to ops, pager and archive.
  const routing: RoutingConfig = {
    ...ROUTING,
    receivers: [
      { name: 'ops', type: 'generic', url: 'https://example.invalid/ops' },
      { name: 'archive', type: 'generic', url: 'https://example.invalid/archive' },
      { name: 'pager', type: 'pagerduty', url: 'https://example.invalid/pd', secret: 'k'.repeat(32) },
    ],
    routes: [
      {
        index: 0,
        name: 'resolves',
        match: { status: ['resolved'] },
        receivers: ['ops', 'pager', 'archive'],
        continue: false,
      },
    ],
    defaultReceivers: ['ops'],
  };
  const firing = operationFailure();
  const resolve = (over: Partial<Notification> = {}) =>
    notificationOf([resolvedOf(firing)], { id: `resolve-${String(over.stillFiring ?? 0)}`, ...over });

  async function dispatch(store: KeyValueStore, n: Notification): Promise<ProcessReport> {
    const report = emptyReport();
    const p = createPipeline({ store, routing, policy: DEFAULT_POLICY, now: () => now });
    await dispatchPlan(
      p.deps,
      { notifications: [n], held: [], suppressed: [], silenced: [], recovered: [] },
      now,
      report,
    );
    return report;
  }

  async function queued(store: KeyValueStore): Promise<string[]> {
    const out: string[] = [];
    for await (const { item } of listOutbox(store, 'pending')) out.push(`${item.receiver} ${item.id}`);
    return out.sort();
  }

  it('sends a resolve to the receivers that got the firing notification and counts the others', async () => {
    const store = createMemoryStore();
    await dispatch(store, notificationOf([firing], { id: 'fired' }));
    const r = await dispatch(store, resolve());
    expect(r.enqueued).toBe(1);
    expect(await queued(store)).toEqual(['ops fired', 'ops resolve-0']);
    const health = await readHealth(store, now, now);
    expect([health.pager?.suppressed, health.archive?.suppressed]).toEqual([1, 1]);
  });

  it('leaves a partial resolve out for PagerDuty, which can only close the whole incident', async () => {
    const store = createMemoryStore();
    const pagerRouting = { ...routing, defaultReceivers: ['ops', 'pager'] };
    const p = createPipeline({ store, routing: pagerRouting, policy: DEFAULT_POLICY, now: () => now });
    const plan = (n: Notification) => ({
      notifications: [n],
      held: [],
      suppressed: [],
      silenced: [],
      recovered: [],
    });
    await dispatchPlan(p.deps, plan(notificationOf([firing], { id: 'fired' })), now, emptyReport());
    await dispatchPlan(p.deps, plan(resolve({ stillFiring: 2 })), now, emptyReport());
    expect(await queued(store)).toEqual(['ops fired', 'ops resolve-2', 'pager fired']);
    await dispatchPlan(p.deps, plan(resolve()), now, emptyReport());
    expect(await queued(store)).toEqual([
      'ops fired',
      'ops resolve-0',
      'ops resolve-2',
      'pager fired',
      'pager resolve-0',
    ]);
    expect((await readHealth(store, now, now)).pager?.suppressed).toBe(1);
  });
});

describe('safeWatermark', () => {
  it('moves only over the contiguous complete slices from the earliest', () => {
    const s = (hour: string, complete: boolean) => ({
      start: `2026-11-21T${hour}:00:00.000Z`,
      complete,
      advanceTo: complete ? `2026-11-21T${hour}:59:00.000Z` : undefined,
    });
    expect(safeWatermark([s('03', true), s('01', true), s('02', true)])).toBe('2026-11-21T03:59:00.000Z');
    expect(safeWatermark([s('03', true), s('01', true), s('02', false)])).toBe('2026-11-21T01:59:00.000Z');
    expect(safeWatermark([s('01', false), s('02', true)])).toBeUndefined();
  });
});
