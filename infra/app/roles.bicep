// Every role assignment of the deployment, in one place. main.bicep deploys this module at each scope
// that needs assignments: the app's resource group, each workspace's and each cluster's resource group
// (possibly in other subscriptions). Each parameter switches on the assignments for one kind of resource
// in this resource group. No Owner, Contributor, Reader or role-assigning role anywhere: look-ups use the
// deployment's own read-only roles (app/customRoles.bicep).
targetScope = 'resourceGroup'

@description('Principal (object) ID of the app\'s user-assigned managed identity.')
param appPrincipalId string

@description('The app\'s own storage account in this resource group. Empty: no storage assignments.')
param storageAccountName string = ''

@description('The app\'s Key Vault in this resource group. Empty: no Key Vault assignments.')
param keyVaultName string = ''

@description('The app\'s Application Insights component in this resource group. Empty: no assignment.')
param appInsightsName string = ''

@description('Log Analytics workspaces in this resource group that the app queries.')
param workspaceNames array = []

@description('Role on those workspaces: Log Analytics Data Reader (least privilege), or Log Analytics Reader for workspaces where the data role is not honoured.')
@allowed([
  'LogAnalyticsDataReader'
  'LogAnalyticsReader'
])
param workspaceRole string = 'LogAnalyticsDataReader'

@description('AKS clusters in this resource group that the app reads for cluster context.')
param clusterNames array = []

@description('Give the app the cluster reader role on this whole resource group (fleets whose clusters come and go).')
param clusterReaderOnResourceGroup bool = false

@description('GUID of the deployment\'s cluster reader role (read a cluster and its agent pools). Needed with clusterNames or clusterReaderOnResourceGroup.')
param clusterReaderRoleGuid string = ''

@description('GUID of the deployment\'s alert rule reader role (read log search rules and workspaces). Assigned on the workspaces given, and on this resource group with alertRulesInResourceGroup.')
param alertRuleReaderRoleGuid string = ''

@description('Give the app the alert rule reader role on this resource group, where the log search rules it reads are.')
param alertRulesInResourceGroup bool = false

@description('Person or pipeline that runs azd; gets Key Vault Secrets Officer on the vault. Empty: none.')
param deployerPrincipalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

@description('Blob container (in storageAccountName) that Event Grid dead-letters undeliverable events into.')
param deadLetterContainerName string = ''

@description('Principal IDs of the cluster topics\' system-assigned identities, which dead-letter into that container.')
param clusterDeadLetterWriterPrincipalIds array = []

@description('The same, for resource group topics (a separate parameter: each for-expression fills one).')
param resourceGroupDeadLetterWriterPrincipalIds array = []

@description('The same, for subscription topics.')
param subscriptionDeadLetterWriterPrincipalIds array = []

@description('The same, for the scheduled-event topic. Empty: none.')
param scheduledEventDeadLetterWriterPrincipalId string = ''

var deadLetterWriters = concat(
  clusterDeadLetterWriterPrincipalIds,
  resourceGroupDeadLetterWriterPrincipalIds,
  subscriptionDeadLetterWriterPrincipalIds,
  empty(scheduledEventDeadLetterWriterPrincipalId) ? [] : [scheduledEventDeadLetterWriterPrincipalId]
)

// Built-in role definition IDs. The cross-check test verifies each GUID against the role named in its comment.
var roles = {
  logAnalyticsDataReader: '3b03c2da-16b3-4a49-8834-0f8130efdd3b' // Log Analytics Data Reader
  logAnalyticsReader: '73c42c96-874c-492b-b04d-ab87d138a893' // Log Analytics Reader
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // Key Vault Secrets Officer
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
}

// ------------------------------------------------------------------------------------------------
// The app's own storage account
// ------------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = if (!empty(storageAccountName)) {
  name: storageAccountName
}

// Storage Blob Data Owner: the Functions host with identity-based AzureWebJobsStorage needs to read and
// write blobs and create containers (keys, timer leases); it also covers the Flex Consumption deployment
// container, which the same identity reads.
resource storageBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(storageAccountName)) {
  name: guid(storage.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner) // Storage Blob Data Owner
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Queue Data Contributor: queue triggers and outputs (alert inbox, poll work items, poison queues).
resource storageQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(storageAccountName)) {
  name: guid(storage.id, appPrincipalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor) // Storage Queue Data Contributor
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Table Data Contributor: the state store (watermarks, dedup keys, outbox) and the host's
// diagnostic events.
resource storageTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(storageAccountName)) {
  name: guid(storage.id, appPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor) // Storage Table Data Contributor
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = if (!empty(storageAccountName) && !empty(deadLetterContainerName)) {
  name: '${storageAccountName}/default/${deadLetterContainerName}'
}

// Storage Blob Data Contributor on the dead-letter container only: Event Grid writes undeliverable events
// with the system topic's identity (the account allows no shared keys).
resource deadLetterWriterRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in deadLetterWriters: if (!empty(storageAccountName) && !empty(deadLetterContainerName)) {
    name: guid(deadLetterContainer.id, principalId, roles.storageBlobDataContributor)
    scope: deadLetterContainer
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor) // Storage Blob Data Contributor
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// ------------------------------------------------------------------------------------------------
// Key Vault and Application Insights
// ------------------------------------------------------------------------------------------------

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = if (!empty(keyVaultName)) {
  name: keyVaultName
}

// Key Vault Secrets User: resolve the @Microsoft.KeyVault(...) app settings (webhook URLs and secrets).
resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultName)) {
  name: guid(keyVault.id, appPrincipalId, roles.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser) // Key Vault Secrets User
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Key Vault Secrets Officer for the operator: set and rotate the webhook secrets. Not the app.
resource keyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultName) && !empty(deployerPrincipalId)) {
  name: guid(keyVault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer) // Key Vault Secrets Officer
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = if (!empty(appInsightsName)) {
  name: appInsightsName
}

// Monitoring Metrics Publisher: send telemetry to Application Insights, whose local (key) auth is disabled.
resource appInsightsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(appInsightsName)) {
  name: guid(appInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher) // Monitoring Metrics Publisher
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ------------------------------------------------------------------------------------------------
// What the app watches
// ------------------------------------------------------------------------------------------------

resource workspaces 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = [
  for workspaceName in workspaceNames: {
    name: workspaceName
  }
]

// Log Analytics Data Reader: run queries and read table data in the workspace, nothing else. Least
// privilege: Log Analytics Reader and Monitoring Reader both carry */read on every resource in scope.
resource workspaceDataReaders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (workspaceName, i) in workspaceNames: if (workspaceRole == 'LogAnalyticsDataReader') {
    name: guid(workspaces[i].id, appPrincipalId, roles.logAnalyticsDataReader)
    scope: workspaces[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.logAnalyticsDataReader) // Log Analytics Data Reader
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Log Analytics Reader: the fallback when chosen; broader (*/read in the workspace scope), still read-only.
resource workspaceReaders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (workspaceName, i) in workspaceNames: if (workspaceRole == 'LogAnalyticsReader') {
    name: guid(workspaces[i].id, appPrincipalId, roles.logAnalyticsReader)
    scope: workspaces[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.logAnalyticsReader) // Log Analytics Reader
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// The alert rule reader role on each workspace: a rule's workspace is read for its customer id.
resource workspaceRuleReaders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (workspaceName, i) in workspaceNames: if (!empty(alertRuleReaderRoleGuid)) {
    name: guid(workspaces[i].id, appPrincipalId, alertRuleReaderRoleGuid)
    scope: workspaces[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', alertRuleReaderRoleGuid) // custom: AKS Alert Enricher Alert Rule Reader
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// The alert rule reader role on the resource group of the log search rules: a fired alert's rows come from
// its rule's own query and scopes, read here, never from the payload.
resource resourceGroupRuleReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (alertRulesInResourceGroup && !empty(alertRuleReaderRoleGuid)) {
  name: guid(resourceGroup().id, appPrincipalId, alertRuleReaderRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', alertRuleReaderRoleGuid) // custom: AKS Alert Enricher Alert Rule Reader
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource clusters 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = [
  for clusterName in clusterNames: {
    name: clusterName
  }
]

// The cluster reader role on the cluster: ARM GET of the cluster and its agent pools (versions,
// provisioning errors) for context, nothing else. Reader would also read every other resource type there.
resource clusterReaders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (clusterName, i) in clusterNames: {
    name: guid(clusters[i].id, appPrincipalId, clusterReaderRoleGuid)
    scope: clusters[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', clusterReaderRoleGuid) // custom: AKS Alert Enricher Cluster Reader
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// The cluster reader role on the resource group: cluster context for every cluster in it, present and future.
resource resourceGroupClusterReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (clusterReaderOnResourceGroup) {
  name: guid(resourceGroup().id, appPrincipalId, clusterReaderRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', clusterReaderRoleGuid) // custom: AKS Alert Enricher Cluster Reader
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
