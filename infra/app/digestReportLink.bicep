// The digest report's address with digestReport's own function key, kept in Key Vault: the app setting
// DIGEST_REPORT_URL is a reference to this secret. The key opens that one function and nothing else (never
// the host key, which opens every function-level endpoint). Second pass only: the function must exist.
targetScope = 'resourceGroup'

param keyVaultName string

param functionAppName string

@description('HTTP-triggered function that serves the digest report.')
param digestReportFunctionName string

@description('Name of the Key Vault secret that holds the address.')
param secretName string

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource link 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretName
  properties: {
    contentType: 'text/uri-list'
    value: 'https://${site.properties.defaultHostName}/api/${digestReportFunctionName}?code=${listKeys('${site.id}/functions/${digestReportFunctionName}', '2024-04-01').default}'
  }
}

output secretName string = link.name
