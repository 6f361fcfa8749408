// Data-plane roles, each on the narrowest scope that works: the three storage roles on the storage account, Key Vault
// Secrets Officer on the vault only, Monitoring Metrics Publisher on the Application Insights component only. Nothing
// here grants Owner, Contributor or Key Vault Administrator. Assignment names are guid(scope, principal, role), so a
// redeploy finds the same assignment instead of failing with RoleAssignmentExists. Whoever deploys gets the same data
// roles only when grantDeployerDataRoles asks for it (development environments): a production deployment leaves no
// standing access to the personal data in the tables or to the app passwords in the vault.

@description('Storage account of the host, the task hub and the app tables.')
param storageAccountName string

@description('Vault of the app passwords and the SendGrid key.')
param keyVaultName string

@description('Application Insights component the app reports to.')
param applicationInsightsName string

@description('Principal (object) id of the function app\'s user-assigned managed identity.')
param identityPrincipalId string

@description('Object id of whoever deploys. Empty: none.')
param deployerPrincipalId string

@description('Whether deployerPrincipalId gets the app\'s data roles, to debug against Azure (development environments only).')
param grantDeployerDataRoles bool

// Storage Blob Data Owner: host leases and the Flex deployment package; Durable task hub blobs (large messages, leases).
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
// Storage Queue Data Contributor: Durable control and work-item queues.
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
// Storage Table Data Contributor: Durable history and instances tables, and the app's own tables (APP_TABLES).
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
// Key Vault Secrets Officer: the app writes, reads and disables app passwords; the platform reads the SendGrid key.
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
// Monitoring Metrics Publisher: Entra ID-authenticated telemetry ingestion (local auth is off on the component).
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

var withDeployer = grantDeployerDataRoles && !empty(deployerPrincipalId)

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// --- the app's managed identity ---

// Storage Blob Data Owner
resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Queue Data Contributor
resource appQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Table Data Contributor
resource appTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Key Vault Secrets Officer (this vault only)
resource appSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Monitoring Metrics Publisher (this component only)
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identityPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- the deployer, only with grantDeployerDataRoles: the same data roles, nothing broader. principalType is left to
// Azure to look up: the deployer already exists, and may be a person or a pipeline. ---

// Storage Blob Data Owner
resource deployerBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withDeployer) {
  name: guid(storage.id, deployerPrincipalId, storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: deployerPrincipalId
  }
}

// Storage Queue Data Contributor
resource deployerQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withDeployer) {
  name: guid(storage.id, deployerPrincipalId, storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: deployerPrincipalId
  }
}

// Storage Table Data Contributor
resource deployerTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withDeployer) {
  name: guid(storage.id, deployerPrincipalId, storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: deployerPrincipalId
  }
}

// Key Vault Secrets Officer (this vault only): lets a developer read what the app wrote
resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withDeployer) {
  name: guid(vault.id, deployerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
  }
}

// Monitoring Metrics Publisher (this component only)
resource deployerMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withDeployer) {
  name: guid(applicationInsights.id, deployerPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: deployerPrincipalId
  }
}
