import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../core/config.js';
import { bicepFilesUnder, loadBicep, parseBicep, parseBicepParams, readRepoFile, type BicepFile } from './bicep.js';
import {
  checkAppSettings,
  checkAzureYaml,
  checkBicepParams,
  checkDiagnostics,
  checkDurableBackend,
  checkFunctionApp,
  checkGitignore,
  checkHostJson,
  checkKeyVault,
  checkLeastPrivilege,
  checkMonitoring,
  checkNetworkIsolation,
  checkParametersFile,
  checkRoleAssignments,
  checkRuntimeParameters,
  checkSecretsStayInside,
  checkStorageAccounts,
  requiredSettingNames,
} from './checks.js';

/**
 * Each content check runs twice: on the real files (no problem) and on a copy broken in one place (the problem it
 * exists to catch), so none of them passes vacuously.
 */

let files: BicepFile[];
let main: BicepFile;
const parametersJson = readRepoFile('infra/main.parameters.json');
const hostJson = readRepoFile('host.json');
const azureYaml = readRepoFile('azure.yaml');
const gitignore = readRepoFile('.gitignore');
const configKeys = Object.keys(configSchema.shape);
const requiredKeys = requiredSettingNames(configSchema.shape);

beforeAll(async () => {
  files = await Promise.all(bicepFilesUnder('infra').map((path) => loadBicep(path)));
  main = byPath(files, 'infra/main.bicep');
});

function byPath(list: readonly BicepFile[], path: string): BicepFile {
  const file = list.find((candidate) => candidate.path === path);
  if (file === undefined) throw new Error(`${path} not found`);
  return file;
}

/** The Bicep files with one file's text edited; the edit must apply (a stale mutation would prove nothing). */
async function mutated(path: string, from: string | RegExp, to: string): Promise<BicepFile[]> {
  const original = byPath(files, path);
  const text = original.text.replace(from, to);
  if (text === original.text) throw new Error(`mutation of ${path} did not apply: ${String(from)}`);
  const edited = await parseBicep(text, path);
  return files.map((file) => (file.path === path ? edited : file));
}

const storageModule = 'infra/modules/storage.bicep';
const vaultModule = 'infra/modules/keyvault.bicep';
const rbacModule = 'infra/modules/rbac.bicep';
const appModule = 'infra/modules/functionapp.bicep';
const networkModule = 'infra/modules/network.bicep';
const endpointModule = 'infra/modules/privateEndpoint.bicep';
const schedulerModule = 'infra/modules/durableTaskScheduler.bicep';
const monitoringModule = 'infra/modules/monitoring.bicep';
const mainPath = 'infra/main.bicep';

describe('the required settings, derived from core/config.ts at test time', () => {
  it('are the keys whose schema is neither optional nor defaulted', () => {
    expect(requiredKeys).toEqual(
      expect.arrayContaining(['TASKHUB_NAME', 'APP_TABLES', 'KEYVAULT_URL', 'SENDGRID_API_KEY', 'MAIL_FROM']),
    );
    expect(requiredKeys).toContain('PUBLIC_BASE_URL');
    expect(requiredKeys).not.toContain('AZURE_CLIENT_ID'); // optional
    expect(requiredKeys).not.toContain('DEFAULT_LOCALE'); // defaulted
  });
});

describe('storage account', () => {
  it('has shared keys off, no public blobs, TLS 1.2 and HTTPS only', () => {
    expect(checkStorageAccounts(files)).toEqual([]);
  });

  it('fails when allowSharedKeyAccess: false is removed or flipped', async () => {
    const removed = await mutated(storageModule, /\n\s*allowSharedKeyAccess: false/, '');
    expect(checkStorageAccounts(removed)).toEqual([
      expect.stringContaining('properties.allowSharedKeyAccess must be false, found null'),
    ]);
    const flipped = await mutated(storageModule, 'allowSharedKeyAccess: false', 'allowSharedKeyAccess: true');
    expect(checkStorageAccounts(flipped)).toEqual([expect.stringContaining('allowSharedKeyAccess must be false')]);
  });

  it('fails when blobs may be public', async () => {
    const broken = await mutated(storageModule, 'allowBlobPublicAccess: false', 'allowBlobPublicAccess: true');
    expect(checkStorageAccounts(broken)).toEqual([expect.stringContaining('allowBlobPublicAccess must be false')]);
  });
});

describe('key vault', () => {
  it('uses RBAC with purge protection, parameterised retention and network, and a guarded SendGrid secret', () => {
    expect(checkKeyVault(files, main)).toEqual([]);
  });

  it('fails without RBAC authorization', async () => {
    const broken = await mutated(vaultModule, 'enableRbacAuthorization: true', 'enableRbacAuthorization: false');
    expect(checkKeyVault(broken, main)).toEqual([expect.stringContaining('enableRbacAuthorization must be true')]);
  });

  it('fails without purge protection', async () => {
    const broken = await mutated(vaultModule, /\n\s*enablePurgeProtection: true/, '');
    expect(checkKeyVault(broken, main)).toEqual([expect.stringContaining('enablePurgeProtection must be true')]);
  });

  it('fails with access policies', async () => {
    const broken = await mutated(
      vaultModule,
      'enableSoftDelete: true',
      'enableSoftDelete: true\n    accessPolicies: []',
    );
    expect(checkKeyVault(broken, main)).toEqual([expect.stringContaining('must not declare accessPolicies')]);
  });

  it('fails when the firewall is fixed in the template', async () => {
    const bypass = await mutated(vaultModule, 'bypass: networkBypass', "bypass: 'None'");
    expect(checkKeyVault(bypass, main)).toEqual([
      expect.stringContaining('properties.networkAcls.bypass must be a parameter'),
    ]);
    const defaultAction = await mutated(vaultModule, "? 'Deny' : networkDefaultAction", "? 'Deny' : 'Allow'");
    expect(checkKeyVault(defaultAction, main)).toEqual([
      expect.stringContaining("properties.networkAcls.defaultAction must be <isolated> ? 'Deny' : <parameter>"),
    ]);
  });

  it('fails when the SendGrid secret is created unconditionally', async () => {
    const broken = await mutated(vaultModule, ' = if (!empty(sendGridApiKey)) {', ' = {');
    expect(checkKeyVault(broken, main)).toEqual([expect.stringContaining('must be created only if (!empty(')]);
  });

  it('fails when the retention default is not 90 days', async () => {
    const broken = await mutated(
      'infra/main.bicep',
      'param keyVaultSoftDeleteRetentionInDays int = 90',
      'param keyVaultSoftDeleteRetentionInDays int = 7',
    );
    expect(checkKeyVault(broken, byPath(broken, 'infra/main.bicep'))).toEqual([
      expect.stringContaining('must be 7-90 with default 90'),
    ]);
  });
});

describe('role assignments', () => {
  it('use only the allowed roles, on their scopes, named guid(scope.id, principal, role), commented', () => {
    expect(checkRoleAssignments(files)).toEqual([]);
  });

  it('fails on a role outside the allowed list (Owner)', async () => {
    const broken = await mutated(
      rbacModule,
      "var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'",
      "var keyVaultSecretsOfficer = '8e3af657-a8ff-4c83-a0ff-2b4b4c2b5c1e'",
    );
    const problems = checkRoleAssignments(broken);
    expect(problems).toContain(`${rbacModule}: GUID 8e3af657-a8ff-4c83-a0ff-2b4b4c2b5c1e is not an allowed role`);
    expect(problems).toContain('the app identity is not assigned Key Vault Secrets Officer');
  });

  it('fails on an assignment named without guid(...)', async () => {
    const broken = await mutated(
      rbacModule,
      'name: guid(vault.id, identityPrincipalId, keyVaultSecretsOfficer)',
      "name: 'app-secrets-officer'",
    );
    expect(checkRoleAssignments(broken)).toEqual([
      expect.stringMatching(/appSecretsOfficer .*name must be guid\(vault\.id, <principalId>, <role>\)/),
    ]);
  });

  it('fails when Key Vault Secrets Officer is scoped beyond the vault', async () => {
    const broken = await mutated(
      rbacModule,
      /name: guid\(vault\.id, identityPrincipalId, keyVaultSecretsOfficer\)\n {2}scope: vault/,
      'name: guid(storage.id, identityPrincipalId, keyVaultSecretsOfficer)\n  scope: storage',
    );
    expect(checkRoleAssignments(broken)).toEqual([
      expect.stringContaining('Key Vault Secrets Officer must be scoped to a Microsoft.KeyVault/vaults'),
    ]);
  });

  it('fails when an assignment is not commented with its role', async () => {
    const broken = await mutated(rbacModule, '// Monitoring Metrics Publisher (this component only)\n', '');
    expect(checkRoleAssignments(broken)).toEqual([
      expect.stringContaining('appMetricsPublisher (Microsoft.Authorization/roleAssignments@2022-04-01): the comment'),
    ]);
  });
});

describe('secrets', () => {
  it('no output exposes a @secure() parameter or a secret, and the parameters file holds none', () => {
    expect(checkSecretsStayInside(files, main, parametersJson)).toEqual([]);
  });

  it('fails on an output of the @secure() parameter', async () => {
    const broken = await mutated(
      'infra/main.bicep',
      'output AZURE_LOCATION string = location',
      'output AZURE_LOCATION string = location\noutput SENDGRID string = sendGridApiKey',
    );
    expect(checkSecretsStayInside(broken, byPath(broken, 'infra/main.bicep'), parametersJson)).toEqual([
      'infra/main.bicep: output SENDGRID exposes the @secure() parameter sendGridApiKey',
    ]);
  });

  it('fails on an output of a connection string', async () => {
    const broken = await mutated(
      'infra/modules/monitoring.bicep',
      'output workspaceId string = workspace.id',
      'output workspaceId string = workspace.id\noutput telemetry string = applicationInsights.properties.ConnectionString',
    );
    expect(checkSecretsStayInside(broken, main, parametersJson)).toEqual([
      'infra/modules/monitoring.bicep: output telemetry exposes a connection string',
    ]);
  });

  it('fails on a literal key in main.parameters.json, or a value for the @secure() parameter', () => {
    const withKey = parametersJson.replace(
      '"${MAIL_FROM_NAME}"',
      '"SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"',
    );
    expect(checkSecretsStayInside(files, main, withKey)).toEqual(
      expect.arrayContaining(['main.parameters.json: mailFromName holds a SendGrid API key']),
    );
    const withSecure = parametersJson.replace(
      '"parameters": {',
      '"parameters": {\n    "sendGridApiKey": { "value": "${SENDGRID_API_KEY}" },',
    );
    expect(checkSecretsStayInside(files, main, withSecure)).toEqual([
      'main.parameters.json: sendGridApiKey is @secure() and must not be in the parameters file',
    ]);
  });
});

describe('app settings', () => {
  it('hold every required config setting and the platform ones, and none of the forbidden ones', () => {
    expect(checkAppSettings(files, configKeys, requiredKeys)).toEqual([]);
  });

  it.each(requiredKeys)('fails when the required setting %s is removed', async (key) => {
    const broken = await mutated(appModule, new RegExp(`\\n\\s*${key}: .*`), '');
    expect(checkAppSettings(broken, configKeys, requiredKeys)).toEqual([`${appModule}: app setting ${key} is missing`]);
  });

  it('fails on a Flex-forbidden or emulator-only setting, anywhere', async () => {
    const worker = await mutated(
      appModule,
      'TASKHUB_NAME: taskHubName',
      "TASKHUB_NAME: taskHubName\n    FUNCTIONS_WORKER_RUNTIME: 'node'",
    );
    expect(checkAppSettings(worker, configKeys, requiredKeys)).toEqual([
      `${appModule}: app setting FUNCTIONS_WORKER_RUNTIME is neither in core/config.ts nor a platform setting`,
      `${appModule}: FUNCTIONS_WORKER_RUNTIME must never be set`,
    ]);
    const emulators = await mutated(
      appModule,
      'TASKHUB_NAME: taskHubName',
      "TASKHUB_NAME: taskHubName\n    USE_LOCAL_EMULATORS: 'true'",
    );
    expect(checkAppSettings(emulators, configKeys, requiredKeys)).toEqual([
      `${appModule}: USE_LOCAL_EMULATORS must never be set`,
    ]);
  });

  it('fails on a misspelt setting and on a SendGrid key that is not a Key Vault reference', async () => {
    const typo = await mutated(appModule, 'MAIL_FROM_NAME: mailFromName', 'MAIL_FORM_NAME: mailFromName');
    expect(checkAppSettings(typo, configKeys, requiredKeys)).toEqual([
      `${appModule}: app setting MAIL_FROM_NAME is missing`,
      `${appModule}: app setting MAIL_FORM_NAME is neither in core/config.ts nor a platform setting`,
    ]);
    const plain = await mutated(appModule, /SENDGRID_API_KEY: .*/, 'SENDGRID_API_KEY: mailFrom');
    expect(checkAppSettings(plain, configKeys, requiredKeys)).toEqual([
      `${appModule}: app setting SENDGRID_API_KEY must be a Key Vault reference to the SendGridApiKey secret`,
    ]);
  });

  it('fails when the HR callback signing secret is missing or not a Key Vault reference to its secret', async () => {
    const removed = await mutated(appModule, /\n\s*CALLBACK_SIGNING_SECRET: .*/, '');
    expect(checkAppSettings(removed, configKeys, requiredKeys)).toEqual([
      `${appModule}: app setting CALLBACK_SIGNING_SECRET is missing`,
    ]);
    const literal = await mutated(appModule, /CALLBACK_SIGNING_SECRET: .*/, "CALLBACK_SIGNING_SECRET: 'whsec_AAAA'");
    expect(checkAppSettings(literal, configKeys, requiredKeys)).toEqual([
      `${appModule}: app setting CALLBACK_SIGNING_SECRET must be a Key Vault reference to the HrCallbackSigningSecret secret`,
    ]);
    const otherSecret = await mutated(appModule, 'secrets/HrCallbackSigningSecret/', 'secrets/SendGridApiKey/');
    expect(checkAppSettings(otherSecret, configKeys, requiredKeys)).toEqual([
      `${appModule}: app setting CALLBACK_SIGNING_SECRET must be a Key Vault reference to the HrCallbackSigningSecret secret`,
    ]);
  });

  it('fails when the HR callback secret would be created in the vault unconditionally', async () => {
    const broken = await mutated(vaultModule, ' = if (!empty(hrCallbackSigningSecret)) {', ' = {');
    expect(checkKeyVault(broken, main)).toEqual([expect.stringContaining('hrCallbackSecret')]);
  });
});

describe('function app', () => {
  it('is Flex Consumption with the user-assigned identity, always-ready durable instance and hardened site', () => {
    expect(checkFunctionApp(files)).toEqual([]);
  });

  it('fails without the always-ready durable instance', async () => {
    const broken = await mutated(appModule, "name: 'durable'", "name: 'http'");
    expect(checkFunctionApp(broken)).toEqual([
      expect.stringContaining("scaleAndConcurrency.alwaysReady must hold { name: 'durable', instanceCount: 1 }"),
    ]);
  });

  it('fails on a plan that is not FC1, on plain HTTP, and on fixed scale limits', async () => {
    const sku = await mutated(appModule, "name: 'FC1'", "name: 'Y1'");
    expect(checkFunctionApp(sku)).toEqual([expect.stringContaining('sku.name must be "FC1", found "Y1"')]);
    const http = await mutated(appModule, 'httpsOnly: true', 'httpsOnly: false');
    expect(checkFunctionApp(http)).toEqual([expect.stringContaining('properties.httpsOnly must be true')]);
    const fixed = await mutated(appModule, 'instanceMemoryMB: instanceMemoryMB', 'instanceMemoryMB: 2048');
    expect(checkFunctionApp(fixed)).toEqual([
      expect.stringContaining('scaleAndConcurrency.instanceMemoryMB must be a parameter'),
    ]);
  });

  it('fails when Key Vault references would use another identity', async () => {
    const broken = await mutated(
      appModule,
      'keyVaultReferenceIdentity: identity.id',
      "keyVaultReferenceIdentity: 'SystemAssigned'",
    );
    expect(checkFunctionApp(broken)).toEqual([
      expect.stringContaining("properties.keyVaultReferenceIdentity must be the user-assigned identity's resource id"),
    ]);
  });
});

describe('monitoring', () => {
  it('has Application Insights with local auth off, workspace-based', () => {
    expect(checkMonitoring(files)).toEqual([]);
  });

  it('fails when local auth is on', async () => {
    const broken = await mutated('infra/modules/monitoring.bicep', 'DisableLocalAuth: true', 'DisableLocalAuth: false');
    expect(checkMonitoring(broken)).toEqual([expect.stringContaining('DisableLocalAuth must be true')]);
  });
});

describe('main.parameters.json', () => {
  it('maps only declared parameters, covers those without defaults, and no output feeds back', () => {
    expect(checkParametersFile(main, parametersJson)).toEqual([]);
  });

  it('fails on an unknown parameter, on an unmapped required one, and on an output that would feed back', async () => {
    const unknown = parametersJson.replace(
      '"parameters": {',
      '"parameters": {\n    "mailSender": { "value": "${X}" },',
    );
    expect(checkParametersFile(main, unknown)).toEqual([
      'main.parameters.json: mailSender is not a parameter of main.bicep',
    ]);
    const unmapped = parametersJson.replace(/\n\s*"mailFrom": .*/, '');
    expect(checkParametersFile(main, unmapped)).toEqual(['main.parameters.json: mailFrom has no default and no value']);
    const feedback = await mutated('infra/main.bicep', 'output ENROLLMENT_PUBLIC_BASE_URL', 'output PUBLIC_BASE_URL');
    expect(checkParametersFile(byPath(feedback, 'infra/main.bicep'), parametersJson)).toEqual([
      "main.bicep: output PUBLIC_BASE_URL would feed back into a parameter through azd's environment",
    ]);
  });

  it('fails when an output the postprovision hook reads is gone', async () => {
    const broken = await mutated(mainPath, /\noutput AZURE_FUNCTION_APP_ID string = .*/, '');
    expect(checkParametersFile(byPath(broken, mainPath), parametersJson)).toEqual([
      'main.bicep: output AZURE_FUNCTION_APP_ID is missing',
    ]);
  });
});

describe('host.json', () => {
  it('uses extension bundle [4.*, 5.0.0) and the Azure Storage Durable provider with %TASKHUB_NAME%', () => {
    expect(checkHostJson(hostJson)).toEqual([]);
  });

  it('fails on another provider or bundle range', () => {
    const host = JSON.parse(hostJson) as {
      extensionBundle: { version: string };
      extensions: { durableTask: { storageProvider: { type: string } } };
    };
    host.extensions.durableTask.storageProvider.type = 'azureManaged';
    host.extensionBundle.version = '[3.*, 4.0.0)';
    expect(checkHostJson(JSON.stringify(host))).toEqual([
      'host.json: extensionBundle.version must be "[4.*, 5.0.0)"',
      'host.json: extensions.durableTask.storageProvider.type must be "AzureStorage"',
    ]);
  });
});

describe('azure.yaml', () => {
  it('deploys the api service (ts, function, project .) from the folder the package script stages', () => {
    expect(checkAzureYaml(azureYaml)).toEqual([]);
  });

  it('fails on another host, on remote build, and on a dist the hook does not fill', () => {
    expect(checkAzureYaml(azureYaml.replace('host: function', 'host: appservice'))).toEqual([
      'azure.yaml: services.api.host must be function, found appservice',
    ]);
    expect(checkAzureYaml(azureYaml.replace('remoteBuild: false', 'remoteBuild: true'))).toEqual([
      'azure.yaml: services.api.remoteBuild must be false, found true',
    ]);
    expect(checkAzureYaml(azureYaml.replace('dist: .artifacts/app', 'dist: dist'))).toEqual([
      'azure.yaml: services.api.dist must be the folder its prepackage hook stages with scripts/package.mjs --stage',
    ]);
  });

  it('runs the postprovision hook in sh and pwsh, interactively, and fails when either is missing or silent', () => {
    expect(checkAzureYaml(azureYaml.replace('run: scripts/postprovision.ps1', 'run: scripts/other.ps1'))).toEqual([
      'azure.yaml: hooks.postprovision.windows must run scripts/postprovision.ps1 in pwsh, interactive: true',
    ]);
    expect(
      checkAzureYaml(
        azureYaml.replace(/(run: scripts\/postprovision\.sh\n\s*)interactive: true/, '$1interactive: false'),
      ),
    ).toEqual(['azure.yaml: hooks.postprovision.posix must run scripts/postprovision.sh in sh, interactive: true']);
  });
});

describe('runtime: Node 22 on Flex Consumption', () => {
  it("nodeVersion allows exactly '22' and '24', defaulting to '22', and maximumInstanceCount keeps Flex's 40-1000", () => {
    expect(checkRuntimeParameters(main)).toEqual([]);
    expect(checkFunctionApp(files)).toEqual([]);
  });

  it('fails when Node 20 is back as the default or allowed in the app module', async () => {
    const defaulted = await mutated(mainPath, "param nodeVersion string = '22'", "param nodeVersion string = '20'");
    expect(checkRuntimeParameters(byPath(defaulted, mainPath))).toEqual([
      `${mainPath}: nodeVersion must allow exactly 22, 24 with default '22'`,
    ]);
    const allowed = await mutated(
      appModule,
      "@allowed([\n  '22'\n  '24'\n])",
      "@allowed([\n  '20'\n  '22'\n  '24'\n])",
    );
    expect(checkFunctionApp(allowed)).toEqual([
      expect.stringContaining('runtime.version must be a parameter allowing exactly 22, 24'),
    ]);
  });

  it("fails when maximumInstanceCount accepts less than Flex Consumption's 40", async () => {
    const inMain = await mutated(
      mainPath,
      /@minValue\(40\)\n@maxValue\(1000\)\nparam maximumInstanceCount/,
      '@minValue(1)\n@maxValue(1000)\nparam maximumInstanceCount',
    );
    expect(checkRuntimeParameters(byPath(inMain, mainPath))).toEqual([
      `${mainPath}: maximumInstanceCount must be @minValue(40) @maxValue(1000)`,
    ]);
    const inModule = await mutated(appModule, '@minValue(40)', '@minValue(1)');
    expect(checkFunctionApp(inModule)).toEqual([
      `${appModule}: maximumInstanceCount must be @minValue(40) @maxValue(1000)`,
    ]);
  });
});

describe('least privilege for whoever deploys', () => {
  it('gets data roles only with grantDeployerDataRoles (default false), passed through to every module', () => {
    expect(checkLeastPrivilege(files, main)).toEqual([]);
  });

  it('fails when the switch defaults to true', async () => {
    const broken = await mutated(
      mainPath,
      'param grantDeployerDataRoles bool = false',
      'param grantDeployerDataRoles bool = true',
    );
    expect(checkLeastPrivilege(broken, byPath(broken, mainPath))).toEqual([
      `${mainPath}: parameter grantDeployerDataRoles must be a bool defaulting to false`,
    ]);
  });

  it("fails when the deployer's roles no longer depend on it (azd always sets principalId)", async () => {
    const broken = await mutated(
      rbacModule,
      'var withDeployer = grantDeployerDataRoles && !empty(deployerPrincipalId)',
      'var withDeployer = !empty(deployerPrincipalId)',
    );
    const problems = checkLeastPrivilege(broken, main);
    expect(problems).toHaveLength(5);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /deployerSecretsOfficer .*a deployer's role must be created only if grantDeployerDataRoles/,
      ),
    );
  });

  it('fails when main.bicep hands a module a fixed true instead of the switch', async () => {
    const broken = await mutated(
      mainPath,
      '    deployerPrincipalId: principalId\n    grantDeployerDataRoles: grantDeployerDataRoles',
      '    deployerPrincipalId: principalId\n    grantDeployerDataRoles: true',
    );
    expect(checkLeastPrivilege(broken, byPath(broken, mainPath))).toEqual([
      `${mainPath}: module scheduler must get grantDeployerDataRoles: grantDeployerDataRoles`,
    ]);
  });

  it("fails when a deployer's assignment claims a principal type (it may be a person or a pipeline)", async () => {
    const broken = await mutated(
      rbacModule,
      /principalId: deployerPrincipalId\n/,
      "principalId: deployerPrincipalId\n    principalType: 'User'\n",
    );
    expect(checkRoleAssignments(broken)).toEqual([
      expect.stringMatching(
        /deployerBlobDataOwner .*principalType must be 'ServicePrincipal' \(the app identity\) or left out/,
      ),
    ]);
  });
});

describe('network isolation', () => {
  it('takes storage and vault off the internet only together with the VNet, endpoints and DNS zones', () => {
    expect(checkNetworkIsolation(files, main)).toEqual([]);
  });

  it("fails when storage's public access is fixed, or a parameter could ask for 'Disabled' alone", async () => {
    const fixed = await mutated(
      storageModule,
      "publicNetworkAccess: networkIsolation ? 'Disabled' : 'Enabled'",
      "publicNetworkAccess: 'Disabled'",
    );
    expect(checkNetworkIsolation(fixed, main)).toEqual([
      expect.stringContaining("properties.publicNetworkAccess must be networkIsolation ? 'Disabled' : 'Enabled'"),
    ]);
    const parameter = await mutated(
      mainPath,
      '// ---------- network ----------',
      "// ---------- network ----------\n\n@allowed([\n  'Enabled'\n  'Disabled'\n])\nparam keyVaultPublicNetworkAccess string = 'Enabled'",
    );
    expect(checkNetworkIsolation(parameter, byPath(parameter, mainPath))).toEqual([
      `${mainPath}: parameter keyVaultPublicNetworkAccess allows 'Disabled'; only networkIsolation may`,
    ]);
  });

  it('fails when the network is not tied to the switch, or the app does not use or wait for it', async () => {
    const always = await mutated(
      mainPath,
      "module network 'modules/network.bicep' = if (networkIsolation) {",
      "module network 'modules/network.bicep' = {",
    );
    expect(checkNetworkIsolation(always, byPath(always, mainPath))).toEqual([
      `${mainPath}: module network must be created only if (networkIsolation)`,
    ]);
    const noSubnet = await mutated(
      mainPath,
      "virtualNetworkSubnetId: networkIsolation ? network.outputs.appSubnetId : ''",
      "virtualNetworkSubnetId: ''",
    );
    expect(checkNetworkIsolation(noSubnet, byPath(noSubnet, mainPath))).toEqual([
      expect.stringContaining("the app's virtualNetworkSubnetId must be network.outputs.appSubnetId"),
    ]);
    const noWait = await mutated(mainPath, '    rbac\n    network\n', '    rbac\n');
    expect(checkNetworkIsolation(noWait, byPath(noWait, mainPath))).toEqual([
      expect.stringContaining('the function app must depend on network'),
    ]);
  });

  it('fails without the delegated subnet, a private endpoint, the zone link or the zone group', async () => {
    const delegation = await mutated(
      networkModule,
      "serviceName: 'Microsoft.App/environments'",
      "serviceName: 'Microsoft.Web/serverFarms'",
    );
    expect(checkNetworkIsolation(delegation, main)).toEqual([
      `${networkModule}: no subnet is delegated to Microsoft.App/environments`,
    ]);
    const queue = await mutated(networkModule, "groupId: 'queue'", "groupId: 'blob'");
    expect(checkNetworkIsolation(queue, main)).toEqual([expect.stringContaining('no private endpoint for queue')]);
    const vaultZone = await mutated(networkModule, "'.vault.', '.vaultcore.'", "'.vault.', '.vault.'");
    expect(checkNetworkIsolation(vaultZone, main)).toEqual([expect.stringContaining('no private endpoint for vault')]);
    const link = await mutated(endpointModule, 'registrationEnabled: false', 'registrationEnabled: true');
    expect(checkNetworkIsolation(link, main)).toEqual([expect.stringContaining('the zone must be linked to the VNet')]);
    const group = await mutated(endpointModule, 'privateDnsZoneId: zone.id', "privateDnsZoneId: ''");
    expect(checkNetworkIsolation(group, main)).toEqual([
      expect.stringContaining('the endpoint must register in the zone'),
    ]);
  });
});

describe('diagnostics and monitoring', () => {
  it('send the vault audit log, storage request logs and metrics and FunctionAppLogs to the workspace', () => {
    expect(checkDiagnostics(files)).toEqual([]);
  });

  it('fail without table logs, without FunctionAppLogs, or to a fixed workspace', async () => {
    const table = await mutated(
      storageModule,
      /name: 'to-log-analytics'\n {2}scope: tableService/,
      "name: 'to-log-analytics'\n  scope: queueService",
    );
    expect(checkDiagnostics(table)).toEqual([
      'no diagnostic setting sends table logs (allLogs, Transaction) to the workspace',
    ]);
    const app = await mutated(appModule, "category: 'FunctionAppLogs'", "category: 'AppServiceHTTPLogs'");
    expect(checkDiagnostics(app)).toEqual([
      "no diagnostic setting sends the function app's FunctionAppLogs (FunctionAppLogs, AllMetrics) to the workspace",
    ]);
    const fixed = await mutated(
      appModule,
      /scope: site\n {2}properties: \{\n {4}workspaceId: workspaceId/,
      "scope: site\n  properties: {\n    workspaceId: ''",
    );
    expect(checkDiagnostics(fixed)).toEqual([
      expect.stringMatching(/siteDiagnostics .*workspaceId must be a parameter/),
    ]);
  });

  it('fail when Log Analytics accepts shared keys', async () => {
    const broken = await mutated(monitoringModule, 'disableLocalAuth: true', 'disableLocalAuth: false');
    expect(checkMonitoring(broken)).toEqual([
      expect.stringContaining('properties.features.disableLocalAuth must be true'),
    ]);
  });
});

describe('the Durable Task Scheduler backend (opt-in)', () => {
  it('is created only for durableBackend durableTaskScheduler, with task hub, retention, allowlist, role and connection', () => {
    expect(checkDurableBackend(files, main)).toEqual([]);
  });

  it('fails when it becomes the default, or is created whatever the backend', async () => {
    const defaulted = await mutated(
      mainPath,
      "param durableBackend string = 'azureStorage'",
      "param durableBackend string = 'durableTaskScheduler'",
    );
    expect(checkDurableBackend(defaulted, byPath(defaulted, mainPath))).toEqual([
      `${mainPath}: durableBackend must allow exactly azureStorage, durableTaskScheduler with default azureStorage`,
    ]);
    const always = await mutated(
      mainPath,
      "module scheduler 'modules/durableTaskScheduler.bicep' = if (useScheduler) {",
      "module scheduler 'modules/durableTaskScheduler.bicep' = {",
    );
    expect(checkDurableBackend(always, byPath(always, mainPath))).toEqual([
      expect.stringContaining("must exist only if durableBackend == 'durableTaskScheduler'"),
    ]);
  });

  it('fails on an allowlist that may be empty, a task hub not named by TASKHUB_NAME, or no retention policy', async () => {
    const allowlist = await mutated(
      schedulerModule,
      '@minLength(1)\nparam ipAllowlist array',
      'param ipAllowlist array',
    );
    expect(checkDurableBackend(allowlist, main)).toEqual([
      expect.stringContaining('properties.ipAllowlist must be a @minLength(1) parameter'),
    ]);
    const hub = await mutated(
      mainPath,
      '    taskHubName: taskHubName\n    retentionInDays',
      "    taskHubName: 'default'\n    retentionInDays",
    );
    expect(checkDurableBackend(hub, byPath(hub, mainPath))).toEqual([
      expect.stringContaining('must get taskHubName: taskHubName'),
    ]);
    const retention = await mutated(
      schedulerModule,
      'retentionPeriodInDays: retentionInDays',
      "orchestrationState: 'Completed'",
    );
    expect(checkDurableBackend(retention, main)).toEqual([
      expect.stringContaining("needs a retentionPolicies child 'default'"),
    ]);
  });

  it("fails when the connection setting does not sign in as the app's identity, or the identity lacks the role", async () => {
    const anonymous = await mutated(
      appModule,
      ';Authentication=ManagedIdentity;ClientID=${identity.properties.clientId}',
      ';Authentication=None',
    );
    expect(checkDurableBackend(anonymous, main)).toEqual([
      expect.stringContaining('app setting DURABLE_TASK_SCHEDULER_CONNECTION_STRING must be'),
    ]);
    const noRole = await mutated(
      schedulerModule,
      /principalId: identityPrincipalId\n {4}principalType: 'ServicePrincipal'/,
      'principalId: deployerPrincipalId',
    );
    expect(checkRoleAssignments(noRole)).toContain('the app identity is not assigned Durable Task Data Contributor');
  });
});

describe('parameter files for pipelines (.bicepparam)', () => {
  const paramFiles = { 'infra/dev.bicepparam': true, 'infra/prod.bicepparam': false } as const;
  /** A parameter file, parsed, with an optional edit that must apply. */
  const load = (path: string, edit?: (text: string) => string) => {
    const text = readRepoFile(path);
    const edited = edit === undefined ? text : edit(text);
    if (edit !== undefined && edited === text) throw new Error(`edit of ${path} did not apply`);
    return parseBicepParams(edited, path);
  };

  it.each(Object.entries(paramFiles))(
    '%s fits main.bicep, holds no placeholder or secret, grants as its policy says',
    async (path, grant) => {
      expect(checkBicepParams(await load(path), main, { grantDeployerDataRoles: grant })).toEqual([]);
    },
  );

  it('fails when dev stops granting the deployer data roles, or prod starts', async () => {
    const dev = await load('infra/dev.bicepparam', (text) =>
      text.replace('param grantDeployerDataRoles = true', 'param grantDeployerDataRoles = false'),
    );
    expect(checkBicepParams(dev, main, { grantDeployerDataRoles: true })).toEqual([
      'infra/dev.bicepparam: must set grantDeployerDataRoles = true',
    ]);
    const prod = await load('infra/prod.bicepparam', (text) =>
      text.replace('param grantDeployerDataRoles = false', 'param grantDeployerDataRoles = true'),
    );
    expect(checkBicepParams(prod, main, { grantDeployerDataRoles: false })).toEqual([
      'infra/prod.bicepparam: must set grantDeployerDataRoles = false',
    ]);
  });

  it('fails on an azd placeholder, an unknown or duplicate parameter, and a missing required one', async () => {
    const path = 'infra/prod.bicepparam';
    const placeholder = await load(path, (text) =>
      text.replace("readEnvironmentVariable('MAIL_FROM')", "'${MAIL_FROM}'"),
    );
    expect(checkBicepParams(placeholder, main, { grantDeployerDataRoles: false })).toEqual([
      `${path}: holds an azd placeholder (\${...})`,
      `${path}: mailFrom must be a literal or readEnvironmentVariable(...), found '\${MAIL_FROM}'`,
    ]);
    const unknown = await load(
      path,
      (text) => `${text}param storagePublicNetworkAccess = 'Disabled'\nparam instanceMemoryMB = 512\n`,
    );
    expect(checkBicepParams(unknown, main, { grantDeployerDataRoles: false })).toEqual([
      `${path}: instanceMemoryMB is assigned twice`,
      `${path}: storagePublicNetworkAccess is not a parameter of main.bicep`,
    ]);
    const missing = await load(path, (text) => text.replace(/\nparam mailFrom = .*/, ''));
    expect(checkBicepParams(missing, main, { grantDeployerDataRoles: false })).toEqual([
      `${path}: mailFrom has no default in main.bicep and no value here`,
    ]);
  });

  it('fails on values main.bicep would refuse, on readEnvironmentVariable for a typed parameter, and on a @secure() one', async () => {
    const path = 'infra/dev.bicepparam';
    const policy = { grantDeployerDataRoles: true };
    const values = await load(path, (text) =>
      text
        .replace('param maximumInstanceCount = 40', 'param maximumInstanceCount = 10')
        .replace("param durableBackend = 'azureStorage'", "param durableBackend = 'netherite'"),
    );
    expect(checkBicepParams(values, main, policy)).toEqual([
      `${path}: maximumInstanceCount = 10 is outside 40-1000`,
      `${path}: durableBackend = "netherite" is not one of ["azureStorage","durableTaskScheduler"]`,
    ]);
    const typed = await load(path, (text) =>
      text.replace(
        'param networkIsolation = false',
        "param networkIsolation = bool(readEnvironmentVariable('NETWORK_ISOLATION', 'false'))",
      ),
    );
    expect(checkBicepParams(typed, main, policy)).toEqual([
      expect.stringContaining('networkIsolation must be a literal or readEnvironmentVariable(...)'),
    ]);
    const secret = await load(
      path,
      (text) => `${text}param sendGridApiKey = readEnvironmentVariable('SENDGRID_API_KEY')\n`,
    );
    expect(checkBicepParams(secret, main, policy)).toEqual([
      `${path}: sendGridApiKey is @secure() and must not be in a parameter file`,
    ]);
  });
});

describe('hygiene: .gitignore', () => {
  it('ignores .azure/ (azd environments hold subscription details and may hold secrets)', () => {
    expect(checkGitignore(gitignore)).toEqual([]);
    expect(checkGitignore(gitignore.replace(/^\.azure\/\n/m, ''))).toEqual([
      '.gitignore: .azure/ (azd environments) must be ignored',
    ]);
  });
});
