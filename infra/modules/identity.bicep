// The Function App's only identity: storage, App Insights and Microsoft Graph all authenticate
// with it, so there are no keys or secrets anywhere in the app settings.
param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output resourceId string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
