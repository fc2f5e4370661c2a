// An Event Grid subscription that delivers a system topic's events to a function (endpoint type
// AzureFunction), with retries and dead-lettering to blob storage through the topic's own identity.
// The function must exist when this is deployed: Event Grid checks the endpoint.
targetScope = 'resourceGroup'

@description('Existing system topic in this resource group.')
param systemTopicName string

@description('Event subscription name.')
param name string

@description('Resource ID of the target function: <function app ID>/functions/<function name>.')
param functionResourceId string

@description('Event types to deliver; everything else is filtered out by Event Grid.')
param includedEventTypes array

@description('Advanced filters (e.g. on data.resourceProvider).')
param advancedFilters array = []

@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

@description('Storage account that receives dead-lettered events.')
param deadLetterStorageAccountResourceId string

@description('Blob container for dead-lettered events.')
param deadLetterContainerName string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource eventSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: name
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: functionResourceId
        // One event per invocation: a failing event is retried on its own, not with its batch.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: includedEventTypes
      advancedFilters: advancedFilters
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountResourceId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output name string = eventSubscription.name
output resourceId string = eventSubscription.id
