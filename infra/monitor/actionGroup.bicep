// The action group whose webhook (common alert schema) calls the alertWebhook function.
// The URL carries the app's default host function key, read with listKeys at deployment time: it opens
// function-level endpoints of this app only (not the master key) and is never output. With Secure Webhook
// the action group also sends an Entra ID token for the given app registration.
targetScope = 'resourceGroup'

param name string

@maxLength(12)
@description('Short name shown in notifications (at most 12 characters).')
param shortName string

param tags object = {}

@description('The function app in this resource group.')
param functionAppName string

@description('HTTP-triggered function that receives the alerts.')
param webhookFunctionName string

@description('Also authenticate with an Entra ID token (action group Secure Webhook).')
param secureWebhook bool = false

@description('Secure Webhook: object ID of the app registration that represents the webhook.')
param entraAppObjectId string = ''

@description('Secure Webhook: application ID URI of that app registration.')
param entraIdentifierUri string = ''

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

var functionKey = listKeys('${site.id}/host/default', '2024-04-01').functionKeys.default
var webhookUri = 'https://${site.properties.defaultHostName}/api/${webhookFunctionName}?code=${functionKey}'

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    webhookReceivers: [
      union(
        {
          name: 'aks-alert-enricher'
          serviceUri: webhookUri
          useCommonAlertSchema: true
        },
        secureWebhook
          ? {
              useAadAuth: true
              objectId: entraAppObjectId
              identifierUri: entraIdentifierUri
              tenantId: tenant().tenantId
            }
          : {
              useAadAuth: false
            }
      )
    ]
  }
}

output resourceId string = actionGroup.id
output name string = actionGroup.name
