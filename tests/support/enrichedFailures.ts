/**
 * Realistic EnrichedFailure and Notification builders for tests of sinks, routing, grouping and the
 * digest. Each builder returns a fresh object shaped like enrichment's output for a real AKS
 * situation; pass overrides for what a test cares about.
 */
import { createHash } from 'node:crypto';
import type { EnrichedFailure, FailureMatch, Notification, Severity } from '../../src/model.js';
import { SEVERITIES } from '../../src/model.js';

export const SUBSCRIPTION = '3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21';
export const RESOURCE_GROUP = 'rg-aks-prod-weu';
export const CLUSTER_NAME = 'aks-prod-weu-01';
export const CLUSTER_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/${CLUSTER_NAME}`;
export const WORKSPACE_ID = 'b1e2c3d4-5f60-4a7b-8c9d-0e1f2a3b4c5d';

const PORTAL = 'https://portal.azure.com/#@/resource';

/** 32 hex chars, like enrichment's fingerprints, derived from the parts given. */
export function fingerprintFor(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

export function vmExtensionMatch(overrides: Partial<FailureMatch> = {}): FailureMatch {
  return {
    code: 'VMExtensionProvisioningError',
    aliases: ['VMExtensionError'],
    title: 'A VM extension failed while a node was provisioned',
    category: 'vm-extension',
    severity: 'error',
    meaning:
      'The custom script extension that bootstraps an AKS node returned a non-zero exit status, so the node never joined the cluster.',
    mitigation:
      'Read the exit status in the error message; most often outbound traffic to the required AKS endpoints is blocked by a firewall, a user-defined route or a custom DNS server. Fix egress, then reconcile the node pool.',
    docUrl:
      'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/error-code-vmextensionprovisioningerror',
    matchedText: 'Code="VMExtensionProvisioningError"',
    ...overrides,
  };
}

export function outboundConnFailMatch(overrides: Partial<FailureMatch> = {}): FailureMatch {
  return {
    code: 'OutboundConnFailVMExtensionError',
    aliases: ['ERR_OUTBOUND_CONN_FAIL', 'exit status 50'],
    title: 'Nodes cannot reach the AKS API server or required endpoints',
    category: 'networking',
    severity: 'error',
    meaning: 'The node bootstrap script could not open an outbound connection (exit status 50).',
    mitigation:
      'Check network security groups, the route table and any firewall on the node subnet for the required outbound rules.',
    docUrl:
      'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/error-code-outboundconnfailvmextensionerror',
    matchedText: 'vmssCSE exit status=50',
    ...overrides,
  };
}

export function zonalAllocationMatch(overrides: Partial<FailureMatch> = {}): FailureMatch {
  return {
    code: 'ZonalAllocationFailed',
    aliases: [],
    title: 'No capacity for the VM size in the zone',
    category: 'capacity',
    severity: 'error',
    meaning: 'Azure has no capacity left for the requested VM size in the requested availability zone.',
    mitigation:
      'Retry later, or use another VM size, fewer zones or another region; capacity reservations guarantee future allocations.',
    docUrl:
      'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/zonalallocation-allocationfailed-error',
    matchedText: 'ZonalAllocationFailed',
    ...overrides,
  };
}

export function rebootErrorMatch(overrides: Partial<FailureMatch> = {}): FailureMatch {
  return {
    code: 'NodeRebootError',
    aliases: [],
    title: 'Auto-repair could not reboot the node',
    category: 'auto-repair',
    severity: 'error',
    meaning: 'AKS node auto-repair tried to reboot an unhealthy node and the reboot failed.',
    mitigation:
      'Look at the VM instance in the scale set for a stuck operation; if it persists, reimage the instance or cordon and delete the node.',
    docUrl:
      'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/availability-performance/node-auto-repair-errors',
    matchedText: 'NodeRebootError',
    ...overrides,
  };
}

function clusterLinks(docUrls: string[], withPool: boolean): EnrichedFailure['links'] {
  return [
    ...docUrls.map((url, i) => ({ kind: 'doc' as const, title: `Troubleshoot ${String(i + 1)}`, url })),
    {
      kind: 'portal',
      title: `Cluster ${CLUSTER_NAME} in the Azure portal`,
      url: `${PORTAL}${CLUSTER_ID}/overview`,
    },
    ...(withPool
      ? [
          {
            kind: 'portal' as const,
            title: `Node pools of ${CLUSTER_NAME}`,
            url: `${PORTAL}${CLUSTER_ID}/nodePools`,
          },
        ]
      : []),
    {
      kind: 'logs',
      title: 'Rows in Log Analytics',
      url: `https://portal.azure.com/#@/blade/Microsoft_OperationsManagementSuite_Workspace/Logs.ReactView/resourceId/%2Fsubscriptions%2F${SUBSCRIPTION}/source/LogsBlade.AnalyticsShareLinkToQuery/q/H4sIAAAAAAAAA0tJLUvMKS1OtVUqyUzOVqhRSM0rSy1SSE7NK0ktAgBJ6d8vHgAAAA%3D%3D`,
    },
  ];
}

/** A failed agent-pool upgrade whose node bootstrap hit a VM extension error (AzureActivity). */
export function operationFailure(overrides: Partial<EnrichedFailure> = {}): EnrichedFailure {
  const match = vmExtensionMatch();
  const outbound = outboundConnFailMatch();
  return {
    schemaVersion: 1,
    fingerprint: fingerprintFor(CLUSTER_ID, 'pool:nodepool1', 'code:vmextensionprovisioningerror'),
    source: 'activity-log',
    kind: 'operation-failed',
    sourceId: 'activity-log|4e1b7c2a-9d3f-4f0e-b6a1-2c8d9e0f1a2b',
    status: 'firing',
    occurredAt: '2026-03-14T02:17:43.512Z',
    cluster: {
      resourceId: CLUSTER_ID,
      subscriptionId: SUBSCRIPTION,
      resourceGroup: RESOURCE_GROUP,
      name: CLUSTER_NAME,
    },
    resourceId: `${CLUSTER_ID}/agentPools/nodepool1`,
    nodePool: 'nodepool1',
    reason: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE',
    title: 'Agent pool write failed',
    summary: `Agent pool write failed (node pool nodepool1, cluster ${CLUSTER_NAME}). VMExtensionProvisioningError: ${match.meaning}`,
    severity: 'error',
    category: 'vm-extension',
    matches: [match, outbound],
    unrecognised: [],
    context: {
      kubernetesVersion: '1.30.6',
      provisioningState: 'Succeeded',
      powerState: 'Running',
      location: 'westeurope',
      tags: { env: 'prod', team: 'payments', costCenter: 'cc-4711' },
      nodePool: {
        name: 'nodepool1',
        vmSize: 'Standard_D4s_v5',
        mode: 'System',
        osType: 'Linux',
        orchestratorVersion: '1.30.6',
        provisioningState: 'Failed',
        provisioningError: { code: 'VMExtensionProvisioningError', message: 'vmssCSE exit status=50' },
        count: 3,
        autoscaling: { enabled: true, min: 3, max: 6 },
      },
    },
    links: clusterLinks([match.docUrl, outbound.docUrl], true),
    texts: [
      "Code=\"VMExtensionProvisioningError\" Message=\"VM has reported a failure when processing extension 'vmssCSE' (publisher 'Microsoft.Azure.Extensions' and type 'CustomScript'). Error message: 'Enable failed: failed to execute command: command terminated with exit status=50'.\"",
    ],
    errorCodes: ['VMExtensionProvisioningError'],
    correlationId: '8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d',
    workspaceId: WORKSPACE_ID,
    attributes: {
      caller: 'aks-upgrader@contoso.com',
      operationName: 'Microsoft.ContainerService/managedClusters/agentPools/write',
    },
    ...overrides,
  };
}

/**
 * The cluster autoscaler could not add a node to pool gpu (AKSControlPlane log line): the raw
 * line, JSON fragment and all, is the source's title.
 */
export function autoscalerFailure(overrides: Partial<EnrichedFailure> = {}): EnrichedFailure {
  const match = zonalAllocationMatch();
  const line =
    'Failed to update the capacity for aks-gpu-76555701-vmss: Retriable: false, RetryAfter: 0s, HTTPStatusCode: 409, RawError: {"error":{"code":"ZonalAllocationFailed","message":"Allocation failed. We do not have sufficient capacity for the requested VM size in this zone."}}';
  return operationFailure({
    kind: 'autoscaler',
    source: 'autoscaler-log',
    reason: 'cluster-autoscaler',
    nodePool: 'gpu',
    title: `Cluster autoscaler (${CLUSTER_NAME}): ${line}`,
    texts: [line],
    matches: [match],
    errorCodes: ['ZonalAllocationFailed'],
    links: operationFailure().links.map((l) => (l.kind === 'doc' ? { ...l, url: match.docUrl } : l)),
    ...overrides,
  });
}

/** Auto-repair failed to reboot a node (KubeEvents NodeRebootError). */
export function autoRepairFailure(
  node = 'aks-nodepool1-38471923-vmss000002',
  overrides: Partial<EnrichedFailure> = {},
): EnrichedFailure {
  const match = rebootErrorMatch();
  return {
    schemaVersion: 1,
    fingerprint: fingerprintFor(CLUSTER_ID, `node:${node}`, 'code:noderebooterror'),
    source: 'kube-events',
    kind: 'node-auto-repair',
    sourceId: `kube-events|${node}|NodeRebootError|2026-03-14T03:02:11Z`,
    status: 'firing',
    occurredAt: '2026-03-14T03:02:11.000Z',
    cluster: {
      resourceId: CLUSTER_ID,
      subscriptionId: SUBSCRIPTION,
      resourceGroup: RESOURCE_GROUP,
      name: CLUSTER_NAME,
    },
    nodePool: 'nodepool1',
    node,
    reason: 'NodeRebootError',
    title: 'Node auto-repair: reboot failed',
    summary: `Node auto-repair: reboot failed (node ${node}, node pool nodepool1, cluster ${CLUSTER_NAME}). NodeRebootError: ${match.meaning}`,
    severity: 'error',
    category: 'auto-repair',
    matches: [match],
    unrecognised: [],
    context: {
      kubernetesVersion: '1.30.6',
      location: 'westeurope',
      tags: { env: 'prod', team: 'payments' },
      nodePool: { name: 'nodepool1', vmSize: 'Standard_D4s_v5', mode: 'System', count: 3 },
    },
    links: clusterLinks([match.docUrl], true),
    texts: [`Node auto-repair reboot action failed for node ${node}: operation timed out after 600 seconds`],
    errorCodes: [],
    workspaceId: WORKSPACE_ID,
    attributes: { eventSource: 'aks-auto-repair', count: '1' },
    ...overrides,
  };
}

/** A metric alert on a resource that is not an AKS cluster: no cluster, no catalog match. */
export function plainAlertFailure(overrides: Partial<EnrichedFailure> = {}): EnrichedFailure {
  const resourceId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-shared/providers/Microsoft.Storage/storageAccounts/stlogsweu01`;
  return {
    schemaVersion: 1,
    fingerprint: fingerprintFor(resourceId.toLowerCase(), 'resource', 'reason:alert:high availability loss'),
    source: 'common-alert',
    kind: 'alert',
    sourceId: 'common-alert|/subscriptions/.../alerts/6f1d2e3c|Fired',
    status: 'firing',
    occurredAt: '2026-03-14T04:45:00.000Z',
    resourceId,
    reason: 'High availability loss',
    title: 'Metric alert: High availability loss',
    summary: 'Metric alert: High availability loss.',
    severity: 'warning',
    matches: [],
    unrecognised: [],
    links: [
      { kind: 'portal', title: 'Resource in the Azure portal', url: `${PORTAL}${resourceId}/overview` },
      {
        kind: 'alert',
        title: 'The alert in Azure Monitor',
        url: 'https://portal.azure.com/#view/Microsoft_Azure_Monitoring_Alerts/AlertDetails.ReactView/alertId/%2fsubscriptions%2f3f2c1a9e%2fproviders%2fMicrosoft.AlertsManagement%2falerts%2f6f1d2e3c',
      },
    ],
    texts: ['Availability < 99 for 5 minutes'],
    errorCodes: [],
    attributes: { alertRule: 'High availability loss', signalType: 'Metric' },
    ...overrides,
  };
}

/** The resolve of `failure` (same fingerprint). */
export function resolvedOf(failure: EnrichedFailure, at = '2026-03-14T05:10:00.000Z'): EnrichedFailure {
  return {
    ...failure,
    status: 'resolved',
    occurredAt: at,
    sourceId: `${failure.sourceId}|resolved`,
    title: `Resolved: ${failure.title}`,
  };
}

function mostSevere(failures: readonly EnrichedFailure[]): Severity {
  let best = SEVERITIES.length - 1;
  for (const f of failures) best = Math.min(best, SEVERITIES.indexOf(f.severity));
  return SEVERITIES[best] ?? 'info';
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

/**
 * A notification over `failures` (lead first), with count, severity, time span and the affected
 * node pools / nodes derived from them as the grouping stage would.
 */
export function notificationOf(
  failures: EnrichedFailure[],
  overrides: Partial<Notification> = {},
): Notification {
  const lead = failures[0];
  if (!lead) throw new Error('notificationOf needs at least one failure');
  const times = failures.map((f) => f.occurredAt).sort();
  const groupKey =
    failures.length > 1
      ? `${lead.cluster?.name ?? 'resource'}|${lead.matches[0]?.code ?? lead.kind}`
      : lead.fingerprint;
  const notification: Notification = {
    id: fingerprintFor('notification', groupKey, lead.status, times[0] ?? ''),
    status: lead.status === 'resolved' ? 'resolved' : 'firing',
    severity: mostSevere(failures),
    fingerprint: lead.fingerprint,
    groupKey,
    failures,
    count: failures.length,
    firstAt: times[0] ?? lead.occurredAt,
    lastAt: times[times.length - 1] ?? lead.occurredAt,
    nodePools: distinct(failures.map((f) => f.nodePool)),
    nodes: distinct(failures.map((f) => f.node)),
    ...overrides,
  };
  if (failures.some((f) => f.duringUpgrade) && overrides.duringUpgrade === undefined)
    notification.duringUpgrade = true;
  return notification;
}

/** `n` auto-repair failures on distinct nodes of one pool, grouped into one notification. */
export function groupNotification(n: number, overrides: Partial<Notification> = {}): Notification {
  const failures = Array.from({ length: n }, (_, i) =>
    autoRepairFailure(`aks-nodepool1-38471923-vmss${String(i).padStart(6, '0')}`, {
      occurredAt: new Date(Date.parse('2026-03-14T03:00:00.000Z') + i * 7_000).toISOString(),
    }),
  );
  return notificationOf(failures, overrides);
}

/** A failure whose every untrusted field holds `text` (for escaping and limit tests). */
export function hostileFailure(text: string, overrides: Partial<EnrichedFailure> = {}): EnrichedFailure {
  const base = operationFailure();
  const match = vmExtensionMatch({ matchedText: text });
  return {
    ...base,
    cluster: { resourceId: CLUSTER_ID, subscriptionId: SUBSCRIPTION, resourceGroup: text, name: text },
    nodePool: text,
    node: text,
    reason: text,
    title: text,
    summary: text,
    matches: [match],
    unrecognised: [text],
    texts: [text, text],
    errorCodes: [text],
    context: { ...base.context, tags: { [text]: text }, provisioningError: { code: text, message: text } },
    attributes: { [text.slice(0, 200)]: text, message: text },
    ...overrides,
  };
}
