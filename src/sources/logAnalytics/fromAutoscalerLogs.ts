import type { FailureSignal } from '../../model.js';
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
} from './rowCells.js';

// klog header: severity letter, MMDD, time, thread id, file:line]
const KLOG = /^([IWEF])(\d{4})\s+[\d:.]+\s+\d+\s+([^\]]+)\]\s?/;
const FAILURE_LEVEL = /^(warn|warning|error|err|fatal|critical)$/i;

const CODE_PATTERNS = [
  /\bCode="([A-Za-z][\w.]*)"/g,
  /"code"\s*:\s*"([A-Za-z][\w.]*)"/gi,
  /\bErrorCode\s*[:=]\s*"?([A-Za-z][\w.]*)/gi,
];

/** Azure error codes quoted in an autoscaler log line (Azure SDK errors embed the ARM error JSON). */
export function autoscalerErrorCodes(message: string): string[] {
  const out: string[] = [];
  for (const re of CODE_PATTERNS)
    for (const m of message.matchAll(re)) if (m[1] && !out.includes(m[1])) out.push(m[1]);
  // Nested details are logged after the wrapper code: most specific last in the text, first here.
  return out.reverse();
}

/**
 * One cluster-autoscaler log row -> a signal. Takes `AKSControlPlane` rows (resource-specific mode:
 * Message, PodName, Level) and `AzureDiagnostics` rows (legacy mode: log_s, pod_s), raw or as the
 * autoscaler query projects them. Informational lines (klog `I`) are skipped; warnings and errors
 * become signals. The source id hashes cluster, time, pod and line, so a re-read is the same signal.
 */
export function fromAutoscalerLogs(
  row: LogRow,
  label: RowLabel = 'autoscaler log row',
): RowOutcome<FailureSignal> {
  return guardRow<FailureSignal>(label, () => {
    const category = text(row, 'Category');
    if (category !== undefined && category.toLowerCase() !== 'cluster-autoscaler')
      return { skip: `log category ${category} is not cluster-autoscaler` };
    const message = text(row, 'Message', 'log_s');
    if (message === undefined) throw new RowFieldError('Message', 'missing (no Message or log_s)');
    const klog = KLOG.exec(message);
    const level = text(row, 'Level');
    const failing = klog ? klog[1] !== 'I' : level !== undefined ? FAILURE_LEVEL.test(level) : true;
    if (!failing) return { skip: 'informational autoscaler line' };
    const occurredAt = requireTime(row, 'TimeGenerated');
    const pod = text(row, 'PodName', 'pod_s');
    const aks = aksOfRow(row);
    const body = klog ? message.slice(klog[0].length) : message;
    const codes = autoscalerErrorCodes(message);
    const clusterName = aks?.cluster.name ?? text(row, 'ClusterName');
    const attributes: Record<string, string> = {
      table: text(row, 'SourceTable', 'Type') ?? 'autoscaler log',
    };
    if (pod) attributes.pod = pod;
    if (klog?.[3]) attributes.logSite = klog[3];
    const severity = klog ? { W: 'warning', E: 'error', F: 'fatal' }[klog[1] as 'W' | 'E' | 'F'] : level;
    if (severity) attributes.level = severity;
    if (clusterName) attributes.clusterName = clusterName;

    const signal: FailureSignal = {
      source: 'autoscaler-log',
      kind: 'autoscaler',
      sourceId: `autoscaler:${stableHash([aks?.cluster.resourceId.toLowerCase() ?? clusterName, occurredAt, pod, message])}`,
      occurredAt,
      status: 'firing',
      reason: 'cluster-autoscaler',
      title: `Cluster autoscaler${clusterName ? ` (${clusterName})` : ''}: ${clip(body.replace(/\s+/g, ' ').trim(), 160)}`,
      texts: [body.trim()],
      errorCodes: codes,
      attributes,
    };
    if (aks) signal.cluster = aks.cluster;
    const pool = aks?.agentPool ?? nodePoolOfNode(body);
    if (pool) signal.nodePool = pool;
    return { signal };
  });
}
