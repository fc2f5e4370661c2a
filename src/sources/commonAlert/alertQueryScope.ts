import type { LogSearchTarget } from './logSearchPlan.js';
import type { AlertRowFetcher } from './signalsFromCommonAlert.js';

/**
 * Where a log search alert's query may run. The query and its target come from the alert payload,
 * which anyone holding the function key can post, and run with the app's identity: without a
 * bound, a forged alert could read any workspace that identity reaches and have the rows delivered.
 */
export interface AlertQueryScope {
  /** Workspace IDs (lower case). */
  workspaces: ReadonlySet<string>;
  /** ARM ID prefixes (lower case) a resource-centric target must sit under; undefined: AKS clusters only. */
  resourcePrefixes: readonly string[] | undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AKS_CLUSTER =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.containerservice\/managedclusters\/[^/]+$/i;

/**
 * The scope from settings: the workspaces the app polls (LOG_ANALYTICS_WORKSPACE_IDS) plus
 * ALERT_QUERY_SCOPES (workspace IDs and ARM ID prefixes). With no prefix given, a resource-centric
 * query may run against an AKS managed cluster only.
 */
export function alertQueryScope(
  pollWorkspaces: string | undefined,
  scopes: string | undefined,
): AlertQueryScope {
  const entries = [...(pollWorkspaces ?? '').split(','), ...(scopes ?? '').split(',')]
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  const prefixes = (scopes ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase().replace(/\/+$/, ''))
    .filter((e) => e.startsWith('/subscriptions/'));
  return {
    workspaces: new Set(entries.filter((e) => GUID.test(e))),
    resourcePrefixes: prefixes.length > 0 ? prefixes : undefined,
  };
}

/** Why the target is out of scope, or undefined when the query may run. */
export function outOfScope(scope: AlertQueryScope, target: LogSearchTarget): string | undefined {
  if ('workspaceId' in target) {
    if (scope.workspaces.has(target.workspaceId.toLowerCase())) return undefined;
    return `workspace ${target.workspaceId} is not one this app may query: add it to LOG_ANALYTICS_WORKSPACE_IDS or ALERT_QUERY_SCOPES`;
  }
  const id = target.resourceId.toLowerCase().replace(/\/+$/, '');
  if (scope.resourcePrefixes === undefined) {
    if (AKS_CLUSTER.test(id)) return undefined;
    return `resource ${target.resourceId} is not an AKS cluster: add a scope holding it to ALERT_QUERY_SCOPES to query it`;
  }
  if (scope.resourcePrefixes.some((p) => id === p || id.startsWith(`${p}/`))) return undefined;
  return `resource ${target.resourceId} is outside ALERT_QUERY_SCOPES`;
}

/** A row fetcher that runs only queries inside the scope; others are refused with the reason. */
export function scopedRowFetcher(inner: AlertRowFetcher, scope: AlertQueryScope): AlertRowFetcher {
  return {
    fetch(plan, maxRows) {
      const refused = outOfScope(scope, plan.target);
      if (refused !== undefined) return Promise.resolve({ ok: false, transient: false, reason: refused });
      return inner.fetch(plan, maxRows);
    },
  };
}
