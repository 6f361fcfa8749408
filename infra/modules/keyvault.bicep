// The vault that holds the app passwords the app mints, the SendGrid API key and the HR callback signing secret (both
// read by the platform through Key Vault references). Azure RBAC only (no access policies), purge protection on, soft delete always on in Key Vault.

@description('Name of the vault (3-24 characters, globally unique; a soft-deleted vault keeps its name for the retention period).')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the vault.')
param location string

@description('Tags for the vault.')
param tags object

@description('Days a deleted vault or secret can be recovered. Fixed once the vault exists.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

@description('true: public network access off, reachable only through the private endpoint network.bicep creates. false: reachable from the internet, subject to the firewall below.')
param networkIsolation bool

@description('What the vault firewall does with a request that matches no rule.')
@allowed([
  'Allow'
  'Deny'
])
param networkDefaultAction string

@description('Whether trusted Azure services may bypass the firewall.')
@allowed([
  'AzureServices'
  'None'
])
param networkBypass string

@description('Public IP addresses or CIDR ranges allowed through the firewall (for example a build agent).')
param ipRules array

@description('Initial value of the SendGridApiKey secret. Empty: no secret is created here; ops seed it (docs/operations.md).')
@secure()
param sendGridApiKey string

@description('Initial value of the HrCallbackSigningSecret secret. Empty: no secret is created here; ops seed it (docs/operations.md).')
@secure()
param hrCallbackSigningSecret string

@description('Log Analytics workspace that receives the vault audit log and metrics.')
param workspaceId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    // Disabled only together with the private endpoint: the template has no other way to ask for it.
    publicNetworkAccess: networkIsolation ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: networkIsolation ? 'Deny' : networkDefaultAction
      bypass: networkBypass
      ipRules: [for ip in ipRules: { value: ip }]
      virtualNetworkRules: []
    }
  }
}

resource sendGridSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(sendGridApiKey)) {
  parent: vault
  name: 'SendGridApiKey'
  properties: {
    value: sendGridApiKey
    contentType: 'SendGrid API key (mail.send)'
  }
}

resource hrCallbackSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(hrCallbackSigningSecret)) {
  parent: vault
  name: 'HrCallbackSigningSecret'
  properties: {
    value: hrCallbackSigningSecret
    contentType: 'Standard Webhooks signing secret (HR callbacks)'
  }
}

// Every secret read, write and disable lands in the workspace: the audit trail of app passwords, and the place to
// see throttling (HTTP 429) and denied requests.
resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
