// The Flex Consumption plan and the function app. Every setting core/config.ts requires is set here, and all
// settings live in this one resource: sites/config 'appsettings' replaces the whole collection on each deployment,
// so a setting added by hand in the portal disappears at the next `azd provision`.

@description('Name of the function app (its default host name is <name>.azurewebsites.net).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Region of the plan and the app; must offer Flex Consumption.')
param location string

@description('Tags for the plan and the app (the app also gets azd-service-name).')
param tags object

@description('Name of the service in azure.yaml; azd finds the app by this tag.')
param serviceName string

@description('User-assigned managed identity the app runs as.')
param identityName string

@description('Storage account of the host, the task hub and the app tables.')
param storageAccountName string

@description('Blob container Flex Consumption deploys the package to.')
param deploymentContainerName string

@description('Application Insights component the app reports to.')
param applicationInsightsName string

@description('Vault of the app passwords, the SendGrid key and the HR callback signing secret.')
param keyVaultName string

@description('Node.js major version of the Functions worker.')
@allowed([
  '22'
  '24'
])
param nodeVersion string

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound of instances the plan scales out to (Flex Consumption accepts 40-1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Subnet (delegated to Microsoft.App/environments) for VNet integration. Empty: none.')
param virtualNetworkSubnetId string

@description('Endpoint of the Durable Task Scheduler when it is the Durable backend. Empty: the Azure Storage provider.')
param durableTaskSchedulerEndpoint string

@description('Log Analytics workspace that receives the function app\'s logs (FunctionAppLogs) and metrics.')
param workspaceId string

@description('TASKHUB_NAME: the Durable task hub (letters and digits, 3-45, starting with a letter).')
@minLength(3)
@maxLength(45)
param taskHubName string

@description('MAIL_FROM: sender address, verified in SendGrid.')
param mailFrom string

@description('MAIL_FROM_NAME: display name of the sender.')
param mailFromName string

@description('PUBLIC_BASE_URL: base of the links in e-mails. Empty: the app\'s https default host name.')
param publicBaseUrl string

@description('DEFAULT_LOCALE: locale used when HR sends none.')
@allowed([
  'da'
  'en'
])
param defaultLocale string

@description('TIME_ZONE: IANA time zone of dates in e-mails.')
param timeZone string

@description('MAIL_IMAP_SERVER: host:port shown in the mail set-up guides. Empty: not shown.')
param mailImapServer string

@description('MAIL_SMTP_SERVER: host:port shown in the mail set-up guides. Empty: not shown.')
param mailSmtpServer string

@description('SMS_ENDPOINT: Azure Communication Services endpoint. Empty (with smsFrom): codes go by e-mail only.')
param smsEndpoint string

@description('SMS_FROM: E.164 number or alphanumeric sender id. Set together with smsEndpoint.')
param smsFrom string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (SENDGRID_API_KEY, CALLBACK_SIGNING_SECRET) resolve with this identity; without it the platform tries a system
    // identity the app does not have and leaves the literal '@Microsoft.KeyVault(...)' in the setting.
    keyVaultReferenceIdentity: identity.id
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        // One warm instance for the Durable triggers (orchestrations and activities): without it a timer or an
        // external event waits for a cold start, and the queue polling that wakes it.
        alwaysReady: [
          {
            name: 'durable'
            instanceCount: 1
          }
        ]
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Publishing with user names and passwords is off; azd and the pipeline deploy with Entra ID tokens.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

var defaultBaseUrl = 'https://${site.properties.defaultHostName}'

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Functions host storage through the managed identity (no connection string, shared keys are off).
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table

    // The Durable Task Scheduler backend (durableBackend), read through the azureManaged storage provider that the
    // packaged host.json names (scripts/package.mjs); empty with the Azure Storage provider, which never reads it.
    DURABLE_TASK_SCHEDULER_CONNECTION_STRING: empty(durableTaskSchedulerEndpoint) ? '' : 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identity.properties.clientId}'

    // Application Insights with Entra ID ingestion (DisableLocalAuth on the component).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'

    // core/config.ts
    AZURE_CLIENT_ID: identity.properties.clientId
    TASKHUB_NAME: taskHubName
    APP_TABLES: 'https://${storage.name}.table.${environment().suffixes.storage}'
    KEYVAULT_URL: vault.properties.vaultUri
    // Both secrets exist before the app first starts with them: the postprovision hook (scripts/postprovision.sh) creates
    // them when missing and waits until both references resolve.
    SENDGRID_API_KEY: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/SendGridApiKey/)'
    CALLBACK_SIGNING_SECRET: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/HrCallbackSigningSecret/)'
    MAIL_FROM: mailFrom
    MAIL_FROM_NAME: mailFromName
    PUBLIC_BASE_URL: empty(publicBaseUrl) ? defaultBaseUrl : publicBaseUrl
    DEFAULT_LOCALE: defaultLocale
    TIME_ZONE: timeZone
    // Empty means "not set" to core/config.ts.
    MAIL_IMAP_SERVER: mailImapServer
    MAIL_SMTP_SERVER: mailSmtpServer
    SMS_ENDPOINT: smsEndpoint
    SMS_FROM: smsFrom
  }
}

// The host's and the app's own log lines (what Application Insights also gets, kept in the workspace's
// FunctionAppLogs table with the workspace's retention), and the platform metrics.
resource siteDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'FunctionAppLogs'
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

output name string = site.name
output id string = site.id
output baseUrl string = defaultBaseUrl
output publicBaseUrl string = empty(publicBaseUrl) ? defaultBaseUrl : publicBaseUrl
