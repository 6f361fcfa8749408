// App-password enrollment: a Flex Consumption function app (Node, Durable Functions on the Azure Storage provider or,
// opt-in, the Durable Task Scheduler) with one user-assigned managed identity, a storage account with shared keys off,
// a Key Vault with RBAC and purge protection, workspace-based Application Insights with local auth off, diagnostic
// settings on storage, vault and app, and an optional private network. Deployed by `azd up` (azure.yaml, parameters
// from main.parameters.json) or by a pipeline (dev.bicepparam, prod.bicepparam); docs/operations.md is the runbook.
// Plain resource declarations only (no registry modules), so a pipeline that cannot reach the public Bicep registry can
// still build it.

targetScope = 'subscription'

// ---------- environment ----------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or update. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the person or pipeline running the deployment (default: whoever deploys). It gets data roles only when grantDeployerDataRoles is true.')
param principalId string = deployer().objectId

@description('Gives principalId the app\'s data roles (storage data, Key Vault Secrets Officer, telemetry, scheduler) to debug against Azure. For development environments only: never in production, where the tables hold personal data and the vault the app passwords.')
param grantDeployerDataRoles bool = false

// ---------- function app ----------

@description('Name of the function app. Empty: func-api-<suffix>.')
param functionAppName string = ''

@description('Node.js major version of the Functions worker (package.json engines: >=22; both are GA in @azure/functions v4).')
@allowed([
  '22'
  '24'
])
param nodeVersion string = '22'

@description('Memory of each Flex Consumption instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of instances the app scales out to (Flex Consumption accepts 40-1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Durable Functions backend: the Azure Storage provider (queues and tables in the app\'s storage account) or the Durable Task Scheduler (a managed scheduler with its own dashboard). Switching means a new, empty task hub: docs/operations.md.')
@allowed([
  'azureStorage'
  'durableTaskScheduler'
])
param durableBackend string = 'azureStorage'

@description('Durable Task Scheduler SKU (durableBackend durableTaskScheduler only).')
@allowed([
  'Consumption'
  'Dedicated'
])
param durableTaskSchedulerSku string = 'Consumption'

@description('Addresses the Durable Task Scheduler accepts (IPv4, IPv6 or CIDR). Flex Consumption has no fixed outbound address, so the default admits any; access still needs an Entra ID token with a data role. An empty list would refuse everything.')
@minLength(1)
param durableTaskSchedulerIpAllowlist array = [
  '0.0.0.0/0'
]

@description('Days the Durable Task Scheduler keeps a finished orchestration\'s history (names and addresses, never a password) before purging it.')
@minValue(1)
@maxValue(90)
param durableTaskSchedulerRetentionInDays int = 30

// ---------- network ----------

@description('Takes storage and the vault off the internet: a VNet with a subnet delegated to the app (VNet integration) and one for private endpoints (blob, queue, table, vault) with their private DNS zones, and public network access Disabled on storage and vault. Off by default. Deploying the package and seeding secrets then needs the runbook\'s steps (docs/operations.md, "Private networking").')
param networkIsolation bool = false

@description('Address space of the VNet networkIsolation creates (a /16 to /24; the app subnet takes the first quarter, private endpoints the second).')
param virtualNetworkAddressPrefix string = '10.40.0.0/22'

// ---------- app settings (core/config.ts) ----------

@description('TASKHUB_NAME: the Durable task hub (letters and digits, 3-45, starting with a letter).')
@minLength(3)
@maxLength(45)
param taskHubName string = 'EnrollmentHub'

@description('MAIL_FROM: the sender address, verified in SendGrid (for example onboarding@contoso.com).')
@minLength(3)
param mailFrom string

@description('MAIL_FROM_NAME: display name of the sender.')
param mailFromName string = 'IT onboarding'

@description('PUBLIC_BASE_URL: base of the links in e-mails, e.g. https://enroll.contoso.com. Empty: https://<function app default host name>.')
param publicBaseUrl string = ''

@description('DEFAULT_LOCALE: locale of e-mails and pages when HR sends none.')
@allowed([
  'da'
  'en'
])
param defaultLocale string = 'da'

@description('TIME_ZONE: IANA time zone of dates in e-mails.')
param timeZone string = 'Europe/Copenhagen'

@description('MAIL_IMAP_SERVER: host:port of the IMAP server shown in the mail set-up guides. Empty: not shown.')
param mailImapServer string = ''

@description('MAIL_SMTP_SERVER: host:port of the SMTP server shown in the mail set-up guides. Empty: not shown.')
param mailSmtpServer string = ''

@description('SMS_ENDPOINT: Azure Communication Services endpoint for SMS codes. Empty: codes go by e-mail only. See docs/operations.md before setting it.')
param smsEndpoint string = ''

@description('SMS_FROM: E.164 number or alphanumeric sender id; set together with smsEndpoint.')
param smsFrom string = ''

@description('Initial SendGrid API key, stored as the SendGridApiKey secret. Empty (the default): no secret is created and ops seed it as docs/operations.md describes.')
@secure()
param sendGridApiKey string = ''

@description('Initial HR callback signing secret (whsec_ + base64 of 24-64 random bytes), stored as the HrCallbackSigningSecret secret. Empty (the default): no secret is created and ops seed it as docs/operations.md describes.')
@secure()
param hrCallbackSigningSecret string = ''

// ---------- storage, vault, monitoring ----------

@description('Redundancy of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Days a deleted vault or secret stays recoverable (7-90). Cannot change once the vault exists.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Vault firewall (with public access): what happens to a request that matches no rule. networkIsolation turns public access off altogether.')
@allowed([
  'Allow'
  'Deny'
])
param keyVaultNetworkDefaultAction string = 'Allow'

@description('Vault firewall: whether trusted Azure services bypass it.')
@allowed([
  'AzureServices'
  'None'
])
param keyVaultNetworkBypass string = 'AzureServices'

@description('Vault firewall: public IPs or CIDR ranges let through (for example the build agent that seeds secrets).')
param keyVaultIpRules array = []

@description('Days Log Analytics keeps logs, including the storage and vault request logs (which name table keys, and so users).')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

// ---------- names ----------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'app-password-enrollment'
}
var appName = !empty(functionAppName) ? functionAppName : 'func-api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(toLower(appName), 32)}-${take(resourceToken, 7)}'
var useScheduler = durableBackend == 'durableTaskScheduler'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    networkIsolation: networkIsolation
    workspaceId: monitoring.outputs.workspaceId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    networkIsolation: networkIsolation
    networkDefaultAction: keyVaultNetworkDefaultAction
    networkBypass: keyVaultNetworkBypass
    ipRules: keyVaultIpRules
    sendGridApiKey: sendGridApiKey
    hrCallbackSigningSecret: hrCallbackSigningSecret
    workspaceId: monitoring.outputs.workspaceId
  }
}

module network 'modules/network.bicep' = if (networkIsolation) {
  name: 'network'
  scope: rg
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: tags
    addressPrefix: virtualNetworkAddressPrefix
    storageAccountId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
  }
}

module scheduler 'modules/durableTaskScheduler.bicep' = if (useScheduler) {
  name: 'durable-task-scheduler'
  scope: rg
  params: {
    name: 'dts-${resourceToken}'
    location: location
    tags: tags
    skuName: durableTaskSchedulerSku
    ipAllowlist: durableTaskSchedulerIpAllowlist
    taskHubName: taskHubName
    retentionInDays: durableTaskSchedulerRetentionInDays
    identityPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    grantDeployerDataRoles: grantDeployerDataRoles
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    grantDeployerDataRoles: grantDeployerDataRoles
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: appName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityName: identity.outputs.name
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    nodeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    virtualNetworkSubnetId: networkIsolation ? network.outputs.appSubnetId : ''
    durableTaskSchedulerEndpoint: useScheduler ? scheduler.outputs.endpoint : ''
    workspaceId: monitoring.outputs.workspaceId
    taskHubName: taskHubName
    mailFrom: mailFrom
    mailFromName: mailFromName
    publicBaseUrl: publicBaseUrl
    defaultLocale: defaultLocale
    timeZone: timeZone
    mailImapServer: mailImapServer
    mailSmtpServer: mailSmtpServer
    smsEndpoint: smsEndpoint
    smsFrom: smsFrom
  }
  // The roles (and, with networkIsolation, the private endpoints and DNS zones) exist before the site does: the host
  // reaches storage at its first start. That narrows, but cannot close, the window in which a fresh identity's first
  // token is refused while Entra ID propagates the assignments; the postprovision hook waits it out.
  dependsOn: [
    rbac
    network
  ]
}

// ---------- outputs (azd stores them in .azure/<env>/.env; none is a secret) ----------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_BASE_URL string = functionApp.outputs.baseUrl
output ENROLLMENT_PUBLIC_BASE_URL string = functionApp.outputs.publicBaseUrl
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_KEY_VAULT_ID string = keyVault.outputs.id
output AZURE_FUNCTION_APP_ID string = functionApp.outputs.id
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output DURABLE_TASK_SCHEDULER_DASHBOARD_URL string = useScheduler ? scheduler.outputs.dashboardUrl : ''
