import { armIdProblem, armIdUnder, normaliseArmId } from '../../azure/armId.js';
import { GUID_TEXT, commaList } from '../../config.js';
import type { LogSearchTarget } from './logSearchPlan.js';
import type { AlertRowFetcher } from './signalsFromCommonAlert.js';

/**
 * Where a log search alert's query may run. The query and its scopes come from the alert's rule in
 * Resource Manager and run with the app's identity: the scope bounds what any rule, including one
 * the app was never meant to serve, can have read and delivered.
 */
export interface AlertQueryScope {
  /** Workspace IDs (lower case). */
  workspaces: ReadonlySet<string>;
  /** ARM ID prefixes (lower case) a target must sit under; undefined: AKS clusters only. */
  resourcePrefixes: readonly string[] | undefined;
}

// Segments without '/', anchored at both ends: linear in the id's length.
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
  const entries = [...commaList(pollWorkspaces), ...commaList(scopes)].map((e) => e.toLowerCase());
  const prefixes = commaList(scopes)
    .map(normaliseArmId)
    .filter((e) => e.startsWith('/subscriptions/') && armIdProblem(e) === undefined);
  return {
    workspaces: new Set(entries.filter((e) => GUID_TEXT.test(e))),
    resourcePrefixes: prefixes.length > 0 ? prefixes : undefined,
  };
}

const underPrefix = (scope: AlertQueryScope, id: string): boolean =>
  scope.resourcePrefixes?.some((p) => armIdUnder(id, p)) ?? false;

/**
 * Why the target is out of scope, or undefined when the query may run. Resource ids holding dot
 * segments or encoded separators are refused before any comparison: the HTTP client would turn
 * them into another path than the one compared.
 */
export function outOfScope(scope: AlertQueryScope, target: LogSearchTarget): string | undefined {
  if ('workspaceId' in target) {
    if (scope.workspaces.has(target.workspaceId.toLowerCase())) return undefined;
    const id = target.workspaceResourceId;
    if (id !== undefined && armIdProblem(id.trim()) === undefined && underPrefix(scope, normaliseArmId(id)))
      return undefined;
    return `workspace ${target.workspaceId} is not one this app may query: add it to LOG_ANALYTICS_WORKSPACE_IDS or ALERT_QUERY_SCOPES`;
  }
  const problem = armIdProblem(target.resourceId.trim());
  if (problem) return `resource id ${problem}`;
  const id = normaliseArmId(target.resourceId);
  if (scope.resourcePrefixes === undefined) {
    if (AKS_CLUSTER.test(id)) return undefined;
    return `resource ${target.resourceId} is not an AKS cluster: add a scope holding it to ALERT_QUERY_SCOPES to query it`;
  }
  if (underPrefix(scope, id)) return undefined;
  return `resource ${target.resourceId} is outside ALERT_QUERY_SCOPES`;
}

/** A row fetcher that runs only queries inside the scope; others are refused with the reason. */
export function scopedRowFetcher(inner: AlertRowFetcher, scope: AlertQueryScope): AlertRowFetcher {
  return {
    fetch(plan, maxRows, options) {
      const refused = outOfScope(scope, plan.target);
      if (refused !== undefined) return Promise.resolve({ ok: false, transient: false, reason: refused });
      return inner.fetch(plan, maxRows, options);
    },
  };
}
