import type { FailureSignal, SignalStatus } from '../../model.js';
import type { LogRow, RowLabel, RowOutcome } from './rowCells.js';
import { truncate as clip } from '../../text.js';
import {
  RowFieldError,
  aksOfRow,
  guardRow,
  nodePoolOfNode,
  requireTime,
  stableHash,
  text,
  time,
} from './rowCells.js';

const AUTO_REPAIR_REASON = /^Node(Reboot|Reimage|Redeploy)(Start|End|Error)$/i;

/** Warning reasons the cluster autoscaler records as Kubernetes events (upstream cluster-autoscaler). */
export const AUTOSCALER_EVENT_REASONS = [
  'FailedScaleUp',
  'NotTriggerScaleUp',
  'ScaleDownFailed',
  'FailedToScaleUpGroup',
  'ScaleUpTimedOut',
  'ScaleDownEmptyFailed',
  'DeleteUnregisteredFailed',
  'FixNodeGroupSizeError',
] as const;
const AUTOSCALER_REASONS = new Set(AUTOSCALER_EVENT_REASONS.map((r) => r.toLowerCase()));

const AUTO_REPAIR_SOURCE = 'aks-auto-repair';
const AUTOSCALER_SOURCE = 'cluster-autoscaler';

/**
 * Drops leading whitespace and `[`, trailing whitespace, `.` and `]`. A loop, not a regex: an
 * end-anchored class run (`[\s.]+$`) backtracks quadratically over a long untrusted run of them.
 */
function trimEnds(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && /[\s[]/.test(value[start] ?? '')) start++;
  while (end > start && /[\s.\]]/.test(value[end - 1] ?? '')) end--;
  return value.slice(start, end);
}

/**
 * The error code an auto-repair message carries after `here:` or `failure:`, when it carries one.
 * Real messages often end in a link instead; "ARM ErrorCode: X" prefixes are dropped.
 */
export function autoRepairErrorCode(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const m = /(?:\bhere|\bfailure)\s*:\s*(.+)$/is.exec(message);
  const rest = m?.[1]?.trim();
  if (!rest) return undefined;
  const arm = /\bErrorCode\s*:\s*([A-Za-z][\w.]*)/i.exec(rest);
  if (arm?.[1]) return arm[1];
  // A lone identifier, or one followed by ':' and its message, is a code; a phrase such as
  // "ClientSecretCredential authentication failed" is not (it stays in the texts for the matcher).
  const bare = trimEnds(rest);
  if (/^[A-Za-z][\w.]*$/.test(bare)) return bare;
  return /^([A-Za-z][\w.]*)\s*:/.exec(bare)?.[1];
}

function isAutoRepair(reason: string | undefined, sourceComponent: string | undefined): boolean {
  return (reason !== undefined && AUTO_REPAIR_REASON.test(reason)) || sourceComponent === AUTO_REPAIR_SOURCE;
}

function isAutoscalerWarning(reason: string | undefined, sourceComponent: string | undefined, type?: string) {
  if (reason !== undefined && AUTOSCALER_REASONS.has(reason.toLowerCase())) return true;
  return sourceComponent === AUTOSCALER_SOURCE && (type === undefined || type.toLowerCase() !== 'normal');
}

function repairStatus(reason: string): SignalStatus {
  return /error|fail/i.test(reason) ? 'firing' : 'info';
}

function repairTitle(reason: string, node: string | undefined, cluster: string | undefined): string {
  const m = AUTO_REPAIR_REASON.exec(reason);
  const where = `${node ?? 'a node'}${cluster ? ` (${cluster})` : ''}`;
  if (!m?.[1] || !m[2]) return `Node auto-repair ${reason} on ${where}`;
  const action = m[1].toLowerCase();
  const phase = m[2].toLowerCase();
  if (phase === 'error') return `Node auto-repair ${action} failed on ${where}`;
  if (phase === 'start') return `Node auto-repair started a ${action} of ${where}`;
  return `Node auto-repair finished a ${action} of ${where}`;
}

/**
 * One KubeEvents row -> a node auto-repair or cluster-autoscaler signal. Decided by `Reason` (and the
 * event source), never by message wording; other events are skipped. The source id hashes what
 * identifies the event occurrence (cluster, object, reason, first/last seen, count, message), so the
 * same row read again in an overlapping window, or collected twice, is the same signal.
 */
export function fromKubeEvents(row: LogRow, label: RowLabel = 'KubeEvents row'): RowOutcome<FailureSignal> {
  return guardRow<FailureSignal>(label, () => {
    const reason = text(row, 'Reason');
    const sourceComponent = text(row, 'SourceComponent');
    const eventType = text(row, 'KubeEventType');
    const repair = isAutoRepair(reason, sourceComponent);
    const autoscaler = !repair && isAutoscalerWarning(reason, sourceComponent, eventType);
    if (!repair && !autoscaler) {
      if (reason === undefined && sourceComponent === undefined) throw new RowFieldError('Reason', 'missing');
      return {
        skip: `event ${reason ?? '(no reason)'} from ${sourceComponent ?? '(no source)'} is not a failure`,
      };
    }
    const objectKind = text(row, 'ObjectKind');
    if (repair && objectKind !== undefined && objectKind.toLowerCase() !== 'node')
      return { skip: `auto-repair event on a ${objectKind}, not a Node` };
    if (reason === undefined) throw new RowFieldError('Reason', 'missing');
    const lastSeen = time(row, 'LastSeen');
    const firstSeen = time(row, 'FirstSeen');
    const occurredAt = lastSeen ?? firstSeen ?? requireTime(row, 'TimeGenerated');
    const message = text(row, 'Message');
    const aks = aksOfRow(row);
    const clusterName = aks?.cluster.name ?? text(row, 'ClusterName');
    const objectName = text(row, 'Name', 'Node');
    const namespace = text(row, 'Namespace');
    const count = text(row, 'Count');
    const identity = stableHash([
      (aks?.cluster.resourceId ?? text(row, 'ClusterId', 'ClusterName'))?.toLowerCase(),
      objectKind,
      namespace,
      objectName,
      reason,
      firstSeen,
      lastSeen,
      count,
      message,
    ]);

    const attributes: Record<string, string> = {};
    if (eventType) attributes.kubeEventType = eventType;
    if (sourceComponent) attributes.sourceComponent = sourceComponent;
    if (objectKind) attributes.objectKind = objectKind;
    if (namespace) attributes.namespace = namespace;
    if (count) attributes.count = count;
    if (firstSeen) attributes.firstSeen = firstSeen;
    if (lastSeen) attributes.lastSeen = lastSeen;
    if (clusterName) attributes.clusterName = clusterName;

    const node = repair || objectKind?.toLowerCase() === 'node' ? objectName : undefined;
    const nodePool = aks?.agentPool ?? nodePoolOfNode(node ?? (autoscaler ? message : undefined));
    const code = repair ? autoRepairErrorCode(message) : undefined;
    const signal: FailureSignal = {
      source: 'kube-events',
      kind: repair ? 'node-auto-repair' : 'autoscaler',
      sourceId: `kubeevents:${identity}`,
      occurredAt,
      status: repair ? repairStatus(reason) : 'firing',
      reason,
      title: repair
        ? repairTitle(reason, node, clusterName)
        : `Cluster autoscaler ${reason}${clusterName ? ` (${clusterName})` : ''}: ${clip((message ?? '').replace(/\s+/g, ' '), 160)}`,
      texts: message ? [message] : [],
      errorCodes: code ? [code] : [],
      attributes,
    };
    if (aks) signal.cluster = aks.cluster;
    if (node) signal.node = node;
    if (nodePool) signal.nodePool = nodePool;
    if (!repair && objectName && !node) attributes.object = `${objectKind ?? 'object'}/${objectName}`;
    return { signal };
  });
}
