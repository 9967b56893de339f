#!/bin/sh
# azd postdeploy hook: subscribes the Event Grid trigger to the intake container's BlobCreated events.
# Runs after `azd deploy` because the webhook needs the host's eventgrid_extension system key, which
# appears only once the deployed host has started and indexed intakeBlobCreated.
# Re-running is safe: the deployment updates the same subscription in place.
set -eu

case "$0" in
  */*) here=${0%/*} ;;
  *) here=. ;;
esac

if ! command -v az >/dev/null 2>&1; then
  echo "postdeploy: the Azure CLI (az) is required to create the Event Grid subscription; see docs/DEPLOY.md" >&2
  exit 1
fi

# azd passes the environment's values to hooks; fall back to reading them when run by hand.
if [ -z "${AZURE_FUNCTION_APP_NAME:-}" ] && command -v azd >/dev/null 2>&1; then
  # Values are exported verbatim (surrounding quotes stripped), never evaluated.
  while IFS='=' read -r k v; do
    case "$k" in '' | *[!A-Za-z0-9_]*) continue ;; esac
    v=${v#\"}
    v=${v%\"}
    export "$k=$v"
  done <<EOF_VALUES
$(azd env get-values)
EOF_VALUES
fi

for name in AZURE_SUBSCRIPTION_ID RESOURCE_GROUP AZURE_FUNCTION_APP_NAME AZURE_STORAGE_ACCOUNT_NAME EVENTGRID_SYSTEM_TOPIC_NAME \
  INTAKE_CONTAINER_NAME INTAKE_FUNCTION_NAME EVENTGRID_DEADLETTER_CONTAINER_NAME; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "postdeploy: $name is not set; run 'azd provision' first (it writes the value to the azd environment)" >&2
    exit 1
  fi
done

# Every az call names the azd environment's subscription: az's own default (az login, az account
# set) may be another one, and then the resource group "does not exist".
# Bounded wait for the key: the host creates it when it first loads the Event Grid trigger. az's error
# output is kept (it never contains the key) and shown if the wait ends without one, so a wrong
# subscription or a missing permission is not mistaken for a slow host.
attempts=${POSTDEPLOY_KEY_ATTEMPTS:-30}
interval=${POSTDEPLOY_KEY_INTERVAL_SECONDS:-10}
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
i=0
while :; do
  key=$(az functionapp keys list --subscription "$AZURE_SUBSCRIPTION_ID" -g "$RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" \
    --query "systemKeys.eventgrid_extension" -o tsv 2>"$errors" || true)
  [ -n "$key" ] && break
  i=$((i + 1))
  if [ "$i" -ge "$attempts" ]; then
    echo "postdeploy: no eventgrid_extension key on $AZURE_FUNCTION_APP_NAME after $attempts tries." >&2
    if [ -s "$errors" ]; then
      echo "  The last 'az functionapp keys list' said:" >&2
      sed 's/^/    /' "$errors" >&2
    fi
    echo "  Check that the deploy succeeded and the app registers '$INTAKE_FUNCTION_NAME' (az functionapp function list)." >&2
    exit 1
  fi
  echo "postdeploy: waiting for the host to create the eventgrid_extension key ($i/$attempts)..."
  sleep "$interval"
done
unset key

echo "postdeploy: creating the Event Grid subscription for container $INTAKE_CONTAINER_NAME..."
az deployment group create \
  --subscription "$AZURE_SUBSCRIPTION_ID" \
  --resource-group "$RESOURCE_GROUP" \
  --name eventgrid-blob-subscription \
  --template-file "$here/../eventgrid/blob-subscription.bicep" \
  --parameters \
    functionAppName="$AZURE_FUNCTION_APP_NAME" \
    storageAccountName="$AZURE_STORAGE_ACCOUNT_NAME" \
    systemTopicName="$EVENTGRID_SYSTEM_TOPIC_NAME" \
    containerName="$INTAKE_CONTAINER_NAME" \
    functionName="$INTAKE_FUNCTION_NAME" \
    deadLetterContainerName="$EVENTGRID_DEADLETTER_CONTAINER_NAME" \
  --output none

echo "postdeploy: done. Drop a CSV into $INTAKE_CONTAINER_NAME to start a run (docs/DEPLOY.md)."
