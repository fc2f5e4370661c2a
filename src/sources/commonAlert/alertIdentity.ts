import type { ClusterRef } from '../../model.js';
import { parseAksResourceId } from '../../azure/armId.js';
import type { CommonAlert } from './parseCommonAlert.js';
import type { Dimension, Essentials } from './commonAlertSchema.js';

/**
 * The idempotency key of one delivery: the alert instance and its monitor condition. The same alert
 * delivered twice (action-group retries, redeliveries) has the same key; its resolve has another.
 */
export function commonAlertKey(essentials: Pick<Essentials, 'alertId' | 'monitorCondition'>): string {
  return `${essentials.alertId.trim().toLowerCase()}|${essentials.monitorCondition.toLowerCase()}`;
}

/** Where an alert points: the AKS cluster (and pool) when any of its ids names one, and the alerted resource. */
export interface AlertTarget {
  cluster?: ClusterRef;
  nodePool?: string;
  node?: string;
  /** The alerted resource when it is not the cluster itself. */
  resourceId?: string;
  /** Dimensions not used for cluster, pool or node: they tell alert instances of one rule apart. */
  otherDimensions: Dimension[];
}

const NODE_DIMENSIONS = new Set(['node', 'nodename', 'computer', 'host', 'hostname', 'kubernetes_node']);
const POOL_DIMENSIONS = new Set(['nodepool', 'agentpool', 'nodepoolname', 'agentpoolname', 'agentpool_name']);
const RESOURCE_DIMENSIONS = new Set(['_resourceid', 'resourceid', 'resource']);

const looksLikeArmId = (s: string): boolean => /^\/?subscriptions\//i.test(s.trim());

function dimensionsOf(alert: CommonAlert): Dimension[] {
  switch (alert.type) {
    case 'log-search':
      return alert.context.condition.allOf.flatMap((c) => c.dimensions ?? []);
    case 'log-search-legacy':
      return alert.context.Dimensions ?? [];
    case 'metric':
      return alert.context.condition.allOf.flatMap((c) => c.dimensions ?? []);
    case 'prometheus':
      return Object.entries(alert.context.labels ?? {}).map(([name, value]) => ({ name, value }));
    default:
      return [];
  }
}

/** ARM ids the alert carries, most authoritative first. */
function candidateIds(alert: CommonAlert, dims: readonly Dimension[]): string[] {
  const ids: string[] = [];
  for (const d of dims)
    if (RESOURCE_DIMENSIONS.has(d.name.toLowerCase()) && looksLikeArmId(d.value)) ids.push(d.value);
  if (alert.type === 'activity-log') {
    const entity = alert.context.properties?.entity;
    if (typeof entity === 'string') ids.push(entity);
    if (alert.context.authorization?.scope) ids.push(alert.context.authorization.scope);
  }
  ids.push(...(alert.essentials.alertTargetIDs ?? []));
  ids.push(...(alert.essentials.configurationItems ?? []).filter(looksLikeArmId));
  if (alert.type === 'log-search-legacy')
    ids.push(...(alert.context.AffectedConfigurationItems ?? []).filter(looksLikeArmId));
  return ids;
}

/**
 * Finds the cluster from alertTargetIDs, configurationItems (log search alerts put `_ResourceId`
 * there), resource dimensions and the activity log's scope; node and node pool from dimensions
 * or an agent-pool id. Non-AKS alerts keep their resource id and no cluster.
 */
export function alertTargetOf(alert: CommonAlert): AlertTarget {
  const dims = dimensionsOf(alert);
  const ids = candidateIds(alert, dims);
  const target: AlertTarget = { otherDimensions: [] };
  let aks: ReturnType<typeof parseAksResourceId>;
  let aksId: string | undefined;
  for (const id of ids) {
    aks = parseAksResourceId(id);
    if (aks) {
      aksId = id.trim();
      break;
    }
  }
  if (aks && aksId) {
    target.cluster = aks.cluster;
    if (aks.agentPool) target.nodePool = aks.agentPool;
    const normalised = aksId.startsWith('/') ? aksId : `/${aksId}`;
    if (normalised.toLowerCase() !== aks.cluster.resourceId.toLowerCase()) target.resourceId = normalised;
  } else {
    const first = ids.find(looksLikeArmId);
    if (first) target.resourceId = first.trim().startsWith('/') ? first.trim() : `/${first.trim()}`;
  }
  for (const d of dims) {
    const name = d.name.toLowerCase();
    if (!d.value) continue;
    if (RESOURCE_DIMENSIONS.has(name) && looksLikeArmId(d.value)) continue;
    if (!target.node && NODE_DIMENSIONS.has(name)) target.node = d.value;
    else if (!target.nodePool && POOL_DIMENSIONS.has(name)) target.nodePool = d.value;
    else target.otherDimensions.push(d);
  }
  return target;
}
