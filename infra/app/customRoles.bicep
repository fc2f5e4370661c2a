// The app's own roles: only the read actions its look-ups need, in place of the built-in Reader (which
// reads every resource type in its scope). Role definitions are tenant-wide objects; their names carry the
// resource token so two deployments in one tenant do not clash. app/roles.bicep assigns them.
targetScope = 'subscription'

@description('Resource token of the deployment: part of each role\'s name and id.')
param nameSuffix string

@description('Scopes the roles may be assigned at: /subscriptions/<id> of every subscription holding a watched cluster, workspace or rule.')
param assignableScopes array

// Cluster context: GET of a managed cluster and of its agent pools. No credentials (listClusterUserCredential
// and the other cluster actions are not read actions), no other resource type.
var clusterReaderActions = [
  'Microsoft.ContainerService/managedClusters/read'
  'Microsoft.ContainerService/managedClusters/agentPools/read'
]

// Log search alerts: GET of the alert's rule (its query, scopes and time range), and of a workspace a rule
// queries (its customer id, the id the query API takes).
var alertRuleReaderActions = [
  'Microsoft.Insights/scheduledQueryRules/read'
  'Microsoft.OperationalInsights/workspaces/read'
]

resource clusterReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'aks-alert-enricher-cluster-reader', nameSuffix)
  properties: {
    roleName: 'AKS Alert Enricher Cluster Reader (${nameSuffix})'
    description: 'Reads AKS managed clusters and their agent pools (versions, provisioning errors) for aks-alert-enricher. Nothing else.'
    type: 'CustomRole'
    permissions: [
      {
        actions: clusterReaderActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

resource alertRuleReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'aks-alert-enricher-alert-rule-reader', nameSuffix)
  properties: {
    roleName: 'AKS Alert Enricher Alert Rule Reader (${nameSuffix})'
    description: 'Reads log search alert rules and Log Analytics workspaces (their customer id) for aks-alert-enricher. Nothing else.'
    type: 'CustomRole'
    permissions: [
      {
        actions: alertRuleReaderActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

// GUIDs only: each role assignment builds the definition id in its own subscription.
output clusterReaderRoleGuid string = clusterReader.name
output alertRuleReaderRoleGuid string = alertRuleReader.name
