// The Flex Consumption Function App (Node 22) running autopilot-intake. It authenticates to storage,
// App Insights and Microsoft Graph with its user-assigned identity only: no app setting carries a
// key, a connection string with a key, or a token.
param name string
param planName string
param location string
param tags object = {}
param identityResourceId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param instanceMemoryMB int = 2048
@description('V8 old-space limit of the Node worker, MB; 0 leaves the worker\'s arguments alone (the default). Learn advises against languageWorkers__node__arguments in Azure: the platform then cannot use a prewarmed worker and starts a new one, which lengthens cold starts. A run\'s steps hold ~40–65 MB whatever the file size (docs/PERFORMANCE.md); unbounded, V8 lets garbage grow to ~3.5× that before collecting, which a 2048 MB instance absorbs. Set it (e.g. 256) with instanceMemoryMB 512.')
@minValue(0)
param nodeMaxOldSpaceMb int = 0
@description('Flex Consumption on-demand instance ceiling per scale group (http, blob and durable functions each scale up to it, so the app may run up to three times this many).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40
@description('Always-ready instances of the durable scale group (orchestrators and activities); 0 for none. Learn (Durable Functions, Azure Storage provider on Flex) recommends 1: without it, a queued orchestration waits for a cold start of that group.')
@minValue(0)
param durableAlwaysReadyInstances int = 1
@description('Public IPv4 addresses or CIDR ranges allowed to call the app (HTTP API). Empty leaves the app open to the internet (function keys and, optionally, Entra ID still apply). When set, Event Grid (service tag AzureEventGrid) is allowed too, so blob events still arrive.')
param httpAllowedIpRanges array = []
@description('Subnet (delegated to Microsoft.App/environments) for VNet integration; empty for none.')
param virtualNetworkSubnetId string = ''
@description('Entra app registration client id for App Service authentication on the HTTP endpoints; empty for function keys only.')
param httpAuthClientId string = ''
@description('Send unauthenticated browsers to the Entra ID sign-in page (the dashboard) instead of answering 401.')
param dashboardSignIn bool = true

param graphEndpoint string
@description('Comma-separated group object ids.')
param expectedGroupIds string
param expectedProfileId string
param expectedEspId string
param importChunkSize int
param taskHubName string
@description('The scheduled reconciliation: mode (repair | report-only), schedule (NCRONTAB), enabled.')
param reconcile object = { mode: 'repair', schedule: '0 0 3 * * *', enabled: true }
@description('Deadline setting name -> minutes; entries of 0 are left out so the app default applies.')
param deadlineMinutes object = {}
@description('Notification channels: { name, type: teams | webhook, events?, sources? } each. Their URL and signing secret are Key Vault secrets (modules/key-vault.bicep) the settings reference.')
param notifyChannels array = []
@description('The vault holding the channels\' credentials; empty when there are no channels.')
param keyVaultName string = ''
@description('Base URL of the dashboard notifications link to; empty: the app\'s own https://<host>/api/dashboard.')
param dashboardUrl string = ''

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (the notification channels' credentials) resolve with the app's one identity.
    keyVaultReferenceIdentity: identityResourceId
    // Stays public even with VNet integration: Event Grid delivers blob events to the webhook over
    // the internet (authenticated by the eventgrid_extension key).
    publicNetworkAccess: 'Enabled'
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // Inbound restrictions on the app (not on the deployment endpoint, which azd deploy uses).
      ipSecurityRestrictionsDefaultAction: empty(httpAllowedIpRanges) ? 'Allow' : 'Deny'
      ipSecurityRestrictions: empty(httpAllowedIpRanges) ? [] : concat(
        [
          {
            name: 'event-grid'
            description: 'Event Grid delivers blob events to the Event Grid trigger webhook.'
            action: 'Allow'
            priority: 100
            tag: 'ServiceTag'
            ipAddress: 'AzureEventGrid'
          }
        ],
        map(range(0, length(httpAllowedIpRanges)), i => {
          name: 'caller-${i}'
          action: 'Allow'
          priority: 200 + i
          ipAddress: contains(httpAllowedIpRanges[i], '/') ? httpAllowedIpRanges[i] : '${httpAllowedIpRanges[i]}/32'
        })
      )
      scmIpSecurityRestrictionsUseMain: false
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: durableAlwaysReadyInstances > 0 ? [{ name: 'durable', instanceCount: durableAlwaysReadyInstances }] : []
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// azd deploys with an Entra token, so FTP and SCM basic (username/password) publishing stay off.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

// Identity-based host storage: the Functions host, the Durable Azure Storage provider and the app's
// own blob access all read the AzureWebJobsStorage__* settings (shared keys are disabled on the account).
var hostSettings = {
  AzureWebJobsStorage__accountName: account.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: account.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: account.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: account.properties.primaryEndpoints.table
  // The connection string only routes telemetry; with local auth disabled the component accepts
  // nothing that is not signed with the identity named below.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// What shared/config.ts reads. GRAPH_AUTH is pinned to managed-identity: the static-token mode is
// for the local Graph emulator only and is never configured here.
var appSettings = {
  GRAPH_ENDPOINT: graphEndpoint
  GRAPH_AUTH: 'managed-identity'
  AZURE_CLIENT_ID: identityClientId
  EXPECTED_GROUP_IDS: expectedGroupIds
  EXPECTED_PROFILE_ID: expectedProfileId
  EXPECTED_ESP_ID: expectedEspId
  IMPORT_CHUNK_SIZE: string(importChunkSize)
  TASKHUB_NAME: taskHubName
  STORAGE_ACCOUNT_NAME: account.name
  RECONCILE_MODE: reconcile.mode
  RECONCILE_SCHEDULE: reconcile.schedule
  RECONCILE_ENABLED: string(reconcile.enabled)
}

// Learn (Durable Functions, Azure Storage provider on Flex): poll the Durable queues at most every
// 10 s instead of the 30 s default, so work queued while an instance idles is picked up sooner
// (more storage transactions). An app setting overrides host.json in Azure only; local runs keep
// host.json's default.
var durableSettings = {
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval: '00:00:10'
}

// Arguments of the Node worker process (Linux: '__' for ':'), only when a heap limit is asked for.
// With them, glibc's allocator is kept from growing with a run (two arenas, a fixed 128 KB mmap
// threshold: docs/PERFORMANCE.md, "glibc's allocator"). Read when a process starts, so they only
// reach a worker started with the app's settings — which worker arguments already mean (no prewarmed
// worker). Same values as the local stack (local/host-child.ts MALLOC_SETTINGS).
var workerSettings = nodeMaxOldSpaceMb > 0
  ? {
      languageWorkers__node__arguments: '--max-old-space-size=${nodeMaxOldSpaceMb}'
      MALLOC_ARENA_MAX: '2'
      MALLOC_MMAP_THRESHOLD_: '131072'
    }
  : {}

var deadlineSettings = toObject(filter(items(deadlineMinutes), d => d.value > 0), d => d.key, d => string(d.value))

// Notification channels (shared/notify/channels-config.ts): names, types and filters in plain
// settings; URL and signing secret only as Key Vault references, so no credential is in the app's
// configuration or this deployment's history. NOTIFY_ALLOW_LOOPBACK is never set here.
var vaultSecretsUri = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}/secrets'
var channelPrefix = map(notifyChannels, c => { c: c, key: 'NOTIFY_CHANNEL_${toUpper(c.name)}', slug: 'notify-${replace(toLower(c.name), '_', '-')}' })
var notifySettings = union(
  empty(notifyChannels) ? {} : { NOTIFY_CHANNELS: join(map(notifyChannels, c => c.name), ',') },
  empty(dashboardUrl) ? {} : { DASHBOARD_URL: dashboardUrl },
  toObject(channelPrefix, p => '${p.key}_TYPE', p => p.c.type),
  toObject(channelPrefix, p => '${p.key}_URL', p => '@Microsoft.KeyVault(SecretUri=${vaultSecretsUri}/${p.slug}-url)'),
  toObject(filter(channelPrefix, p => p.c.type == 'webhook'), p => '${p.key}_SECRET', p => '@Microsoft.KeyVault(SecretUri=${vaultSecretsUri}/${p.slug}-secret)'),
  toObject(filter(channelPrefix, p => !empty(p.c.?events ?? '')), p => '${p.key}_EVENTS', p => join(array(p.c.events), ',')),
  toObject(filter(channelPrefix, p => !empty(p.c.?sources ?? '')), p => '${p.key}_SOURCES', p => join(array(p.c.sources), ','))
)

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(hostSettings, appSettings, durableSettings, workerSettings, deadlineSettings, notifySettings)
}

// Optional Entra ID sign-in in front of the HTTP endpoints (function keys still apply behind it for
// the machine API). With dashboardSignIn, a browser without a session is redirected to sign in by the
// dashboard's pages (/api/dashboard…), while data and machine calls get 401; the app reads the Reader/Operator app roles from the ID token's claims
// (functions/dashboard-auth.ts). No client secret: without one, App Service uses the OpenID Connect
// implicit flow for the ID token (Learn: SiteAuthSettings clientSecret, "If no client secret is
// configured, the OpenID Connect implicit auth flow is used"); the app registration issues ID tokens.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(httpAuthClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      // App Service has one unauthenticated action for the whole site: a redirect would answer
      // machines and the dashboard's data routes with a login page. With dashboardSignIn it lets
      // unauthenticated requests through (still validating every token and session, and passing the
      // principal in x-ms-client-principal) and the app answers per route: the dashboard's pages
      // redirect to /.auth/login/aad, its data and the machine API answer 401 (functions/dashboard-auth.ts).
      requireAuthentication: !dashboardSignIn
      unauthenticatedClientAction: dashboardSignIn ? 'AllowAnonymous' : 'Return401'
      redirectToProvider: 'azureactivedirectory'
      // Event Grid cannot sign in; its webhook is guarded by the eventgrid_extension system key.
      excludedPaths: ['/runtime/webhooks/eventgrid']
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: httpAuthClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: ['api://${httpAuthClientId}', httpAuthClientId]
        }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

output name string = site.name
output defaultUrl string = 'https://${site.properties.defaultHostName}'
