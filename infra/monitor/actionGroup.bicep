// The action group whose webhook (common alert schema) calls the alertWebhook function.
// Secure Webhook (the default): the action group sends a Microsoft Entra ID token for the given app
// registration and the URL carries no key (the function is anonymous at the host and checks the token).
// Function key (opt-in): the URL carries alertWebhook's own function key, read with listKeys at deployment
// time; it opens that one function only, never the host or master key, and is never output.
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

@description('Authenticate with an Entra ID token (action group Secure Webhook) instead of a function key.')
param secureWebhook bool = true

@description('Secure Webhook: object ID of the app registration that represents the webhook.')
param entraAppObjectId string = ''

@description('Secure Webhook: application ID URI of that app registration.')
param entraIdentifierUri string = ''

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

var webhookEndpoint = 'https://${site.properties.defaultHostName}/api/${webhookFunctionName}'
// The key of alertWebhook alone: read only when the function key is the chosen authentication.
var webhookUri = secureWebhook
  ? webhookEndpoint
  : '${webhookEndpoint}?code=${listKeys('${site.id}/functions/${webhookFunctionName}', '2024-04-01').default}'

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
