# azd postprovision hook for Windows (azure.yaml, shell: pwsh): the same steps, checks and messages as
# scripts/postprovision.sh, which documents them. In short: create HrCallbackSigningSecret when the vault has none,
# store SendGridApiKey when the vault has none (from SENDGRID_API_KEY, or asked for at a terminal with the input
# hidden), refresh the app's Key Vault references until both resolve, then restart the app. Secrets go through Azure
# Resource Manager (no Key Vault data role needed) in a file only this user can read, never on a command line.
#
# Reads: AZURE_KEY_VAULT_ID, AZURE_FUNCTION_APP_ID, SENDGRID_API_KEY (optional), POSTPROVISION_WAIT_SECONDS (default
# 900), POSTPROVISION_POLL_SECONDS (default 15).
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$KeyVaultApi = '2023-07-01'
$ConfigReferencesApi = '2022-03-01'
$SitesApi = '2024-04-01'
$HrSecret = 'HrCallbackSigningSecret'
$SendGridSecret = 'SendGridApiKey'
$WaitSeconds = if ($env:POSTPROVISION_WAIT_SECONDS) { [int]$env:POSTPROVISION_WAIT_SECONDS } else { 900 }
$PollSeconds = if ($env:POSTPROVISION_POLL_SECONDS) { [int]$env:POSTPROVISION_POLL_SECONDS } else { 15 }

function Write-Step([string]$Message) {
  Write-Host "postprovision: $Message"
}

function Stop-Hook([string]$Message) {
  [Console]::Error.WriteLine("postprovision: error: $Message")
  exit 1
}

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
  Stop-Hook "needs the Azure CLI (az), signed in to the deployment's tenant (az login)"
}
$VaultId = $env:AZURE_KEY_VAULT_ID
$AppId = $env:AZURE_FUNCTION_APP_ID
if (-not $VaultId -or -not $AppId) {
  Stop-Hook ("AZURE_KEY_VAULT_ID and AZURE_FUNCTION_APP_ID are not set.`n" +
    "  azd sets them from the deployment's outputs; without azd, export them from`n" +
    "  az deployment sub show -n <deployment> --query properties.outputs (docs/operations.md, `"Deploy without azd`").")
}

$Private = Join-Path ([System.IO.Path]::GetTempPath()) ([System.IO.Path]::GetRandomFileName())
New-Item -ItemType Directory -Path $Private | Out-Null
if (-not $IsWindows) {
  chmod 700 $Private
}

# $true when the vault has the secret, $false when it has none; anything else (no access, no network) stops the hook.
function Test-Secret([string]$Name) {
  $errorFile = Join-Path $Private 'error'
  az rest --method get --url "$VaultId/secrets/$($Name)?api-version=$KeyVaultApi" --query id --output tsv 2> $errorFile | Out-Null
  if ($LASTEXITCODE -eq 0) {
    return $true
  }
  $message = Get-Content -Raw $errorFile
  if ($message -match 'SecretNotFound|Not ?Found|\(404\)') {
    return $false
  }
  [Console]::Error.WriteLine($message)
  Stop-Hook "could not read $Name's metadata from the vault (see above)"
}

# Creates a secret through Resource Manager; the body file is readable by this user only and removed at once.
function New-Secret([string]$Name, [string]$Value, [string]$ContentType) {
  $body = Join-Path $Private 'body.json'
  New-Item -ItemType File -Path $body | Out-Null
  if (-not $IsWindows) {
    chmod 600 $body
  }
  @{ properties = @{ value = $Value; contentType = $ContentType } } | ConvertTo-Json -Compress | Set-Content -NoNewline -Path $body
  az rest --method put --url "$VaultId/secrets/$($Name)?api-version=$KeyVaultApi" `
    --headers Content-Type=application/json --body "@$body" --output none
  $status = $LASTEXITCODE
  Remove-Item -Force $body
  if ($status -ne 0) {
    Stop-Hook "could not create $Name in the vault (see above)"
  }
}

# The SendGrid key from the environment or, at a terminal, from the operator (not echoed).
function Get-SendGridKey {
  if ($env:SENDGRID_API_KEY) {
    return $env:SENDGRID_API_KEY
  }
  if (-not [Console]::IsInputRedirected) {
    $secure = Read-Host -AsSecureString 'SendGrid API key with the Mail Send permission (input hidden)'
    return [System.Net.NetworkCredential]::new('', $secure).Password
  }
  return ''
}

try {
  $created = $false

  if (Test-Secret $HrSecret) {
    Write-Step "$($HrSecret): present, kept"
  }
  else {
    # Standard Webhooks secret: whsec_ and the base64 of 32 random bytes (core/webhookSignature.ts accepts 24-64).
    $bytes = [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)
    New-Secret $HrSecret ('whsec_' + [Convert]::ToBase64String($bytes)) 'Standard Webhooks signing secret (HR callbacks)'
    $created = $true
    Write-Step "$($HrSecret): created; hand it to HR's receiver as docs/operations.md describes"
  }

  if (Test-Secret $SendGridSecret) {
    Write-Step "$($SendGridSecret): present, kept"
  }
  else {
    $key = Get-SendGridKey
    if (-not $key) {
      Stop-Hook ("the vault has no $SendGridSecret and none was given. Either run`n" +
        "  azd hooks run postprovision`n" +
        "at a terminal (it asks for the key, input hidden), or pass SENDGRID_API_KEY in the environment from your secret store`n" +
        '(a pipeline secret). The app does not start without it.')
    }
    if ($key -cnotmatch '^SG\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$') {
      Stop-Hook 'that does not look like a SendGrid API key (SG.<id>.<secret>); nothing was stored'
    }
    New-Secret $SendGridSecret $key 'SendGrid API key (mail.send)'
    $key = ''
    $created = $true
    Write-Step "$($SendGridSecret): stored"
  }

  # "<SENDGRID_API_KEY status> <CALLBACK_SIGNING_SECRET status>", e.g. "Resolved AccessToKeyVaultDenied".
  function Get-ReferenceStatuses {
    $statuses = foreach ($setting in 'SENDGRID_API_KEY', 'CALLBACK_SIGNING_SECRET') {
      $status = az rest --method get `
        --url "$AppId/config/configreferences/appsettings/$($setting)?api-version=$ConfigReferencesApi" `
        --query properties.status --output tsv 2> $null
      if ($LASTEXITCODE -ne 0 -or -not $status) {
        'Unknown'
      }
      else {
        $status.Trim()
      }
    }
    return ($statuses -join ' ')
  }

  function Update-References {
    az rest --method post --url "$AppId/config/configreferences/appsettings/refresh?api-version=$ConfigReferencesApi" `
      --output none 2> $null
  }

  # A reference the platform tried before the secret existed stays unresolved until refreshed.
  if ($created) {
    Update-References
  }
  $waited = 0
  $first = $true
  while ($true) {
    $statuses = Get-ReferenceStatuses
    if ($statuses -eq 'Resolved Resolved') {
      break
    }
    if ($statuses -match 'InvalidSyntax') {
      Stop-Hook "a Key Vault reference in the app settings is malformed ($statuses): check functionapp.bicep"
    }
    $first = $false
    if ($waited -ge $WaitSeconds) {
      Stop-Hook ("the Key Vault references did not resolve within $($WaitSeconds)s`n" +
        "  (SENDGRID_API_KEY, CALLBACK_SIGNING_SECRET: $statuses). New role assignments can take longer to reach Key Vault;`n" +
        '  with networkIsolation the vault must be reachable through the VNet. Run `azd hooks run postprovision` again.')
    }
    Write-Step "waiting for the app's Key Vault references (SENDGRID_API_KEY, CALLBACK_SIGNING_SECRET: $statuses) $($waited)s"
    Update-References
    Start-Sleep -Seconds $PollSeconds
    $waited += $PollSeconds
  }
  Write-Step 'Key Vault references resolved'

  if ($created -or -not $first) {
    az rest --method post --url "$AppId/restart?api-version=$SitesApi" --output none
    if ($LASTEXITCODE -ne 0) {
      Stop-Hook 'could not restart the app (see above)'
    }
    Write-Step 'app restarted: it reads its settings once, at start-up'
  }
}
finally {
  Remove-Item -Recurse -Force $Private -ErrorAction SilentlyContinue
}
