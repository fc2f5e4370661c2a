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
 * Why an ARM id cannot be used to build a Resource Manager (or Log Analytics) request path, or
 * undefined when it can. Checked before any scope or prefix comparison: a `..` segment, or a
 * separator hidden by percent-encoding (`%2F`, `%2E`, `%5C`), would be normalised by the HTTP
 * client into another path than the one compared. Resource names never hold `%`, `\\`, `?` or `#`.
 */
export function armIdProblem(resourceId: string): string | undefined {
  if (resourceId.length > 1024) return 'is longer than 1024 characters';
  if (!resourceId.startsWith('/')) return "does not start with '/'";
  if (/[%\\?#]/.test(resourceId)) return "holds '%', '\\', '?' or '#'";
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(resourceId)) return 'holds control characters';
  const segments = resourceId.slice(1).replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '.' || s === '..')) return "holds a '.' or '..' segment";
  if (segments.some((s) => s.trim() === '')) return 'holds an empty segment';
  return undefined;
}

/** Lower case, without trailing slashes (a loop, not a regex: `\/+$` backtracks on runs of slashes). */
export function normaliseArmId(id: string): string {
  let out = id.trim().toLowerCase();
  while (out.endsWith('/')) out = out.slice(0, -1);
  return out;
}

/** Whether `id` is `prefix` or lies below it (both normalised, see normaliseArmId). */
export const armIdUnder = (id: string, prefix: string): boolean =>
  id === prefix || id.startsWith(`${prefix}/`);

/**
 * Parses an ARM id of an AKS managed cluster (or anything below it, e.g. an agent pool).
 * Returns undefined for ids that are not AKS resources. The cluster resourceId is the id
 * up to and including the cluster name, case preserved.
 */
export function parseAksResourceId(resourceId: string | undefined | null): AksResourceIdParts | undefined {
  if (!resourceId) return undefined;
  const trimmed = resourceId.trim();
  const normalised = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  // Its parts name ARM paths of context look-ups: nothing that could be normalised into another one.
  if (armIdProblem(normalised) !== undefined) return undefined;
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
