// Production, deployed without azd (a pipeline, or by hand):
//   az deployment sub what-if -n enroll-prod -l <region> -f infra/main.bicep -p infra/prod.bicepparam
//   az deployment sub create -n enroll-prod -l <region> -f infra/main.bicep -p infra/prod.bicepparam
// then scripts/postprovision.sh (docs/operations.md, "Deploy without azd"). Values that differ between organisations
// come from environment variables, so this file holds no secret, no tenant detail and no azd placeholder.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'enroll-prod')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param mailFrom = readEnvironmentVariable('MAIL_FROM')
param publicBaseUrl = readEnvironmentVariable('PUBLIC_BASE_URL', '')
param mailImapServer = readEnvironmentVariable('MAIL_IMAP_SERVER', '')
param mailSmtpServer = readEnvironmentVariable('MAIL_SMTP_SERVER', '')

// No standing data access for whoever deploys: the tables hold personal data, the vault the app passwords.
param grantDeployerDataRoles = false

param instanceMemoryMB = 2048
param maximumInstanceCount = 100
param storageSkuName = 'Standard_ZRS'
param keyVaultSoftDeleteRetentionInDays = 90
param logRetentionInDays = 90
// Storage and vault off the internet; the deployment then runs where it reaches the VNet (docs/operations.md,
// "Private networking"). Set false where the organisation accepts Entra ID-only access over the internet.
param networkIsolation = true
param durableBackend = 'azureStorage'
