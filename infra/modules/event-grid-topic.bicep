// The storage account's Event Grid system topic. Its subscription to the Event Grid trigger's webhook is
// created after code deploy (infra/eventgrid/blob-subscription.bicep, run by the postdeploy hook),
// because the webhook needs the eventgrid_extension system key that exists only once the host runs.
param name string
param location string
param tags object = {}
param storageAccountName string
@description('Container the blob subscription dead-letters to (infra/eventgrid/blob-subscription.bicep); the topic may write there and nowhere else.')
param deadLetterContainerName string
@description('Email told when an event is dead-lettered or dropped; empty for portal-only alerts.')
param alertEmail string = ''

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: deadLetterContainerName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  // Its own identity writes undeliverable events to the dead-letter container (no storage keys).
  identity: { type: 'SystemAssigned' }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

// Scoped to the dead-letter container: dead-lettering needs nothing else in the account.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, topic.id, storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// A blob event Event Grid gave up on (dead-lettered) or dropped is a CSV drop that was never
// processed: someone has to look at it (docs/DEPLOY.md, dead-letter container).
resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${name}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'autopilot'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var lostEventMetrics = ['DeadLetteredCount', 'DroppedEventCount']

resource lostEventAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [for metric in lostEventMetrics: {
  name: '${name}-${metric}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Event Grid could not deliver a blob event to the intake function (${metric}): the drop was not processed. Look in the dead-letter container.'
    severity: 2
    enabled: true
    scopes: [topic.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: metric
          metricName: metric
          metricNamespace: 'Microsoft.EventGrid/systemTopics'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: empty(alertEmail) ? [] : [{ actionGroupId: actionGroup.id }]
  }
}]

output name string = topic.name
