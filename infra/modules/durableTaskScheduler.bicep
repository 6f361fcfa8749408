// durableBackend 'durableTaskScheduler': the managed Durable Task Scheduler, its task hub (named like TASKHUB_NAME, so
// host.json's %TASKHUB_NAME% finds it), a retention policy that purges finished orchestrations, and the data role the
// app's identity needs to run orchestrations there. The app reaches it through the connection setting
// DURABLE_TASK_SCHEDULER_CONNECTION_STRING (functionapp.bicep) and the azureManaged storage provider in the packaged
// host.json (scripts/package.mjs).

@description('Name of the scheduler (3-64 letters, digits and hyphens).')
@minLength(3)
@maxLength(64)
param name string

@description('Region of the scheduler (the app\'s, for latency).')
param location string

@description('Tags for the scheduler.')
param tags object

@description('Consumption (pay per action, for variable load) or Dedicated (reserved capacity units, for steady high throughput).')
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string

@description('Addresses the scheduler accepts; an empty list refuses everything.')
@minLength(1)
param ipAllowlist array

@description('The task hub: TASKHUB_NAME.')
@minLength(3)
@maxLength(45)
param taskHubName string

@description('Days a finished orchestration\'s history is kept before the scheduler purges it.')
@minValue(1)
@maxValue(90)
param retentionInDays int

@description('Principal (object) id of the function app\'s user-assigned managed identity.')
param identityPrincipalId string

@description('Object id of whoever deploys; gets the same role (to read the dashboard) only with grantDeployerDataRoles.')
param deployerPrincipalId string

@description('Whether deployerPrincipalId gets the data role (development environments only).')
param grantDeployerDataRoles bool

// Durable Task Data Contributor: start, run, query and purge orchestrations in the scheduler's task hubs.
var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

var withDeployer = grantDeployerDataRoles && !empty(deployerPrincipalId)

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: skuName
    }
    ipAllowlist: ipAllowlist
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

// Orchestration history holds employee names and e-mail addresses: purge it once the enrollment is finished, as the
// runbook's purge does for the Azure Storage provider.
resource retention 'Microsoft.DurableTask/schedulers/retentionPolicies@2025-11-01' = {
  parent: scheduler
  name: 'default'
  properties: {
    retentionPolicies: [
      {
        retentionPeriodInDays: retentionInDays
      }
    ]
  }
}

// Durable Task Data Contributor (this scheduler only)
resource appDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler.id, identityPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Durable Task Data Contributor (this scheduler only), for the deployer's dashboard in development environments
resource deployerDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withDeployer) {
  name: guid(scheduler.id, deployerPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: deployerPrincipalId
  }
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output dashboardUrl string = taskHub.properties.dashboardUrl
