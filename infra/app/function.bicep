// The function app on a Flex Consumption plan: Node 22, user-assigned identity for everything,
// identity-based host storage, App Insights over Entra ID, Key Vault references resolved with the same identity.
targetScope = 'resourceGroup'

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

param location string = resourceGroup().location
param tags object = {}

@description('azd service name (azure.yaml); set as the azd-service-name tag so `azd deploy` finds the app.')
param serviceName string

@description('Resource ID of the user-assigned managed identity.')
param identityResourceId string

@description('Client ID of the user-assigned managed identity.')
param identityClientId string

@description('The app\'s own storage account (host storage, deployment package, queues, state table).')
param storageAccountName string

@description('Blob container that holds the deployment package.')
param deploymentContainerName string

@description('Application Insights component (local auth disabled).')
param appInsightsName string

param maximumInstanceCount int = 100
param instanceMemoryMB int = 2048

@description('Customer IDs (GUIDs) of the Log Analytics workspaces to poll.')
param workspaceCustomerIds array = []

@description('Product app settings (see docs/configuration.md); the settings below are applied after them and win on a clash.')
param appSettings object = {}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Workspaces to poll: the query API takes workspace (customer) IDs, not resource IDs.
var workspaceAppSettings = {
  LOG_ANALYTICS_WORKSPACE_IDS: join(workspaceCustomerIds, ',')
}

// Settings of the Functions host itself (not read by the product code).
var hostAppSettings = {
  // Identity-based AzureWebJobsStorage: the account name plus the user-assigned identity. The service URIs
  // are set too, so code that needs an endpoint (tables, queues) can read it without building one.
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Application Insights with local auth disabled: the host authenticates with the identity.
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

module plan 'br/public:avm/res/web/serverfarm:0.7.0' = {
  name: 'plan'
  params: {
    name: planName
    location: location
    tags: tags
    skuName: 'FC1'
    kind: 'functionapp'
    reserved: true
    zoneRedundant: false
  }
}

module site 'br/public:avm/res/web/site:0.24.0' = {
  name: 'site'
  params: {
    name: name
    location: location
    kind: 'functionapp,linux'
    tags: union(tags, { 'azd-service-name': serviceName })
    serverFarmResourceId: plan.outputs.resourceId
    managedIdentities: {
      userAssignedResourceIds: [
        identityResourceId
      ]
    }
    // @Microsoft.KeyVault(...) references resolve with the user-assigned identity.
    keyVaultAccessIdentityResourceId: identityResourceId
    httpsOnly: true
    siteConfig: {
      alwaysOn: false
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    configs: [
      {
        name: 'appsettings'
        // The template owns the settings: a setting removed here is removed from the app.
        retainCurrentAppSettings: false
        properties: union(appSettings, workspaceAppSettings, hostAppSettings)
      }
    ]
  }
}

output name string = site.outputs.name
output resourceId string = site.outputs.resourceId
output defaultHostname string = site.outputs.defaultHostname
