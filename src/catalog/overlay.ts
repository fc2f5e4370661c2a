import type { Category, Severity } from '../model.js';

/**
 * What the upstream pages lack, kept by hand: which upstream rows make up each catalog entry, the
 * spellings the error appears under in real messages, how to recognise prose-only errors, the
 * category and default severity, and for the node auto-repair rows (blank upstream) their causes
 * and next steps.
 */
export interface OverlayEntry {
  /** The catalog code: the error code as AKS / ARM report it, or the upstream name for prose-only rows. */
  code: string;
  /** Upstream first-column headings this entry stands for (every upstream row is claimed exactly once). */
  rows: string[];
  /** Other code spellings that mean the same error (matched like the code). */
  aliases?: string[];
  /**
   * Regular-expression sources (case-insensitive, no capture groups) for errors that real messages
   * state in prose rather than as a code.
   */
  phrases?: string[];
  /** Linux node-bootstrap (vmssCSE) exit statuses that mean this error. */
  exitStatuses?: number[];
  /** Windows node-bootstrap exit codes that mean this error. */
  windowsExitCodes?: number[];
  /** The code is an ordinary word: match it only where it stands as an error code. */
  needsCodeContext?: boolean;
  /** A broad code that a more specific match in the same text should outrank. */
  generic?: boolean;
  /** Only meaningful in a node auto-repair message (the code means something else elsewhere). */
  autoRepairOnly?: boolean;
  title: string;
  category: Category;
  severity: Severity;
  /** Meaning and mitigation, where upstream leaves them blank. */
  meaning?: string;
  mitigation?: string;
  /** A documentation page, where upstream gives none. */
  docUrl?: string;
}

const AUTO_REPAIR_DOC =
  'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/availability-performance/node-auto-repair-errors';
const NODE_NOT_READY_DOC =
  'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/availability-performance/node-not-ready-basic-troubleshooting';

export const OVERLAY: readonly OverlayEntry[] = [
  // A-K
  {
    code: 'AADSTS7000222',
    rows: ['AADSTS7000222 - BadRequest or InvalidClientSecret', 'BadRequest or InvalidClientSecret'],
    aliases: ['InvalidClientSecret', 'AADSTS7000215'],
    phrases: [
      'client secret keys? (?:for app .{1,80} )?(?:are|is) expired',
      'invalid client secret (?:is )?provided',
    ],
    title: 'Service principal secret invalid or expired',
    category: 'auth',
    severity: 'error',
  },
  {
    code: 'AksCapacityHeavyUsage',
    rows: ['AKSCapacityError', 'AksCapacityHeavyUsage'],
    aliases: ['AKSCapacityError'],
    title: 'Not enough AKS capacity in the region',
    category: 'capacity',
    severity: 'error',
  },
  {
    code: 'AKSOperationPreempted',
    rows: ['AKSOperationPreempted'],
    aliases: ['AKSOperationPreemptedByDelete', 'OperationPreempted'],
    title: 'Operation preempted by another operation on the cluster',
    category: 'lifecycle',
    severity: 'warning',
  },
  {
    code: 'AKS upgrade blocked',
    rows: ['AKS upgrade blocked'],
    aliases: ['UpgradeBlocked'],
    phrases: [
      'upgrade (?:is |was )?blocked',
      'is not (?:a )?supported upgrade',
      'upgrading kubernetes version [0-9.]+ to [0-9.]+ is not allowed',
      'unsupported upgrade path',
    ],
    title: 'Upgrade blocked by version skew or an unsupported path',
    category: 'upgrade',
    severity: 'error',
  },
  {
    code: 'Argument list too long',
    rows: ['Argument list too long'],
    phrases: ['argument list too long'],
    title: 'Application failed: argument list too long',
    category: 'configuration',
    severity: 'warning',
  },
  {
    code: 'AvailabilityZoneNotSupported',
    rows: ['AvailabilityZoneNotSupported'],
    title: 'Availability zone not supported for this VM size or region',
    category: 'capacity',
    severity: 'error',
  },
  {
    code: 'CannotDeleteLoadBalancerWithPrivateLinkService',
    rows: [
      'CannotDeleteLoadBalancerWithPrivateLinkService or PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted',
      'LB/PvtLinkSvcWithPvtEndptConn deletion error',
    ],
    aliases: ['PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted'],
    title: 'Load balancer with a private link service cannot be deleted',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: "Can't scale cluster autoscaler-enabled node pool",
    rows: ["Can't scale cluster autoscaler-enabled node pool"],
    phrases: [
      "can(?:no|')?t (?:manually )?scale (?:a |the )?(?:cluster[- ])?autoscaler[- ]enabled (?:node|agent) ?pool",
      'cannot (?:manually )?scale (?:a |the )?(?:node|agent) ?pool (?:with|that has) (?:the )?(?:cluster )?autoscaler enabled',
    ],
    title: 'Manual scale of an autoscaler-enabled node pool',
    category: 'autoscaler',
    severity: 'warning',
  },
  {
    code: 'PropertyChangeNotAllowed (imageReference)',
    rows: ['Changing property "imageReference" is not allowed'],
    phrases: [`changing property '?"?imageReference'?"? is not allowed`],
    title: 'Changing the node image reference is not allowed',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'CniDownloadTimeoutVMExtensionError',
    rows: ['CniDownloadTimeoutVMExtensionError (41)', 'VMExtensionError_CniDownloadTimeout'],
    aliases: ['VMExtensionError_CniDownloadTimeout', 'ERR_CNI_DOWNLOAD_TIMEOUT'],
    exitStatuses: [41],
    title: 'Node could not download the CNI plugin',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'CreateOrUpdateVirtualNetworkLinkFailed',
    rows: ['CreateOrUpdateVirtualNetworkLinkFailed'],
    title: 'Private DNS zone virtual network link failed',
    category: 'dns',
    severity: 'error',
  },
  {
    code: 'CustomPrivateDNSZoneMissingPermissionError',
    rows: ['CustomPrivateDNSZoneMissingPermissionError'],
    aliases: ['CustomPrivateDNSZoneMissingPermission'],
    title: 'Missing permission on the custom private DNS zone',
    category: 'auth',
    severity: 'error',
  },
  {
    code: 'DnsServiceIpOutOfServiceCidr',
    rows: ['DnsServiceIpOutOfServiceCidr'],
    title: 'DNS service IP outside the service CIDR',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'ERR_VHD_FILE_NOT_FOUND',
    rows: ['ERR_VHD_FILE_NOT_FOUND (65)', 'VMExtensionError_VHDFileNotFound'],
    aliases: ['VMExtensionError_VHDFileNotFound', 'VHDFileNotFoundVMExtensionError'],
    exitStatuses: [65, 124],
    title: 'Node image VHD file not found',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'Error from server - error dialing backend - dial tcp',
    rows: ['Error from server - error dialing backend - dial tcp'],
    phrases: ['error dialing backend'],
    title: 'API server cannot reach the node (error dialing backend)',
    category: 'connectivity',
    severity: 'error',
  },
  {
    code: 'Failed to fix node group sizes',
    rows: ['Failed to fix node group sizes'],
    phrases: ['failed to fix node group sizes?'],
    title: 'Cluster autoscaler failed to fix node group sizes',
    category: 'autoscaler',
    severity: 'warning',
  },
  {
    code: 'InsufficientSubnetSize',
    rows: ['InsufficientSubnetSize'],
    phrases: ['pre-allocated IPs \\d+ exceeds IPs available'],
    title: 'Subnet too small for the node pool',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'InUseRouteTableCannotBeDeleted',
    rows: ['InUseRouteTableCannotBeDeleted'],
    title: 'Route table in use cannot be deleted',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: 'InvalidLoadBalancerProfileAllocatedOutboundPorts',
    rows: ['InvalidLoadBalancerProfileAllocatedOutboundPorts'],
    title: 'Invalid allocated outbound ports on the load balancer profile',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'InvalidParameter',
    rows: ['InvalidParameter'],
    phrases: ['the value of parameter [\\w.]+ is invalid'],
    generic: true,
    title: 'Invalid parameter in the request',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'InvalidResourceReference',
    rows: ['InvalidResourceReference'],
    title: 'Reference to a resource that is malformed or gone',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'K8SAPIServerConnFailVMExtensionError',
    rows: ['K8SAPIServerConnFailVMExtensionError (51)', 'VMExtensionError_K8SAPIServerConnFail'],
    aliases: ['VMExtensionError_K8SAPIServerConnFail', 'ERR_K8S_API_SERVER_CONN_FAIL'],
    phrases: ['agents are unable to establish (?:a )?connection to (?:the )?Kubernetes API server'],
    exitStatuses: [51],
    title: 'Node could not connect to the API server',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'K8SAPIServerDNSLookupFailVMExtensionError',
    rows: ['K8SAPIServerDNSLookupFailVMExtensionError (52)', 'VMExtensionError_K8SAPIServerDNSLookupFail'],
    aliases: [
      'VMExtensionError_K8SAPIServerDNSLookupFail',
      'ERR_K8S_API_SERVER_DNS_LOOKUP_FAIL',
      'ERR_K8S_API_SERVER_AZURE_DNS_LOOKUP_FAIL',
    ],
    phrases: ['agents are unable to resolve (?:the )?Kubernetes API server name'],
    exitStatuses: [52, 53],
    title: 'Node could not resolve the API server name',
    category: 'dns',
    severity: 'error',
  },
  {
    code: 'Known issues - Custom kubelet configuration on Windows',
    rows: ['Known issues - Custom kubelet configuration on Windows'],
    phrases: [
      'custom kubelet config(?:uration)?[^.\\n]{0,60}windows',
      'windows[^.\\n]{0,60}(?:custom )?kubelet ?config(?:uration)?',
    ],
    title: 'Custom kubelet configuration on Windows nodes',
    category: 'configuration',
    severity: 'warning',
  },
  // L-S
  {
    code: 'LinkedAuthorizationFailed',
    rows: ['LinkedAuthorizationFailed'],
    title: 'No permission on a linked resource',
    category: 'auth',
    severity: 'error',
  },
  {
    code: 'LoadBalancerInUseByVirtualMachineScaleSet',
    rows: [
      'LoadBalancerInUseByVirtualMachineScaleSet',
      'LoadBalancerInUseByVirtualMachineScaleSet or NetworkSecurityGroupInUseByVirtualMachineScaleSet',
    ],
    title: 'Load balancer in use by a VM scale set',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: 'Missing or invalid service principal',
    rows: ['Missing or invalid service principal'],
    // AADSTS700016: the application (the service principal's app) is not in the tenant.
    aliases: ['ServicePrincipalNotFound', 'InvalidServicePrincipal', 'AADSTS700016'],
    phrases: [
      'service principal[^.\\n]{0,80}(?:not found|does not exist|doesn.t exist|is invalid|has expired|is expired)',
      'credentials in ServicePrincipalProfile were invalid',
    ],
    title: 'Service principal missing, expired or without permissions',
    category: 'auth',
    severity: 'error',
  },
  {
    code: 'MissingSubscriptionRegistration',
    rows: ['MissingSubscriptionRegistration'],
    title: 'Resource provider not registered on the subscription',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'NetworkSecurityGroupInUseByVirtualMachineScaleSet',
    rows: ['NetworkSecurityGroupInUseByVirtualMachineScaleSet'],
    title: 'Network security group in use by a VM scale set',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: 'NodePoolMcVersionIncompatible',
    rows: ['NodePoolMcVersionIncompatible'],
    title: 'Node pool version incompatible with the control plane',
    category: 'upgrade',
    severity: 'error',
  },
  {
    code: 'OperationNotAllowed',
    rows: ['OperationIsNotAllowed'],
    aliases: ['OperationIsNotAllowed'],
    // Another operation on the cluster or node pool still running (https://aka.ms/aks-pending-operation).
    phrases: ['(?:is )?in progress,? please wait for it to finish'],
    generic: true,
    title: 'Operation not allowed in the cluster state',
    category: 'lifecycle',
    severity: 'warning',
  },
  {
    code: 'OrasPullNetworkTimeoutVMExtensionError',
    rows: ['OrasPullNetworkTimeoutVMExtensionError'],
    aliases: ['VMExtensionError_OrasPullNetworkTimeout'],
    title: 'Node timed out pulling artifacts (ORAS) during bootstrap',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'OrasPullUnauthorizedVMExtensionError',
    rows: ['OrasPullUnauthorizedVMExtensionError'],
    aliases: ['VMExtensionError_OrasPullUnauthorized'],
    title: 'Node not authorised to pull artifacts (ORAS) during bootstrap',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'OutboundConnFailVMExtensionError',
    rows: ['OutboundConnFailVMExtensionError (50)', 'VMExtensionError_OutboundConnFail'],
    aliases: ['VMExtensionError_OutboundConnFail', 'ERR_OUTBOUND_CONN_FAIL'],
    exitStatuses: [50],
    title: 'Node has no outbound connectivity',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'InUseSubnetCannotBeDeleted',
    rows: [
      'PublicIPAddr/InUseSubnet/NetSecGrp deletion error',
      'PublicIPAddressCannotBeDeleted, InUseSubnetCannotBeDeleted, or InUseNetworkSecurityGroupCannotBeDeleted',
    ],
    aliases: ['PublicIPAddressCannotBeDeleted', 'InUseNetworkSecurityGroupCannotBeDeleted'],
    title: 'Public IP, subnet or NSG in use cannot be deleted',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: 'PublicIPCountLimitReached',
    rows: ['PublicIPCountLimitReached', 'OperationNotAllowed or PublicIPCountLimitReached'],
    phrases: ['public ip (?:address(?:es)? )?(?:count )?limit'],
    title: 'Public IP address limit reached',
    category: 'quota',
    severity: 'error',
  },
  {
    code: 'QuotaExceeded',
    rows: [
      'QuotaExceeded or InsufficientVCPUQuota',
      'QuotaExceeded or InsufficientVCPUQuota (creation/upgrade)',
    ],
    aliases: ['InsufficientVCPUQuota', 'ErrCode_InsufficientVCPUQuota'],
    phrases: [
      'exceeding approved [^.\\n]{0,80}quota',
      'insufficient (?:regional )?vcpu quota',
      // Compute's older wording: "results in exceeding quota limit(s) of standardDSv3Family Cores".
      'exceeding (?:the )?quota limits? of',
    ],
    title: 'vCPU quota exceeded',
    category: 'quota',
    severity: 'error',
  },
  {
    code: 'RequestDisallowedByPolicy',
    rows: ['RequestDisallowedByPolicy'],
    phrases: ['was disallowed by policy'],
    title: 'Request denied by Azure Policy',
    category: 'policy',
    severity: 'error',
  },
  {
    code: 'ServiceCidrOverlapExistingSubnetsCidr',
    rows: ['ServiceCidrOverlapExistingSubnetsCidr'],
    title: 'Service CIDR overlaps a subnet',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'ServicePrincipalValidationClientError',
    rows: ['ServicePrincipalValidationClientError'],
    title: 'Service principal validation failed',
    category: 'auth',
    severity: 'error',
  },
  {
    code: 'SubnetIsDelegated',
    rows: ['SubnetIsDelegated'],
    title: 'Subnet is delegated to another service',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'SubnetIsFull',
    rows: ['SubnetIsFull', 'SubnetIsFull (upgrade)'],
    phrases: ['does not have enough capacity for \\d+ IP address'],
    title: 'Subnet has no free IP addresses',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'SubnetWithExternalResourcesCannotBeUsedByOtherResources',
    rows: ['SubnetWithExternalResourcesCannotBeUsedByOtherResources'],
    title: 'Subnet holds resources of other services',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'SubscriptionRequestsThrottled',
    rows: ['SubscriptionRequestsThrottled', 'SubscriptionRequestsThrottled (429)'],
    phrases: ["number of (?:'?\\w+'? )?requests for subscription '[^'\\n]{1,80}'[^\\n]{0,200} exceeded the"],
    title: 'Subscription requests throttled',
    category: 'throttling',
    severity: 'warning',
  },
  // T-Z
  {
    code: 'TCP time-outs such as 10250 I/O',
    rows: ['TCP time-outs such as 10250 I/O'],
    phrases: ['dial tcp [0-9.]+:10250[^\\n]{0,80}(?:i/o timeout|timed out)', '10250[^\\n]{0,40}i/o timeout'],
    title: 'Time-outs reaching the kubelet on port 10250',
    category: 'connectivity',
    severity: 'error',
  },
  {
    code: 'Throttled',
    rows: ['Throttled', 'Throttled (429)'],
    // A 429 answer often carries a code that says nothing of throttling (OperationNotAllowed).
    phrases: ['status ?(?:code)?\\s*[=:]\\s*429\\b', 'response 429\\b'],
    needsCodeContext: true,
    title: 'Azure Resource Manager throttled the requests',
    category: 'throttling',
    severity: 'warning',
  },
  {
    code: 'tls - client offered only unsupported versions',
    rows: ['tls - client offered only unsupported versions'],
    phrases: ['client offered only unsupported versions'],
    title: 'Client offered only unsupported TLS versions',
    category: 'connectivity',
    severity: 'warning',
  },
  {
    code: 'TooManyRequestsReceived',
    rows: ['TooManyRequestsReceived or SubscriptionRequestsThrottled'],
    aliases: ['TooManyRequests'],
    title: 'Too many requests received',
    category: 'throttling',
    severity: 'warning',
  },
  {
    code: 'UnsatisfiablePDB',
    rows: ['UnsatisfiablePDB'],
    // A drain blocked by a disruption budget surfaces as PodDrainFailure on upgrades and scale-downs.
    aliases: ['PodDrainFailure'],
    phrases: ['would violate the pod.s disruption budget'],
    title: 'Pod disruption budget blocks the drain',
    category: 'upgrade',
    severity: 'error',
  },
  {
    code: 'Upgrade issues with Gen2 VMs on Windows AKS cluster',
    rows: ['Upgrade issues with Gen2 VMs on Windows AKS cluster'],
    phrases: ['gen ?2[^.\\n]{0,80}windows', 'windows[^.\\n]{0,80}gen ?2'],
    title: 'Windows node pools not moved to Gen2 VMs on upgrade',
    category: 'upgrade',
    severity: 'warning',
  },
  {
    code: 'VirtualNetworkNotInSucceededState',
    rows: ['VirtualNetworkNotInSucceededState'],
    title: 'Virtual network is not in the Succeeded state',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'VMExtensionProvisioningTimeout',
    rows: ['VMExtensionProvisioningTimeout', 'VMExtensionError_ProvisioningTimeout'],
    aliases: ['VMExtensionError_ProvisioningTimeout'],
    title: 'VM extension provisioning timed out',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'WINDOWS_CSE_ERROR_CHECK_API_SERVER_CONNECTIVITY',
    rows: [
      'WINDOWS_CSE_ERROR_CHECK_API_SERVER_CONNECTIVITY',
      'WINDOWS_CSE_ERROR_CHECK_API_SERVER_CONNECTIVITY (5)',
    ],
    windowsExitCodes: [5],
    title: 'Windows node could not reach the API server',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'ZonalAllocationFailed',
    rows: ['ZonalAllocationFailed, AllocationFailed, or OverconstrainedAllocationRequest'],
    aliases: [
      'AllocationFailed',
      'OverconstrainedAllocationRequest',
      'OverconstrainedZonalAllocationRequest',
    ],
    phrases: [
      'allocation failed\\. (?:we do not have sufficient capacity|VM\\(s\\) with the following constraints cannot be allocated)',
    ],
    title: 'VM allocation failed (capacity, zone or constraints)',
    category: 'capacity',
    severity: 'error',
  },
  // Node auto-repair (upstream leaves causes and next steps blank)
  {
    code: 'NodeAutoRepair/ClientSecretCredential',
    rows: ['ClientSecretCredential authentication failed'],
    phrases: ['ClientSecretCredential authentication failed'],
    title: 'Node auto-repair failed: service principal authentication',
    category: 'auto-repair',
    severity: 'error',
    meaning:
      'Auto-repair could not authenticate with the cluster service principal: its secret is most likely expired, rotated or deleted, so the repair action never reached the VM.',
    mitigation:
      'Check the service principal secret (az ad app credential list) and reset it with az aks update-credentials --reset-service-principal; consider moving the cluster to a managed identity. Then repair the NotReady node by hand.',
    docUrl: AUTO_REPAIR_DOC,
  },
  {
    code: 'NodeAutoRepair/VMExtensionProvisioningError',
    rows: ['ARM ErrorCode: VMExtensionProvisioningError'],
    aliases: ['VMExtensionProvisioningError'],
    autoRepairOnly: true,
    title: 'Node auto-repair failed: VM extension provisioning error',
    category: 'auto-repair',
    severity: 'error',
    meaning:
      'The reimage or redeploy recreated the VM, but a VM extension (usually the node bootstrap, vmssCSE) failed on it, so the node still cannot join.',
    mitigation:
      'Read the extension status of the VM instance in the portal or with az vmss get-instance-view for the exit status, and fix the cause it names (outbound connectivity, DNS, API server reachability); then reimage the node.',
    docUrl: AUTO_REPAIR_DOC,
  },
  {
    code: 'NodeAutoRepair/InvalidParameter',
    rows: ['ARM ErrorCode: InvalidParameter'],
    aliases: ['InvalidParameter'],
    autoRepairOnly: true,
    title: 'Node auto-repair failed: the VM no longer exists',
    category: 'auto-repair',
    severity: 'warning',
    meaning:
      'Auto-repair asked for a VM instance that no longer exists (it was scaled in, deleted or replaced while the repair ran); this is an internal condition, not a cluster problem.',
    mitigation:
      'No action unless the node keeps showing symptoms; if it does, check that the node object matches a VMSS instance, cordon and delete a stale node, and contact Azure support if it returns.',
    docUrl: AUTO_REPAIR_DOC,
  },
  {
    code: 'NodeAutoRepair/ScaleSetNameFromProviderID',
    rows: ['scaleSetNameAndInstanceIDFromProviderID failed'],
    phrases: ['scaleSetNameAndInstanceIDFromProviderID failed'],
    title: 'Node auto-repair failed: cannot map the node to its VM',
    category: 'auto-repair',
    severity: 'warning',
    meaning:
      "Auto-repair could not work out the node's scale set and instance from its provider ID; the node was probably not provisioned correctly.",
    mitigation:
      'Compare the node spec.providerID with the VMSS instances; cordon, drain and delete the node so a healthy one replaces it, and contact Azure support if it keeps happening.',
    docUrl: AUTO_REPAIR_DOC,
  },
  {
    code: 'NodeAutoRepair/ManagedIdentityCredential',
    rows: ['ManagedIdentityCredential authentication failed'],
    phrases: ['ManagedIdentityCredential authentication failed'],
    title: 'Node auto-repair failed: managed identity authentication',
    category: 'auto-repair',
    severity: 'warning',
    meaning:
      'Auto-repair could not get a token with the managed identity, most likely because the node was not initialised properly.',
    mitigation:
      "Check the cluster's identity and its role assignments on the node resource group, then repair the node by hand (reimage it); contact Azure support if the error persists.",
    docUrl: AUTO_REPAIR_DOC,
  },
  {
    code: 'VMRedeploymentFailed',
    rows: ['ARM ErrorCode: VMRedeploymentFailed'],
    title: 'Node auto-repair redeploy failed',
    category: 'auto-repair',
    severity: 'error',
    meaning:
      'The redeploy action failed; this can leave the node pool in a Failed provisioning state, which blocks later operations on it.',
    mitigation:
      'Check the node pool provisioning state; if it is Failed, reconcile it (az aks nodepool update with no changes, or az resource update on the cluster), then repair or replace the node.',
    docUrl:
      'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/availability-performance/cluster-node-virtual-machine-failed-state',
  },
  {
    code: 'TooManyVMRedeploymentRequests',
    rows: ['ARM ErrorCode: TooManyVMRedeploymentRequests'],
    title: 'Node auto-repair cannot redeploy: too many redeploy requests',
    category: 'auto-repair',
    severity: 'error',
    meaning:
      'The cluster went over the limit of VM redeploy requests, so redeploying cannot repair this node; repeated repairs point to a cause redeploying does not fix.',
    mitigation:
      'Find why the node goes NotReady (kubelet, disk pressure, network, DNS) and fix that cause; replace nodes that keep failing.',
    docUrl: NODE_NOT_READY_DOC,
  },
  {
    code: 'OutboundConnectivityNotEnabledOnVMSS',
    rows: ['ARM ErrorCode: OutboundConnectivityNotEnabledOnVMSS'],
    title: 'Node auto-repair failed: no outbound connectivity on the scale set',
    category: 'auto-repair',
    severity: 'error',
    meaning:
      'The node, or its whole VM scale set, has no outbound access, so the repaired VM cannot bootstrap.',
    mitigation:
      "Give the scale set a supported outbound path (load balancer outbound rules, NAT gateway or user-defined routing through a firewall that allows AKS's required egress).",
    docUrl:
      'https://learn.microsoft.com/troubleshoot/azure/virtual-machine-scale-sets/deploy/vmss-outbound-connectivity-not-enabled',
  },
  {
    // Not an upstream row: the event many auto-repair failures carry with no error code in it.
    code: 'NodeAutoRepair/ActionFailed',
    rows: [],
    phrases: ['node auto-repair (?:reboot|reimage|redeploy) action failed'],
    generic: true,
    title: 'Node auto-repair action failed',
    category: 'auto-repair',
    severity: 'error',
    meaning:
      'AKS tried to repair a node that stayed NotReady (reboot, then reimage, then redeploy) and the action failed; the node is still unhealthy. The event often names no cause.',
    mitigation:
      'Troubleshoot the node as NotReady (kubectl describe node; kubelet, disk and memory pressure, network and DNS, the VMSS instance state); reimage or replace it by hand if it does not recover, and open a support request if repairs keep failing.',
    docUrl: AUTO_REPAIR_DOC,
  },
  {
    code: 'NodeAutoRepair/NotFound',
    rows: ['ARM ErrorCode: NotFound'],
    aliases: ['NotFound'],
    autoRepairOnly: true,
    title: 'Node auto-repair failed: resource not found',
    category: 'auto-repair',
    severity: 'warning',
    meaning:
      'Auto-repair got a not-found answer from Azure Resource Manager, usually because the VM instance was deleted or replaced while the repair ran.',
    mitigation:
      'Check whether the node still has a VM behind it; delete a stale node object, and treat repeats like a node that keeps going NotReady.',
    docUrl: AUTO_REPAIR_DOC,
  },
];
