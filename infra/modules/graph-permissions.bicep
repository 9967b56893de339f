// Microsoft Graph application permissions (app roles) for the Function App's managed identity.
// The role list is ../graph-app-roles.json, generated from the code's Graph catalog
// (shared/graph/operations.ts, requiredGraphPermissions()) by infra/scripts/graph-app-roles.ts;
// an offline test fails if the two differ, so the grant is exactly what the code calls.
//
// Deploying this needs AppRoleAssignment.ReadWrite.All + Application.Read.All for the deployer
// (in practice Privileged Role Administrator or Global Administrator). An admin can also deploy
// this file on its own: az deployment group create -g <rg> -f infra/modules/graph-permissions.bicep -p principalId=<id>
extension microsoftGraphV1

@description('Object (principal) id of the managed identity that receives the app roles.')
param principalId string

var graphAppRoles = loadJsonContent('../graph-app-roles.json').appRoles

// Microsoft Graph's well-known application id, the same in every tenant.
var graphAppId = '00000003-0000-0000-c000-000000000000'

resource graph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: graphAppId
}

// Role ids are looked up by name in the tenant's Graph service principal; an unknown name fails
// the deployment (index out of range) rather than granting something else.
resource grants 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [for role in graphAppRoles: {
  principalId: principalId
  resourceId: graph.id
  appRoleId: filter(graph.appRoles, r => r.value == role)[0].id
}]

output grantedAppRoles array = graphAppRoles
