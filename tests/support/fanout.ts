import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { routingTo } from './faultScenario.js';
import { repairRow } from './kubeEventRows.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';

export const MIN = 60_000;

/** A cluster's ARM id (lower case, as KubeEvents holds it). */
export function clusterId(n: number): string {
  return `/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-${String(n).padStart(4, '0')}`;
}

/** A failed auto-repair row of the numbered test cluster. */
export function repairRowOf(cluster: number, node: string, timeGenerated: string): Record<string, unknown> {
  return repairRow(clusterId(cluster), node, timeGenerated);
}

/** The pipeline routing everything to one generic webhook receiver. */
export function pipelineTo(store: KeyValueStore, url: string): Pipeline {
  return createPipeline({ store, policy: DEFAULT_POLICY, routing: routingTo(url) });
}

/** An AzureActivity row of a failed agent pool write on one cluster (as the failedOperations query projects it). */
export function operationRow(
  cluster: number,
  eventNo: number,
  timeGenerated: string,
): Record<string, unknown> {
  const pool = `${clusterId(cluster)}/agentpools/userpool`;
  return {
    TimeGenerated: timeGenerated,
    EventDataId: `a1b2c3d4-0000-4000-8000-${String(eventNo).padStart(12, '0')}`,
    CorrelationId: `7f0c9b1e-5d7a-4a51-9c3e-${String(eventNo).padStart(12, '0')}`,
    OperationNameValue: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE',
    ActivityStatusValue: 'Failure',
    ActivitySubstatusValue: '',
    Level: 'Error',
    Caller: 'ops@contoso.com',
    ResourceGroup: 'rg-aks',
    SubscriptionId: '3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21',
    _ResourceId: pool,
    StatusCode: 'BadRequest',
    StatusMessage: JSON.stringify({
      status: 'Failed',
      error: {
        code: 'ResourceOperationFailure',
        message: "The resource operation completed with terminal provisioning state 'Failed'.",
        details: [
          {
            code: 'SubnetIsFull',
            message: 'Subnet aks-nodes does not have enough capacity for 5 IP addresses.',
          },
        ],
      },
    }),
  };
}
