import type { Node } from 'web-tree-sitter';
import {
  callsIn,
  declarations,
  identifiersIn,
  literal,
  propertyAt,
  properties,
  resources,
  resourcesOfType,
  stringValue,
  withoutComments,
  type BicepFile,
  type Declaration,
  type Resource,
} from './bicep.js';

/**
 * Content checks on the Bicep (through its syntax tree), main.parameters.json and host.json. Each returns the list of
 * problems it finds, so a test can run it on the real files (expecting none) and on a deliberately broken copy
 * (expecting the problem): a check that cannot fail proves nothing.
 */

/** The only roles the templates may assign, with the one kind of scope each may be assigned on. */
export const allowedRoles: Readonly<Record<string, { readonly name: string; readonly scope: string }>> = {
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': {
    name: 'Storage Blob Data Owner',
    scope: 'Microsoft.Storage/storageAccounts',
  },
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': {
    name: 'Storage Queue Data Contributor',
    scope: 'Microsoft.Storage/storageAccounts',
  },
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': {
    name: 'Storage Table Data Contributor',
    scope: 'Microsoft.Storage/storageAccounts',
  },
  'b86a8fe4-44ce-4948-aee5-eccb2c155cd7': { name: 'Key Vault Secrets Officer', scope: 'Microsoft.KeyVault/vaults' },
  '3913510d-42f4-4e42-8a64-420c390055eb': {
    name: 'Monitoring Metrics Publisher',
    scope: 'Microsoft.Insights/components',
  },
};

/** Settings the Functions platform and host need besides core/config.ts's. */
export const platformSettings = [
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
] as const;

/** Optional config settings ops will want to set per environment; each gets a parameter. */
export const optionalSettingsWithParameters = [
  'AZURE_CLIENT_ID',
  'DEFAULT_LOCALE',
  'TIME_ZONE',
  'MAIL_FROM_NAME',
  'MAIL_IMAP_SERVER',
  'MAIL_SMTP_SERVER',
  'SMS_ENDPOINT',
  'SMS_FROM',
] as const;

/** Settings that hold secrets: each must be a Key Vault reference to the named secret, never a value. */
export const keyVaultReferences: Readonly<Record<string, string>> = {
  SENDGRID_API_KEY: 'SendGridApiKey',
  CALLBACK_SIGNING_SECRET: 'HrCallbackSigningSecret',
};

/**
 * Never set in Azure: local-emulator switches (they would point the app at fakes or a sink) and the settings Flex
 * Consumption rejects (it takes the runtime from functionAppConfig and deploys from blob storage).
 */
export const forbiddenSettings = [
  'USE_LOCAL_EMULATORS',
  'SENDGRID_BASE_URL',
  'SMS_ACCESS_KEY',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_NODE_DEFAULT_VERSION',
] as const;

const guidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

// ---------- small helpers over declarations ----------

function find(file: BicepFile, kind: Declaration['kind'], name: string): Declaration | undefined {
  return declarations(file).find((declaration) => declaration.kind === kind && declaration.name === name);
}

/** The value of a `var`, the default of a `param`, or the value of an `output`. */
function valueOf(declaration: Declaration | undefined): Node | undefined {
  if (declaration === undefined) return undefined;
  const named = declaration.node.namedChildren.filter((node) => node.type !== 'comment');
  if (declaration.kind === 'variable') return named[1];
  if (declaration.kind === 'parameter' || declaration.kind === 'output') return named[2];
  return undefined;
}

function decorator(declaration: Declaration, name: string) {
  return declaration.decorators.find((entry) => entry.name === name);
}

function allowedValues(declaration: Declaration): unknown[] | undefined {
  const array = decorator(declaration, 'allowed')?.args[0];
  return array?.type === 'array' ? array.namedChildren.map((node) => literal(node)) : undefined;
}

function isParameter(file: BicepFile, node: Node | undefined): boolean {
  return node?.type === 'identifier' && find(file, 'parameter', node.text) !== undefined;
}

function secureParameters(file: BicepFile): string[] {
  return declarations(file)
    .filter((declaration) => declaration.kind === 'parameter' && decorator(declaration, 'secure') !== undefined)
    .map((declaration) => declaration.name);
}

function describe(file: BicepFile, resource: Resource): string {
  return `${file.path}: ${resource.symbol} (${resource.type})`;
}

function expectLiteral(
  problems: string[],
  where: string,
  body: Node | undefined,
  path: string,
  expected: string | number | boolean,
) {
  const actual = literal(propertyAt(body, path));
  if (actual !== expected) {
    problems.push(`${where}: ${path} must be ${JSON.stringify(expected)}, found ${JSON.stringify(actual ?? null)}`);
  }
}

// ---------- storage ----------

/** Shared keys off, no public blobs, TLS 1.2, HTTPS only, on every storage account the templates create. */
export function checkStorageAccounts(files: readonly BicepFile[]): string[] {
  const problems: string[] = [];
  let count = 0;
  for (const file of files) {
    for (const account of resourcesOfType(file, 'Microsoft.Storage/storageAccounts')) {
      if (account.existing) continue;
      count += 1;
      const where = describe(file, account);
      expectLiteral(problems, where, account.body, 'properties.allowSharedKeyAccess', false);
      expectLiteral(problems, where, account.body, 'properties.allowBlobPublicAccess', false);
      expectLiteral(problems, where, account.body, 'properties.minimumTlsVersion', 'TLS1_2');
      expectLiteral(problems, where, account.body, 'properties.supportsHttpsTrafficOnly', true);
    }
  }
  if (count === 0) problems.push('no storage account is declared');
  return problems;
}

// ---------- key vault ----------

/**
 * RBAC authorization, purge protection, standard SKU, no access policies; soft-delete retention, public network
 * access and the firewall come from parameters (retention 7-90, default 90 in main.bicep); the SendGrid secret is
 * created only when its @secure() parameter is non-empty.
 */
export function checkKeyVault(files: readonly BicepFile[], main: BicepFile): string[] {
  const problems: string[] = [];
  let count = 0;
  for (const file of files) {
    for (const vault of resourcesOfType(file, 'Microsoft.KeyVault/vaults')) {
      if (vault.existing) continue;
      count += 1;
      const where = describe(file, vault);
      expectLiteral(problems, where, vault.body, 'properties.enableRbacAuthorization', true);
      expectLiteral(problems, where, vault.body, 'properties.enablePurgeProtection', true);
      expectLiteral(problems, where, vault.body, 'properties.sku.name', 'standard');
      if (/\baccessPolicies\b/.test(vault.body?.text ?? '')) problems.push(`${where}: must not declare accessPolicies`);
      for (const path of [
        'properties.softDeleteRetentionInDays',
        'properties.publicNetworkAccess',
        'properties.networkAcls.defaultAction',
        'properties.networkAcls.bypass',
      ]) {
        if (!isParameter(file, propertyAt(vault.body, path))) problems.push(`${where}: ${path} must be a parameter`);
      }
      const ipRules = propertyAt(vault.body, 'properties.networkAcls.ipRules');
      if (![...identifiersIn(ipRules)].some((name) => find(file, 'parameter', name) !== undefined)) {
        problems.push(`${where}: properties.networkAcls.ipRules must come from a parameter`);
      }
      const retention = propertyAt(vault.body, 'properties.softDeleteRetentionInDays');
      const retentionParameter = retention === undefined ? undefined : find(file, 'parameter', retention.text);
      if (retentionParameter !== undefined) {
        const min = literal(decorator(retentionParameter, 'minValue')?.args[0]);
        const max = literal(decorator(retentionParameter, 'maxValue')?.args[0]);
        if (min !== 7 || max !== 90) problems.push(`${where}: soft-delete retention must be limited to 7-90 days`);
      }
    }
    for (const secret of resourcesOfType(file, 'Microsoft.KeyVault/vaults/secrets')) {
      const where = describe(file, secret);
      const condition = secret.condition;
      const secure = secureParameters(file);
      const guarded =
        condition !== undefined &&
        callsIn(condition).some((call) => call.name === 'empty') &&
        condition.text.includes('!') &&
        [...identifiersIn(condition)].some((name) => secure.includes(name));
      if (!guarded) problems.push(`${where}: must be created only if (!empty(<@secure() parameter>))`);
      if (!secure.includes(propertyAt(secret.body, 'properties.value')?.text ?? '')) {
        problems.push(`${where}: properties.value must be a @secure() parameter`);
      }
    }
  }
  if (count === 0) problems.push('no key vault is declared');
  const retention = find(main, 'parameter', 'keyVaultSoftDeleteRetentionInDays');
  if (retention === undefined) {
    problems.push(`${main.path}: parameter keyVaultSoftDeleteRetentionInDays is missing`);
  } else {
    const min = literal(decorator(retention, 'minValue')?.args[0]);
    const max = literal(decorator(retention, 'maxValue')?.args[0]);
    if (min !== 7 || max !== 90 || literal(valueOf(retention)) !== 90) {
      problems.push(`${main.path}: keyVaultSoftDeleteRetentionInDays must be 7-90 with default 90`);
    }
  }
  return problems;
}

// ---------- role assignments ----------

/**
 * Every role definition GUID in the Bicep is one of the allowed roles; every role assignment is named
 * guid(<scope>.id, <its principalId>, <its role>), sits on the one kind of scope its role is allowed on, states a
 * principalType (ServicePrincipal, or a User/ServicePrincipal parameter for the optional deployer), and is commented
 * with the role's name; and the app identity (principalType 'ServicePrincipal') holds each allowed role.
 */
export function checkRoleAssignments(files: readonly BicepFile[]): string[] {
  const problems: string[] = [];
  const servicePrincipalRoles = new Set<string>();
  for (const file of files) {
    for (const match of withoutComments(file).matchAll(guidPattern)) {
      const guid = match[0].toLowerCase();
      if (allowedRoles[guid] === undefined) problems.push(`${file.path}: GUID ${guid} is not an allowed role`);
    }
    for (const assignment of resourcesOfType(file, 'Microsoft.Authorization/roleAssignments')) {
      const where = describe(file, assignment);
      const body = assignment.body;
      const roleArgument = callsIn(propertyAt(body, 'properties.roleDefinitionId')).find(
        (call) => call.name === 'subscriptionResourceId' || call.name === 'resourceId',
      )?.args[1];
      const roleNode =
        roleArgument?.type === 'identifier' ? valueOf(find(file, 'variable', roleArgument.text)) : roleArgument;
      const guid = stringValue(roleNode)?.toLowerCase();
      const role = guid === undefined ? undefined : allowedRoles[guid];
      if (role === undefined) {
        problems.push(
          `${where}: roleDefinitionId must name one of the allowed roles, found ${guid ?? 'an expression'}`,
        );
        continue;
      }
      const scope = propertyAt(body, 'scope');
      const scopeResource = resources(file).find((resource) => resource.symbol === scope?.text);
      const scopeType = scopeResource?.type.split('@')[0];
      if (scopeType?.toLowerCase() !== role.scope.toLowerCase()) {
        problems.push(`${where}: ${role.name} must be scoped to a ${role.scope}, found ${scopeType ?? 'none'}`);
      }
      const name = propertyAt(body, 'name');
      const guidCall = name?.type === 'call_expression' ? callsIn(name)[0] : undefined;
      const [scopeId, principal, roleId] = guidCall?.name === 'guid' ? guidCall.args : [];
      const principalId = propertyAt(body, 'properties.principalId');
      if (
        guidCall?.name !== 'guid' ||
        guidCall.args.length !== 3 ||
        scopeId?.text !== `${scope?.text ?? '?'}.id` ||
        principal?.text !== principalId?.text ||
        roleId?.text !== roleArgument?.text
      ) {
        problems.push(`${where}: name must be guid(${scope?.text ?? '<scope>'}.id, <principalId>, <role>)`);
      }
      const principalType = propertyAt(body, 'properties.principalType');
      const typeLiteral = literal(principalType);
      if (typeLiteral === 'ServicePrincipal') {
        servicePrincipalRoles.add(guid ?? '');
      } else {
        const parameter =
          principalType?.type === 'identifier' ? find(file, 'parameter', principalType.text) : undefined;
        const allowed = parameter === undefined ? undefined : allowedValues(parameter);
        if (allowed === undefined || allowed.some((value) => value !== 'User' && value !== 'ServicePrincipal')) {
          problems.push(`${where}: principalType must be 'ServicePrincipal' or a User/ServicePrincipal parameter`);
        }
      }
      if (!assignment.declaration.comment.includes(role.name)) {
        problems.push(`${where}: the comment above it must name the role (${role.name})`);
      }
    }
  }
  for (const [guid, role] of Object.entries(allowedRoles)) {
    if (!servicePrincipalRoles.has(guid)) problems.push(`the app identity is not assigned ${role.name}`);
  }
  return problems;
}

// ---------- secrets ----------

const secretLooking: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /SG\.[\w-]{10,}\.[\w-]{10,}/, what: 'a SendGrid API key' },
  { pattern: /AccountKey=|SharedAccessKey=|[?&]sig=/i, what: 'a storage key or SAS' },
  { pattern: /InstrumentationKey=/i, what: 'an Application Insights connection string' },
  { pattern: /eyJ[\w-]{8,}\.[\w-]{8,}\./, what: 'a JWT' },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a private key' },
  { pattern: /(password|secret|apikey|api_key)\s*[=:]\s*\S+/i, what: 'a password or key assignment' },
  { pattern: /^(?!.*\$\{)[A-Za-z0-9+/=_-]{32,}$/, what: 'a long opaque token' },
];

/** Names of secret-looking literals in a text (empty when it looks clean). */
export function secretLookingValues(text: string): string[] {
  return secretLooking.filter(({ pattern }) => pattern.test(text)).map(({ what }) => what);
}

/**
 * No output (in any file) refers to a @secure() parameter, calls a list*() function or reads a connection string,
 * and no output is named like a secret; main.parameters.json holds only ${VAR} references or secret-free literals,
 * and never gives a value to a @secure() parameter (azd would keep it in plain text in .azure/<env>/.env).
 */
export function checkSecretsStayInside(files: readonly BicepFile[], main: BicepFile, parametersJson: string): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const secure = secureParameters(file);
    for (const output of declarations(file).filter((declaration) => declaration.kind === 'output')) {
      const where = `${file.path}: output ${output.name}`;
      const value = valueOf(output);
      const leaked = [...identifiersIn(value)].filter((name) => secure.includes(name));
      if (leaked.length > 0) problems.push(`${where} exposes the @secure() parameter ${leaked.join(', ')}`);
      if (callsIn(value).some((call) => /^list/i.test(call.name))) problems.push(`${where} calls a list*() function`);
      if (/connectionstring/i.test(value?.text ?? '')) problems.push(`${where} exposes a connection string`);
      if (
        /secret|password|apikey|accountkey|connectionstring|instrumentationkey/i.test(output.name.replace(/_/g, ''))
      ) {
        problems.push(`${where} is named like a secret`);
      }
      for (const what of secretLookingValues(value?.text ?? '')) problems.push(`${where} holds ${what}`);
    }
  }
  const secure = secureParameters(main);
  let parameters: Record<string, { value?: unknown }>;
  try {
    parameters = (JSON.parse(parametersJson) as { parameters: Record<string, { value?: unknown }> }).parameters;
  } catch (error) {
    return [...problems, `main.parameters.json is not valid JSON: ${String(error)}`];
  }
  for (const [name, entry] of Object.entries(parameters)) {
    const where = `main.parameters.json: ${name}`;
    if (secure.includes(name)) problems.push(`${where} is @secure() and must not be in the parameters file`);
    const text = JSON.stringify(entry.value ?? null);
    const value = typeof entry.value === 'string' ? entry.value : text;
    if (!/^\$\{[A-Z0-9_]+\}$/.test(value)) {
      for (const what of secretLookingValues(value)) problems.push(`${where} holds ${what}`);
    }
  }
  return problems;
}

// ---------- app settings ----------

/** Keys of core/config.ts's schema that have neither a default nor `optional`: the app does not start without them. */
export function requiredSettingNames(shape: Readonly<Record<string, { _zod: { def: { type: string } } }>>): string[] {
  return Object.entries(shape)
    .filter(([, schema]) => schema._zod.def.type !== 'optional' && schema._zod.def.type !== 'default')
    .map(([name]) => name);
}

/** The one app-settings collection (sites/config 'appsettings') and where it is. */
function appSettings(files: readonly BicepFile[]): { file: BicepFile; settings: Map<string, Node> } | undefined {
  for (const file of files) {
    for (const config of resourcesOfType(file, 'Microsoft.Web/sites/config')) {
      if (stringValue(propertyAt(config.body, 'name')) === 'appsettings') {
        return { file, settings: properties(propertyAt(config.body, 'properties')) };
      }
    }
  }
  return undefined;
}

/**
 * The app settings hold every required config setting, the optional ones ops set per environment, the
 * identity-based host storage and Entra ID telemetry settings, and SENDGRID_API_KEY as a Key Vault reference; every
 * key is a config setting or a platform one (no typos); no forbidden setting appears anywhere in the Bicep; and the
 * site sets no second collection in siteConfig.appSettings.
 */
export function checkAppSettings(
  files: readonly BicepFile[],
  configKeys: readonly string[],
  requiredKeys: readonly string[],
): string[] {
  const problems: string[] = [];
  const found = appSettings(files);
  if (found === undefined) return ["no Microsoft.Web/sites/config 'appsettings' resource"];
  const { file, settings } = found;
  const expected = new Set([
    ...requiredKeys,
    ...optionalSettingsWithParameters,
    ...platformSettings,
    ...Object.keys(keyVaultReferences),
  ]);
  for (const key of expected) {
    if (!settings.has(key)) problems.push(`${file.path}: app setting ${key} is missing`);
  }
  for (const key of settings.keys()) {
    if (!configKeys.includes(key) && !(platformSettings as readonly string[]).includes(key)) {
      problems.push(`${file.path}: app setting ${key} is neither in core/config.ts nor a platform setting`);
    }
  }
  const expectText = (key: string, test: (text: string) => boolean, what: string) => {
    const node = settings.get(key);
    if (node !== undefined && !test(node.text)) problems.push(`${file.path}: app setting ${key} must be ${what}`);
  };
  expectText('AzureWebJobsStorage__credential', (text) => text === "'managedidentity'", "'managedidentity'");
  for (const [key, secretName] of Object.entries(keyVaultReferences)) {
    expectText(
      key,
      (text) => text.startsWith("'@Microsoft.KeyVault(SecretUri=${") && text.endsWith(`secrets/${secretName}/)'`),
      `a Key Vault reference to the ${secretName} secret`,
    );
  }
  expectText(
    'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    (text) => /^'ClientId=\$\{.+\};Authorization=AAD'$/.test(text),
    "'ClientId=<identity client id>;Authorization=AAD'",
  );
  expectText('APP_TABLES', (text) => text.includes('.table.'), 'the table endpoint URL');
  for (const bicep of files) {
    const text = withoutComments(bicep);
    for (const key of forbiddenSettings) {
      if (new RegExp(`\\b${key}\\b`).test(text)) problems.push(`${bicep.path}: ${key} must never be set`);
    }
    for (const site of resourcesOfType(bicep, 'Microsoft.Web/sites')) {
      if (propertyAt(site.body, 'properties.siteConfig.appSettings') !== undefined) {
        problems.push(`${bicep.path}: ${site.symbol} sets siteConfig.appSettings; keep one collection (sites/config)`);
      }
    }
  }
  return problems;
}

// ---------- the function app ----------

/**
 * Flex Consumption (FC1, Linux), node runtime, user-assigned identity for the app, the deployment container and Key
 * Vault references; always-ready instance for the `durable` group; memory and instance limits from parameters;
 * HTTPS only, TLS 1.2, FTPS off.
 */
export function checkFunctionApp(files: readonly BicepFile[]): string[] {
  const problems: string[] = [];
  const plans = files.flatMap((file) =>
    resourcesOfType(file, 'Microsoft.Web/serverfarms').map((plan) => ({ file, plan })),
  );
  const sites = files.flatMap((file) =>
    resourcesOfType(file, 'Microsoft.Web/sites')
      .filter((site) => !site.existing)
      .map((site) => ({ file, site })),
  );
  if (plans.length === 0) problems.push('no App Service plan is declared');
  if (sites.length === 0) problems.push('no function app is declared');
  for (const { file, plan } of plans) {
    const where = describe(file, plan);
    expectLiteral(problems, where, plan.body, 'sku.name', 'FC1');
    expectLiteral(problems, where, plan.body, 'sku.tier', 'FlexConsumption');
    expectLiteral(problems, where, plan.body, 'properties.reserved', true);
  }
  for (const { file, site } of sites) {
    const where = describe(file, site);
    const body = site.body;
    expectLiteral(problems, where, body, 'kind', 'functionapp,linux');
    expectLiteral(problems, where, body, 'identity.type', 'UserAssigned');
    expectLiteral(problems, where, body, 'properties.httpsOnly', true);
    expectLiteral(problems, where, body, 'properties.siteConfig.minTlsVersion', '1.2');
    expectLiteral(problems, where, body, 'properties.siteConfig.ftpsState', 'Disabled');
    expectLiteral(problems, where, body, 'properties.functionAppConfig.runtime.name', 'node');
    expectLiteral(problems, where, body, 'properties.functionAppConfig.deployment.storage.type', 'blobContainer');
    expectLiteral(
      problems,
      where,
      body,
      'properties.functionAppConfig.deployment.storage.authentication.type',
      'UserAssignedIdentity',
    );
    const identities = resourcesOfType(file, 'Microsoft.ManagedIdentity/userAssignedIdentities').map(
      (identity) => `${identity.symbol}.id`,
    );
    for (const path of [
      'properties.keyVaultReferenceIdentity',
      'properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId',
    ]) {
      if (!identities.includes(propertyAt(body, path)?.text ?? '')) {
        problems.push(`${where}: ${path} must be the user-assigned identity's resource id`);
      }
    }
    const version = propertyAt(body, 'properties.functionAppConfig.runtime.version');
    const versionParameter = version === undefined ? undefined : find(file, 'parameter', version.text);
    if (literal(version) !== '20' && !(versionParameter && allowedValues(versionParameter)?.includes('20'))) {
      problems.push(`${where}: runtime.version must be '20' or a parameter allowing '20'`);
    }
    const scale = propertyAt(body, 'properties.functionAppConfig.scaleAndConcurrency');
    const alwaysReady = propertyAt(scale, 'alwaysReady');
    const durable = (alwaysReady?.type === 'array' ? alwaysReady.namedChildren : []).some(
      (entry) => literal(propertyAt(entry, 'name')) === 'durable' && literal(propertyAt(entry, 'instanceCount')) === 1,
    );
    if (!durable)
      problems.push(`${where}: scaleAndConcurrency.alwaysReady must hold { name: 'durable', instanceCount: 1 }`);
    for (const key of ['instanceMemoryMB', 'maximumInstanceCount']) {
      if (!isParameter(file, propertyAt(scale, key)))
        problems.push(`${where}: scaleAndConcurrency.${key} must be a parameter`);
    }
  }
  return problems;
}

// ---------- monitoring ----------

/** Application Insights accepts only Entra ID-authenticated telemetry and is workspace-based. */
export function checkMonitoring(files: readonly BicepFile[]): string[] {
  const problems: string[] = [];
  let count = 0;
  for (const file of files) {
    for (const component of resourcesOfType(file, 'Microsoft.Insights/components')) {
      if (component.existing) continue;
      count += 1;
      expectLiteral(problems, describe(file, component), component.body, 'properties.DisableLocalAuth', true);
      if (propertyAt(component.body, 'properties.WorkspaceResourceId') === undefined) {
        problems.push(`${describe(file, component)}: must be workspace-based (WorkspaceResourceId)`);
      }
    }
  }
  if (count === 0) problems.push('no Application Insights component is declared');
  return problems;
}

// ---------- main.bicep and main.parameters.json ----------

/** Outputs azd and the runbook rely on. */
export const requiredOutputs = [
  'AZURE_LOCATION',
  'AZURE_TENANT_ID',
  'AZURE_RESOURCE_GROUP',
  'SERVICE_API_NAME',
  'AZURE_FUNCTION_APP_NAME',
  'FUNCTION_APP_BASE_URL',
  'AZURE_KEY_VAULT_NAME',
  'AZURE_KEY_VAULT_URI',
  'AZURE_MANAGED_IDENTITY_PRINCIPAL_ID',
] as const;

/**
 * main.parameters.json names only parameters main.bicep declares and maps every parameter that has no default (so
 * azd prompts only through its env); the outputs azd needs exist; and no output feeds back into a parameter through
 * azd's .env (an output named like a ${VAR} the parameters read would pin that parameter at its first value),
 * except the two azd itself keeps in step.
 */
export function checkParametersFile(main: BicepFile, parametersJson: string): string[] {
  const problems: string[] = [];
  const parameters = (JSON.parse(parametersJson) as { parameters: Record<string, { value?: unknown }> }).parameters;
  const declared = declarations(main).filter((declaration) => declaration.kind === 'parameter');
  for (const name of Object.keys(parameters)) {
    if (!declared.some((declaration) => declaration.name === name)) {
      problems.push(`main.parameters.json: ${name} is not a parameter of main.bicep`);
    }
  }
  for (const parameter of declared) {
    const secure = decorator(parameter, 'secure') !== undefined;
    if (valueOf(parameter) === undefined && !secure && parameters[parameter.name] === undefined) {
      problems.push(`main.parameters.json: ${parameter.name} has no default and no value`);
    }
  }
  const outputs = declarations(main)
    .filter((declaration) => declaration.kind === 'output')
    .map((declaration) => declaration.name);
  for (const name of requiredOutputs) {
    if (!outputs.includes(name)) problems.push(`main.bicep: output ${name} is missing`);
  }
  const variables = [...parametersJson.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1] ?? '');
  for (const name of outputs) {
    if (variables.includes(name) && name !== 'AZURE_LOCATION' && name !== 'AZURE_RESOURCE_GROUP') {
      problems.push(`main.bicep: output ${name} would feed back into a parameter through azd's environment`);
    }
  }
  return problems;
}

// ---------- host.json ----------

/** Extension bundle 4.x (Flex needs [4.0.0, 5.0.0) or later for non-C# apps) and Durable on the Azure Storage provider. */
export function checkHostJson(hostJson: string): string[] {
  const problems: string[] = [];
  const host = JSON.parse(hostJson) as {
    version?: string;
    extensionBundle?: { id?: string; version?: string };
    extensions?: { durableTask?: { hubName?: string; storageProvider?: { type?: string } } };
  };
  if (host.version !== '2.0') problems.push('host.json: version must be "2.0"');
  if (host.extensionBundle?.id !== 'Microsoft.Azure.Functions.ExtensionBundle') {
    problems.push('host.json: extensionBundle.id must be Microsoft.Azure.Functions.ExtensionBundle');
  }
  if (host.extensionBundle?.version !== '[4.*, 5.0.0)') {
    problems.push('host.json: extensionBundle.version must be "[4.*, 5.0.0)"');
  }
  const durable = host.extensions?.durableTask;
  if (durable?.storageProvider?.type !== 'AzureStorage') {
    problems.push('host.json: extensions.durableTask.storageProvider.type must be "AzureStorage"');
  }
  if (durable?.hubName !== '%TASKHUB_NAME%') problems.push('host.json: durableTask.hubName must be "%TASKHUB_NAME%"');
  return problems;
}

// ---------- azure.yaml ----------

/**
 * azure.yaml (read as text: no YAML parser among the dependencies) declares the `api` service as a TypeScript
 * function app rooted at the project, deploys the folder the prepackage hook stages with scripts/package.mjs, and
 * turns remote build off (the package already holds its production node_modules).
 */
export function checkAzureYaml(text: string): string[] {
  const problems: string[] = [];
  const service = /^services:\n {2}api:\n((?: {4}.*\n|\s*\n)+)/m.exec(text.endsWith('\n') ? text : `${text}\n`)?.[1];
  if (service === undefined) return ['azure.yaml: no services.api'];
  const field = (name: string) => new RegExp(`^ {4}${name}: *(.+?) *$`, 'm').exec(service)?.[1];
  const expected: Record<string, string> = { project: '.', language: 'ts', host: 'function', remoteBuild: 'false' };
  for (const [name, value] of Object.entries(expected)) {
    if (field(name) !== value)
      problems.push(`azure.yaml: services.api.${name} must be ${value}, found ${field(name) ?? 'none'}`);
  }
  const dist = field('dist');
  const stages = [...service.matchAll(/run: node scripts\/package\.mjs .*--stage (\S+)/g)].map((match) => match[1]);
  if (dist === undefined || stages.length === 0 || stages.some((stage) => stage !== dist)) {
    problems.push(
      'azure.yaml: services.api.dist must be the folder its prepackage hook stages with scripts/package.mjs --stage',
    );
  }
  return problems;
}
