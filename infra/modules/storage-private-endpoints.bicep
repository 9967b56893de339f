// Private endpoints (blob, queue, table: everything the host, Durable and the app use) for the
// storage account, each with its privatelink DNS zone linked to the VNet so the Function App
// resolves the account's usual names to private addresses.
param location string
param tags object = {}
param storageAccountName string
param virtualNetworkName string
param subnetName string

var services = ['blob', 'queue', 'table']

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' existing = {
  name: virtualNetworkName
}

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for svc in services: {
  name: 'privatelink.${svc}.${environment().suffixes.storage}'
  location: 'global'
  tags: tags
}]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [for (svc, i) in services: {
  parent: zones[i]
  name: '${virtualNetworkName}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}]

resource endpoints 'Microsoft.Network/privateEndpoints@2024-01-01' = [for svc in services: {
  name: 'pe-${storageAccountName}-${svc}'
  location: location
  tags: tags
  properties: {
    subnet: { id: '${vnet.id}/subnets/${subnetName}' }
    privateLinkServiceConnections: [
      {
        name: '${svc}-connection'
        properties: {
          privateLinkServiceId: account.id
          groupIds: [svc]
        }
      }
    ]
  }
}]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-01-01' = [for (svc, i) in services: {
  parent: endpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: svc
        properties: { privateDnsZoneId: zones[i].id }
      }
    ]
  }
}]
