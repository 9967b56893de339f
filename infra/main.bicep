// autopilot-intake: everything `azd provision` creates. Subscription scope so azd can create the
// resource group; every resource lives in modules scoped to that group (azd cannot run
// tenant-scope deployments, so the Microsoft Graph grants are a resource-group module too).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the unique resource suffix.')
param environmentName string

@minLength(1)
@description('Region for every resource. Must offer Flex Consumption with Node 22 (az functionapp list-flexconsumption-locations).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of whoever runs the deployment. Gets blob data access so they can drop a test CSV and read reports. Empty to skip.')
param principalId string = deployer().objectId

@description('Give the deployer (principalId) Storage Blob Data Contributor on the intake and reports containers.')
param grantDeployerBlobAccess bool = true

@description('Grant the Microsoft Graph application permissions to the managed identity from this deployment. Needs a deployer holding AppRoleAssignment.ReadWrite.All + Application.Read.All (e.g. Privileged Role Administrator). Set false and have an admin deploy infra/modules/graph-permissions.bicep separately otherwise.')
param grantGraphPermissions bool = true

@description('Microsoft Graph root the app calls (national clouds differ).')
param graphEndpoint string = 'https://graph.microsoft.com'

@description('Comma-separated object ids of the Entra groups (usually dynamic device groups) every registered device must join. Empty skips the group check.')
param expectedGroupIds string = ''

@description('Id of the Windows Autopilot deployment profile every device must be assigned. Empty skips the profile check.')
param expectedProfileId string = ''

@description('Id of the Enrollment Status Page (deviceEnrollmentConfiguration) that must apply to every device. Empty skips the ESP check.')
param expectedEspId string = ''

@minValue(1)
@maxValue(500)
@description('Devices per Graph import call.')
param importChunkSize int = 100

@minValue(0)
@description('Minutes to wait for Intune to finish importing a run before the stragglers are reported as timed out. 0 keeps the app default.')
param importDeadlineMinutes int = 0

@minValue(0)
@description('Minutes to wait for each device to appear as a registered Autopilot device. 0 keeps the app default.')
param registrationDeadlineMinutes int = 0

@minValue(0)
@description('Minutes to wait for dynamic-group membership. 0 keeps the app default.')
param groupDeadlineMinutes int = 0

@minValue(0)
@description('Minutes to wait for the deployment profile to be assigned. 0 keeps the app default.')
param profileDeadlineMinutes int = 0

@minValue(0)
@description('Minutes to wait for the expected Enrollment Status Page to resolve. 0 keeps the app default.')
param espDeadlineMinutes int = 0

@allowed(['repair', 'report-only'])
@description('Scheduled reconciliation: repair carries out the safe auto tier; report-only writes the report and changes nothing.')
param reconcileMode string = 'repair'

@description('When the reconciliation runs (NCRONTAB, six fields, UTC). Default: daily at 03:00.')
param reconcileSchedule string = '0 0 3 * * *'

@description('Run the reconciliation on its schedule (POST /api/reconcile works either way).')
param reconcileEnabled bool = true

@minLength(3)
@maxLength(45)
@description('Durable Functions task hub (Azure Storage backend): letters and digits, starting with a letter.')
param taskHubName string = 'autopilotintake'

@minValue(40)
@maxValue(1000)
@description('Flex Consumption on-demand instance ceiling, per scale group (http, blob and durable each scale up to it). 40 is the lowest value most regions accept; see maximumInstanceCountBelow40. Graph throttles per tenant, so more instances do not import faster.')
param maximumInstanceCount int = 40

@minValue(0)
@maxValue(39)
@description('Explicit override for a ceiling below 40 (1-39), only for a region that accepts it: check first with `az functionapp scale config set --maximum-instance-count <n>` there. 0 uses maximumInstanceCount.')
param maximumInstanceCountBelow40 int = 0

@minValue(0)
@maxValue(10)
@description('Always-ready instances for the durable scale group (Learn recommends 1 for Durable Functions on Flex; each is billed while idle). 0 declines it.')
param durableAlwaysReadyInstances int = 1

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(0)
@description('> 0: the Node worker\'s heap limit in MB (languageWorkers__node__arguments=--max-old-space-size). 0 leaves it unset: worker arguments cost prewarmed workers in Azure (docs/DEPLOY.md).')
param nodeMaxOldSpaceMb int = 0

@minValue(1)
@description('Days an archived intake file is kept before the lifecycle rule deletes it.')
param archiveRetentionDays int = 365

@description('Client id of an Entra app registration to require Entra ID sign-in (App Service authentication) on the HTTP endpoints, on top of function keys. Empty leaves function keys only.')
param httpAuthClientId string = ''

@description('With httpAuthClientId: people opening the dashboard are sent to the Entra ID sign-in page (unauthenticated calls get a redirect rather than 401). false keeps bearer-token validation only (401, no dashboard in Azure). docs/DEPLOY.md, "The dashboard".')
param dashboardSignIn bool = true

@description('Put the storage account behind private endpoints in a new VNet, with the Function App integrated into it.')
param vnetEnabled bool = false

@description('With vnetEnabled: comma-separated public IPv4 addresses or CIDR ranges still allowed to reach the storage account (e.g. the admin who drops CSVs). Empty disables public access entirely. A /32 is written as the bare address; /31 and private (RFC 1918) ranges fail the deployment, as Azure Storage rejects them.')
param storageAllowedIpRanges string = ''

@description('Comma-separated public IPv4 addresses or CIDR ranges allowed to call the Function App\'s HTTP API. Empty leaves it reachable from anywhere (function keys, and Entra ID if configured, still apply). When set, Event Grid\'s service tag is allowed as well so blob events keep arriving.')
param httpAllowedIpRanges string = ''

@description('Email address told when Event Grid dead-letters or drops a blob event (a drop that was not processed). Empty still creates the alerts, visible in the portal, without notifying anyone.')
param alertEmail string = ''

@description('Notification channels (docs/DEPLOY.md "Notifications"): a JSON array of { "name", "type": "teams" | "webhook", "events"?: "run.needsAttention,…", "sources"?: "contoso/,…" }. Their URLs and signing secrets go in notifyChannelCredentials.')
param notifyChannels array = []

@secure()
@description('The channels\' credentials, a JSON object { "<name>": { "url": "https://…", "secret": "…" } } (secret: webhook channels, at least 32 characters). Stored as Key Vault secrets; the app settings only reference them.')
param notifyChannelCredentials string = ''

@description('Base URL of the dashboard the notifications link to (a custom domain in front of the app). Empty: the app\'s own https://<host>/api/dashboard.')
param dashboardUrl string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
// azd finds the deploy target by this tag; must match the service name in azure.yaml.
var serviceName = 'api'
var functionAppName = 'func-${resourceToken}'
var intakeFunctionName = 'intakeBlobCreated'
// Containers the app reads and writes; the policy test checks each one exists here.
var containers = {
  intake: 'autopilot-intake'
  reports: 'autopilot-reports'
  archive: 'autopilot-intake-archive'
  state: 'autopilot-state'
}
// Event Grid keeps undeliverable blob events here (see infra/eventgrid/blob-subscription.bicep).
var deadLetterContainerName = 'autopilot-eventgrid-deadletter'
// Names known before anything is deployed. Modules that look these resources up (`existing`) get
// the names from here, not from another module's outputs: a module output is a runtime value,
// which makes what-if (azd provision --preview) skip those modules' resources (the compiler's
// what-if-short-circuiting rule). The dependsOn lists keep the order the outputs used to imply.
var storageAccountName = 'st${resourceToken}'
var applicationInsightsName = 'appi-${resourceToken}'
var virtualNetworkName = 'vnet-${resourceToken}'
// Only with channels: their credentials (Key Vault names: 3-24 characters).
var keyVaultName = empty(notifyChannels) ? '' : 'kv-${take(resourceToken, 21)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-func-${resourceToken}'
    location: location
    tags: tags
  }
}

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: rg
  params: {
    name: virtualNetworkName
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
    appContainerNames: [containers.intake, containers.reports, containers.archive, containers.state, deadLetterContainerName]
    archiveContainerName: containers.archive
    archiveRetentionDays: archiveRetentionDays
    privateNetworking: vnetEnabled
    allowedIpRanges: filter(map(split(storageAllowedIpRanges, ','), ip => trim(ip)), ip => !empty(ip))
  }
}

module storagePrivateEndpoints 'modules/storage-private-endpoints.bicep' = if (vnetEnabled) {
  name: 'storagePrivateEndpoints'
  scope: rg
  params: {
    location: location
    tags: tags
    storageAccountName: storageAccountName
    virtualNetworkName: virtualNetworkName
    // The module only exists with vnetEnabled, and so does network: the ternary keeps the
    // reference unevaluated otherwise, and `!` tells the compiler so (BCP318).
    subnetName: vnetEnabled ? network!.outputs.privateEndpointSubnetName : ''
  }
  dependsOn: [storage]
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module roles 'modules/role-assignments.bicep' = {
  name: 'roleAssignments'
  scope: rg
  params: {
    storageAccountName: storageAccountName
    applicationInsightsName: applicationInsightsName
    // A principal id exists only once the identity does, so what-if cannot know it whatever we
    // pass; role assignment names stay guid(scope, principal, role) so redeploys match them.
    #disable-next-line what-if-short-circuiting
    identityPrincipalId: identity.outputs.principalId
    deployerPrincipalId: grantDeployerBlobAccess ? principalId : ''
    // Drop test files and read reports; nothing else (not the deployment package or Durable's leases).
    deployerContainerNames: [containers.intake, containers.reports]
  }
  dependsOn: [storage, monitoring]
}

module keyVault 'modules/key-vault.bicep' = if (!empty(notifyChannels)) {
  name: 'keyVault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    // As for the storage roles: the principal id exists only once the identity does.
    #disable-next-line what-if-short-circuiting
    identityPrincipalId: identity.outputs.principalId
    channels: notifyChannels
    credentials: notifyChannelCredentials
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: union(tags, { 'azd-service-name': serviceName })
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storageAccountName
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    nodeMaxOldSpaceMb: nodeMaxOldSpaceMb
    // max(..., 1) only tells the compiler what `> 0` already guarantees (BCP329).
    maximumInstanceCount: maximumInstanceCountBelow40 > 0 ? max(maximumInstanceCountBelow40, 1) : maximumInstanceCount
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    httpAllowedIpRanges: filter(map(split(httpAllowedIpRanges, ','), ip => trim(ip)), ip => !empty(ip))
    virtualNetworkSubnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
    httpAuthClientId: httpAuthClientId
    dashboardSignIn: dashboardSignIn
    graphEndpoint: graphEndpoint
    // Normalised so stray spaces or trailing commas in the azd variable do not reach the app.
    expectedGroupIds: join(filter(map(split(expectedGroupIds, ','), g => trim(g)), g => !empty(g)), ',')
    expectedProfileId: expectedProfileId
    expectedEspId: expectedEspId
    importChunkSize: importChunkSize
    taskHubName: taskHubName
    reconcile: {
      mode: reconcileMode
      schedule: reconcileSchedule
      enabled: reconcileEnabled
    }
    deadlineMinutes: {
      IMPORT_DEADLINE_MINUTES: importDeadlineMinutes
      REGISTRATION_DEADLINE_MINUTES: registrationDeadlineMinutes
      GROUP_DEADLINE_MINUTES: groupDeadlineMinutes
      PROFILE_DEADLINE_MINUTES: profileDeadlineMinutes
      ESP_DEADLINE_MINUTES: espDeadlineMinutes
    }
    notifyChannels: notifyChannels
    keyVaultName: keyVaultName
    dashboardUrl: dashboardUrl
  }
  // The host reads storage with the identity from its first start; grant the roles first. The
  // channels' Key Vault references resolve when the settings are written: the secrets and the
  // identity's Secrets User role exist by then.
  dependsOn: [roles, storagePrivateEndpoints, monitoring, keyVault]
}

module eventGridTopic 'modules/event-grid-topic.bicep' = {
  name: 'eventGridTopic'
  scope: rg
  params: {
    name: 'evgt-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storageAccountName
    deadLetterContainerName: deadLetterContainerName
    alertEmail: alertEmail
  }
  dependsOn: [storage]
}

module graphPermissions 'modules/graph-permissions.bicep' = if (grantGraphPermissions) {
  name: 'graphPermissions'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
  }
}

// azd stores these in the environment (.azure/<env>/.env); the postdeploy hook reads them.
output AZURE_LOCATION string = location
// The hooks pin every az call to this subscription (az's own default may be another one).
output AZURE_SUBSCRIPTION_ID string = subscription().subscriptionId
output AZURE_TENANT_ID string = tenant().tenantId
output RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.defaultUrl
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output INTAKE_CONTAINER_NAME string = containers.intake
output REPORTS_CONTAINER_NAME string = containers.reports
output INTAKE_FUNCTION_NAME string = intakeFunctionName
output EVENTGRID_DEADLETTER_CONTAINER_NAME string = deadLetterContainerName
output EVENTGRID_SYSTEM_TOPIC_NAME string = eventGridTopic.outputs.name
output GRAPH_PERMISSIONS_GRANTED bool = grantGraphPermissions
