// The notification channels' credentials (docs/DEPLOY.md "Notifications"): a Teams Workflows URL
// carries its own sig= and a webhook's signing secret signs every body, so both live here as
// secrets and the app settings only reference them (@Microsoft.KeyVault(SecretUri=...), resolved
// by App Service with the app's identity). Azure RBAC, not access policies: the identity gets
// Key Vault Secrets User on this vault and nothing else; nobody gets to read them through the app.
param name string
param location string
param tags object = {}
param identityPrincipalId string
@description('The channels (name, type): one URL secret each, and a signing secret for each webhook.')
param channels array
@secure()
@description('JSON object: channel name -> { "url": "https://…", "secret": "…" (webhook only) }.')
param credentials string

var roleIds = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}
var given = json(empty(credentials) ? '{}' : credentials)
// Checked here so a deployment fails with the reason, not an app that refuses to start: every
// channel has an https URL (Azure targets are https only; loopback is the local stack's), every
// webhook a signing secret. Messages name the channel, never the value.
var secretNames = [for c in channels: !startsWith(toLower(string(given[?c.name].?url ?? '')), 'https://')
  ? fail('notifyChannelCredentials: channel ${c.name} needs "url", an https URL (Teams: the URL its Workflows webhook trigger gives)')
  : c.type == 'webhook' && length(string(given[c.name].?secret ?? '')) < 32
      ? fail('notifyChannelCredentials: webhook channel ${c.name} needs "secret", at least 32 characters (e.g. openssl rand -hex 32)')
      : 'notify-${replace(toLower(c.name), '_', '-')}']

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Reached by App Service's reference resolver over the public endpoint, like the storage account
    // without vnetEnabled; every read needs an Entra token with the Secrets User role.
    publicNetworkAccess: 'Enabled'
  }
}

// Secret names allow letters, digits and dashes: a channel name's '_' becomes '-'.
resource urlSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for (c, i) in channels: {
  parent: vault
  name: '${secretNames[i]}-url'
  properties: {
    contentType: 'text/plain'
    value: given[c.name].url
  }
}]

resource signingSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for c in filter(channels, c => c.type == 'webhook'): {
  parent: vault
  name: 'notify-${replace(toLower(c.name), '_', '-')}-secret'
  properties: {
    contentType: 'text/plain'
    value: given[c.name].secret
  }
}]

resource identitySecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
