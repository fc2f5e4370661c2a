// Example activity-log alert: any failed administrative operation on a Microsoft.ContainerService
// resource (cluster or agent pool create, update, upgrade, scale, delete) in the given scopes.
targetScope = 'resourceGroup'

param name string

param tags object = {}

@description('Subscription or resource group IDs (all in this deployment\'s subscription).')
param scopes array

@description('Action group to notify.')
param actionGroupResourceId string

resource alert 'Microsoft.Insights/activityLogAlerts@2020-10-01' = {
  name: name
  location: 'Global'
  tags: tags
  properties: {
    description: 'A Microsoft.ContainerService operation failed. Sent to aks-alert-enricher, which extracts the ARM error code and adds its guidance.'
    enabled: true
    scopes: scopes
    condition: {
      allOf: [
        {
          field: 'category'
          equals: 'Administrative'
        }
        {
          field: 'resourceProvider'
          equals: 'Microsoft.ContainerService'
        }
        {
          field: 'status'
          equals: 'Failed'
        }
      ]
    }
    actions: {
      actionGroups: [
        {
          actionGroupId: actionGroupResourceId
        }
      ]
    }
  }
}

output resourceId string = alert.id
