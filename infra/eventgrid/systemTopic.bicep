// An Event Grid system topic with a system-assigned identity; the identity dead-letters undeliverable
// events into the app's blob container (the storage account takes no shared keys).
targetScope = 'resourceGroup'

@description('Topic name. Only one system topic may exist per source: reuse an existing topic by its name.')
param name string

@description('The source\'s region for resource topics (e.g. the cluster\'s), or \'global\' for resource group and subscription topics.')
param location string

param tags object = {}

@description('Resource ID of the source: an AKS cluster, a resource group or a subscription.')
param sourceResourceId string

@description('System topic type, e.g. Microsoft.ContainerService.ManagedClusters.')
param topicType string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: sourceResourceId
    topicType: topicType
  }
}

output name string = topic.name
output resourceId string = topic.id
output principalId string = topic.identity.principalId
