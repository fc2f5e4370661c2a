import type { Category, Severity } from '../model.js';

/** A spelling or a phrase, with the page its wording was taken from. */
export interface Sourced {
  text: string;
  /** The page (URL) that shows this wording in a real message or names this code. */
  source: string;
}

/**
 * What the upstream pages lack, kept by hand: which upstream rows make up each catalog entry, the
 * spellings the error appears under in real messages, how to recognise errors stated in words,
 * the category and default severity, and for the node auto-repair rows (blank upstream) their
 * causes and next steps. Every spelling and phrase names the page it was taken from.
 */
export interface OverlayEntry {
  /** The catalog code: the error code as AKS / ARM report it, or the upstream name for prose-only rows. */
  code: string;
  /** Upstream first-column headings this entry stands for (every upstream row is claimed exactly once). */
  rows: string[];
  /** Other code spellings that mean the same error (matched like the code). */
  aliases?: Sourced[];
  /**
   * Regular-expression sources (case-insensitive, no capture groups) for the literal messages users
   * see, so an error stated in words is recognised without its code.
   */
  phrases?: Sourced[];
  /** Why the entry has no phrases (its messages always carry a code or exit status, or it has no message). */
  noPhrases?: string;
  /**
   * Codes this entry explains when it matches, though they are no spelling of it (a code shared by
   * several errors): not reported as missing from the catalog when the entry matched.
   */
  explains?: string[];
  /** Linux node-bootstrap (vmssCSE) exit statuses that mean this error. */
  exitStatuses?: number[];
  /** Windows node-bootstrap (CustomScriptExtension) exit codes that mean this error. */
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

/** The same source for several spellings or phrases. */
function from(source: string, ...texts: string[]): Sourced[] {
  return texts.map((text) => ({ text, source }));
}

const TS = 'https://learn.microsoft.com/troubleshoot/azure';
const AKS_TS = `${TS}/azure-kubernetes`;
/** The AKS error-code page (the upstream copy in src/catalog/upstream/). */
const ERROR_CODES_PAGE = `${AKS_TS}/error-codes/aks-error-code-page`;
const AUTO_REPAIR_DOC = `${AKS_TS}/availability-performance/node-auto-repair-errors`;
/** An early draft of the auto-repair page, with ClientSecretCredential and NotFound and the "ARM ErrorCode:" form. */
const AUTO_REPAIR_DRAFT = 'https://github.com/MicrosoftDocs/SupportArticles-docs/pull/1629';
const NODE_AUTO_REPAIR_EVENTS = 'https://learn.microsoft.com/azure/aks/node-auto-repair';
const NODE_NOT_READY_DOC = `${AKS_TS}/availability-performance/node-not-ready-basic-troubleshooting`;
/** Compute's reference of the messages behind each error code. */
const COMPUTE_MESSAGES = `${TS}/virtual-machines/windows/error-messages`;
const VM_EXTENSION_ERRORS = `${TS}/virtual-machine-scale-sets/extensions/vm-extension-provisioning-errors`;
/** AKS node bootstrap: Linux exit statuses and Windows exit codes, with their names. */
const LINUX_CSE_CODES =
  'https://github.com/Azure/AgentBaker/blob/master/parts/linux/cloud-init/artifacts/cse_helpers.sh';
const WINDOWS_CSE_CODES =
  'https://github.com/Azure/AgentBaker/blob/master/parts/windows/windowscsehelper.ps1';

export const OVERLAY: readonly OverlayEntry[] = [
  // A-K
  {
    code: 'AADSTS7000222',
    rows: ['AADSTS7000222 - BadRequest or InvalidClientSecret', 'BadRequest or InvalidClientSecret'],
    aliases: [
      ...from(ERROR_CODES_PAGE, 'InvalidClientSecret'),
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-serviceprincipalvalidationclienterror`,
        'AADSTS7000215',
      ),
    ],
    phrases: [
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-badrequest-or-invalidclientsecret`,
        'client secret keys? (?:for app [^\\n]{1,80} )?(?:are|is) expired',
        'customer auth is not valid for tenant',
      ),
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-serviceprincipalvalidationclienterror`,
        'invalid client secret (?:is )?provided',
      ),
    ],
    title: 'Service principal secret invalid or expired',
    category: 'auth',
    severity: 'error',
  },
  {
    code: 'AksCapacityHeavyUsage',
    rows: ['AKSCapacityError', 'AksCapacityHeavyUsage'],
    aliases: from(ERROR_CODES_PAGE, 'AKSCapacityError'),
    phrases: [
      ...from(
        `${AKS_TS}/error-codes/akscapacityheavyusage-error`,
        'AKS is experiencing heavy usage in region',
      ),
      ...from(
        'https://github.com/MicrosoftDocs/SupportArticles-docs/pull/1834',
        'cluster is unavailable at this time in region',
      ),
      ...from(
        'https://github.com/Azure/AKS/issues/190',
        'unable to provision an AKS cluster in [\\w-]+, due to an operational threshold',
      ),
    ],
    title: 'Not enough AKS capacity in the region',
    category: 'capacity',
    severity: 'error',
  },
  {
    code: 'AKSOperationPreempted',
    rows: ['AKSOperationPreempted'],
    aliases: from(
      `${AKS_TS}/error-codes/aksoperationpreempted-error`,
      'AKSOperationPreemptedByDelete',
      'OperationPreempted',
    ),
    phrases: [
      ...from(
        `${AKS_TS}/error-codes/aksoperationpreempted-error`,
        'has been preempted by (?:another|deleting) operation',
      ),
      // The older wording, before the preemption codes existed.
      ...from(
        'https://github.com/hashicorp/terraform-provider-azurerm/issues/8260',
        'operation was overrid?den and canceled by a later operation',
      ),
    ],
    title: 'Operation preempted by another operation on the cluster',
    category: 'lifecycle',
    severity: 'warning',
  },
  {
    code: 'AKS upgrade blocked',
    rows: ['AKS upgrade blocked'],
    aliases: from(`${AKS_TS}/error-codes/aks-upgrade-blocked`, 'K8sVersionNotSupported'),
    phrases: [
      ...from(ERROR_CODES_PAGE, 'upgrade (?:is |was )?blocked'),
      ...from(
        `${AKS_TS}/error-codes/aks-upgrade-blocked`,
        'upgrading kubernetes version [0-9.]+ to [0-9.]+ is not allowed',
        'is on version [0-9.]+ which is not supported in this region',
      ),
    ],
    title: 'Upgrade blocked by version skew or an unsupported path',
    category: 'upgrade',
    severity: 'error',
  },
  {
    code: 'Argument list too long',
    rows: ['Argument list too long'],
    // The exec of the container's process, not a shell's own "Argument list too long".
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/application-fails-argument-list-too-long`,
      '\\bexec\\b[^\\n]{0,200}argument list too long',
    ),
    title: 'Application failed: argument list too long',
    category: 'configuration',
    severity: 'warning',
  },
  {
    code: 'AvailabilityZoneNotSupported',
    rows: ['AvailabilityZoneNotSupported'],
    phrases: from(
      `${AKS_TS}/error-codes/availabilityzonenotsupported-error`,
      "the zone\\(s\\) '?[^'\\n]{1,20}'? for resource '?[^'\\n]{1,80}'? is not supported",
      'the supported zones for location',
    ),
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
    aliases: from(ERROR_CODES_PAGE, 'PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted'),
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/cannot-delete-load-balancer-private-link-service`,
      'cannot delete load balancer [^\\n]{1,300} since it is referenced by private link service',
      'private link service [^\\n]{1,300} cannot be deleted since it has \\d+ private endpoint connections',
    ),
    title: 'Load balancer with a private link service cannot be deleted',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: "Can't scale cluster autoscaler-enabled node pool",
    rows: ["Can't scale cluster autoscaler-enabled node pool"],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/cannot-scale-cluster-autoscaler-enabled-node-pool`,
      "can(?:no|')?t (?:manually )?scale (?:a |the )?(?:cluster[- ])?autoscaler[- ]enabled (?:node|agent) ?pool",
    ),
    title: 'Manual scale of an autoscaler-enabled node pool',
    category: 'autoscaler',
    severity: 'warning',
  },
  {
    code: 'PropertyChangeNotAllowed (imageReference)',
    rows: ['Changing property "imageReference" is not allowed'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/changing-property-imagereference-not-allowed`,
      `changing property '?"?imageReference'?"? is not allowed`,
    ),
    // Other properties report the same code: only the imageReference change is this entry.
    explains: ['PropertyChangeNotAllowed'],
    title: 'Changing the node image reference is not allowed',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'CniDownloadTimeoutVMExtensionError',
    rows: ['CniDownloadTimeoutVMExtensionError (41)', 'VMExtensionError_CniDownloadTimeout'],
    aliases: [
      ...from(ERROR_CODES_PAGE, 'VMExtensionError_CniDownloadTimeout'),
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-cnidownloadtimeoutvmextensionerror`,
        'ERR_CNI_DOWNLOAD_TIMEOUT',
        'WINDOWS_CSE_ERROR_DOWNLOAD_CNI_PACKAGE',
      ),
    ],
    noPhrases: 'Its messages carry the code, exit status 41 or WINDOWS_CSE_ERROR_DOWNLOAD_CNI_PACKAGE (35).',
    exitStatuses: [41],
    windowsExitCodes: [35],
    title: 'Node could not download the CNI plugin',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'CreateOrUpdateVirtualNetworkLinkFailed',
    rows: ['CreateOrUpdateVirtualNetworkLinkFailed'],
    phrases: from(
      `${AKS_TS}/error-codes/createorupdatevirtualnetworklinkfailed-error`,
      'create or update virtual network link failed',
      'a virtual network cannot be linked to multiple zones with overlapping namespaces',
    ),
    title: 'Private DNS zone virtual network link failed',
    category: 'dns',
    severity: 'error',
  },
  {
    code: 'CustomPrivateDNSZoneMissingPermissionError',
    rows: ['CustomPrivateDNSZoneMissingPermissionError'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-customprivatednszonemissingpermissionerror`,
      'must be given permission to read and write to custom private dns zone',
    ),
    title: 'Missing permission on the custom private DNS zone',
    category: 'auth',
    severity: 'error',
  },
  {
    code: 'DnsServiceIpOutOfServiceCidr',
    rows: ['DnsServiceIpOutOfServiceCidr'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-dnsserviceIpoutofservicecidr`,
      'the dns service ip [0-9a-f.:]+ is out of the range defined by service cidr',
    ),
    title: 'DNS service IP outside the service CIDR',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'ERR_VHD_FILE_NOT_FOUND',
    rows: ['ERR_VHD_FILE_NOT_FOUND (65)', 'VMExtensionError_VHDFileNotFound'],
    aliases: from(ERROR_CODES_PAGE, 'VMExtensionError_VHDFileNotFound'),
    phrases: from(
      `${AKS_TS}/error-codes/vmextensionerror-vhdfilenotfound`,
      'there was a connectivity issue between your cluster and required azure endpoints',
    ),
    exitStatuses: [65, 124],
    title: 'Node image VHD file not found',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'Error from server - error dialing backend - dial tcp',
    rows: ['Error from server - error dialing backend - dial tcp'],
    phrases: from(
      `${AKS_TS}/connectivity/error-from-server-error-dialing-backend-dial-tcp`,
      'error dialing backend',
    ),
    title: 'API server cannot reach the node (error dialing backend)',
    category: 'connectivity',
    severity: 'error',
  },
  {
    code: 'Failed to fix node group sizes',
    rows: ['Failed to fix node group sizes'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/cluster-autoscaler-fails-to-scale`,
      'failed to fix node group sizes?',
    ),
    title: 'Cluster autoscaler failed to fix node group sizes',
    category: 'autoscaler',
    severity: 'warning',
  },
  {
    code: 'InsufficientSubnetSize',
    rows: ['InsufficientSubnetSize'],
    phrases: from('https://github.com/Azure/AKS/issues/3653', 'pre-allocated IPs \\d+ exceeds IPs available'),
    title: 'Subnet too small for the node pool',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'InUseRouteTableCannotBeDeleted',
    rows: ['InUseRouteTableCannotBeDeleted'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-inuseroutetablecannotbedeleted`,
      'route table [^\\n]{1,200} is in use and cannot be deleted',
    ),
    title: 'Route table in use cannot be deleted',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: 'InvalidLoadBalancerProfileAllocatedOutboundPorts',
    rows: ['InvalidLoadBalancerProfileAllocatedOutboundPorts'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-invalidloadbalancerprofileallocatedoutboundports`,
      'load balancer profile allocated ports \\d+ is not in an allowable range',
    ),
    title: 'Invalid allocated outbound ports on the load balancer profile',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'InvalidParameter',
    rows: ['InvalidParameter'],
    phrases: from(
      `${AKS_TS}/error-codes/invalidparameter-error`,
      'the value of parameter [\\w.]+ is invalid',
      'the requested vm size [\\w-]+ is not available in the current region',
      'managed cluster name is invalid because',
    ),
    generic: true,
    title: 'Invalid parameter in the request',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'InvalidResourceReference',
    rows: ['InvalidResourceReference'],
    phrases: from(
      `${AKS_TS}/error-codes/invalidresourcereference-error`,
      'referenced by resource [^\\n]{1,400} was not found\\. please make sure that the referenced resource exists',
    ),
    title: 'Reference to a resource that is malformed or gone',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'K8SAPIServerConnFailVMExtensionError',
    rows: ['K8SAPIServerConnFailVMExtensionError (51)', 'VMExtensionError_K8SAPIServerConnFail'],
    aliases: [
      ...from(ERROR_CODES_PAGE, 'VMExtensionError_K8SAPIServerConnFail'),
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-k8sapiserverconnfailvmextensionerror`,
        'ERR_K8S_API_SERVER_CONN_FAIL',
      ),
    ],
    phrases: [
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-k8sapiserverconnfailvmextensionerror`,
        'unable to establish connection from agents to kubernetes api server',
      ),
      ...from(
        `${AKS_TS}/error-codes/vmextensionerror-k8sapiserverconnfail`,
        'agents are unable to establish (?:a )?connection to (?:the )?Kubernetes API server',
        'could not reach api server at',
        'the api server port is not accepting connections',
        'ensure [\\w.-]+\\.azmk8s\\.io is in the allow list',
      ),
    ],
    exitStatuses: [51],
    title: 'Node could not connect to the API server',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'K8SAPIServerDNSLookupFailVMExtensionError',
    rows: ['K8SAPIServerDNSLookupFailVMExtensionError (52)', 'VMExtensionError_K8SAPIServerDNSLookupFail'],
    aliases: [
      ...from(ERROR_CODES_PAGE, 'VMExtensionError_K8SAPIServerDNSLookupFail'),
      ...from(
        `${AKS_TS}/error-codes/vmextensionerror-k8sapiserverdnslookupfail`,
        'ERR_K8S_API_SERVER_DNS_LOOKUP_FAIL',
      ),
      ...from(LINUX_CSE_CODES, 'ERR_K8S_API_SERVER_AZURE_DNS_LOOKUP_FAIL'),
    ],
    phrases: from(
      `${AKS_TS}/error-codes/vmextensionerror-k8sapiserverdnslookupfail`,
      'agents are unable to resolve (?:the )?Kubernetes API server name',
    ),
    exitStatuses: [52, 53],
    title: 'Node could not resolve the API server name',
    category: 'dns',
    severity: 'error',
  },
  {
    code: 'Known issues - Custom kubelet configuration on Windows',
    rows: ['Known issues - Custom kubelet configuration on Windows'],
    noPhrases:
      'The article describes behaviours (logs outgrowing container-log-max-size, log compression stalling, OS settings ignored) that print no error message of their own.',
    title: 'Custom kubelet configuration on Windows nodes',
    category: 'configuration',
    severity: 'warning',
  },
  // L-S
  {
    code: 'LinkedAuthorizationFailed',
    rows: ['LinkedAuthorizationFailed'],
    phrases: from(
      `${AKS_TS}/error-codes/linkedauthorizationfailed-error`,
      "(?:does not|doesn't) have permission to perform action '[^'\\n]{1,200}' on the linked scope",
    ),
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
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/load-balancer-or-nsg-in-use-by-vm-scale-set`,
      'cannot delete load balancer [^\\n]{1,300} since its child resources [^\\n]{1,300} are in use by virtual machine scale set',
    ),
    title: 'Load balancer in use by a VM scale set',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: 'Missing or invalid service principal',
    rows: ['Missing or invalid service principal'],
    aliases: [
      ...from('https://github.com/pulumi/examples/issues/480', 'ServicePrincipalNotFound'),
      // The application (the service principal's app) is not in the tenant.
      ...from(
        'https://github.com/Azure/azure-sdk-for-go/blob/main/sdk/azidentity/TROUBLESHOOTING.md',
        'AADSTS700016',
      ),
    ],
    phrases: [
      ...from(
        'https://github.com/pulumi/examples/issues/480',
        "service principal[^.\\n]{0,80}(?:not found|does not exist|doesn't exist)",
      ),
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-badrequest-or-invalidclientsecret`,
        'credentials in ServicePrincipalProfile were invalid',
      ),
    ],
    title: 'Service principal missing, expired or without permissions',
    category: 'auth',
    severity: 'error',
  },
  {
    code: 'MissingSubscriptionRegistration',
    rows: ['MissingSubscriptionRegistration'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-missingsubscriptionregistration`,
      'the subscription is not registered to use namespace',
    ),
    title: 'Resource provider not registered on the subscription',
    category: 'configuration',
    severity: 'error',
  },
  {
    code: 'NetworkSecurityGroupInUseByVirtualMachineScaleSet',
    rows: ['NetworkSecurityGroupInUseByVirtualMachineScaleSet'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/load-balancer-or-nsg-in-use-by-vm-scale-set`,
      'cannot delete network security group [^\\n]{1,300} since it is in use by virtual machine scale set',
    ),
    title: 'Network security group in use by a VM scale set',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: 'NodePoolMcVersionIncompatible',
    rows: ['NodePoolMcVersionIncompatible'],
    phrases: [
      ...from(
        `${AKS_TS}/create-upgrade-delete/nodepoolmcversionincompatible-error`,
        'node pool version [0-9a-z.]+ and control plane version [0-9a-z.]+ (?:is|are) incompatible',
      ),
      ...from(
        `${AKS_TS}/error-codes/aks-upgrade-blocked`,
        'minor version of node pool cannot be more than \\w+ versions? less than control plane',
      ),
    ],
    title: 'Node pool version incompatible with the control plane',
    category: 'upgrade',
    severity: 'error',
  },
  {
    code: 'OperationNotAllowed',
    rows: ['OperationIsNotAllowed'],
    aliases: from(ERROR_CODES_PAGE, 'OperationIsNotAllowed'),
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/operationnotallowed`,
      // Another operation on the cluster or node pool still running (https://aka.ms/aks-pending-operation).
      '(?:is )?in progress(?: on agent pool \\([^)\\n]{1,80}\\))?,? please wait for it to finish',
      'managed cluster is in provisioning state ?\\(\\w+\\) and power state ?\\(\\w+\\), \\w+ cannot be performed',
      'managed cluster is not currently running, \\w+ cannot be performed',
      "unable to perform '\\w+' operation on '[^'\\n]{1,80}' since deletion was issued",
    ),
    generic: true,
    title: 'Operation not allowed in the cluster state',
    category: 'lifecycle',
    severity: 'warning',
  },
  {
    code: 'OrasPullNetworkTimeoutVMExtensionError',
    rows: ['OrasPullNetworkTimeoutVMExtensionError'],
    aliases: [
      ...from(
        `${AKS_TS}/error-codes/vmextensionerror-oraspullnetworktimeout`,
        'VMExtensionError_OrasPullNetworkTimeout',
      ),
      ...from(LINUX_CSE_CODES, 'ERR_ORAS_PULL_NETWORK_TIMEOUT'),
      ...from(WINDOWS_CSE_CODES, 'WINDOWS_CSE_ERROR_ORAS_PULL_NETWORK_TIMEOUT'),
    ],
    phrases: from(
      `${AKS_TS}/error-codes/vmextensionerror-oraspullnetworktimeout`,
      'bootstrap container registry is not reachable',
    ),
    exitStatuses: [211],
    windowsExitCodes: [78],
    title: 'Node timed out pulling artifacts (ORAS) during bootstrap',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'OrasPullUnauthorizedVMExtensionError',
    rows: ['OrasPullUnauthorizedVMExtensionError'],
    aliases: [
      ...from(
        `${AKS_TS}/error-codes/vmextensionerror-oraspullunauthorized`,
        'VMExtensionError_OrasPullUnauthorized',
      ),
      ...from(LINUX_CSE_CODES, 'ERR_ORAS_PULL_UNAUTHORIZED'),
      ...from(WINDOWS_CSE_CODES, 'WINDOWS_CSE_ERROR_ORAS_PULL_UNAUTHORIZED'),
    ],
    phrases: from(
      `${AKS_TS}/error-codes/vmextensionerror-oraspullunauthorized`,
      'bootstrap container registry authorization failed',
    ),
    exitStatuses: [212],
    windowsExitCodes: [79],
    title: 'Node not authorised to pull artifacts (ORAS) during bootstrap',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'OutboundConnFailVMExtensionError',
    rows: ['OutboundConnFailVMExtensionError (50)', 'VMExtensionError_OutboundConnFail'],
    aliases: [
      ...from(ERROR_CODES_PAGE, 'VMExtensionError_OutboundConnFail'),
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-outboundconnfailvmextensionerror`,
        'ERR_OUTBOUND_CONN_FAIL',
      ),
    ],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-outboundconnfailvmextensionerror`,
      'unable to establish outbound connection from agents',
    ),
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
    aliases: from(
      ERROR_CODES_PAGE,
      'PublicIPAddressCannotBeDeleted',
      'InUseNetworkSecurityGroupCannotBeDeleted',
    ),
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/cannot-delete-ip-subnet-nsg`,
      'public ip address [^\\n]{1,300} can ?not be deleted since it is still allocated to resource',
      'subnet [^\\n]{1,80} is in use by [^\\n]{1,400} and cannot be deleted',
      'network security group [^\\n]{1,300} cannot be deleted because it is in use by the following resources',
    ),
    title: 'Public IP, subnet or NSG in use cannot be deleted',
    category: 'networking',
    severity: 'warning',
  },
  {
    code: 'PublicIPCountLimitReached',
    rows: ['PublicIPCountLimitReached', 'OperationNotAllowed or PublicIPCountLimitReached'],
    // The same limit for static addresses, under its own code.
    aliases: from(
      'https://github.com/giantswarm/azure-operator/issues/163',
      'StaticPublicIPCountLimitReached',
    ),
    phrases: [
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-operationnotallowed-publicipcountlimitreached`,
        'cannot create more than \\d+ public ip addresses (?:with static allocation method )?for this subscription',
      ),
    ],
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
    aliases: from(ERROR_CODES_PAGE, 'InsufficientVCPUQuota'),
    phrases: [
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-operationnotallowed-publicipcountlimitreached`,
        'exceeding approved [^.\\n]{0,80}quota',
      ),
      ...from(
        `${AKS_TS}/create-upgrade-delete/quota-exceeded-during-creation-upgrade`,
        'insufficient (?:regional )?vcpu quota',
        // Compute's older wording: "results in exceeding quota limit(s) of standardDSv3Family Cores".
        'exceeding (?:the )?quota limits? of',
      ),
    ],
    title: 'vCPU quota exceeded',
    category: 'quota',
    severity: 'error',
  },
  {
    code: 'RequestDisallowedByPolicy',
    rows: ['RequestDisallowedByPolicy'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-requestdisallowedbypolicy`,
      'was disallowed by policy',
    ),
    title: 'Request denied by Azure Policy',
    category: 'policy',
    severity: 'error',
  },
  {
    code: 'ServiceCidrOverlapExistingSubnetsCidr',
    rows: ['ServiceCidrOverlapExistingSubnetsCidr'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-servicecidroverlapexistingsubnetscidr`,
      'the specified service cidr \\S+ is conflicted with an existing subnet cidr',
    ),
    title: 'Service CIDR overlaps a subnet',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'ServicePrincipalValidationClientError',
    rows: ['ServicePrincipalValidationClientError'],
    noPhrases:
      'Its message is the Microsoft Entra error AADSTS7000215 (invalid client secret), which the AADSTS7000222 entry recognises.',
    title: 'Service principal validation failed',
    category: 'auth',
    severity: 'error',
  },
  {
    code: 'SubnetIsDelegated',
    rows: ['SubnetIsDelegated'],
    phrases: from(
      `${AKS_TS}/error-codes/subnetisdelegated-error`,
      "cannot be used as it'?s a delegated subnet",
    ),
    title: 'Subnet is delegated to another service',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'SubnetIsFull',
    rows: ['SubnetIsFull', 'SubnetIsFull (upgrade)'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-subnetisfull-upgrade`,
      "(?:does not|doesn'?t) have enough capacity for (?:\\S+ )?ip address",
    ),
    title: 'Subnet has no free IP addresses',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'SubnetWithExternalResourcesCannotBeUsedByOtherResources',
    rows: ['SubnetWithExternalResourcesCannotBeUsedByOtherResources'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/subnet-with-external-resources-cannot-be-used-by-other-resources`,
      'cannot be used because it contains external resources',
    ),
    title: 'Subnet holds resources of other services',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'SubscriptionRequestsThrottled',
    rows: ['SubscriptionRequestsThrottled', 'SubscriptionRequestsThrottled (429)'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/error-code-subscriptionrequeststhrottled`,
      "number of (?:'?\\w+'? )?requests for subscription '[^'\\n]{1,80}'[^\\n]{0,200} exceeded the",
    ),
    title: 'Subscription requests throttled',
    category: 'throttling',
    severity: 'warning',
  },
  // T-Z
  {
    code: 'TCP time-outs such as 10250 I/O',
    rows: ['TCP time-outs such as 10250 I/O'],
    phrases: from(
      `${AKS_TS}/connectivity/tcp-timeouts-dial-tcp-nodeip-10250-io-timeout`,
      'dial tcp [0-9.]+:10250[^\\n]{0,80}(?:i/o timeout|timed out)',
      '10250[^\\n]{0,40}i/o timeout',
    ),
    title: 'Time-outs reaching the kubelet on port 10250',
    category: 'connectivity',
    severity: 'error',
  },
  {
    code: 'Throttled',
    rows: ['Throttled', 'Throttled (429)'],
    // A 429 answer often carries a code that says nothing of throttling (OperationNotAllowed).
    phrases: from(
      `${AKS_TS}/error-codes/throttled-error`,
      'status ?(?:code)?\\s*[=:]\\s*429\\b',
      'response 429\\b',
      // The resource provider's own limit, per handler ("PutManagedClusterHandler.PUT request limit").
      'request limit has been exceeded for',
    ),
    needsCodeContext: true,
    title: 'Azure Resource Manager throttled the requests',
    category: 'throttling',
    severity: 'warning',
  },
  {
    code: 'tls - client offered only unsupported versions',
    rows: ['tls - client offered only unsupported versions'],
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/tls-client-offered-unsupported-versions`,
      'client offered only unsupported versions',
    ),
    title: 'Client offered only unsupported TLS versions',
    category: 'connectivity',
    severity: 'warning',
  },
  {
    code: 'TooManyRequestsReceived',
    rows: ['TooManyRequestsReceived or SubscriptionRequestsThrottled'],
    aliases: from(`${AKS_TS}/create-upgrade-delete/429-too-many-requests-errors`, 'TooManyRequests'),
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/429-too-many-requests-errors`,
      'too many requests have been received for this subscription',
    ),
    title: 'Too many requests received',
    category: 'throttling',
    severity: 'warning',
  },
  {
    code: 'UnsatisfiablePDB',
    rows: ['UnsatisfiablePDB'],
    // A drain blocked by a disruption budget surfaces as PodDrainFailure on upgrades and scale-downs.
    aliases: from(`${AKS_TS}/create-upgrade-delete/error-code-poddrainfailure`, 'PodDrainFailure'),
    phrases: [
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-poddrainfailure`,
        'would violate the pod.s disruption budget',
        'eviction blocked by too many requests \\(usually a pdb\\)',
        'often caused by a restrictive pod disruption budget',
        'blocked by pdb',
      ),
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-unsatisfiablepdb`,
        "has maxunavai\\w* == 0 can'?t proceed",
      ),
    ],
    title: 'Pod disruption budget blocks the drain',
    category: 'upgrade',
    severity: 'error',
  },
  {
    code: 'Upgrade issues with Gen2 VMs on Windows AKS cluster',
    rows: ['Upgrade issues with Gen2 VMs on Windows AKS cluster'],
    aliases: from(
      `${AKS_TS}/create-upgrade-delete/nodepools-not-upgraded-to-gen2-during-node-image-upgrade`,
      'ErrorCode_Windows2019NotSupportedWithGen2VM',
    ),
    phrases: from(
      `${AKS_TS}/create-upgrade-delete/nodepools-not-upgraded-to-gen2-during-node-image-upgrade`,
      'is a gen ?2-only vm',
      'windows2019 does not support gen ?2 vms',
    ),
    title: 'Windows node pools not moved to Gen2 VMs on upgrade',
    category: 'upgrade',
    severity: 'warning',
  },
  {
    code: 'VirtualNetworkNotInSucceededState',
    rows: ['VirtualNetworkNotInSucceededState'],
    phrases: from(
      `${AKS_TS}/error-codes/virtualnetworknotinsucceededstate-error`,
      'set virtual network ownership failed',
      'needs to be in succeeded state in order to set resource ownership',
    ),
    title: 'Virtual network is not in the Succeeded state',
    category: 'networking',
    severity: 'error',
  },
  {
    code: 'VMExtensionProvisioningTimeout',
    rows: ['VMExtensionProvisioningTimeout', 'VMExtensionError_ProvisioningTimeout'],
    aliases: from(ERROR_CODES_PAGE, 'VMExtensionError_ProvisioningTimeout'),
    phrases: [
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-vmextensionprovisioningtimeout`,
        "provisioning of vm extension '?[\\w.<> -]{1,80}'? has timed out",
      ),
    ],
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
    noPhrases:
      'Its messages carry the name WINDOWS_CSE_ERROR_CHECK_API_SERVER_CONNECTIVITY or Windows exit code 5.',
    windowsExitCodes: [5],
    title: 'Windows node could not reach the API server',
    category: 'vm-extension',
    severity: 'error',
  },
  {
    code: 'ZonalAllocationFailed',
    rows: ['ZonalAllocationFailed, AllocationFailed, or OverconstrainedAllocationRequest'],
    aliases: [
      ...from(ERROR_CODES_PAGE, 'AllocationFailed', 'OverconstrainedAllocationRequest'),
      ...from(
        'https://github.com/gardener/gardener-extension-provider-azure/pull/881',
        'OverconstrainedZonalAllocationRequest',
      ),
    ],
    phrases: [
      ...from(
        `${AKS_TS}/create-upgrade-delete/error-code-zonalallocationfailed-allocationfailed`,
        'allocation failed\\. (?:we do not have sufficient capacity|vm\\(s\\) with the following constraints cannot be allocated|vm allocation to the dedicated host failed)',
      ),
      ...from(
        `${TS}/virtual-machine-scale-sets/deploy/allocationfailed-or-zonalallocationfailed`,
        'allocation failed\\. if you are trying to add a new vm to a virtual machine scale set',
      ),
    ],
    title: 'VM allocation failed (capacity, zone or constraints)',
    category: 'capacity',
    severity: 'error',
  },
  {
    // Not an upstream row: the VM extension failure as compute reports it, outside auto-repair.
    code: 'VMExtensionProvisioningError',
    rows: [],
    aliases: from(VM_EXTENSION_ERRORS, 'VMExtensionHandlerNonTransientError'),
    phrases: [
      ...from(
        COMPUTE_MESSAGES,
        'VM has reported a failure when processing extension',
        'multiple vm extensions failed to be provisioned on the vm',
        'has reported (?:terminal )?failure for vm extension',
      ),
    ],
    generic: true,
    title: 'VM extension provisioning failed',
    category: 'vm-extension',
    severity: 'error',
    meaning:
      'A VM extension failed on the node VM. On AKS this is usually the node bootstrap (vmssCSE): its exit status or WINDOWS_CSE_ERROR name says why; when the catalog knows it, that entry comes first.',
    mitigation:
      'Read the extension status of the VM instance (az vmss get-instance-view, or the portal) for the exit status and output, fix the cause it names (outbound connectivity, DNS, API server reachability, a custom extension), then reimage or re-create the nodes.',
    docUrl: VM_EXTENSION_ERRORS,
  },
  // Node auto-repair (upstream leaves causes and next steps blank)
  {
    code: 'NodeAutoRepair/ClientSecretCredential',
    rows: ['ClientSecretCredential authentication failed'],
    phrases: from(AUTO_REPAIR_DRAFT, 'ClientSecretCredential authentication failed'),
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
    aliases: from(AUTO_REPAIR_DOC, 'VMExtensionProvisioningError'),
    noPhrases:
      'Auto-repair events name the code; the prose of the failure is the VMExtensionProvisioningError entry.',
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
    aliases: from(AUTO_REPAIR_DOC, 'InvalidParameter'),
    noPhrases: 'Auto-repair events name the code only.',
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
    phrases: from(AUTO_REPAIR_DOC, 'scaleSetNameAndInstanceIDFromProviderID failed'),
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
    phrases: from(AUTO_REPAIR_DOC, 'ManagedIdentityCredential authentication failed'),
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
    // A redeploy that did not finish in time leaves the node just as broken.
    aliases: from(COMPUTE_MESSAGES, 'VMRedeploymentTimedOut'),
    phrases: from(COMPUTE_MESSAGES, "VM '[^'\\n]{1,80}' redeployment failed due to an internal error"),
    title: 'Node auto-repair redeploy failed',
    category: 'auto-repair',
    severity: 'error',
    meaning:
      'The redeploy action failed; this can leave the node pool in a Failed provisioning state, which blocks later operations on it.',
    mitigation:
      'Check the node pool provisioning state; if it is Failed, reconcile it (az aks nodepool update with no changes, or az resource update on the cluster), then repair or replace the node.',
    docUrl: `${AKS_TS}/availability-performance/cluster-node-virtual-machine-failed-state`,
  },
  {
    code: 'TooManyVMRedeploymentRequests',
    rows: ['ARM ErrorCode: TooManyVMRedeploymentRequests'],
    phrases: from(COMPUTE_MESSAGES, 'too many redeployment requests have been received for VM'),
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
    // The scale set's code and the form compute reports for one of its VMs.
    aliases: from(
      `${TS}/virtual-machine-scale-sets/deploy/vmss-outbound-connectivity-not-enabled`,
      'OutboundConnectivityNotEnabledOnVM',
    ),
    phrases: from(
      `${TS}/virtual-machine-scale-sets/deploy/vmss-outbound-connectivity-not-enabled`,
      'no outbound connectivity configured for virtual machine',
    ),
    title: 'No outbound connectivity on the scale set',
    category: 'auto-repair',
    severity: 'error',
    meaning:
      'The node, or its whole VM scale set, has no outbound access, so a new or repaired VM cannot bootstrap.',
    mitigation:
      "Give the scale set a supported outbound path (load balancer outbound rules, NAT gateway or user-defined routing through a firewall that allows AKS's required egress).",
    docUrl: `${TS}/virtual-machine-scale-sets/deploy/vmss-outbound-connectivity-not-enabled`,
  },
  {
    // Not an upstream row: the event many auto-repair failures carry with no error code in it.
    code: 'NodeAutoRepair/ActionFailed',
    rows: [],
    phrases: from(NODE_AUTO_REPAIR_EVENTS, 'node auto-repair (?:reboot|reimage|redeploy) action failed'),
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
    aliases: from(AUTO_REPAIR_DRAFT, 'NotFound'),
    noPhrases: 'Auto-repair events name the code only.',
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
