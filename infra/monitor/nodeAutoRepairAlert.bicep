// Example log search alert: node auto-repair errors in a workspace's KubeEvents, one alert per cluster
// (resource ID column) and reason, sent to the action group. The payload carries no rows; alertWebhook
// fetches them through the alert's search-results link.
targetScope = 'resourceGroup'

param name string

@description('The workspace\'s region: the rule is created where its data is.')
param location string

param tags object = {}

@description('Log Analytics workspace that receives the clusters\' Container Insights data.')
param workspaceResourceId string

@description('Action group to notify.')
param actionGroupResourceId string

@minValue(0)
@maxValue(4)
param severity int = 2

resource rule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: name
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'AKS node auto-repair errors'
    description: 'A node auto-repair action (reboot, reimage or redeploy) failed. Sent to aks-alert-enricher, which adds the matching AKS error-code guidance.'
    severity: severity
    enabled: true
    scopes: [
      workspaceResourceId
    ]
    // Every 5 minutes over the last 15: an event ingested late is still seen. The same event can fire
    // more than once; the enricher deduplicates what it sends.
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: loadTextContent('queries/node-auto-repair-errors.kql')
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          resourceIdColumn: '_ResourceId'
          dimensions: [
            {
              name: 'Reason'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: {
      actionGroups: [
        actionGroupResourceId
      ]
      customProperties: {
        source: 'aks-alert-enricher'
      }
    }
  }
}

output resourceId string = rule.id
