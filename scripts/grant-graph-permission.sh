#!/usr/bin/env bash
# Grants the function app's user-assigned managed identity the Microsoft Graph application permission
# UserAuthenticationMethod.Read.All: the app asks Graph whether an employee has registered MFA. Bicep cannot grant it
# without the Graph extension, and the deploying identity usually may not, so this is a one-time admin step after the
# first `azd provision` (docs/operations.md). Idempotent: running it again changes nothing.
#
# Who can run it: a Privileged Role Administrator or Global Administrator of the tenant (granting application
# permissions of Microsoft Graph is admin consent), signed in with `az login`.
set -euo pipefail

GRAPH_APP_ID=00000003-0000-0000-c000-000000000000 # Microsoft Graph's application id, the same in every tenant
PERMISSION=UserAuthenticationMethod.Read.All
GRAPH_URL=${GRAPH_URL:-https://graph.microsoft.com} # https://graph.microsoft.us etc. in national clouds

usage() {
  cat <<EOF
Usage: $(basename "$0") [--principal-id <object id>] [--dry-run]

Grants the managed identity the Microsoft Graph application permission $PERMISSION.

  --principal-id <id>  principal (object) id of the function app's user-assigned managed identity.
                       Default: AZURE_MANAGED_IDENTITY_PRINCIPAL_ID from the current azd environment
                       (azd env get-value), an output of infra/main.bicep.
  --dry-run            look everything up and say what would be granted, without granting it.
  -h, --help           this text.

Environment: GRAPH_URL (default https://graph.microsoft.com) for national clouds.
Needs: az (signed in as a Privileged Role Administrator or Global Administrator); azd only without --principal-id.
EOF
}

principal_id=""
dry_run=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --principal-id)
      [[ $# -ge 2 ]] || { echo "error: --principal-id needs a value" >&2; usage >&2; exit 2; }
      principal_id=$2
      shift 2
      ;;
    --dry-run)
      dry_run=true
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "error: unknown argument: $1" >&2
      usage >&2
      exit 2
      ;;
  esac
done

if [[ -z $principal_id ]] && command -v azd >/dev/null 2>&1; then
  principal_id=$(azd env get-value AZURE_MANAGED_IDENTITY_PRINCIPAL_ID 2>/dev/null || true)
fi
if [[ -z $principal_id ]]; then
  echo "error: no principal id: pass --principal-id, or run from the project with an azd environment that has been provisioned" >&2
  usage >&2
  exit 2
fi
guid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
if [[ ! $principal_id =~ $guid ]]; then
  echo "error: the principal id must be a GUID, got '$principal_id'" >&2
  exit 2
fi
command -v az >/dev/null 2>&1 || { echo "error: the Azure CLI (az) is required" >&2; exit 1; }

graph() { # graph <method> <path> [az rest options...]
  local method=$1 path=$2
  shift 2
  az rest --method "$method" --resource "$GRAPH_URL" --url "$GRAPH_URL/v1.0/$path" "$@"
}

# 1. Microsoft Graph's service principal in this tenant.
graph_sp_id=$(graph GET "servicePrincipals(appId='$GRAPH_APP_ID')?\$select=id" --query id --output tsv)
[[ $graph_sp_id =~ $guid ]] || { echo "error: Microsoft Graph's service principal was not found" >&2; exit 1; }

# 2. The app role behind the permission, found by its value (role ids are not to be hard-coded).
app_role_id=$(graph GET "servicePrincipals/$graph_sp_id?\$select=appRoles" \
  --query "appRoles[?value=='$PERMISSION' && contains(allowedMemberTypes, 'Application')].id | [0]" --output tsv)
[[ $app_role_id =~ $guid ]] || { echo "error: Microsoft Graph has no application permission $PERMISSION" >&2; exit 1; }

# 3. The identity, so that a wrong id fails here and the right one is named.
identity_name=$(graph GET "servicePrincipals/$principal_id?\$select=id,displayName" --query displayName --output tsv)
echo "Identity: $identity_name ($principal_id)"

# 4. Already granted?
existing=$(graph GET "servicePrincipals/$principal_id/appRoleAssignments" \
  --query "length(value[?appRoleId=='$app_role_id' && resourceId=='$graph_sp_id'])" --output tsv)
if [[ $existing != 0 ]]; then
  echo "Already granted: $PERMISSION (Microsoft Graph) to $identity_name. Nothing to do."
  exit 0
fi

if [[ $dry_run == true ]]; then
  echo "Dry run: would grant $PERMISSION (app role $app_role_id of Microsoft Graph $graph_sp_id) to $identity_name."
  exit 0
fi

# 5. Grant it.
graph POST "servicePrincipals/$principal_id/appRoleAssignments" \
  --headers "Content-Type=application/json" \
  --body "{\"principalId\":\"$principal_id\",\"resourceId\":\"$graph_sp_id\",\"appRoleId\":\"$app_role_id\"}" \
  --output none
echo "Granted: $PERMISSION (Microsoft Graph) to $identity_name. Tokens issued from now on carry it; a running app may need a restart."
