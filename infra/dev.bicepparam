// A development environment, deployed without azd (a pipeline, or by hand):
//   az deployment sub create -n enroll-dev -l <region> -f infra/main.bicep -p infra/dev.bicepparam
// then scripts/postprovision.sh (docs/operations.md, "Deploy without azd"). Values that differ between organisations
// come from environment variables, so this file holds no secret, no tenant detail and no azd placeholder.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'enroll-dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param mailFrom = readEnvironmentVariable('MAIL_FROM')
param publicBaseUrl = readEnvironmentVariable('PUBLIC_BASE_URL', '')

// Development only: whoever deploys (principalId, by default the signed-in person or pipeline) gets the app's data
// roles to debug against Azure. prod.bicepparam never sets this.
param grantDeployerDataRoles = true

// Small and cheap: the smallest always-ready instance, Flex's minimum instance cap, the shortest vault retention.
param instanceMemoryMB = 512
param maximumInstanceCount = 40
param storageSkuName = 'Standard_LRS'
param keyVaultSoftDeleteRetentionInDays = 7
param logRetentionInDays = 30
param networkIsolation = false
param durableBackend = 'azureStorage'
