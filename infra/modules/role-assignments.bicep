// Azure RBAC for the Function App identity (data plane only, on the one storage account and the
// App Insights component) and, optionally, blob access for the admin who deployed.
param storageAccountName string
param applicationInsightsName string
param identityPrincipalId string
@description('Object id of the deployer to give Storage Blob Data Contributor; empty to skip.')
param deployerPrincipalId string = ''
@description('The containers the deployer may read and write (dropping test files, reading reports); not the whole account, which also holds the deployment package and Durable\'s state.')
param deployerContainerNames array = []

var roleIds = {
  // Owner, not Contributor: the host and Durable take blob leases and the blob trigger writes receipts.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

var identityStorageRoles = [
  roleIds.storageBlobDataOwner
  roleIds.storageQueueDataContributor
  roleIds.storageTableDataContributor
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource deployerContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = [for c in deployerContainerNames: {
  parent: blobService
  name: c
}]

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource identityStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in identityStorageRoles: {
  name: guid(account.id, identityPrincipalId, roleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource identityMetrics 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identityPrincipalId, roleIds.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// principalType is left out: the deployer may be a user or a CI service principal.
resource deployerBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (c, i) in deployerContainerNames: if (!empty(deployerPrincipalId)) {
  name: guid(deployerContainers[i].id, deployerPrincipalId, roleIds.storageBlobDataContributor)
  scope: deployerContainers[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: deployerPrincipalId
  }
}]
