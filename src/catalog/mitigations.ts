/**
 * What an on-call engineer does first, per catalog code. Upstream only links to an article; these
 * are the first steps that article leads to, kept short enough for a notification.
 */
export const MITIGATIONS: Readonly<Record<string, string>> = {
  AADSTS7000222:
    'Create a new secret for the cluster service principal and apply it with az aks update-credentials --reset-service-principal, or move the cluster to a managed identity.',
  AksCapacityHeavyUsage:
    'Retry later, or use another VM size, zone or region; for planned growth ask for capacity through a support request or use a capacity reservation.',
  AKSOperationPreempted:
    'Another operation (often a delete or an upgrade) took over the cluster. Wait for it to finish (az aks show --query provisioningState), then run the interrupted operation again.',
  'AKS upgrade blocked':
    'Check the allowed paths with az aks get-upgrades and upgrade one minor version at a time; bring node pools within the supported skew of the control plane first.',
  'Argument list too long':
    'Reduce the environment variables injected into the pod (set enableServiceLinks: false on pods in namespaces with many services) or pass large arguments through files.',
  AvailabilityZoneNotSupported:
    'Pick zones the VM size supports in the region (az vm list-skus --location <region> --size <size> --zone) or create the node pool without zones.',
  CannotDeleteLoadBalancerWithPrivateLinkService:
    'Remove the private endpoint connections of the private link service (or the service using the PLS annotation) before deleting the load balancer or the cluster.',
  "Can't scale cluster autoscaler-enabled node pool":
    'Change the autoscaler min/max count instead of the node count, or disable the autoscaler on the node pool before scaling it by hand.',
  'PropertyChangeNotAllowed (imageReference)':
    'Do not change the image of existing nodes directly; upgrade the node image with az aks nodepool upgrade --node-image-only or create a new node pool.',
  CniDownloadTimeoutVMExtensionError:
    'Allow the node subnet to reach the CNI download endpoints (acs-mirror.azureedge.net, packages.aks.azure.com) through the firewall, NSG and proxy, then retry the operation.',
  CreateOrUpdateVirtualNetworkLinkFailed:
    'Give the cluster identity Private DNS Zone Contributor on the zone and Network Contributor on the virtual network, and remove conflicting links to the same network.',
  CustomPrivateDNSZoneMissingPermissionError:
    'Assign the cluster identity Private DNS Zone Contributor on the custom private DNS zone before creating or updating the cluster.',
  DnsServiceIpOutOfServiceCidr:
    'Choose a DNS service IP inside the service CIDR (not its first address), or a service CIDR that contains it.',
  ERR_VHD_FILE_NOT_FOUND:
    'Upgrade the node image (az aks nodepool upgrade --node-image-only); if it persists on a supported image, open a support request.',
  'Error from server - error dialing backend - dial tcp':
    'Check that the konnectivity / tunnel pods in kube-system are running and that NSGs, firewalls and routes allow the API server to reach the nodes.',
  'Failed to fix node group sizes':
    'Look at the scale set for failed instances and at the autoscaler status (kubectl get configmap cluster-autoscaler-status -n kube-system); fix quota or allocation failures, then let it retry.',
  InsufficientSubnetSize:
    'Add address space: a larger subnet, a new node pool in a new subnet, or Azure CNI Overlay; lower max pods or max surge for the upgrade.',
  InUseRouteTableCannotBeDeleted:
    'Disassociate the route table from its subnets before deleting it, or delete the resources that still use it.',
  InvalidLoadBalancerProfileAllocatedOutboundPorts:
    'Set allocated outbound ports so that nodes x ports fits in 64,000 per outbound IP, or add outbound IPs.',
  InvalidParameter:
    'Read the parameter named in the message and correct it in the request (template, CLI arguments or Terraform).',
  InvalidResourceReference:
    'Check that the referenced resource (subnet, IP, identity) exists, is in a Succeeded state and is referenced by its full, correctly cased ID.',
  K8SAPIServerConnFailVMExtensionError:
    'From a node, test the API server FQDN on port 443; allow it through the firewall and NSG, and for private clusters check the private endpoint and routes.',
  K8SAPIServerDNSLookupFailVMExtensionError:
    'Make the custom DNS servers resolve the API server FQDN (forward to 168.63.129.16 or link the private DNS zone), then retry.',
  'Known issues - Custom kubelet configuration on Windows':
    'Use only the kubelet settings supported on Windows node pools, and apply them when creating the node pool.',
  LinkedAuthorizationFailed:
    'Grant the cluster identity the needed role on the linked resource (often Network Contributor on a subnet or IP in another resource group or subscription).',
  LoadBalancerInUseByVirtualMachineScaleSet:
    'Delete or detach the scale sets that use the load balancer first (usually by deleting the node pool or cluster), then retry the deletion.',
  'Missing or invalid service principal':
    'Check that the service principal exists and its secret is current; reset it with az aks update-credentials, or use a managed identity.',
  MissingSubscriptionRegistration:
    'Register the resource provider named in the message (az provider register --namespace <provider>) and retry.',
  NetworkSecurityGroupInUseByVirtualMachineScaleSet:
    'Detach the NSG from the scale sets and subnets that use it, or delete them first, then retry.',
  NodePoolMcVersionIncompatible:
    'Upgrade the control plane first, and keep node pools within the supported version skew of it.',
  OperationNotAllowed:
    'Wait for the operation in progress to finish, or bring the cluster out of a Failed or Stopped state, then retry.',
  OrasPullNetworkTimeoutVMExtensionError:
    'Allow the nodes to reach the container registry used for bootstrap artifacts (and its private endpoint and DNS), then retry.',
  OrasPullUnauthorizedVMExtensionError:
    'Give the kubelet identity AcrPull on the registry used for bootstrap artifacts, or fix the registry authentication, then retry.',
  OutboundConnFailVMExtensionError:
    "Give the node subnet outbound access to AKS's required endpoints (load balancer, NAT gateway or firewall rules, no blocking NSG or route), then retry.",
  InUseSubnetCannotBeDeleted:
    'Delete the resources that still use the public IP, subnet or NSG (load balancers, NICs, private endpoints), then retry.',
  PublicIPCountLimitReached: 'Request a higher public IP quota for the region, or free unused public IPs.',
  QuotaExceeded:
    'Request more vCPU quota for the VM family and region (Usage + quotas in the portal), or use a VM size from a family with spare quota.',
  RequestDisallowedByPolicy:
    'Find the policy assignment named in the message and either make the request compliant or ask for an exemption.',
  ServiceCidrOverlapExistingSubnetsCidr:
    'Choose a service CIDR that overlaps no subnet of the virtual network or its peers.',
  ServicePrincipalValidationClientError:
    'Check the service principal ID and secret given to the cluster; create a new secret if it expired.',
  SubnetIsDelegated: 'Use a subnet that is not delegated to another service, or remove the delegation.',
  SubnetIsFull:
    'Free or add IP addresses: a larger subnet, a new node pool in another subnet, lower max surge, or Azure CNI Overlay.',
  SubnetWithExternalResourcesCannotBeUsedByOtherResources:
    'Use a dedicated subnet for the node pool, without resources of other services.',
  SubscriptionRequestsThrottled:
    'Find the clients flooding ARM in the subscription (the activity log and throttling headers), reduce their rate, and retry with backoff.',
  'TCP time-outs such as 10250 I/O':
    'Check that the API server reaches the kubelets on port 10250 (NSGs, firewalls, the tunnel pods in kube-system) and that the nodes are not overloaded.',
  Throttled:
    'Reduce the request rate of the clients calling ARM for these resources (controllers, scripts, autoscaler), then retry with backoff.',
  'tls - client offered only unsupported versions': 'Update the client to use TLS 1.2 or later.',
  TooManyRequestsReceived:
    'Reduce the request rate against the subscription and retry with backoff; look for tight loops in automation.',
  UnsatisfiablePDB:
    'Relax the pod disruption budget (allow at least one disruption) or scale the workload up, then retry the upgrade.',
  'Upgrade issues with Gen2 VMs on Windows AKS cluster':
    'Create a new Windows node pool on a Gen2 VM size and move the workloads to it.',
  VirtualNetworkNotInSucceededState:
    'Bring the virtual network back to Succeeded (look at its last failed operation), then retry.',
  VMExtensionProvisioningTimeout:
    'Check the extension status of the failed VM instance for the cause (network, DNS, proxy) and retry the operation.',
  WINDOWS_CSE_ERROR_CHECK_API_SERVER_CONNECTIVITY:
    'Let the Windows nodes reach the API server FQDN on port 443 (DNS, firewall, NSG, routes), then retry.',
  ZonalAllocationFailed:
    'Retry later, or use another VM size, fewer zones or another region; capacity reservations guarantee future allocations.',
};
