# azd postdeploy hook (Windows): same steps as postdeploy.sh. Subscribes the Event Grid trigger to the
# intake container's BlobCreated events once the deployed host has created its eventgrid_extension key.
$ErrorActionPreference = 'Stop'

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
  throw 'postdeploy: the Azure CLI (az) is required to create the Event Grid subscription; see docs/DEPLOY.md'
}

# azd passes the environment's values to hooks; fall back to reading them when run by hand.
if (-not $env:AZURE_FUNCTION_APP_NAME -and (Get-Command azd -ErrorAction SilentlyContinue)) {
  foreach ($line in (& azd env get-values)) {
    if ($line -match '^([A-Za-z_][A-Za-z0-9_]*)=(.*)$') {
      [Environment]::SetEnvironmentVariable($Matches[1], ($Matches[2] -replace '^"|"$', ''))
    }
  }
}

$required = 'AZURE_SUBSCRIPTION_ID', 'RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_STORAGE_ACCOUNT_NAME', 'EVENTGRID_SYSTEM_TOPIC_NAME',
  'INTAKE_CONTAINER_NAME', 'INTAKE_FUNCTION_NAME', 'EVENTGRID_DEADLETTER_CONTAINER_NAME'
foreach ($name in $required) {
  if (-not [Environment]::GetEnvironmentVariable($name)) {
    throw "postdeploy: $name is not set; run 'azd provision' first (it writes the value to the azd environment)"
  }
}

$attempts = if ($env:POSTDEPLOY_KEY_ATTEMPTS) { [int]$env:POSTDEPLOY_KEY_ATTEMPTS } else { 30 }
$interval = if ($env:POSTDEPLOY_KEY_INTERVAL_SECONDS) { [int]$env:POSTDEPLOY_KEY_INTERVAL_SECONDS } else { 10 }
# Every az call names the azd environment's subscription (az's default may be another one). az's
# error output is kept (it never contains the key) and shown if the wait ends without a key.
$errors = New-TemporaryFile
for ($i = 1; ; $i++) {
  $key = az functionapp keys list --subscription $env:AZURE_SUBSCRIPTION_ID -g $env:RESOURCE_GROUP -n $env:AZURE_FUNCTION_APP_NAME --query 'systemKeys.eventgrid_extension' -o tsv 2>$errors
  if ($key) { break }
  if ($i -ge $attempts) {
    $said = (Get-Content -Raw $errors)
    Remove-Item $errors
    throw "postdeploy: no eventgrid_extension key on $($env:AZURE_FUNCTION_APP_NAME) after $attempts tries. The last 'az functionapp keys list' said: $said Check that the deploy succeeded and the app registers '$($env:INTAKE_FUNCTION_NAME)' (az functionapp function list)."
  }
  Write-Host "postdeploy: waiting for the host to create the eventgrid_extension key ($i/$attempts)..."
  Start-Sleep -Seconds $interval
}
Remove-Variable key
Remove-Item $errors

Write-Host "postdeploy: creating the Event Grid subscription for container $($env:INTAKE_CONTAINER_NAME)..."
az deployment group create `
  --subscription $env:AZURE_SUBSCRIPTION_ID `
  --resource-group $env:RESOURCE_GROUP `
  --name eventgrid-blob-subscription `
  --template-file (Join-Path $PSScriptRoot '..' 'eventgrid' 'blob-subscription.bicep') `
  --parameters `
    functionAppName=$env:AZURE_FUNCTION_APP_NAME `
    storageAccountName=$env:AZURE_STORAGE_ACCOUNT_NAME `
    systemTopicName=$env:EVENTGRID_SYSTEM_TOPIC_NAME `
    containerName=$env:INTAKE_CONTAINER_NAME `
    functionName=$env:INTAKE_FUNCTION_NAME `
    deadLetterContainerName=$env:EVENTGRID_DEADLETTER_CONTAINER_NAME `
  --output none
if ($LASTEXITCODE -ne 0) { throw "postdeploy: az deployment group create failed ($LASTEXITCODE)" }

Write-Host "postdeploy: done. Drop a CSV into $($env:INTAKE_CONTAINER_NAME) to start a run (docs/DEPLOY.md)."
