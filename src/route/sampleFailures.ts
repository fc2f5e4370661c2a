import type { EnrichedFailure } from '../model.js';

/**
 * Example enriched failures for dry runs (`routes test --sample`) when no real failure is at
 * hand: a failed node-pool upgrade on a production cluster, an auto-repair failure on a node of a
 * development cluster, and a non-AKS metric alert.
 */
const SUB = '00000000-0000-0000-0000-000000000000';
const prodId = `/subscriptions/${SUB}/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-01`;
const devId = `/subscriptions/${SUB}/resourceGroups/rg-aks-dev/providers/Microsoft.ContainerService/managedClusters/aks-dev-01`;
const storageId = `/subscriptions/${SUB}/resourceGroups/rg-shared/providers/Microsoft.Storage/storageAccounts/stshared01`;

export const SAMPLE_FAILURES: readonly EnrichedFailure[] = [
  {
    schemaVersion: 1,
    fingerprint: 'sample-upgrade-vmextension-aks-prod-01-nodepool1',
    source: 'event-grid',
    kind: 'nodepool-rolling',
    sourceId: 'sample-1',
    status: 'firing',
    occurredAt: '2026-01-01T02:00:00.000Z',
    cluster: { resourceId: prodId, subscriptionId: SUB, resourceGroup: 'rg-aks-prod', name: 'aks-prod-01' },
    nodePool: 'nodepool1',
    reason: 'NodePoolRollingFailed',
    title: 'Node pool upgrade failed',
    summary:
      'Node pool upgrade failed (node pool nodepool1, cluster aks-prod-01). VMExtensionProvisioningError: a VM extension failed while a node was provisioned.',
    severity: 'error',
    category: 'vm-extension',
    matches: [
      {
        code: 'VMExtensionProvisioningError',
        aliases: [],
        title: 'A VM extension failed while a node was provisioned',
        category: 'vm-extension',
        severity: 'error',
        meaning: 'The node bootstrap extension returned an error, so the node never joined the cluster.',
        mitigation: 'Check outbound connectivity of the node subnet, then reconcile the node pool.',
        docUrl:
          'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/error-code-vmextensionprovisioningerror',
        matchedText: 'VMExtensionProvisioningError',
      },
    ],
    unrecognised: [],
    context: { kubernetesVersion: '1.30.6', location: 'westeurope', tags: { env: 'prod', team: 'platform' } },
    links: [],
    texts: ['VMExtensionProvisioningError: vmssCSE exit status=50'],
    errorCodes: ['VMExtensionProvisioningError'],
    attributes: {},
  },
  {
    schemaVersion: 1,
    fingerprint: 'sample-autorepair-aks-dev-01-vmss000003',
    source: 'kube-events',
    kind: 'node-auto-repair',
    sourceId: 'sample-2',
    status: 'firing',
    occurredAt: '2026-01-01T03:00:00.000Z',
    cluster: { resourceId: devId, subscriptionId: SUB, resourceGroup: 'rg-aks-dev', name: 'aks-dev-01' },
    nodePool: 'user1',
    node: 'aks-user1-12345678-vmss000003',
    reason: 'NodeReimageError',
    title: 'Node auto-repair: reimage failed',
    summary:
      'Node auto-repair: reimage failed (node aks-user1-12345678-vmss000003, node pool user1, cluster aks-dev-01).',
    severity: 'error',
    category: 'auto-repair',
    matches: [],
    unrecognised: [],
    context: { tags: { env: 'dev' } },
    links: [],
    texts: ['Node auto-repair reimage action failed'],
    errorCodes: [],
    attributes: {},
  },
  {
    schemaVersion: 1,
    fingerprint: 'sample-alert-stshared01-availability',
    source: 'common-alert',
    kind: 'alert',
    sourceId: 'sample-3',
    status: 'firing',
    occurredAt: '2026-01-01T04:00:00.000Z',
    resourceId: storageId,
    reason: 'Availability below 99%',
    title: 'Metric alert: Availability below 99%',
    summary: 'Metric alert: Availability below 99%.',
    severity: 'warning',
    matches: [],
    unrecognised: [],
    links: [],
    texts: [],
    errorCodes: [],
    attributes: {},
  },
];
