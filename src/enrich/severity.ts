import type { Category, FailureMatch, FailureSignal, Severity, SignalKind } from '../model.js';

/**
 * What an AKS operator would page on when nothing more specific is known. A failed operation or
 * a failed repair leaves a pool or node broken; autoscaler trouble degrades capacity; advisories
 * and notices are information.
 */
const KIND_DEFAULT: Record<SignalKind, Severity> = {
  'node-auto-repair': 'error',
  'operation-failed': 'error',
  autoscaler: 'warning',
  'nodepool-rolling': 'error',
  'cluster-support': 'warning',
  'kubernetes-version': 'info',
  'scheduled-event': 'warning',
  'resource-failure': 'error',
  alert: 'warning',
};

const KIND_CATEGORY: Partial<Record<SignalKind, Category>> = {
  'node-auto-repair': 'auto-repair',
  autoscaler: 'autoscaler',
  'cluster-support': 'lifecycle',
  'kubernetes-version': 'lifecycle',
  'scheduled-event': 'maintenance',
  'nodepool-rolling': 'upgrade',
};

/**
 * Severity of an enriched failure: information stays information; a severity the source asserts
 * (an alert rule's Sev0..Sev4, chosen by the operator) wins; then the catalog's default for the
 * primary match; then the kind's default.
 */
export function decideSeverity(signal: FailureSignal, primary: FailureMatch | undefined): Severity {
  if (signal.status === 'info') return 'info';
  if (signal.severityHint) return signal.severityHint;
  if (primary) return primary.severity;
  return KIND_DEFAULT[signal.kind];
}

export function decideCategory(
  signal: FailureSignal,
  primary: FailureMatch | undefined,
): Category | undefined {
  return primary?.category ?? KIND_CATEGORY[signal.kind];
}
