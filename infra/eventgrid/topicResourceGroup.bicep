// The resource group that holds a whole subscription's system topic when that subscription is not the
// one azd deploys to: the topic lives in the subscription it watches, and nothing else creates a group there.
targetScope = 'subscription'

@description('Resource group name: the app\'s own resource group name, reused in this subscription.')
param name string

param location string

param tags object = {}

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: name
  location: location
  tags: tags
}

output name string = group.name
