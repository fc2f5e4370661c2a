import type { ClusterRef } from '../model.js';

/** The parts of an ARM resource id that name an AKS cluster and, optionally, one of its agent pools. */
export interface AksResourceIdParts {
  cluster: ClusterRef;
  /** Agent pool name when the id is `…/managedClusters/{c}/agentPools/{p}` (or deeper below it). */
  agentPool?: string;
}

// Provider and type segments vary in case across sources (Log Analytics lower-cases _ResourceId).
const AKS_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)(?:\/agentpools\/([^/]+))?(?:\/|$)/i;

/**
 * Parses an ARM id of an AKS managed cluster (or anything below it, e.g. an agent pool).
 * Returns undefined for ids that are not AKS resources. The cluster resourceId is the id
 * up to and including the cluster name, case preserved.
 */
export function parseAksResourceId(resourceId: string | undefined | null): AksResourceIdParts | undefined {
  if (!resourceId) return undefined;
  const trimmed = resourceId.trim();
  const normalised = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  const m = AKS_ID.exec(normalised);
  if (!m) return undefined;
  const [whole, subscriptionId, resourceGroup, name, agentPool] = m;
  if (!whole || !subscriptionId || !resourceGroup || !name) return undefined;
  const clusterEnd =
    whole.toLowerCase().indexOf('/managedclusters/') + '/managedclusters/'.length + name.length;
  const cluster: ClusterRef = {
    resourceId: normalised.slice(0, clusterEnd),
    subscriptionId,
    resourceGroup,
    name,
  };
  return agentPool ? { cluster, agentPool } : { cluster };
}

/** Case-insensitive identity of a cluster (ARM ids are case-insensitive). */
export function clusterKey(cluster: Pick<ClusterRef, 'resourceId'>): string {
  return cluster.resourceId.toLowerCase();
}

/** Parses the subscription and resource group of any ARM resource id. */
export function parseResourceScope(
  resourceId: string | undefined | null,
): { subscriptionId: string; resourceGroup?: string } | undefined {
  if (!resourceId) return undefined;
  const m = /^\/?subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?/i.exec(resourceId.trim());
  if (!m?.[1]) return undefined;
  return m[2] ? { subscriptionId: m[1], resourceGroup: m[2] } : { subscriptionId: m[1] };
}
