/**
 * The fault suite's scenario: a small fleet over an hour (bursts in three groups, a NotReady node
 * held for auto-repair, resolves, a redelivered duplicate), run step by step through the real
 * pipeline and delivered to a local webhook, and the tally a person would check afterwards: failures
 * in, notifications out, failures lost, failures reported twice, dead-lettered.
 */
import type { FailureSignal } from '../../src/model.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { processSignals, releaseDue } from '../../src/pipeline/processSignals.js';
import { noReceivers } from '../../src/route/index.js';
import type { RoutingConfig } from '../../src/route/index.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import type { ReceivedRequest } from './webhookReceiver.js';

export const T0 = Date.parse('2026-11-21T03:00:00.000Z');
export const MIN = 60_000;
const SUB = '3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21';

function clusterRef(name: string): NonNullable<FailureSignal['cluster']> {
  return {
    resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId: SUB,
    resourceGroup: 'rg',
    name,
  };
}

/** A node pool's rolling failed with SubnetIsFull: one group per cluster (cluster + code). */
export function poolFailure(id: string, cluster: string, pool: string, ms: number): FailureSignal {
  return {
    source: 'event-grid',
    kind: 'nodepool-rolling',
    sourceId: id,
    occurredAt: new Date(T0 + ms).toISOString(),
    status: 'firing',
    cluster: clusterRef(cluster),
    nodePool: pool,
    reason: 'NodePoolRollingFailed',
    title: `Node pool ${pool} rolling failed`,
    texts: ['Code="SubnetIsFull" Message="Subnet user-subnet has no free addresses"'],
    errorCodes: [],
    attributes: {},
  };
}

/** The same failure's resolve (same fingerprint, its own id). */
export function resolveOf(s: FailureSignal, id: string, ms: number): FailureSignal {
  return { ...s, sourceId: id, status: 'resolved', occurredAt: new Date(T0 + ms).toISOString() };
}

/** A metric alert that a node is NotReady: held while auto-repair may fix the node. */
function notReady(id: string, cluster: string, node: string, ms: number): FailureSignal {
  return {
    source: 'common-alert',
    kind: 'alert',
    sourceId: id,
    occurredAt: new Date(T0 + ms).toISOString(),
    status: 'firing',
    cluster: clusterRef(cluster),
    node,
    reason: 'Nodes in NotReady state',
    title: 'Node NotReady',
    texts: ['Node is NotReady'],
    errorCodes: [],
    attributes: {},
  };
}

export interface Step {
  at: number;
  signals: FailureSignal[];
}

const a1 = poolFailure('a1', 'aks-a', 'pool1', 0);
const a2 = poolFailure('a2', 'aks-a', 'pool2', 1000);
const a3 = poolFailure('a3', 'aks-a', 'pool3', 2000);
const b1 = poolFailure('b1', 'aks-b', 'pool1', 3000);
const c1 = poolFailure('c1', 'aks-c', 'pool1', 4000);
const n1 = notReady('n1', 'aks-c', 'aks-pool1-12345678-vmss000001', 5000);
const a4 = poolFailure('a4', 'aks-a', 'pool4', 10 * MIN);

/** Firing failures in, each to be reported exactly once; resolves, each to go out in one resolve. */
export const FIRING = ['a1', 'a2', 'a3', 'b1', 'c1', 'n1', 'a4'];
const RESOLVES = ['b1-ok', 'a1-ok', 'a2-ok'];

export const STEPS: Step[] = [
  { at: T0 + 10_000, signals: [a1, a2, a3, b1, c1, n1] },
  { at: T0 + 10 * MIN, signals: [a4, resolveOf(b1, 'b1-ok', 9 * MIN), c1] },
  { at: T0 + 20 * MIN, signals: [resolveOf(a1, 'a1-ok', 19 * MIN), resolveOf(a2, 'a2-ok', 19 * MIN)] },
  { at: T0 + 30 * MIN, signals: [] },
  { at: T0 + 60 * MIN, signals: [] },
];

/** Routing that sends everything to one generic webhook receiver, `ops`. */
export function routingTo(url: string): RoutingConfig {
  return {
    ...noReceivers('test'),
    receivers: [{ name: 'ops', type: 'generic', url }],
    defaultReceivers: ['ops'],
  };
}

export function pipelineAt(store: KeyValueStore, url: string, at: () => number): Pipeline {
  return createPipeline(
    { store, routing: routingTo(url), policy: DEFAULT_POLICY, now: () => new Date(at()) },
    { maxAttempts: 8, maxAgeMs: 86_400_000, timeoutMs: 2_000 },
  );
}

/** One step as the timers run it: the batch, the releases that are due, then delivery. */
export async function runStep(p: Pipeline, step: Step): Promise<void> {
  await processSignals(p.deps, step.signals);
  await releaseDue(p.deps);
  await p.deliver({ dueNow: true });
}

interface Body {
  id: string;
  status: 'firing' | 'resolved';
  count: number;
  update?: { firstId: string };
  failures: { sourceId: string }[];
}

export interface Tally {
  /** Distinct notifications the receiver accepted (by webhook-id). */
  notifications: number;
  /** Accepted requests beyond one per notification (at-least-once repeats, same id). */
  redelivered: number;
  /** Firing failures reported in no notification. */
  lost: string[];
  /** Firing failures reported as new in more than one notification. */
  repeated: string[];
  /** Resolves in no resolve notification, and resolves sent twice. */
  lostResolves: string[];
  repeatedResolves: string[];
}

/** The tally of a run that lost nothing and repeated nothing: the scenario's eight notifications. */
export const CLEAN_TALLY: Tally = {
  notifications: 8,
  redelivered: 0,
  lost: [],
  repeated: [],
  lostResolves: [],
  repeatedResolves: [],
};

/**
 * What the receiver got, counted the way a deduplicating receiver would: one notification per
 * webhook-id; an update reports as new only what its first notification did not.
 */
export function tally(requests: readonly ReceivedRequest[]): Tally {
  const accepted = requests.filter((r) => r.headers['x-test-accepted'] === '1');
  const byId = new Map<string, Body>();
  for (const r of accepted) {
    const body = JSON.parse(r.body) as Body;
    byId.set(body.id, body);
  }
  const reported = new Map<string, number>();
  const resolved = new Map<string, number>();
  const bump = (m: Map<string, number>, id: string) => m.set(id, (m.get(id) ?? 0) + 1);
  for (const n of byId.values()) {
    const ids = n.failures.map((f) => f.sourceId);
    if (n.status === 'resolved') {
      for (const id of ids) bump(resolved, id);
      continue;
    }
    const first = n.update ? byId.get(n.update.firstId) : undefined;
    const already = new Set(first?.failures.map((f) => f.sourceId) ?? []);
    for (const id of ids) if (!already.has(id)) bump(reported, id);
  }
  const twice = (m: Map<string, number>) => [...m].filter(([, n]) => n > 1).map(([id]) => id);
  return {
    notifications: byId.size,
    redelivered: accepted.length - byId.size,
    lost: FIRING.filter((id) => !reported.has(id)),
    repeated: twice(reported),
    lostResolves: RESOLVES.filter((id) => !resolved.has(id)),
    repeatedResolves: twice(resolved),
  };
}
