/**
 * Writes samples/fleet/*.json: what `az monitor log-analytics query -o json` returns for the tables
 * the product reads, for a small made-up fleet (6 clusters in 2 subscriptions) over one morning and
 * a few failures of the day before (so the digest has a trend). Node auto-repair, failed upgrades and
 * scale operations, quota, a full subnet, throttling, VM extension and autoscaler failures, among
 * ordinary rows (successful operations, Normal events, informational log lines, other resource
 * providers) that must not become failures. Beside them, what the fleet looks like to Resource
 * Manager (arm/managedClusters.json, as `az aks list -o json` prints it: Kubernetes and node pool
 * versions) and an Event Grid delivery (eventGrid/events.json: support for one cluster's Kubernetes
 * version is ending).
 * Deterministic: a fixed seed and start time, so the committed files only change with this script.
 *   npx tsx scripts/generateSampleFleet.ts [outDir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = process.argv[2] ?? join(import.meta.dirname, '..', 'samples', 'fleet');
const START = Date.parse('2026-11-20T06:00:00.000Z');
const TENANT = '72f988bf-0000-4000-8000-00000000a001';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20261120);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const guid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
/** ISO time `minutes` after the start, with sub-second noise as real rows have. */
const at = (minutes: number) => new Date(START + minutes * 60_000 + Math.floor(rand() * 1000)).toISOString();

interface Pool {
  name: string;
  vmss: string;
  vmSize: string;
}
interface Cluster {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  pools: Pool[];
  kubernetesVersion: string;
}

const SUB_PROD = 'c5a4e1d2-7b3f-4e8a-9d21-3f6b8a0c4e71';
const SUB_NONPROD = '0f9e8d7c-2b1a-4c3d-8e5f-6a7b8c9d0e12';

function cluster(
  subscriptionId: string,
  resourceGroup: string,
  name: string,
  location: string,
  pools: [string, string][],
  kubernetesVersion: string,
): Cluster {
  return {
    subscriptionId,
    resourceGroup,
    name,
    location,
    pools: pools.map(([pool, vmSize]) => ({ name: pool, vmss: `aks-${pool}-${digits(8)}-vmss`, vmSize })),
    kubernetesVersion,
  };
}

const FLEET: Cluster[] = [
  cluster(
    SUB_PROD,
    'rg-shop-prod',
    'aks-shop-prod-weu',
    'westeurope',
    [
      ['system', 'Standard_D4ds_v5'],
      ['userpool', 'Standard_D8ds_v5'],
    ],
    '1.34.2',
  ),
  cluster(
    SUB_PROD,
    'rg-payments-prod',
    'aks-payments-prod-neu',
    'northeurope',
    [
      ['system', 'Standard_D4ds_v5'],
      ['apps', 'Standard_D8s_v3'],
    ],
    '1.34.2',
  ),
  cluster(
    SUB_PROD,
    'rg-data-prod',
    'aks-data-prod-eus',
    'eastus',
    [
      ['system', 'Standard_D4s_v3'],
      ['spark', 'Standard_D16s_v3'],
      ['gpu', 'Standard_NC24ads_A100_v4'],
    ],
    '1.33.5',
  ),
  cluster(
    SUB_NONPROD,
    'rg-shop-staging',
    'aks-shop-staging-weu',
    'westeurope',
    [
      ['system', 'Standard_D2s_v3'],
      ['userpool', 'Standard_D4s_v3'],
    ],
    '1.35.0',
  ),
  cluster(
    SUB_NONPROD,
    'rg-ml-dev',
    'aks-ml-dev-eus2',
    'eastus2',
    [
      ['system', 'Standard_D4s_v3'],
      ['spot', 'Standard_D8s_v3'],
    ],
    '1.32.7',
  ),
  cluster(
    SUB_NONPROD,
    'rg-batch-dev',
    'aks-batch-dev-weu',
    'westeurope',
    [
      ['system', 'Standard_D2s_v3'],
      ['batch', 'Standard_F8s_v2'],
    ],
    '1.33.5',
  ),
];
const [shop, payments, data, staging, ml, batch] = FLEET as [
  Cluster,
  Cluster,
  Cluster,
  Cluster,
  Cluster,
  Cluster,
];

const clusterId = (c: Cluster) =>
  `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${c.name}`;
/** Log Analytics lower-cases _ResourceId. */
const laId = (c: Cluster) => clusterId(c).toLowerCase();
function poolOf(c: Cluster, name: string): Pool {
  const pool = c.pools.find((p) => p.name === name);
  if (!pool) throw new Error(`${c.name} has no pool ${name}`);
  return pool;
}
const nodeOf = (c: Cluster, pool: string, i: number) =>
  `${poolOf(c, pool).vmss}${String(i).padStart(6, '0')}`;

// ---------------------------------------------------------------- KubeEvents
const kubeEvents: Record<string, unknown>[] = [];
function kubeEvent(
  c: Cluster,
  minutes: number,
  e: {
    kind: string;
    name: string;
    namespace?: string;
    reason: string;
    type: 'Normal' | 'Warning';
    source: string;
    message: string;
    count?: number;
  },
) {
  const first = at(minutes);
  kubeEvents.push({
    TenantId: TENANT,
    SourceSystem: 'Containers',
    TimeGenerated: at(minutes + 1),
    Computer: nodeOf(c, 'system', 0),
    ObjectKind: e.kind,
    Namespace: e.namespace ?? '',
    Name: e.name,
    Reason: e.reason,
    Message: e.message,
    KubeEventType: e.type,
    SourceComponent: e.source,
    FirstSeen: first,
    LastSeen: first,
    Count: e.count ?? 1,
    ClusterId: laId(c),
    ClusterName: c.name,
    _ResourceId: laId(c),
    Type: 'KubeEvents',
    TableName: 'PrimaryResult',
  });
}

const REPAIR_DOC = 'Learn more: aka.ms/aks/node-auto-repair';
const REPAIR_ERRORS_DOC = 'Learn more: aka.ms/aks/node-auto-repair-errors';
function repair(
  c: Cluster,
  pool: string,
  i: number,
  minutes: number,
  action: 'reboot' | 'reimage' | 'redeploy',
  outcome: 'Start' | 'End' | 'Error',
  detail?: string,
) {
  const Action = `${action.charAt(0).toUpperCase()}${action.slice(1)}`;
  const message =
    outcome === 'Start'
      ? `Node auto-repair is initiating a ${action} action due to NotReady status persisting >5 minutes. ${REPAIR_DOC}`
      : outcome === 'End'
        ? `${Action} action from node auto-repair has completed. ${REPAIR_DOC}`
        : detail
          ? `Node auto-repair ${action} action failed due to an operation failure. See error details here: ${detail}`
          : `Node auto-repair ${action} action failed due to an operation failure. ${REPAIR_ERRORS_DOC}`;
  kubeEvent(c, minutes, {
    kind: 'Node',
    name: nodeOf(c, pool, i),
    reason: `Node${Action}${outcome}`,
    type: outcome === 'Error' ? 'Warning' : 'Normal',
    source: 'aks-auto-repair',
    message,
  });
}

// A node in the shop cluster goes through the whole ladder: reboot, reimage, redeploy, which fails.
repair(shop, 'userpool', 3, 12, 'reboot', 'Start');
repair(shop, 'userpool', 3, 16, 'reboot', 'End');
repair(shop, 'userpool', 3, 22, 'reimage', 'Start');
repair(shop, 'userpool', 3, 31, 'reimage', 'Error');
repair(shop, 'userpool', 3, 33, 'redeploy', 'Start');
repair(shop, 'userpool', 3, 41, 'redeploy', 'Error', 'ARM ErrorCode: TooManyVMRedeploymentRequests');
// Only Warning events are collected by default: a lone Error row is all the payments cluster has.
repair(payments, 'apps', 1, 95, 'reboot', 'Error', 'ARM ErrorCode: OutboundConnectivityNotEnabledOnVMSS');
repair(data, 'spark', 7, 140, 'reimage', 'Error', 'ARM ErrorCode: VMExtensionProvisioningError');
repair(ml, 'spot', 2, 200, 'redeploy', 'Error', 'ManagedIdentityCredential authentication failed');
repair(staging, 'userpool', 0, 230, 'reboot', 'Error');

/** Spark executors the autoscaler cannot place: the pool is at its maximum. */
function sparkScaleUpBlocked(minutes: number, count: number) {
  kubeEvent(data, minutes, {
    kind: 'Pod',
    name: `spark-exec-${hex(5)}-${hex(5)}`,
    namespace: 'spark-jobs',
    reason: 'NotTriggerScaleUp',
    type: 'Warning',
    source: 'cluster-autoscaler',
    message:
      "pod didn't trigger scale-up: 1 max node group size reached, 2 node(s) didn't match Pod's node affinity/selector",
    count,
  });
}

// Autoscaler Warning events.
sparkScaleUpBlocked(150, 14);
kubeEvent(batch, 260, {
  kind: 'Node',
  name: nodeOf(batch, 'batch', 4),
  reason: 'ScaleDownFailed',
  type: 'Warning',
  source: 'cluster-autoscaler',
  message: 'failed to drain the node, aborting ScaleDown',
});

// Ordinary events: must not become failures.
for (let i = 0; i < 24; i++) {
  const c = pick(FLEET);
  const app = pick(['web', 'api', 'worker', 'cart', 'search']);
  const pod = `${app}-${hex(9)}-${hex(5)}`;
  const which = pick(['Pulled', 'Scheduled', 'BackOff', 'Unhealthy', 'Killing', 'FailedMount'] as const);
  const msg = {
    Pulled: `Successfully pulled image "contoso.azurecr.io/${app}:1.${Math.floor(rand() * 40)}.0" in 2.1s`,
    Scheduled: `Successfully assigned default/${pod} to ${nodeOf(c, 'system', 1)}`,
    BackOff: 'Back-off restarting failed container app in pod',
    Unhealthy: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
    Killing: 'Stopping container app',
    FailedMount:
      'MountVolume.SetUp failed for volume "secrets-store" : rpc error: code = Unknown desc = failed to mount secrets store objects',
  }[which];
  kubeEvent(c, 5 + i * 13, {
    kind: 'Pod',
    name: pod,
    namespace: pick(['default', 'shop', 'payments', 'kube-system']),
    reason: which,
    type: ['Pulled', 'Scheduled', 'Killing'].includes(which) ? 'Normal' : 'Warning',
    source: which === 'Scheduled' ? 'default-scheduler' : 'kubelet',
    message: msg,
  });
}
kubeEvent(shop, 44, {
  kind: 'Node',
  name: nodeOf(shop, 'userpool', 3),
  reason: 'NodeNotReady',
  type: 'Normal',
  source: 'node-controller',
  message: `Node ${nodeOf(shop, 'userpool', 3)} status is now: NodeNotReady`,
});

// ---------------------------------------------------------------- AzureActivity
const activity: Record<string, unknown>[] = [];
interface Operation {
  cluster: Cluster;
  pool?: string;
  op:
    | 'managedClusters/write'
    | 'managedClusters/agentPools/write'
    | 'managedClusters/delete'
    | 'managedClusters/listClusterUserCredential/action';
  minutes: number;
  caller: string;
  /** The statusMessage of the Failure event (JSON as the activity log holds it); none = it succeeded. */
  failure?: { error: unknown; statusCode: string };
  upper?: boolean;
}
function activityEvent(
  o: Operation,
  correlationId: string,
  minutes: number,
  status: string,
  substatus: string,
  props: Record<string, unknown>,
) {
  const resourceId = o.pool ? `${clusterId(o.cluster)}/agentPools/${o.pool}` : clusterId(o.cluster);
  const opName = `Microsoft.ContainerService/${o.op}`;
  activity.push({
    TenantId: TENANT,
    SourceSystem: 'Azure',
    CallerIpAddress: `20.${Math.floor(rand() * 200)}.${Math.floor(rand() * 250)}.${Math.floor(rand() * 250)}`,
    CategoryValue: 'Administrative',
    CorrelationId: correlationId,
    Authorization: '',
    Authorization_d: JSON.stringify({ action: opName, scope: resourceId }),
    Claims: '',
    Level: status === 'Failure' ? 'Error' : 'Informational',
    OperationNameValue: o.upper ? opName.toUpperCase() : opName,
    Properties: '',
    Properties_d: JSON.stringify(props),
    Caller: o.caller,
    EventDataId: guid(),
    EventSubmissionTimestamp: at(minutes),
    HTTPRequest: '',
    OperationId: guid(),
    ResourceGroup: o.cluster.resourceGroup.toUpperCase(),
    ResourceProviderValue: 'MICROSOFT.CONTAINERSERVICE',
    ActivityStatusValue: status,
    ActivitySubstatusValue: substatus,
    Hierarchy: `${TENANT}/${o.cluster.subscriptionId}`,
    TimeGenerated: at(minutes),
    SubscriptionId: o.cluster.subscriptionId,
    OperationName: o.op.endsWith('/write') ? 'Create or Update Managed Cluster' : o.op,
    ActivityStatus: '',
    ActivitySubstatus: '',
    Category: '',
    ResourceId: '',
    ResourceProvider: '',
    Resource: '',
    _ResourceId: resourceId.toLowerCase(),
    Type: 'AzureActivity',
    TableName: 'PrimaryResult',
  });
}
function operation(o: Operation) {
  const correlationId = guid();
  const entity = o.pool ? `${clusterId(o.cluster)}/agentPools/${o.pool}` : clusterId(o.cluster);
  const base = {
    eventCategory: 'Administrative',
    entity,
    message: `Microsoft.ContainerService/${o.op}`,
    hierarchy: `${TENANT}/${o.cluster.subscriptionId}`,
  };
  activityEvent(o, correlationId, o.minutes, 'Start', '', base);
  activityEvent(o, correlationId, o.minutes + 0.05, 'Accept', 'Created', {
    ...base,
    statusCode: 'Created',
    serviceRequestId: guid(),
  });
  const done = o.minutes + 6 + Math.floor(rand() * 20);
  if (o.failure)
    activityEvent(o, correlationId, done, 'Failure', '', {
      ...base,
      statusCode: o.failure.statusCode,
      serviceRequestId: guid(),
      statusMessage: JSON.stringify({ status: 'Failed', ...(o.failure.error as object) }),
    });
  else activityEvent(o, correlationId, done, 'Success', '', { ...base, statusCode: 'OK' });
}

const QUOTA_MESSAGE = (c: Cluster, family: string, limit: number, usage: number, required: number) =>
  `Provisioning of resource(s) for container service ${c.name} in resource group ${c.resourceGroup} failed. Message: Operation could not be completed as it results in exceeding approved ${family} Cores quota. Additional details - Deployment Model: Resource Manager, Location: ${c.location}, Current Limit: ${limit}, Current Usage: ${usage}, Additional Required: ${required}, (Minimum) New Limit Required: ${usage + required}. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/%7B%22subscriptionId%22:%22${c.subscriptionId}%22,%22command%22:%22openQuotaApprovalBlade%22%7D by specifying parameters listed in the 'Details' section for deployment to succeed. Please read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests. Details: `;

/** A payments cluster upgrade whose drain of a node a PodDisruptionBudget blocks. */
function upgradeBlockedByPdb(minutes: number, node: number) {
  operation({
    cluster: payments,
    op: 'managedClusters/write',
    minutes,
    caller: 'platform-pipeline@contoso.com',
    failure: {
      statusCode: 'BadRequest',
      error: {
        error: {
          code: 'UpgradeFailed',
          message: "The resource operation completed with terminal provisioning state 'Failed'.",
          details: [
            {
              code: 'PodDrainFailure',
              message: `Drain node ${nodeOf(payments, 'apps', node)} failed when evicting pod payments-api-${hex(9)}-${hex(5)} failed with Too Many Requests error. This is often caused by a restrictive Pod Disruption Budget (PDB) policy. See http://aka.ms/aks/debugdrainfailures. Original error: Cannot evict pod as it would violate the pod's disruption budget.. PDB debug info: payments/payments-api-${hex(9)}-${hex(5)} blocked by pdb payments-api-pdb with 0 unready pods.`,
            },
          ],
        },
      },
    },
  });
}
/** A scale-out of the data cluster's spark pool past the regional vCPU quota. */
function sparkOverQuota(minutes: number, usage: number, upper: boolean) {
  operation({
    cluster: data,
    pool: 'spark',
    op: 'managedClusters/agentPools/write',
    minutes,
    caller: 'data-platform@contoso.com',
    upper,
    failure: {
      statusCode: 'BadRequest',
      error: {
        error: { code: 'QuotaExceeded', message: QUOTA_MESSAGE(data, 'standardDSv3Family', 200, usage, 32) },
      },
    },
  });
}
/** The ML automation hammering the cluster API until ARM throttles it. */
function mlThrottled(minutes: number, retryAfterSeconds: number) {
  operation({
    cluster: ml,
    op: 'managedClusters/write',
    minutes,
    caller: 'ml-automation-sp',
    failure: {
      statusCode: 'TooManyRequests',
      error: {
        error: {
          code: 'SubscriptionRequestsThrottled',
          message: `Number of 'write' requests for subscription '${ml.subscriptionId}' actor '${guid()}' on scope 'subscription' exceeded. Please try again after ${String(retryAfterSeconds)} seconds.`,
        },
      },
    },
  });
}

// Failed upgrade: a PodDisruptionBudget blocks the drain.
upgradeBlockedByPdb(60, 0);
// Failed scale-out: regional vCPU quota.
sparkOverQuota(120, 192, true);
// New node pool in a full subnet.
operation({
  cluster: staging,
  pool: 'userpool',
  op: 'managedClusters/agentPools/write',
  minutes: 75,
  caller: 'dev-lead@contoso.com',
  failure: {
    statusCode: 'BadRequest',
    error: {
      error: {
        code: 'ResourceOperationFailure',
        message: "The resource operation completed with terminal provisioning state 'Failed'.",
        details: [
          {
            code: 'SubnetIsFull',
            message: `Subnet /subscriptions/${staging.subscriptionId}/resourceGroups/rg-net-staging/providers/Microsoft.Network/virtualNetworks/vnet-staging/subnets/snet-aks-nodes with address prefix 10.42.0.0/26 does not have enough capacity for 8 IP addresses.`,
          },
        ],
      },
    },
  },
});
// Throttled: a script hammering the cluster API.
mlThrottled(185, 17);
// GPU pool: zonal capacity.
operation({
  cluster: data,
  pool: 'gpu',
  op: 'managedClusters/agentPools/write',
  minutes: 210,
  caller: 'data-platform@contoso.com',
  failure: {
    statusCode: 'Conflict',
    error: {
      error: {
        code: 'ZonalAllocationFailed',
        message: `Allocation failed. We do not have sufficient capacity for the requested VM size Standard_NC24ads_A100_v4 in this zone. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance`,
      },
    },
  },
});
// Node pool creation: the CSE could not reach the API server.
operation({
  cluster: batch,
  pool: 'batch',
  op: 'managedClusters/agentPools/write',
  minutes: 250,
  caller: 'batch-team@contoso.com',
  failure: {
    statusCode: 'BadRequest',
    error: {
      error: {
        code: 'VMExtensionProvisioningError',
        message: `Unable to establish connection from agents to Kubernetes API server, please see https://aka.ms/aks-required-ports-and-addresses for more information. Details: Code="VMExtensionProvisioningError" Message="VM has reported a failure when processing extension 'vmssCSE'. Error message: \\"Enable failed: failed to execute command: command terminated with exit status=51\\n[stdout]\\n{ \\"ExitCode\\": \\"51\\", \\"Output\\": \\"K8SAPIServerConnFailVMExtensionError\\" }"`,
        details: [
          {
            code: 'K8SAPIServerConnFailVMExtensionError',
            message:
              'VM extension vmssCSE exited with status 51: cannot connect to the Kubernetes API server',
          },
        ],
      },
    },
  },
});
// Ordinary operations that succeeded.
for (let i = 0; i < 8; i++)
  operation({
    cluster: pick(FLEET),
    op: pick([
      'managedClusters/write',
      'managedClusters/agentPools/write',
      'managedClusters/listClusterUserCredential/action',
    ] as const),
    ...(rand() < 0.5 ? { pool: 'system' } : {}),
    minutes: 10 + i * 30,
    caller: pick(['platform-pipeline@contoso.com', 'dev-lead@contoso.com', 'aks-remediator']),
    upper: rand() < 0.5,
  });
// A failure of another provider: not an AKS failure.
activity.push({
  ...(activity[0] as Record<string, unknown>),
  EventDataId: guid(),
  CorrelationId: guid(),
  OperationNameValue: 'MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE',
  ActivityStatusValue: 'Failure',
  Level: 'Error',
  TimeGenerated: at(170),
  _ResourceId: `/subscriptions/${SUB_PROD}/resourcegroups/rg-shop-prod/providers/microsoft.storage/storageaccounts/stshopprod${digits(4)}`,
  Properties_d: JSON.stringify({
    statusCode: 'Conflict',
    statusMessage: JSON.stringify({
      error: {
        code: 'StorageAccountAlreadyTaken',
        message: 'The storage account named stshopprod is already taken.',
      },
    }),
  }),
});

// ---------------------------------------------------------------- AKSControlPlane (resource-specific mode)
const controlPlane: Record<string, unknown>[] = [];
const klog = (level: 'I' | 'W' | 'E', minutes: number, site: string, text: string) => {
  const d = new Date(START + minutes * 60_000);
  const mmdd = `${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${level}${mmdd} ${d.toISOString().slice(11, 19)}.${digits(6)}       1 ${site}] ${text}`;
};
function cpLine(c: Cluster, minutes: number, category: string, message: string, level: string) {
  controlPlane.push({
    TimeGenerated: at(minutes),
    Category: category,
    Level: level,
    Message: message,
    PodName:
      category === 'cluster-autoscaler'
        ? `cluster-autoscaler-${hex(9)}-${hex(5)}`
        : `kube-apiserver-${hex(9)}-${hex(5)}`,
    Stream: 'stderr',
    SourceSystem: 'Azure',
    TenantId: TENANT,
    _SubscriptionId: c.subscriptionId,
    _ResourceId: laId(c),
    Type: 'AKSControlPlane',
    TableName: 'PrimaryResult',
  });
}
cpLine(
  data,
  121,
  'cluster-autoscaler',
  klog(
    'E',
    121,
    'azure_scale_set.go:184',
    `Failed to update the capacity for ${poolOf(data, 'spark').vmss}: Retriable: false, RetryAfter: 0s, HTTPStatusCode: 409, RawError: {"error":{"code":"OperationNotAllowed","message":"Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: eastus, Current Limit: 200, Current Usage: 192, Additional Required: 16, (Minimum) New Limit Required: 208."}}`,
  ),
  'ERROR',
);
cpLine(
  data,
  122,
  'cluster-autoscaler',
  klog(
    'W',
    122,
    'clusterstate.go:457',
    `Disabling scale-up for node group ${poolOf(data, 'spark').vmss} until 2026-11-20 08:07:12.34 +0000 UTC; errorClass=OutOfResource; errorCode=QuotaExceeded`,
  ),
  'WARNING',
);
cpLine(
  data,
  211,
  'cluster-autoscaler',
  klog(
    'E',
    211,
    'azure_scale_set.go:184',
    `Failed to update the capacity for ${poolOf(data, 'gpu').vmss}: Retriable: false, RetryAfter: 0s, HTTPStatusCode: 409, RawError: {"error":{"code":"ZonalAllocationFailed","message":"Allocation failed. We do not have sufficient capacity for the requested VM size in this zone."}}`,
  ),
  'ERROR',
);
cpLine(
  ml,
  186,
  'cluster-autoscaler',
  klog(
    'W',
    186,
    'azure_scale_set.go:320',
    `Failed to get instances for ${poolOf(ml, 'spot').vmss}: Retriable: true, RetryAfter: 17s, HTTPStatusCode: 429, RawError: {"error":{"code":"TooManyRequests","message":"The request is being throttled as the limit has been reached for operation type - Read_30Min."}}`,
  ),
  'WARNING',
);
for (let i = 0; i < 12; i++) {
  const c = pick([data, ml, shop]);
  cpLine(
    c,
    3 + i * 20,
    'cluster-autoscaler',
    klog(
      'I',
      3 + i * 20,
      'static_autoscaler.go:290',
      pick([
        'Starting main loop',
        `Scale-up: setting group ${poolOf(c, 'system').vmss} size to 3`,
        'No unschedulable pods',
        'Calculating unneeded nodes',
      ]),
    ),
    'INFO',
  );
}
cpLine(
  shop,
  77,
  'kube-apiserver',
  klog('E', 77, 'status.go:71', 'apiserver received an error that is not an metav1.Status: context canceled'),
  'ERROR',
);

// ---------------------------------------------------------------- AzureDiagnostics (legacy mode)
const diagnostics: Record<string, unknown>[] = [];
function diagLine(c: Cluster, minutes: number, category: string, line: string) {
  diagnostics.push({
    TenantId: TENANT,
    TimeGenerated: at(minutes),
    ResourceId: clusterId(c).toUpperCase(),
    Category: category,
    ResourceGroup: c.resourceGroup.toUpperCase(),
    SubscriptionId: c.subscriptionId,
    ResourceProvider: 'MICROSOFT.CONTAINERSERVICE',
    Resource: c.name.toUpperCase(),
    ResourceType: 'MANAGEDCLUSTERS',
    OperationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
    log_s: line,
    pod_s: `cluster-autoscaler-${hex(9)}-${hex(5)}`,
    stream_s: 'stderr',
    SourceSystem: 'Azure',
    _ResourceId: laId(c),
    Type: 'AzureDiagnostics',
    TableName: 'PrimaryResult',
  });
}
diagLine(
  batch,
  262,
  'cluster-autoscaler',
  klog(
    'E',
    262,
    'scale_down.go:1023',
    `Failed to drain node ${nodeOf(batch, 'batch', 4)}: pods remaining after timeout: batch-jobs/ingest-${hex(5)}`,
  ),
);
diagLine(
  batch,
  263,
  'cluster-autoscaler',
  klog(
    'W',
    263,
    'scale_up.go:740',
    `Node group ${poolOf(batch, 'batch').vmss} is not ready for scaleup - backoff with status: {true {OutOfResource SkuNotAvailable The requested VM size Standard_F8s_v2 is currently not available in location westeurope}}`,
  ),
);
for (let i = 0; i < 6; i++)
  diagLine(
    batch,
    240 + i * 5,
    'cluster-autoscaler',
    klog('I', 240 + i * 5, 'static_autoscaler.go:290', 'Starting main loop'),
  );
diagLine(
  batch,
  245,
  'kube-audit',
  JSON.stringify({ kind: 'Event', verb: 'get', requestURI: '/api/v1/namespaces/default/pods' }),
);

// ---------------------------------------------------------------- later that day, and the day before
// (Generated after everything above, so the rows above keep their random values.)

// The shop node that went through the whole ladder this morning is back under repair at 11:00: a
// second episode, which makes it a node to replace.
repair(shop, 'userpool', 3, 300, 'reboot', 'Start');
repair(shop, 'userpool', 3, 309, 'reboot', 'Error');

const DAY = 24 * 60;
// The day before: the same node had a failed repair, the payments upgrade was blocked by the same
// PodDisruptionBudget, the spark pool hit the same quota and the ML automation was throttled; a
// GPU pool upgrade failure did not happen again.
repair(shop, 'userpool', 3, 400 - DAY, 'reboot', 'Start');
repair(shop, 'userpool', 3, 408 - DAY, 'reboot', 'Error');
upgradeBlockedByPdb(150 - DAY, 1);
sparkOverQuota(200 - DAY, 184, false);
mlThrottled(320 - DAY, 12);
operation({
  cluster: data,
  pool: 'gpu',
  op: 'managedClusters/agentPools/write',
  minutes: 480 - DAY,
  caller: 'data-platform@contoso.com',
  failure: {
    statusCode: 'BadRequest',
    error: {
      error: {
        code: 'OperationNotAllowed',
        message:
          'Operation is not allowed because there is an in progress operation on the managed cluster. Please wait for the operation to complete.',
      },
    },
  },
});
sparkScaleUpBlocked(170 - DAY, 9);

// ---------------------------------------------------------------- Resource Manager and Event Grid
/** `az aks list -o json`, trimmed to what the context look-up reads. */
const managedClusters = FLEET.map((c) => ({
  id: clusterId(c),
  name: c.name,
  type: 'Microsoft.ContainerService/ManagedClusters',
  location: c.location,
  resourceGroup: c.resourceGroup,
  kubernetesVersion: c.kubernetesVersion,
  currentKubernetesVersion: c.kubernetesVersion,
  provisioningState: 'Succeeded',
  powerState: { code: 'Running' },
  agentPoolProfiles: c.pools.map((p) => {
    // The GPU pool stayed on the previous minor when the control plane was upgraded.
    const version = p.name === 'gpu' ? '1.32.9' : c.kubernetesVersion;
    const system = p.name === 'system';
    return {
      name: p.name,
      count: system ? 3 : 5,
      vmSize: p.vmSize,
      mode: system ? 'System' : 'User',
      osType: 'Linux',
      orchestratorVersion: version,
      currentOrchestratorVersion: version,
      enableAutoScaling: !system,
      ...(system ? {} : { minCount: 1, maxCount: 10 }),
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
    };
  }),
}));

/** What Event Grid delivers to the aksEvents function (Event Grid schema). */
const eventGrid = [
  {
    topic: clusterId(ml),
    subject: ml.name,
    eventType: 'Microsoft.ContainerService.ClusterSupportEnding',
    id: guid(),
    data: { kubernetesVersion: ml.kubernetesVersion },
    dataVersion: '1',
    metadataVersion: '1',
    eventTime: new Date(START - 60 * 60_000).toISOString(),
  },
];

// ---------------------------------------------------------------- write
const byTime = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.TimeGenerated).localeCompare(String(b.TimeGenerated));
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
mkdirSync(OUT, { recursive: true });
const files: [string, Record<string, unknown>[]][] = [
  ['kubeEvents.json', kubeEvents],
  ['azureActivity.json', activity],
  ['aksControlPlane.json', controlPlane],
  ['azureDiagnostics.json', diagnostics],
];
for (const [name, rows] of files) {
  writeFileSync(join(OUT, name), json(rows.sort(byTime)));
  console.log(`${join(OUT, name)}: ${rows.length} rows`);
}
for (const [dir, name, value] of [
  ['arm', 'managedClusters.json', managedClusters],
  ['eventGrid', 'events.json', eventGrid],
] as const) {
  mkdirSync(join(OUT, dir), { recursive: true });
  writeFileSync(join(OUT, dir, name), json(value));
  console.log(`${join(OUT, dir, name)}: ${value.length} items`);
}
