#!/bin/sh
# azd postprovision hook (azure.yaml), and the step after `az deployment sub create` without azd
# (docs/operations.md): makes every Key Vault reference in the app settings resolve on the first deployment.
#
#   1. HrCallbackSigningSecret: created with a fresh random value when the vault has none; never overwritten.
#   2. SendGridApiKey: stored when the vault has none, from SENDGRID_API_KEY in the environment (a pipeline secret)
#      or, at a terminal, asked for with the input hidden; never overwritten (rotation: docs/operations.md).
#   3. The app's Key Vault references are refreshed until both resolve (roles assigned in the same deployment can take
#      minutes to reach Key Vault), then the app restarts so that it starts with them.
#
# Secrets are written through Azure Resource Manager (Microsoft.KeyVault/vaults/secrets), which needs the deployer's
# control-plane rights on the vault (Contributor, as for the deployment itself) and no Key Vault data role: the
# deployer keeps no standing access to the vault's contents (grantDeployerDataRoles). Secret values never appear on a
# command line; they go to `az rest` in a file only this user can read, removed on exit. POSIX sh: azd runs it with
# `shell: sh`; scripts/postprovision.ps1 is the same for Windows (pwsh).
#
# Reads: AZURE_KEY_VAULT_ID, AZURE_FUNCTION_APP_ID (outputs of infra/main.bicep; azd passes them), SENDGRID_API_KEY
# (optional), POSTPROVISION_WAIT_SECONDS (default 900), POSTPROVISION_POLL_SECONDS (default 15).
set -eu

KEYVAULT_API=2023-07-01
CONFIG_REFERENCES_API=2022-03-01
SITES_API=2024-04-01
HR_SECRET=HrCallbackSigningSecret
SENDGRID_SECRET=SendGridApiKey
wait_seconds=${POSTPROVISION_WAIT_SECONDS:-900}
poll_seconds=${POSTPROVISION_POLL_SECONDS:-15}

say() { printf 'postprovision: %s\n' "$*"; }
fail() {
  printf 'postprovision: error: %s\n' "$*" >&2
  exit 1
}

command -v az >/dev/null 2>&1 || fail "needs the Azure CLI (az), signed in to the deployment's tenant (az login)"
vault_id=${AZURE_KEY_VAULT_ID:-}
app_id=${AZURE_FUNCTION_APP_ID:-}
[ -n "$vault_id" ] && [ -n "$app_id" ] || fail "AZURE_KEY_VAULT_ID and AZURE_FUNCTION_APP_ID are not set.
  azd sets them from the deployment's outputs; without azd, export them from
  az deployment sub show -n <deployment> --query properties.outputs (docs/operations.md, \"Deploy without azd\")."

private=$(mktemp -d)
trap 'rm -rf "$private"; stty echo 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
chmod 700 "$private"

# Exit 0 when the vault has the secret, 1 when it has none; anything else (no access, no network) stops the hook.
secret_exists() {
  if az rest --method get --url "$vault_id/secrets/$1?api-version=$KEYVAULT_API" --query id --output tsv \
    >/dev/null 2>"$private/error"; then
    return 0
  fi
  if grep -Eq 'SecretNotFound|Not ?Found|\(404\)' "$private/error"; then return 1; fi
  cat "$private/error" >&2
  fail "could not read $1's metadata from the vault (see above)"
}

# Creates a secret through Resource Manager. $2 is the value, $3 its content type; both are plain ASCII without
# quotes or backslashes (checked by the callers), so they need no JSON escaping.
create_secret() {
  umask 077
  printf '{"properties":{"value":"%s","contentType":"%s"}}' "$2" "$3" >"$private/body.json"
  az rest --method put --url "$vault_id/secrets/$1?api-version=$KEYVAULT_API" \
    --headers Content-Type=application/json --body "@$private/body.json" --output none ||
    fail "could not create $1 in the vault (see above)"
  rm -f "$private/body.json"
}

# The SendGrid key from the environment or, at a terminal, from the operator (not echoed).
sendgrid_key() {
  if [ -n "${SENDGRID_API_KEY:-}" ]; then
    printf '%s' "$SENDGRID_API_KEY"
  elif [ -t 0 ] && [ -t 2 ]; then
    stty -echo # before the prompt, so that nothing typed after it shows
    printf 'SendGrid API key with the Mail Send permission (input hidden): ' >&2
    IFS= read -r key || key=''
    stty echo
    printf '\n' >&2
    printf '%s' "$key"
  fi
}

created=false

if secret_exists "$HR_SECRET"; then
  say "$HR_SECRET: present, kept"
else
  # Standard Webhooks secret: whsec_ and the base64 of 32 random bytes (core/webhookSignature.ts accepts 24-64).
  create_secret "$HR_SECRET" "whsec_$(openssl rand -base64 32)" 'Standard Webhooks signing secret (HR callbacks)'
  created=true
  say "$HR_SECRET: created; hand it to HR's receiver as docs/operations.md describes"
fi

if secret_exists "$SENDGRID_SECRET"; then
  say "$SENDGRID_SECRET: present, kept"
else
  key=$(sendgrid_key)
  [ -n "$key" ] || fail "the vault has no $SENDGRID_SECRET and none was given. Either run
  azd hooks run postprovision
at a terminal (it asks for the key, input hidden), or pass SENDGRID_API_KEY in the environment from your secret store
(a pipeline secret). The app does not start without it."
  printf '%s' "$key" | grep -Eq '^SG\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' ||
    fail "that does not look like a SendGrid API key (SG.<id>.<secret>); nothing was stored"
  create_secret "$SENDGRID_SECRET" "$key" 'SendGrid API key (mail.send)'
  key=''
  created=true
  say "$SENDGRID_SECRET: stored"
fi

# Prints "<SENDGRID_API_KEY status> <CALLBACK_SIGNING_SECRET status>", e.g. "Resolved AccessToKeyVaultDenied".
reference_statuses() {
  for setting in SENDGRID_API_KEY CALLBACK_SIGNING_SECRET; do
    status=$(az rest --method get \
      --url "$app_id/config/configreferences/appsettings/$setting?api-version=$CONFIG_REFERENCES_API" \
      --query properties.status --output tsv 2>/dev/null) || status=Unknown
    printf '%s ' "${status:-Unknown}"
  done
}

refresh() {
  az rest --method post --url "$app_id/config/configreferences/appsettings/refresh?api-version=$CONFIG_REFERENCES_API" \
    --output none 2>/dev/null || true
}

# A reference the platform tried before the secret existed stays unresolved until refreshed.
if $created; then refresh; fi
waited=0
first=true
while :; do
  statuses=$(reference_statuses)
  case "$statuses" in
    'Resolved Resolved ') break ;;
    *InvalidSyntax*) fail "a Key Vault reference in the app settings is malformed ($statuses): check functionapp.bicep" ;;
  esac
  first=false
  [ "$waited" -lt "$wait_seconds" ] || fail "the Key Vault references did not resolve within ${wait_seconds}s
  (SENDGRID_API_KEY, CALLBACK_SIGNING_SECRET: $statuses). New role assignments can take longer to reach Key Vault;
  with networkIsolation the vault must be reachable through the VNet. Run \`azd hooks run postprovision\` again."
  say "waiting for the app's Key Vault references (SENDGRID_API_KEY, CALLBACK_SIGNING_SECRET: $statuses) ${waited}s"
  refresh
  sleep "$poll_seconds"
  waited=$((waited + poll_seconds))
done
say "Key Vault references resolved"

if $created || ! $first; then
  az rest --method post --url "$app_id/restart?api-version=$SITES_API" --output none ||
    fail "could not restart the app (see above)"
  say "app restarted: it reads its settings once, at start-up"
fi
