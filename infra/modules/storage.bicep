// One storage account for the Functions host (Durable task hub, blob-trigger receipts, deployment
// package) and the app's own containers. Entra ID only: shared keys and anonymous access are off,
// so a leaked connection string or SAS cannot exist.
param name string
param location string
param tags object = {}
@description('Flex Consumption deployment package container.')
param deploymentContainerName string
@description('Containers the app reads and writes.')
param appContainerNames array
@description('The archive container, to which the lifecycle rule applies.')
param archiveContainerName string
param archiveRetentionDays int
@description('Deny network access by default except for allowedIpRanges and trusted Azure services (private endpoints are added separately).')
param privateNetworking bool = false
param allowedIpRanges array = []

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS'])
param skuName string = 'Standard_LRS'

// Azure Storage IP rules take public IPv4 addresses and ranges only: a /32 must be written as the
// bare address, /31 and private (RFC 1918) ranges are refused. Rather than let the storage API
// reject the whole account update, /32 is rewritten and the others fail the deployment naming the
// entry. Ranges are normalised to their network address (203.0.113.7/24 -> 203.0.113.0/24).
var ipEntries = [for ip in allowedIpRanges: {
  entry: ip
  address: split(ip, '/')[0]
  prefix: contains(ip, '/') ? int(split(ip, '/')[1]) : 32
  firstOctet: int(split(split(ip, '/')[0], '.')[0])
  secondOctet: int(split(split(ip, '/')[0], '.')[1])
}]
var ipRules = [for e in ipEntries: {
  value: e.firstOctet == 10 || (e.firstOctet == 172 && e.secondOctet >= 16 && e.secondOctet <= 31) || (e.firstOctet == 192 && e.secondOctet == 168)
    ? fail('storageAllowedIpRanges: ${e.entry} is a private (RFC 1918) address; Azure Storage IP rules take public addresses only (use the VNet and private endpoints for private callers)')
    : e.prefix == 31
        ? fail('storageAllowedIpRanges: ${e.entry} is a /31, which Azure Storage IP rules do not accept; list the two addresses instead')
        : e.prefix == 32 ? e.address : '${parseCidr(e.entry).network}/${e.prefix}'
  action: 'Allow'
}]

// Cool after 30 days: an archived drop is only read again when someone investigates a run.
var coolAfterDays = min(30, archiveRetentionDays)

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: skuName }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    dnsEndpointType: 'Standard'
    // Never 'Disabled', even in VNet mode with no allowed ranges: 'Disabled' admits private endpoints
    // only and ignores the network rules' exceptions (Azure Policy b2982f36: it "denies all logins that
    // match IP or virtual network-based firewall rules"), so the Event Grid system topic — a trusted
    // service, not on the VNet — could not dead-letter into the account (infra-review B5). Deny by
    // default with the trusted-services bypass closes the public endpoint to everyone else.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      // Event Grid (system topic) and other trusted Azure services still reach the account.
      bypass: 'AzureServices'
      ipRules: ipRules
      virtualNetworkRules: []
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // A mistaken delete of a drop or a report can be undone for a week.
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource appContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for c in appContainerNames: {
  parent: blobService
  name: c
  properties: { publicAccess: 'None' }
}]

// Durable Functions (Azure Storage backend) keeps its control queues and history tables here.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'archive-retention'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['${archiveContainerName}/']
            }
            actions: {
              baseBlob: {
                tierToCool: { daysAfterModificationGreaterThan: coolAfterDays }
                delete: { daysAfterModificationGreaterThan: archiveRetentionDays }
              }
              snapshot: { delete: { daysAfterCreationGreaterThan: archiveRetentionDays } }
            }
          }
        }
      ]
    }
  }
  dependsOn: [appContainers]
}

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
output deploymentContainerName string = deploymentContainer.name
