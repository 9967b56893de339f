// Phase 2, run by the azd postdeploy hook (infra/hooks/postdeploy.sh|ps1) after the code is
// deployed: subscribes the Event Grid trigger's webhook (intakeBlobCreated) to BlobCreated events of
// the intake container: the function gets the event — the blob's identity — never the file, which
// the run streams from storage. It cannot be part of `azd provision`: the webhook URL carries the
// eventgrid_extension system key (Microsoft Learn, "How to work with Event Grid triggers and bindings
// in Azure Functions": .../runtime/webhooks/eventgrid?functionName={functionname}&code={systemkey}),
// which exists only once the host has started with the intakeBlobCreated function, and Event Grid
// validates the endpoint when the subscription is created.
param functionAppName string
param systemTopicName string
param containerName string = 'autopilot-intake'
@description('Name the Event Grid trigger is registered under (app.eventGrid(name, ...)).')
param functionName string = 'intakeBlobCreated'
param subscriptionName string = 'autopilot-intake-blob-created'
@description('Container (created by main.bicep) where undeliverable events are kept.')
param deadLetterContainerName string = 'autopilot-eventgrid-deadletter'
param storageAccountName string

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

// The Functions host system key, not a storage key (shared keys are disabled on the account).
var eventGridExtensionKey = listKeys('${site.id}/host/default', '2024-04-01').systemKeys.eventgrid_extension

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${site.properties.defaultHostName}/runtime/webhooks/eventgrid?functionName=${functionName}&code=${eventGridExtensionKey}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      // Every file in the intake container: the app itself rejects (and reports) what is not a CSV.
      subjectBeginsWith: '/blobServices/default/containers/${containerName}/'
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    // An event that still cannot be delivered is kept, not dropped: the drop can be replayed from it.
    deadLetterWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: account.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output subscriptionName string = subscription.name
