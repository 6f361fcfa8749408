// The one identity the function app uses for everything: host storage, its tables, Key Vault (app passwords and the
// SendGrid key reference), Application Insights ingestion and Microsoft Graph. User-assigned so that it and its roles
// exist before the site starts.

@description('Name of the user-assigned managed identity.')
param name string

@description('Region of the identity.')
param location string

@description('Tags for the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
