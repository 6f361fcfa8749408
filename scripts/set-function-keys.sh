#!/usr/bin/env bash
# Gives HR and the relying services separate function keys. In Azure a host key opens every function, so neither
# gets one: HR gets the function key "hr" on every function except verifyAppPassword, and relying services (SMTP
# relay, IMAP gateway, …) get the function key "relying-service" on verifyAppPassword only. A relay's key then opens
# nothing else, and HR's key cannot verify passwords. Run after every deployment that adds functions, and to rotate:
# each run sets fresh random values (the old ones stop working at once) and prints them once.
set -euo pipefail

VERIFY_FUNCTION=verifyAppPassword # core/functionNames.ts

usage() {
  cat <<USAGE
Usage: $(basename "$0") --resource-group <rg> --name <function app> [--dry-run]

Sets the function key "hr" on every function but $VERIFY_FUNCTION and "relying-service" on $VERIFY_FUNCTION,
with new random values, and prints both.

  -g, --resource-group <rg>   the resource group of the function app.
  -n, --name <app>            the function app.
  --dry-run                   list what would be set, without setting anything.
  -h, --help                  this text.

Needs: az (signed in with rights to manage the function app's keys), openssl.
USAGE
}

group=""
app=""
dry_run=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    -g | --resource-group)
      [[ $# -ge 2 ]] || { echo "error: $1 needs a value" >&2; usage >&2; exit 2; }
      group=$2
      shift 2
      ;;
    -n | --name)
      [[ $# -ge 2 ]] || { echo "error: $1 needs a value" >&2; usage >&2; exit 2; }
      app=$2
      shift 2
      ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -n "$group" && -n "$app" ]] || { echo "error: --resource-group and --name are required" >&2; usage >&2; exit 2; }

# 32 random bytes, URL-safe: keys travel in a header or a query string.
new_key() { openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n'; }

# Names come back as "<app>/<function>".
mapfile -t functions < <(az functionapp function list -g "$group" -n "$app" --query "[].name" -o tsv | sed 's#.*/##')
[[ ${#functions[@]} -gt 0 ]] || { echo "error: $app has no functions; deploy the code first" >&2; exit 1; }
printf '%s\n' "${functions[@]}" | grep -qx "$VERIFY_FUNCTION" || {
  echo "error: $app has no $VERIFY_FUNCTION function; deploy the current code first" >&2
  exit 1
}

hr_key=$(new_key)
relying_key=$(new_key)
for function in "${functions[@]}"; do
  if [[ "$function" == "$VERIFY_FUNCTION" ]]; then key_name=relying-service; value=$relying_key; else key_name=hr; value=$hr_key; fi
  if $dry_run; then
    echo "would set $key_name on $function"
    continue
  fi
  az functionapp function keys set -g "$group" -n "$app" --function-name "$function" \
    --key-name "$key_name" --key-value "$value" --output none
  echo "set $key_name on $function"
done

if ! $dry_run; then
  cat <<KEYS

Hand these over through your secret store, not chat or e-mail; they are not shown again:
  HR (x-functions-key on /api/enrollments…, /api/users/…):  $hr_key
  relying services (x-functions-key on /api/app-passwords/verify): $relying_key
KEYS
fi
