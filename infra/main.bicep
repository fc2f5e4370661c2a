// aks-alert-enricher: everything `azd up` deploys.
//
// Two passes: the first `azd provision` creates the app and its dependencies; once `azd deploy` has put
// the code in place (so the aksEvents, alertWebhook and digestReport functions exist), the postdeploy hook
// sets DEPLOY_EVENT_SUBSCRIPTIONS=true and provisions again, which adds the Event Grid subscriptions, the
// action group and the alert rules, and the digest report's link. See docs/deploy.md.
targetScope = 'subscription'

// ------------------------------------------------------------------------------------------------
// Environment
// ------------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: part of the resource group name, the resource token and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region of the function app and its resources. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group to create (or reuse). Empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object ID of the person or pipeline running azd (azd fills in AZURE_PRINCIPAL_ID). Gets Key Vault Secrets Officer on the vault to rotate webhook secrets. Empty: no assignment.')
param principalId string = ''

@description('Principal type of principalId (azd fills in AZURE_PRINCIPAL_TYPE).')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

// ------------------------------------------------------------------------------------------------
// What to watch
// ------------------------------------------------------------------------------------------------

@description('Resource IDs of the Log Analytics workspaces that receive Container Insights data (KubeEvents, ...) from the clusters. The app gets Log Analytics Data Reader on each, polls them, and each gets the node auto-repair log search alert. Empty: the poll does nothing.')
param logAnalyticsWorkspaceResourceIds array = []

@description('Role the app gets on each workspace: Log Analytics Data Reader (query and read table data only; least privilege) or Log Analytics Reader (also */read in the workspace scope), for workspaces where the data role does not let queries through.')
@allowed([
  'LogAnalyticsDataReader'
  'LogAnalyticsReader'
])
param workspaceReaderRole string = 'LogAnalyticsDataReader'

@description('Resource IDs of the AKS clusters to watch. Each gets an Event Grid system topic whose AKS events go to aksEvents, and the app gets the deployment\'s cluster reader role (read the cluster and its agent pools, nothing else) on the cluster for ARM context.')
param aksClusterResourceIds array = []

@description('Resource group IDs where the app also gets the cluster reader role, for fleets whose clusters come and go (instead of, or besides, per-cluster assignments).')
param clusterReaderResourceGroupIds array = []

@description('Scopes whose failed ARM writes, actions and deletes on Microsoft.ContainerService resources go to aksEvents: resource group IDs (/subscriptions/<id>/resourceGroups/<name>), or /subscriptions/<id> for a whole subscription (its system topic goes into a resource group named like the app\'s in that subscription, created there if it is not this one).')
param resourceFailureEventScopes array = []

@description('Names of system topics that already exist for a source (only one system topic is allowed per source), keyed by the source resource ID exactly as listed in aksClusterResourceIds or resourceFailureEventScopes (or by /subscriptions/<id> for the scheduled-event topic).')
param existingSystemTopicNames object = {}

// ------------------------------------------------------------------------------------------------
// Wiring to the functions
// ------------------------------------------------------------------------------------------------

@description('Create what points at deployed functions: the Event Grid subscriptions, the action group with the alert rules, and the digest report\'s link (it needs digestReport\'s function key). False on the first provision, before the code exists; the postdeploy hook turns it on.')
param deployEventSubscriptions bool = false

@description('Subscribe to Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted (preview; planned AKS maintenance) at the scope of this subscription. The deploying identity needs Microsoft.ResourceNotifications/systemTopics/subscribeToContainerServiceEventResources/action on the subscription, e.g. through the Azure Resource Notifications System Topics Subscriber role.')
param enableScheduledEventNotifications bool = false

@description('Create the example alert rules (node auto-repair errors per workspace; failed Microsoft.ContainerService operations) that notify through the action group. Needs deployEventSubscriptions.')
param createAlertRules bool = true

@description('Scopes of the activity-log alert for failed Microsoft.ContainerService operations: this subscription (default) or resource groups in it.')
param activityLogAlertScopes array = []

@description('How the action group authenticates to alertWebhook: a Microsoft Entra ID token (action group Secure Webhook; the default, no key in any URL), or, opted into, a function key for alertWebhook alone.')
@allowed([
  'entraId'
  'functionKey'
])
param alertWebhookAuth string = 'entraId'

@description('Secure Webhook with an app registration of your own: its object ID (with the ActionGroupsSecureWebhook app role granted to Azure Monitor). Empty: the deployment registers one (infra/entra/secureWebhookApp.bicep).')
param alertWebhookEntraAppObjectId string = ''

@description('Secure Webhook with your own app registration: its application ID URI (api://...). Accepted as token audience.')
param alertWebhookEntraIdentifierUri string = ''

@description('Secure Webhook with your own app registration: its application (client) ID. Accepted as token audience.')
param alertWebhookEntraAppClientId string = ''

// ------------------------------------------------------------------------------------------------
// App behaviour (app settings)
// ------------------------------------------------------------------------------------------------

@description('NCRONTAB schedule of the failurePoll timer (six fields, UTC).')
param failurePollSchedule string = '0 */5 * * * *'

@description('NCRONTAB schedule of the dailyDigest timer (six fields, UTC); the digest window ends at the start of the hour it runs in.')
param digestSchedule string = '0 0 7 * * *'

@description('Routing file (receivers, routes, digest, grouping, silences; docs/routing.md) relative to the app root, e.g. routing.yaml committed at the repository root. Empty: everything goes to the generic webhook in WEBHOOK_URL.')
param routingConfigPath string = ''

@description('How the failure poll runs: queue (one poll-work message per workspace and slice, processed in parallel by pollWorker across instances) or inline (the timer queries every workspace itself; enough for a few workspaces).')
@allowed(['queue', 'inline'])
param pollFanout string = 'queue'

@minValue(1)
@maxValue(5)
@description('Log Analytics queries in flight at once per instance (the API allows 5 concurrent queries per identity).')
param pollMaxConcurrency int = 4

@description('Storage queue between alertWebhook and the function that processes alerts; its poison queue is <name>-poison.')
param alertInboxQueueName string = 'alert-inbox'

@description('Table Storage table of the state store (watermarks, dedup keys, outbox).')
param stateTableName string = 'aksalertenricher'

@description('More app settings, name -> value: any setting listed in docs/configuration.md. They replace this template\'s product settings of the same name (schedules, fan-out, state store, Key Vault references), but not LOG_ANALYTICS_WORKSPACE_IDS (built from logAnalyticsWorkspaceResourceIds) or the Functions host settings (AzureWebJobsStorage__*, APPLICATIONINSIGHTS_*), which app/function.bicep applies last.')
param appSettingOverrides object = {}

@secure()
@description('Secret app settings, name -> value (e.g. WEBHOOK_URL, WEBHOOK_SECRET). Each is stored in Key Vault as a secret named after the setting (lower case, dashes) and the app setting becomes a Key Vault reference.')
param secretAppSettings object = {}

@description('Names of secret app settings whose Key Vault secrets you manage yourself (az keyvault secret set; secret name = setting name in lower case with dashes). Each app setting becomes a Key Vault reference; no secret value passes through azd.')
param keyVaultReferencedAppSettings array = []

// ------------------------------------------------------------------------------------------------
// Hosting and delivery
// ------------------------------------------------------------------------------------------------

@description('Flex Consumption: most instances the app scales out to.')
param maximumInstanceCount int = 100

@description('Flex Consumption: memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(30)
@description('Event Grid: delivery attempts per event before it is dead-lettered.')
param eventGridMaxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
@description('Event Grid: minutes an event is retried before it is dead-lettered.')
param eventGridEventTimeToLiveMinutes int = 1440

@description('Key Vault purge protection: a deleted vault and its secrets (webhook URLs, signing secrets) cannot be purged before their retention ends. On by default; it cannot be turned off again, and `azd down --purge` then leaves the vault soft-deleted (docs/deploy.md).')
param keyVaultEnablePurgeProtection bool = true

// ------------------------------------------------------------------------------------------------
// Names
// ------------------------------------------------------------------------------------------------

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// azure.yaml names the service `enricher`; azd finds the app by this tag.
var serviceName = 'enricher'
var rgName = !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
var functionAppName = '${abbrs.webSitesFunctions}aks-enricher-${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var deadLetterContainerName = 'eventgrid-deadletter'
// Poll work items (POLL_FANOUT=queue) and their poison queue <name>-poison. Fixed: the code uses this
// name (POLL_WORK_QUEUE in src/sources/logAnalytics/pollWorkQueue.ts, the pollWorker trigger).
var pollWorkQueueName = 'poll-work'

// The functions this infrastructure points at. The cross-check test (tests/infra/crossCheck.test.ts)
// requires each to be registered in functions/*.ts with the matching trigger.
var eventGridFunctionName = 'aksEvents'
var alertWebhookFunctionName = 'alertWebhook'
var digestReportFunctionName = 'digestReport'
// Key Vault secret holding the digest report's address with digestReport's own key (second pass).
var digestReportLinkSecretName = 'digest-report-url'

// Event types the product handles (docs: event-schema-aks, event-schema-resource-groups); the cross-check
// compares them with AKS_EVENT_TYPES and RESOURCE_FAILURES in src/sources/eventGrid/fromEventGrid.ts.
var aksEventTypes = [
  'Microsoft.ContainerService.NodePoolRollingStarted'
  'Microsoft.ContainerService.NodePoolRollingSucceeded'
  'Microsoft.ContainerService.NodePoolRollingFailed'
  'Microsoft.ContainerService.ClusterSupportEnding'
  'Microsoft.ContainerService.ClusterSupportEnded'
  'Microsoft.ContainerService.NewKubernetesVersionAvailable'
]
var resourceFailureEventTypes = [
  'Microsoft.Resources.ResourceWriteFailure'
  'Microsoft.Resources.ResourceActionFailure'
  'Microsoft.Resources.ResourceDeleteFailure'
]
var scheduledEventTypes = [
  'Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted'
]

// Resource IDs split as ['', 'subscriptions', sub, 'resourceGroups', rg, 'providers', ns, type, name].
var workspaceScopes = [
  for id in logAnalyticsWorkspaceResourceIds: {
    subscriptionId: split(id, '/')[2]
    resourceGroup: split(id, '/')[4]
    name: last(split(id, '/'))
  }
]
var clusterScopes = [
  for id in aksClusterResourceIds: {
    id: id
    subscriptionId: split(id, '/')[2]
    resourceGroup: split(id, '/')[4]
    name: last(split(id, '/'))
  }
]
var resourceGroupFailureScopes = filter(resourceFailureEventScopes, s => length(split(s, '/')) == 5)
var subscriptionFailureScopes = filter(resourceFailureEventScopes, s => length(split(s, '/')) == 3)

var secureWebhook = alertWebhookAuth == 'entraId'
// Secure Webhook without an app registration of the operator's: the deployment registers one.
var registerWebhookApp = secureWebhook && empty(alertWebhookEntraAppObjectId)

// Subscriptions holding something the app's custom roles are assigned on.
var roleSubscriptions = union(
  [subscription().id],
  map(clusterScopes, c => '/subscriptions/${c.subscriptionId}'),
  map(workspaceScopes, w => '/subscriptions/${w.subscriptionId}'),
  map(clusterReaderResourceGroupIds, id => '/subscriptions/${split(id, '/')[2]}')
)

// ------------------------------------------------------------------------------------------------
// Resource group, identity, storage, monitoring, Key Vault
// ------------------------------------------------------------------------------------------------

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: rgName
  location: location
  tags: tags
}

// The app's only identity: storage, Key Vault references, App Insights, Log Analytics and ARM.
module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.5.1' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}aks-enricher-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.33.0' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    kind: 'StorageV2'
    skuName: 'Standard_LRS'
    // Identity only: no account keys, no SAS signed with them.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: 'Enabled'
    // Flex Consumption without VNet integration reaches storage over its public endpoint.
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        { name: deploymentContainerName }
        { name: deadLetterContainerName }
      ]
    }
    queueServices: {
      queues: [
        { name: alertInboxQueueName }
        { name: '${alertInboxQueueName}-poison' }
        { name: pollWorkQueueName }
        { name: '${pollWorkQueueName}-poison' }
      ]
    }
    tableServices: {
      tables: [
        { name: stateTableName }
      ]
    }
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.16.1' = {
  name: 'logAnalytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    skuName: 'PerGB2018'
    dataRetention: 30
    forceCmkForQuery: false
  }
}

module appInsights 'br/public:avm/res/insights/component:0.8.0' = {
  name: 'appInsights'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    kind: 'web'
    applicationType: 'web'
    workspaceResourceId: logAnalytics.outputs.resourceId
    // Telemetry only with an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
    disableLocalAuth: true
    disableIpMasking: false
  }
}

module keyVault 'br/public:avm/res/key-vault/vault:0.14.0' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    sku: 'standard'
    enableRbacAuthorization: true
    enablePurgeProtection: keyVaultEnablePurgeProtection
    enableVaultForDeployment: false
    enableVaultForTemplateDeployment: false
    enableVaultForDiskEncryption: false
    secrets: [
      for setting in items(secretAppSettings): {
        name: replace(toLower(setting.key), '_', '-')
        value: setting.value
      }
    ]
  }
}

// ------------------------------------------------------------------------------------------------
// App settings
// ------------------------------------------------------------------------------------------------

// Existing workspaces (maybe in other subscriptions): their customer IDs are what the query API takes.
resource workspaces 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = [
  for ws in workspaceScopes: {
    name: ws.name
    scope: resourceGroup(ws.subscriptionId, ws.resourceGroup)
  }
]

// environment() gives 'https://management.azure.com/'; the code appends paths to an endpoint without the slash.
var armEndpoint = endsWith(environment().resourceManager, '/')
  ? substring(environment().resourceManager, 0, length(environment().resourceManager) - 1)
  : environment().resourceManager

var productAppSettings = {
  AZURE_CLIENT_ID: identity.outputs.clientId
  FAILURE_POLL_SCHEDULE: failurePollSchedule
  DIGEST_SCHEDULE: digestSchedule
  POLL_FANOUT: pollFanout
  ARM_ENDPOINT: armEndpoint
  POLL_MAX_CONCURRENCY: string(pollMaxConcurrency)
  STATE_STORE: 'table'
  STATE_TABLE_ENDPOINT: 'https://${storageAccountName}.table.${environment().suffixes.storage}'
  STATE_TABLE_NAME: stateTableName
  ALERT_INBOX_QUEUE: alertInboxQueueName
  // Log search rules are read from this resource group only (the example rules are created here).
  ALERT_RULE_SCOPES: rg.id
}

// Unset rather than empty when there is no routing file: the code then routes to WEBHOOK_URL.
var routingAppSettings = !empty(routingConfigPath) ? { ROUTING_CONFIG_PATH: routingConfigPath } : {}

// Secure Webhook: with a tenant set, alertWebhook takes no function key and requires the token instead.
var webhookAppObjectId = registerWebhookApp ? webhookApp!.outputs.objectId : alertWebhookEntraAppObjectId
var webhookIdentifierUri = registerWebhookApp ? webhookApp!.outputs.identifierUri : alertWebhookEntraIdentifierUri
var webhookAppClientId = registerWebhookApp ? webhookApp!.outputs.clientId : alertWebhookEntraAppClientId
var secureWebhookAppSettings = secureWebhook
  ? {
      ALERT_WEBHOOK_TENANT_ID: tenant().tenantId
      ALERT_WEBHOOK_AUDIENCES: join(filter([webhookIdentifierUri, webhookAppClientId], a => !empty(a)), ',')
    }
  : {}

// The digest report's address with digestReport's own key, once the function exists (second pass).
var digestReportAppSettings = deployEventSubscriptions
  ? {
      DIGEST_REPORT_URL: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${digestReportLinkSecretName}/)'
    }
  : {}

// Secrets stay in Key Vault; the app setting is a reference resolved with the user-assigned identity.
var keyVaultUri = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}/'
var secretSettingNames = union(map(items(secretAppSettings), s => s.key), keyVaultReferencedAppSettings)
var secretReferenceAppSettings = toObject(
  secretSettingNames,
  settingName => settingName,
  settingName => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${replace(toLower(settingName), '_', '-')}/)'
)

// ------------------------------------------------------------------------------------------------
// Function app
// ------------------------------------------------------------------------------------------------

module functionApp 'app/function.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: serviceName
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    appInsightsName: appInsights.outputs.name
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    // A for-expression must be a property's whole value (and only there may it read runtime values).
    workspaceCustomerIds: [for (ws, i) in workspaceScopes: workspaces[i].properties.customerId]
    appSettings: union(
      productAppSettings,
      routingAppSettings,
      secureWebhookAppSettings,
      digestReportAppSettings,
      secretReferenceAppSettings,
      appSettingOverrides
    )
  }
  dependsOn: [
    keyVault
    appRoles
    // The reference must resolve when the setting appears.
    digestReportLink
  ]
}

// ------------------------------------------------------------------------------------------------
// Secure Webhook app registration (unless the operator brings one) and the digest report's link
// ------------------------------------------------------------------------------------------------

module webhookApp 'entra/secureWebhookApp.bicep' = if (registerWebhookApp) {
  name: 'secureWebhookApp'
  scope: rg
  params: {
    uniqueName: 'aks-alert-enricher-${resourceToken}'
    displayName: 'aks-alert-enricher alert webhook (${environmentName})'
  }
}

module digestReportLink 'app/digestReportLink.bicep' = if (deployEventSubscriptions) {
  name: 'digestReportLink'
  scope: rg
  params: {
    keyVaultName: keyVault.outputs.name
    functionAppName: functionAppName
    digestReportFunctionName: digestReportFunctionName
    secretName: digestReportLinkSecretName
  }
}

// ------------------------------------------------------------------------------------------------
// Event Grid system topics (identity for dead-lettering); subscriptions come in the second pass
// ------------------------------------------------------------------------------------------------

resource clusters 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = [
  for c in clusterScopes: {
    name: c.name
    scope: resourceGroup(c.subscriptionId, c.resourceGroup)
  }
]

module clusterTopics 'eventgrid/systemTopic.bicep' = [
  for (c, i) in clusterScopes: {
    name: take('topic-aks-${i}-${c.name}', 64)
    scope: resourceGroup(c.subscriptionId, c.resourceGroup)
    params: {
      name: existingSystemTopicNames[?c.id] ?? '${abbrs.eventGridSystemTopics}${replace(c.name, '_', '-')}-${take(uniqueString(c.id), 6)}'
      location: clusters[i].location
      tags: tags
      sourceResourceId: c.id
      topicType: 'Microsoft.ContainerService.ManagedClusters'
    }
  }
]

module resourceGroupFailureTopics 'eventgrid/systemTopic.bicep' = [
  for (scopeId, i) in resourceGroupFailureScopes: {
    name: take('topic-rg-${i}-${split(scopeId, '/')[4]}', 64)
    scope: resourceGroup(split(scopeId, '/')[2], split(scopeId, '/')[4])
    params: {
      name: existingSystemTopicNames[?scopeId] ?? '${abbrs.eventGridSystemTopics}rg-${take(uniqueString(scopeId), 8)}'
      location: 'global'
      tags: tags
      sourceResourceId: scopeId
      topicType: 'Microsoft.Resources.ResourceGroups'
    }
  }
]

// A whole subscription's topic goes into a resource group named like the app's in that subscription: for
// this subscription that is rg itself, for any other one this creates it.
module subscriptionFailureTopicGroups 'eventgrid/topicResourceGroup.bicep' = [
  for (scopeId, i) in subscriptionFailureScopes: if (toLower(split(scopeId, '/')[2]) != toLower(subscription().subscriptionId)) {
    // Subscription-scope deployment names are per subscription and region: the token keeps them apart.
    name: take('rg-sub-${i}-${resourceToken}', 64)
    scope: subscription(split(scopeId, '/')[2])
    params: {
      name: rgName
      location: location
      tags: tags
    }
  }
]

module subscriptionFailureTopics 'eventgrid/systemTopic.bicep' = [
  for (scopeId, i) in subscriptionFailureScopes: {
    name: 'topic-sub-${i}'
    scope: resourceGroup(split(scopeId, '/')[2], rgName)
    params: {
      name: existingSystemTopicNames[?scopeId] ?? '${abbrs.eventGridSystemTopics}sub-${take(uniqueString(scopeId), 8)}'
      location: 'global'
      tags: tags
      sourceResourceId: scopeId
      topicType: 'Microsoft.Resources.Subscriptions'
    }
    dependsOn: [
      rg
      subscriptionFailureTopicGroups
    ]
  }
]

// Preview. Creating this topic and its subscription needs
// Microsoft.ResourceNotifications/systemTopics/subscribeToContainerServiceEventResources/action.
module scheduledEventTopic 'eventgrid/systemTopic.bicep' = if (enableScheduledEventNotifications) {
  name: 'topic-aks-scheduled-events'
  scope: rg
  params: {
    name: existingSystemTopicNames[?subscription().id] ?? '${abbrs.eventGridSystemTopics}aks-scheduled-${resourceToken}'
    location: 'global'
    tags: tags
    sourceResourceId: subscription().id
    topicType: 'Microsoft.ResourceNotifications.ContainerServiceEventResources'
  }
}

// ------------------------------------------------------------------------------------------------
// Role assignments: one module (app/roles.bicep), deployed at every scope that needs one
// ------------------------------------------------------------------------------------------------

// The app's own read-only roles (cluster look-ups; alert rules and workspaces) instead of Reader.
module customRoles 'app/customRoles.bicep' = {
  name: take('roles-custom-${resourceToken}', 64)
  params: {
    nameSuffix: resourceToken
    assignableScopes: roleSubscriptions
  }
}

module appRoles 'app/roles.bicep' = {
  name: 'roles-app'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: appInsights.outputs.name
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    deadLetterContainerName: deadLetterContainerName
    // The system topics' own identities write dead-lettered events to the blob container.
    clusterDeadLetterWriterPrincipalIds: [for (c, i) in clusterScopes: clusterTopics[i].outputs.principalId]
    resourceGroupDeadLetterWriterPrincipalIds: [
      for (scopeId, i) in resourceGroupFailureScopes: resourceGroupFailureTopics[i].outputs.principalId
    ]
    subscriptionDeadLetterWriterPrincipalIds: [
      for (scopeId, i) in subscriptionFailureScopes: subscriptionFailureTopics[i].outputs.principalId
    ]
    scheduledEventDeadLetterWriterPrincipalId: enableScheduledEventNotifications
      ? scheduledEventTopic!.outputs.principalId
      : ''
    // The log search rules the app reads are in this resource group.
    alertRuleReaderRoleGuid: customRoles.outputs.alertRuleReaderRoleGuid
    alertRulesInResourceGroup: true
  }
}

module workspaceRoles 'app/roles.bicep' = [
  for (ws, i) in workspaceScopes: {
    name: take('roles-ws-${i}-${ws.name}', 64)
    scope: resourceGroup(ws.subscriptionId, ws.resourceGroup)
    params: {
      appPrincipalId: identity.outputs.principalId
      workspaceNames: [ws.name]
      workspaceRole: workspaceReaderRole
      // A rule's workspace is looked up for its customer id.
      alertRuleReaderRoleGuid: customRoles.outputs.alertRuleReaderRoleGuid
    }
  }
]

module clusterRoles 'app/roles.bicep' = [
  for (c, i) in clusterScopes: {
    name: take('roles-aks-${i}-${c.name}', 64)
    scope: resourceGroup(c.subscriptionId, c.resourceGroup)
    params: {
      appPrincipalId: identity.outputs.principalId
      clusterNames: [c.name]
      clusterReaderRoleGuid: customRoles.outputs.clusterReaderRoleGuid
    }
  }
]

module clusterResourceGroupRoles 'app/roles.bicep' = [
  for (scopeId, i) in clusterReaderResourceGroupIds: {
    name: take('roles-rg-${i}-${split(scopeId, '/')[4]}', 64)
    scope: resourceGroup(split(scopeId, '/')[2], split(scopeId, '/')[4])
    params: {
      appPrincipalId: identity.outputs.principalId
      clusterReaderOnResourceGroup: true
      clusterReaderRoleGuid: customRoles.outputs.clusterReaderRoleGuid
    }
  }
]

// ------------------------------------------------------------------------------------------------
// Second pass: Event Grid subscriptions to aksEvents
// ------------------------------------------------------------------------------------------------

var eventGridFunctionResourceId = '${functionApp.outputs.resourceId}/functions/${eventGridFunctionName}'
var deadLetterStorageAccountResourceId = storage.outputs.resourceId

module clusterSubscriptions 'eventgrid/functionSubscription.bicep' = [
  for (c, i) in clusterScopes: if (deployEventSubscriptions) {
    name: take('evgs-aks-${i}-${c.name}', 64)
    scope: resourceGroup(c.subscriptionId, c.resourceGroup)
    params: {
      systemTopicName: clusterTopics[i].outputs.name
      name: 'aks-alert-enricher-${resourceToken}'
      functionResourceId: eventGridFunctionResourceId
      includedEventTypes: aksEventTypes
      maxDeliveryAttempts: eventGridMaxDeliveryAttempts
      eventTimeToLiveInMinutes: eventGridEventTimeToLiveMinutes
      deadLetterStorageAccountResourceId: deadLetterStorageAccountResourceId
      deadLetterContainerName: deadLetterContainerName
    }
    dependsOn: [
      appRoles
    ]
  }
]

// Only failures on AKS resources: the resource events carry the provider in data.resourceProvider.
var aksResourceFailureFilters = [
  {
    operatorType: 'StringIn'
    key: 'data.resourceProvider'
    values: [
      'Microsoft.ContainerService'
    ]
  }
]

module resourceGroupFailureSubscriptions 'eventgrid/functionSubscription.bicep' = [
  for (scopeId, i) in resourceGroupFailureScopes: if (deployEventSubscriptions) {
    name: take('evgs-rg-${i}-${split(scopeId, '/')[4]}', 64)
    scope: resourceGroup(split(scopeId, '/')[2], split(scopeId, '/')[4])
    params: {
      systemTopicName: resourceGroupFailureTopics[i].outputs.name
      name: 'aks-alert-enricher-${resourceToken}'
      functionResourceId: eventGridFunctionResourceId
      includedEventTypes: resourceFailureEventTypes
      advancedFilters: aksResourceFailureFilters
      maxDeliveryAttempts: eventGridMaxDeliveryAttempts
      eventTimeToLiveInMinutes: eventGridEventTimeToLiveMinutes
      deadLetterStorageAccountResourceId: deadLetterStorageAccountResourceId
      deadLetterContainerName: deadLetterContainerName
    }
    dependsOn: [
      appRoles
    ]
  }
]

module subscriptionFailureSubscriptions 'eventgrid/functionSubscription.bicep' = [
  for (scopeId, i) in subscriptionFailureScopes: if (deployEventSubscriptions) {
    name: 'evgs-sub-${i}'
    scope: resourceGroup(split(scopeId, '/')[2], rgName)
    params: {
      systemTopicName: subscriptionFailureTopics[i].outputs.name
      name: 'aks-alert-enricher-${resourceToken}'
      functionResourceId: eventGridFunctionResourceId
      includedEventTypes: resourceFailureEventTypes
      advancedFilters: aksResourceFailureFilters
      maxDeliveryAttempts: eventGridMaxDeliveryAttempts
      eventTimeToLiveInMinutes: eventGridEventTimeToLiveMinutes
      deadLetterStorageAccountResourceId: deadLetterStorageAccountResourceId
      deadLetterContainerName: deadLetterContainerName
    }
    dependsOn: [
      rg
      appRoles
    ]
  }
]

module scheduledEventSubscription 'eventgrid/functionSubscription.bicep' = if (enableScheduledEventNotifications && deployEventSubscriptions) {
  name: 'evgs-aks-scheduled-events'
  scope: rg
  params: {
    systemTopicName: scheduledEventTopic!.outputs.name
    name: 'aks-alert-enricher-${resourceToken}'
    functionResourceId: eventGridFunctionResourceId
    includedEventTypes: scheduledEventTypes
    maxDeliveryAttempts: eventGridMaxDeliveryAttempts
    eventTimeToLiveInMinutes: eventGridEventTimeToLiveMinutes
    deadLetterStorageAccountResourceId: deadLetterStorageAccountResourceId
    deadLetterContainerName: deadLetterContainerName
  }
  dependsOn: [
    appRoles
  ]
}

// ------------------------------------------------------------------------------------------------
// Second pass: Azure Monitor action group and example alert rules
// ------------------------------------------------------------------------------------------------

module actionGroup 'monitor/actionGroup.bicep' = if (deployEventSubscriptions) {
  name: 'actionGroup'
  scope: rg
  params: {
    name: '${abbrs.insightsActionGroups}aks-enricher-${resourceToken}'
    shortName: 'aksenricher'
    tags: tags
    functionAppName: functionApp.outputs.name
    webhookFunctionName: alertWebhookFunctionName
    secureWebhook: secureWebhook
    entraAppObjectId: webhookAppObjectId
    entraIdentifierUri: webhookIdentifierUri
  }
}

module nodeAutoRepairAlerts 'monitor/nodeAutoRepairAlert.bicep' = [
  for (ws, i) in workspaceScopes: if (deployEventSubscriptions && createAlertRules) {
    name: take('alert-auto-repair-${i}-${ws.name}', 64)
    scope: rg
    params: {
      name: '${abbrs.insightsScheduledQueryRules}aks-node-auto-repair-errors-${ws.name}-${take(uniqueString(logAnalyticsWorkspaceResourceIds[i]), 6)}'
      location: workspaces[i].location
      tags: tags
      workspaceResourceId: logAnalyticsWorkspaceResourceIds[i]
      actionGroupResourceId: actionGroup!.outputs.resourceId
    }
  }
]

module aksOperationFailedAlert 'monitor/aksOperationFailedAlert.bicep' = if (deployEventSubscriptions && createAlertRules) {
  name: 'alert-aks-operation-failed'
  scope: rg
  params: {
    name: '${abbrs.insightsActivityLogAlerts}aks-operation-failed-${resourceToken}'
    tags: tags
    scopes: !empty(activityLogAlertScopes) ? activityLogAlertScopes : [subscription().id]
    actionGroupResourceId: actionGroup!.outputs.resourceId
  }
}

// ------------------------------------------------------------------------------------------------
// Outputs (azd writes them to .azure/<env>/.env)
// ------------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_HOSTNAME string = functionApp.outputs.defaultHostname
output AZURE_EVENT_GRID_FUNCTION_NAME string = eventGridFunctionName
output AZURE_ALERT_WEBHOOK_FUNCTION_NAME string = alertWebhookFunctionName
output AZURE_DIGEST_REPORT_FUNCTION_NAME string = digestReportFunctionName
output AZURE_ALERT_WEBHOOK_APP_CLIENT_ID string = secureWebhook ? webhookAppClientId : ''
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_USER_ASSIGNED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STATE_TABLE_NAME string = stateTableName
output AZURE_ALERT_INBOX_QUEUE string = alertInboxQueueName
output AZURE_EVENT_GRID_DEADLETTER_CONTAINER string = deadLetterContainerName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_CONNECTION_STRING string = appInsights.outputs.connectionString
output AZURE_ACTION_GROUP_ID string = deployEventSubscriptions ? actionGroup!.outputs.resourceId : ''
output DEPLOY_EVENT_SUBSCRIPTIONS bool = deployEventSubscriptions
