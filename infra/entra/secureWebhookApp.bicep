// The Microsoft Entra app registration that action groups authenticate to (Secure Webhook): an app role
// ActionGroupsSecureWebhook, granted to Azure Monitor's action group application, and v2 tokens whose
// audience is this app's client id. The deploying user becomes the app's owner; creating it needs the
// right to register applications and to grant the role (docs/deploy.md).
extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0'

@description('Unique name of the app registration in the tenant: the same on every deployment of an environment.')
param uniqueName string

@description('Display name of the app registration.')
param displayName string

// Azure Monitor's action group application ("AzNS AAD Webhook"), which requests the tokens.
var actionGroupAppId = '461e8683-5575-4561-ac7f-899cc907d62a' // AzNS AAD Webhook

// The role id is derived, so every deployment of the environment keeps the same role.
var secureWebhookRoleId = guid(uniqueName, 'ActionGroupsSecureWebhook')

// api://<tenant id>/<name>: a form tenants' app management policies accept without a verified domain.
var identifierUri = 'api://${tenant().tenantId}/${uniqueName}'

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  identifierUris: [
    identifierUri
  ]
  api: {
    requestedAccessTokenVersion: 2
  }
  appRoles: [
    {
      id: secureWebhookRoleId
      allowedMemberTypes: [
        'Application'
      ]
      value: 'ActionGroupsSecureWebhook'
      displayName: 'Action Groups Secure Webhook'
      description: 'Azure Monitor action groups may post alerts to aks-alert-enricher.'
      isEnabled: true
    }
  ]
}

// Only principals granted a role get tokens for the app: Azure Monitor's action groups.
resource appPrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: app.appId
  appRoleAssignmentRequired: true
}

// Azure Monitor's application in this tenant (created if the tenant has none yet).
resource actionGroupPrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: actionGroupAppId
}

resource actionGroupRole 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {
  appRoleId: secureWebhookRoleId
  principalId: actionGroupPrincipal.id
  resourceId: appPrincipal.id
}

output objectId string = app.id
output clientId string = app.appId
output identifierUri string = identifierUri
