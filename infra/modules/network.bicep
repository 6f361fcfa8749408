// networkIsolation: the VNet that takes storage and the vault off the internet, in the layout of Microsoft's Flex
// Consumption samples. One subnet is delegated to Microsoft.App/environments for the app's VNet integration (all its
// outbound traffic, Key Vault reference resolution included, then leaves through the VNet); the other holds a private
// endpoint for each of blob, queue, table and vault, each with its private DNS zone linked to the VNet, so the usual
// host names resolve to private addresses inside it. Public network access on storage and vault is turned off by
// their own modules (storage.bicep, keyvault.bicep) from the same parameter.

@description('Name of the virtual network.')
param name string

@description('Region of the VNet and the private endpoints (the DNS zones are global).')
param location string

@description('Tags for every resource here.')
param tags object

@description('Address space of the VNet: the app subnet takes its first quarter, the private endpoints its second.')
param addressPrefix string

@description('The storage account whose blob, queue and table endpoints get private endpoints.')
param storageAccountId string

@description('The vault that gets a private endpoint.')
param keyVaultId string

var subnetPrefixLength = parseCidr(addressPrefix).cidr + 2

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, subnetPrefixLength, 0)
          // Flex Consumption integrates through a subnet delegated to Microsoft.App/environments (the Microsoft.App
          // resource provider must be registered in the subscription).
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, subnetPrefixLength, 1)
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: 'app'
  }

  resource endpointSubnet 'subnets' existing = {
    name: 'private-endpoints'
  }
}

module blobEndpoint 'privateEndpoint.bicep' = {
  name: 'private-endpoint-blob'
  params: {
    name: 'pe-blob-${name}'
    location: location
    tags: tags
    targetId: storageAccountId
    groupId: 'blob'
    privateDnsZoneName: 'privatelink.blob.${environment().suffixes.storage}'
    virtualNetworkId: vnet.id
    subnetId: vnet::endpointSubnet.id
  }
}

module queueEndpoint 'privateEndpoint.bicep' = {
  name: 'private-endpoint-queue'
  params: {
    name: 'pe-queue-${name}'
    location: location
    tags: tags
    targetId: storageAccountId
    groupId: 'queue'
    privateDnsZoneName: 'privatelink.queue.${environment().suffixes.storage}'
    virtualNetworkId: vnet.id
    subnetId: vnet::endpointSubnet.id
  }
}

module tableEndpoint 'privateEndpoint.bicep' = {
  name: 'private-endpoint-table'
  params: {
    name: 'pe-table-${name}'
    location: location
    tags: tags
    targetId: storageAccountId
    groupId: 'table'
    privateDnsZoneName: 'privatelink.table.${environment().suffixes.storage}'
    virtualNetworkId: vnet.id
    subnetId: vnet::endpointSubnet.id
  }
}

module vaultEndpoint 'privateEndpoint.bicep' = {
  name: 'private-endpoint-vault'
  params: {
    name: 'pe-vault-${name}'
    location: location
    tags: tags
    targetId: keyVaultId
    groupId: 'vault'
    // privatelink.vaultcore.azure.net in the public cloud; derived so that sovereign clouds get their own suffix.
    privateDnsZoneName: 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
    virtualNetworkId: vnet.id
    subnetId: vnet::endpointSubnet.id
  }
}

output id string = vnet.id
output appSubnetId string = vnet::appSubnet.id
