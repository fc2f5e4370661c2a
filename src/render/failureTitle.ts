import type { EnrichedFailure } from '../model.js';
import { clipLine, truncate } from '../text.js';

/**
 * A short title every view shares: what failed, where, and the error code, e.g. "Autoscaler can't
 * scale pool gpu on aks-data-prod-eus: ZonalAllocationFailed". Built from the failure's structured
 * fields, never from a raw log line, so a title stays one readable line whatever the source wrote.
 * Names come from events and alerts: callers escape the result for their markup.
 */

/** Codes that say no more than the title already does ("the repair failed"). */
const GENERIC_CODES = /^NodeAutoRepair\/ActionFailed$/i;

/** The error code a reader acts on: the catalog's, else one the source gave, else one the catalog lacks. */
export function primaryCode(f: EnrichedFailure): string | undefined {
  const code = f.matches[0]?.code ?? f.errorCodes[0] ?? f.unrecognised[0];
  return code === undefined ? undefined : clipLine(code, 120);
}

/** The code a title shows: the family prefix dropped, none when it says no more than the title. */
export function shownCode(f: EnrichedFailure): string | undefined {
  const code = primaryCode(f);
  if (!code || GENERIC_CODES.test(code)) return undefined;
  // "NodeAutoRepair/VMExtensionProvisioningError": the part after the family names the cause.
  return code.replace(/^NodeAutoRepair\//i, '');
}

/** "update", "delete", "node image upgrade": the verb of an ARM operation name. */
function operationVerb(operation: string): string | undefined {
  const parts = operation.split('/').filter(Boolean);
  const last = parts[parts.length - 1]?.toLowerCase();
  if (last === 'write') return 'update';
  if (last === 'delete') return 'delete';
  if (last === 'action') {
    const action = parts[parts.length - 2];
    if (!action) return undefined;
    const words = action
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .replace(/Version$/i, '')
      .trim()
      .toLowerCase();
    return words || undefined;
  }
  return undefined;
}

const poolName = (f: EnrichedFailure): string => (f.nodePool ? `${clipLine(f.nodePool, 100)} ` : '');

function isPoolOperation(operation: string): boolean {
  return /\/agentPools\//i.test(operation) || /\/agentPools$/i.test(operation);
}

function autoscalerWhat(f: EnrichedFailure, nodes: string | undefined): string {
  const text = clipLine(`${f.reason ?? ''} ${f.title} ${f.texts[0] ?? ''}`, 600);
  const pool = f.nodePool ? ` pool ${clipLine(f.nodePool, 100)}` : '';
  const node = nodes ?? (f.node ? `node ${clipLine(f.node, 100)}` : undefined);
  if (/scale.?down|drain/i.test(text))
    return node ? `Autoscaler can't scale down ${node}` : `Autoscaler can't scale down${pool}`;
  if (/failed to get instances|get.*instances|list.*instances/i.test(text))
    return `Autoscaler can't read${pool || ' its node pools'}`;
  if (/not ?trigger ?scale.?up|didn't trigger scale-up/i.test(text)) {
    // "pod didn't trigger scale-up: 1 max node group size reached, 2 …": the first reason given.
    const why = /trigger scale-up:\s*(?:\d+\s+)?([^,;(]{3,80})/i.exec(text)?.[1]?.trim();
    return `Autoscaler didn't scale up${pool}${why ? `: ${why}` : ''}`;
  }
  return `Autoscaler can't scale${pool || ' up'}`;
}

const PAST: Record<string, string> = { reboot: 'rebooted', reimage: 'reimaged', redeploy: 'redeployed' };

/** A node auto-repair step's reason ("NodeRebootError"): the action, then the phase. */
export const REPAIR_STEP = /^node(reboot|reimage|redeploy)(error|start|end)$/i;

function repairWhat(f: EnrichedFailure, nodes: string | undefined): string {
  const m = REPAIR_STEP.exec(f.reason ?? '');
  const action = m?.[1]?.toLowerCase();
  const phase = m?.[2]?.toLowerCase();
  const node = nodes ?? (f.node ? clipLine(f.node, 100) : 'a node');
  if (!action) return `Node auto-repair failed on ${node}`;
  if (phase === 'start') return `Auto-repair started a ${action} of ${node}`;
  if (phase === 'end') return `Auto-repair ${PAST[action] ?? action} ${node}`;
  return `Auto-repair couldn't ${action} ${node}`;
}

function operationWhat(f: EnrichedFailure): string | undefined {
  const op = f.reason ?? '';
  if (!/^microsoft\./i.test(op)) return undefined;
  let verb = operationVerb(op);
  // A write that failed as an upgrade (UpgradeFailed, an upgrade's drain) was the upgrade.
  if (verb === 'update' && [...f.errorCodes, ...f.matches.map((m) => m.code)].some((c) => /upgrade/i.test(c)))
    verb = 'upgrade';
  if (!verb) return undefined;
  if (isPoolOperation(op)) return `Node pool ${poolName(f)}${verb} failed`;
  if (/managedClusters/i.test(op)) return `Cluster ${verb} failed`;
  return undefined;
}

/** What failed, without where (the cluster) or the code; `nodes` names the nodes instead of `f.node`. */
function whatFailed(f: EnrichedFailure, nodes: string | undefined): string {
  switch (f.kind) {
    case 'autoscaler':
      return autoscalerWhat(f, nodes);
    case 'node-auto-repair':
      return repairWhat(f, nodes);
    case 'operation-failed':
    case 'resource-failure':
      return operationWhat(f) ?? clipLine(f.title, 200);
    case 'nodepool-rolling':
      return f.status === 'resolved'
        ? `Node pool ${poolName(f)}upgrade finished`
        : `Node pool ${poolName(f)}upgrade failed`;
    default:
      return clipLine(f.title, 200).replace(/^resolved\s*:\s*/i, '');
  }
}

/** Whether the "what" already names the cluster (titles of advisories and alerts often do). */
function namesCluster(what: string, cluster: string | undefined): boolean {
  return cluster !== undefined && what.toLowerCase().includes(cluster.toLowerCase());
}

export interface TitleOptions {
  /** Leave the cluster out (the view groups by cluster already). */
  withoutCluster?: boolean;
  /** At most this many characters (the code is kept; the middle gives way). */
  max?: number;
  /**
   * What to call the nodes in place of the failure's own node ("12 nodes in pool nodepool1"), so a
   * group's title is built whole and shortened once.
   */
  nodes?: string;
}

/** "Node pool spark update failed on aks-data-prod-eus: QuotaExceeded". */
export function failureTitle(f: EnrichedFailure, options: TitleOptions = {}): string {
  const max = options.max ?? 160;
  const what = whatFailed(f, options.nodes);
  const cluster = clusterNameOf(f);
  const where =
    !options.withoutCluster && cluster && !namesCluster(what, cluster) ? ` on ${clipLine(cluster, 100)}` : '';
  const shown = shownCode(f);
  const code = shown === undefined ? undefined : truncate(shown, Math.max(8, Math.floor(max / 2)));
  const tail = code && !what.toLowerCase().includes(code.toLowerCase()) ? `: ${code}` : '';
  // "Autoscaler didn't scale up: max node group size reached": the reason goes after where.
  const why = f.kind === 'autoscaler' && !tail ? /^([^:]+): (.+)$/.exec(what) : null;
  if (why?.[1] && why[2]) {
    const head = `${why[1]}${where}`;
    return truncate(`${head}: ${why[2]}`, max);
  }
  const head = `${what}${where}`;
  if (head.length + tail.length <= max) return `${head}${tail}`;
  return `${truncate(head, Math.max(1, max - tail.length))}${tail}`;
}

/** The last segment of an ARM id ("stlogs01" of …/storageAccounts/stlogs01). */
export function resourceName(resourceId: string | undefined): string | undefined {
  if (!resourceId) return undefined;
  const parts = resourceId.split('/').filter(Boolean);
  return parts[parts.length - 1];
}

/** Where a failure happened by name: its cluster's, else its resource's (an alert on a storage account). */
export function clusterNameOf(f: Pick<EnrichedFailure, 'cluster' | 'resourceId'>): string | undefined {
  return f.cluster?.name ?? resourceName(f.resourceId);
}
