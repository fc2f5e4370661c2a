/**
 * Failures on a simulated clock for tests of the notification planner: node failures of one
 * cluster and code, NotReady alerts of a node and node auto-repair events, all at T0 + ms.
 */
import type { EnrichedFailure, Notification } from '../../src/model.js';
import type { PlanOutcome } from '../../src/ports.js';
import type { NotifyPolicy } from '../../src/notify/policy.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import { autoRepairFailure, operationFailure } from './enrichedFailures.js';

export const T0 = Date.parse('2026-03-14T03:00:00Z');
export const MIN = 60_000;
export const at = (ms: number): Date => new Date(T0 + ms);

export const policy = (overrides: Partial<NotifyPolicy> = {}): NotifyPolicy => ({
  ...DEFAULT_POLICY,
  ...overrides,
});

export const nodeName = (i: number): string => `aks-nodepool1-38471923-vmss${String(i).padStart(6, '0')}`;

/** A node failure of the same cluster and code on a distinct node. */
export function nodeFailure(i: number, overrides: Partial<EnrichedFailure> = {}): EnrichedFailure {
  const node = nodeName(i);
  return autoRepairFailure(node, {
    sourceId: `kube-events|${node}|${i}`,
    fingerprint: `fp-${node}`,
    occurredAt: at(i * 1000).toISOString(),
    ...overrides,
  });
}

/** A metric alert that the node is NotReady (one alert per node, as with a `node` dimension). */
export function notReadyAlert(node: string, ms: number): EnrichedFailure {
  return operationFailure({
    source: 'common-alert',
    kind: 'alert',
    sourceId: `alert|${node}|${ms}`,
    fingerprint: `fp-notready-${node}`,
    node,
    title: 'Node NotReady',
    reason: 'Nodes in NotReady state',
    matches: [],
    errorCodes: [],
    occurredAt: at(ms).toISOString(),
    severity: 'critical',
  });
}

/** The alert's resolve: the node reports Ready again. */
export function recoveredAlert(node: string, ms: number): EnrichedFailure {
  return {
    ...notReadyAlert(node, ms),
    status: 'resolved',
    sourceId: `alert|${node}|${ms}|resolved`,
    title: 'Resolved: Node NotReady',
  };
}

/** A node auto-repair event (NodeRebootStart, NodeReimageEnd, NodeRedeployError, ...). */
export function repairEvent(node: string, reason: string, ms: number): EnrichedFailure {
  return autoRepairFailure(node, {
    sourceId: `kube-events|${node}|${reason}|${ms}`,
    fingerprint: `fp-repair-${node}-${reason}`,
    reason,
    status: reason.endsWith('Error') ? 'firing' : 'info',
    occurredAt: at(ms).toISOString(),
  });
}

export const noOutcome = (): PlanOutcome => ({
  notifications: [],
  held: [],
  suppressed: [],
  silenced: [],
  recovered: [],
});

/** Failures a notification reports for the first time (an update's count includes the first message's). */
export const newlyReported = (n: Notification): number => n.count - (n.update?.alreadySent ?? 0);
