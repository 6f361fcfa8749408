import { posix } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { parse as parseYaml } from 'yaml';
import { durableBackends, schedulerConnectionSetting } from '../../scripts/hostJson.mjs';
import {
  callsIn,
  declarations,
  identifiersIn,
  literal,
  modules,
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
  '0ad04412-c4d5-4796-b79c-f76d14c8d402': {
    name: 'Durable Task Data Contributor',
    scope: 'Microsoft.DurableTask/schedulers',
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
  'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
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
 * RBAC authorization, purge protection, standard SKU, no access policies; soft-delete retention and the firewall come
 * from parameters (public network access follows networkIsolation, see checkNetworkIsolation) (retention 7-90, default 90 in main.bicep); the SendGrid secret is
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
      for (const path of ['properties.softDeleteRetentionInDays', 'properties.networkAcls.bypass']) {
        if (!isParameter(file, propertyAt(vault.body, path))) problems.push(`${where}: ${path} must be a parameter`);
      }
      // Deny behind the private endpoint, else the firewall parameter.
      const defaultAction = propertyAt(vault.body, 'properties.networkAcls.defaultAction');
      if (
        defaultAction?.type !== 'ternary_expression' ||
        literal(defaultAction.childForFieldName('consequence')) !== 'Deny' ||
        !isParameter(file, defaultAction.childForFieldName('alternative') ?? undefined)
      ) {
        problems.push(`${where}: properties.networkAcls.defaultAction must be <isolated> ? 'Deny' : <parameter>`);
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
 * guid(<scope>.id, <its principalId>, <its role>), sits on the one kind of scope its role is allowed on, states
 * principalType 'ServicePrincipal' (the app identity) or none (the deployer, whose kind Azure looks up; see
 * checkLeastPrivilege for when it gets any), and is commented with the role's name; and the app identity holds each
 * allowed role.
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
      if (literal(principalType) === 'ServicePrincipal') {
        servicePrincipalRoles.add(guid ?? '');
      } else if (principalType !== undefined) {
        problems.push(
          `${where}: principalType must be 'ServicePrincipal' (the app identity) or left out (the deployer)`,
        );
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
    if (versionParameter === undefined || !sameValues(allowedValues(versionParameter), supportedNodeVersions)) {
      problems.push(
        `${where}: runtime.version must be a parameter allowing exactly ${supportedNodeVersions.join(', ')}`,
      );
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
    const maximum = find(file, 'parameter', propertyAt(scale, 'maximumInstanceCount')?.text ?? '');
    if (maximum !== undefined) problems.push(...flexInstanceLimitProblems(file, maximum));
  }
  return problems;
}

/** Node.js majors the app may run on in Azure: package.json engines >=22, both GA in @azure/functions v4. */
export const supportedNodeVersions = ['22', '24'] as const;

function sameValues(actual: readonly unknown[] | undefined, expected: readonly unknown[]): boolean {
  return actual !== undefined && actual.length === expected.length && expected.every((value) => actual.includes(value));
}

/** A parameter that allows exactly `choices` and defaults to `defaultValue`. */
function isChoice(file: BicepFile, name: string, choices: readonly string[], defaultValue: string): boolean {
  const parameter = find(file, 'parameter', name);
  return (
    parameter !== undefined &&
    sameValues(allowedValues(parameter), choices) &&
    literal(valueOf(parameter)) === defaultValue
  );
}

/** Flex Consumption refuses a maximum instance count below 40 (and above 1000). */
function flexInstanceLimitProblems(file: BicepFile, parameter: Declaration): string[] {
  const min = literal(decorator(parameter, 'minValue')?.args[0]);
  const max = literal(decorator(parameter, 'maxValue')?.args[0]);
  return min === 40 && max === 1000 ? [] : [`${file.path}: ${parameter.name} must be @minValue(40) @maxValue(1000)`];
}

/**
 * main.bicep's own nodeVersion (what azd and the parameter files set) allows exactly the supported majors and defaults
 * to 22; its maximumInstanceCount keeps Flex Consumption's limits.
 */
export function checkRuntimeParameters(main: BicepFile): string[] {
  const problems: string[] = [];
  if (!isChoice(main, 'nodeVersion', supportedNodeVersions, '22')) {
    problems.push(`${main.path}: nodeVersion must allow exactly ${supportedNodeVersions.join(', ')} with default '22'`);
  }
  const maximum = find(main, 'parameter', 'maximumInstanceCount');
  if (maximum === undefined) problems.push(`${main.path}: parameter maximumInstanceCount is missing`);
  else problems.push(...flexInstanceLimitProblems(main, maximum));
  return problems;
}

// ---------- monitoring ----------

/**
 * Application Insights accepts only Entra ID-authenticated telemetry and is workspace-based; the Log Analytics
 * workspace refuses shared-key access.
 */
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
    for (const workspace of resourcesOfType(file, 'Microsoft.OperationalInsights/workspaces')) {
      if (workspace.existing) continue;
      expectLiteral(problems, describe(file, workspace), workspace.body, 'properties.features.disableLocalAuth', true);
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
  // scripts/postprovision.sh and .ps1 read these two.
  'AZURE_KEY_VAULT_ID',
  'AZURE_FUNCTION_APP_ID',
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

/**
 * Extension bundle 4.x (Flex needs [4.0.0, 5.0.0) or later for non-C# apps) and the Durable task hub %TASKHUB_NAME%
 * on the backend's storage provider: Azure Storage (the repository's host.json), or the Durable Task Scheduler's
 * azureManaged provider reading its connection from the app setting functionapp.bicep sets (the packaged host.json
 * for that backend).
 */
export function checkHostJson(hostJson: string, backend: (typeof durableBackends)[number] = 'azureStorage'): string[] {
  const problems: string[] = [];
  const host = JSON.parse(hostJson) as {
    version?: string;
    extensionBundle?: { id?: string; version?: string };
    extensions?: {
      durableTask?: { hubName?: string; storageProvider?: { type?: string; connectionStringName?: string } };
    };
  };
  if (host.version !== '2.0') problems.push('host.json: version must be "2.0"');
  if (host.extensionBundle?.id !== 'Microsoft.Azure.Functions.ExtensionBundle') {
    problems.push('host.json: extensionBundle.id must be Microsoft.Azure.Functions.ExtensionBundle');
  }
  if (host.extensionBundle?.version !== '[4.*, 5.0.0)') {
    problems.push('host.json: extensionBundle.version must be "[4.*, 5.0.0)"');
  }
  const durable = host.extensions?.durableTask;
  const provider = durable?.storageProvider;
  if (backend === 'azureStorage' && provider?.type !== 'AzureStorage') {
    problems.push('host.json: extensions.durableTask.storageProvider.type must be "AzureStorage"');
  }
  if (
    backend === 'durableTaskScheduler' &&
    (provider?.type !== 'azureManaged' || provider.connectionStringName !== schedulerConnectionSetting)
  ) {
    problems.push(
      `host.json: extensions.durableTask.storageProvider must be { type: "azureManaged", connectionStringName: "${schedulerConnectionSetting}" }`,
    );
  }
  if (durable?.hubName !== '%TASKHUB_NAME%') problems.push('host.json: durableTask.hubName must be "%TASKHUB_NAME%"');
  return problems;
}

// ---------- azure.yaml ----------

interface AzureYamlHook {
  readonly shell?: unknown;
  readonly run?: unknown;
  readonly interactive?: unknown;
}

type AzureYamlHooks = Readonly<Record<string, { readonly posix?: AzureYamlHook; readonly windows?: AzureYamlHook }>>;

interface AzureYaml {
  readonly hooks?: AzureYamlHooks;
  readonly services?: Readonly<Record<string, Readonly<Record<string, unknown>> & { readonly hooks?: AzureYamlHooks }>>;
}

/** The postprovision hook: the same script in both shells, interactive so that it can ask for the SendGrid key. */
export const postprovisionHook = {
  posix: { shell: 'sh', run: 'scripts/postprovision.sh' },
  windows: { shell: 'pwsh', run: 'scripts/postprovision.ps1' },
} as const;

/**
 * azure.yaml declares the `api` service as a TypeScript function app rooted at the project, deploys the folder its
 * prepackage hook stages with scripts/package.mjs, and turns remote build off (the package already holds its
 * production node_modules); and its postprovision hook runs scripts/postprovision.sh (posix, sh) and .ps1 (windows,
 * pwsh), interactively.
 */
export function checkAzureYaml(text: string): string[] {
  const problems: string[] = [];
  const yaml = parseYaml(text) as AzureYaml | null;
  const service = yaml?.services?.['api'];
  if (service === undefined) return ['azure.yaml: no services.api'];
  const expected: Record<string, string> = { project: '.', language: 'ts', host: 'function', remoteBuild: 'false' };
  const scalar = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : 'none';
  for (const [name, value] of Object.entries(expected)) {
    const found = scalar(service[name]);
    if (found !== value) problems.push(`azure.yaml: services.api.${name} must be ${value}, found ${found}`);
  }
  const stages = Object.values(service.hooks?.['prepackage'] ?? {}).map(
    (hook) => /^node scripts\/package\.mjs .*--stage (\S+)/.exec(scalar(hook.run))?.[1],
  );
  if (service['dist'] === undefined || stages.length === 0 || stages.some((stage) => stage !== service['dist'])) {
    problems.push(
      'azure.yaml: services.api.dist must be the folder its prepackage hook stages with scripts/package.mjs --stage',
    );
  }
  for (const [platform, want] of Object.entries(postprovisionHook)) {
    const hook = yaml?.hooks?.['postprovision']?.[platform as keyof typeof postprovisionHook];
    if (hook?.shell !== want.shell || hook.run !== want.run || hook.interactive !== true) {
      problems.push(
        `azure.yaml: hooks.postprovision.${platform} must run ${want.run} in ${want.shell}, interactive: true`,
      );
    }
  }
  return problems;
}

// ---------- .gitignore ----------

/** azd keeps each environment's values (.azure/<env>/.env, config.json) in .azure/: never committed. */
export function checkGitignore(text: string): string[] {
  const ignored = text.split('\n').some((line) => /^\/?\.azure\/?$/.test(line.trim()));
  return ignored ? [] : ['.gitignore: .azure/ (azd environments) must be ignored'];
}

// ---------- least privilege ----------

/** The switch that gives whoever deploys the app's data roles. */
export const deployerFlag = 'grantDeployerDataRoles';

/** The names a node refers to, with the variables among them followed to what they are made of. */
function referencedNames(file: BicepFile, node: Node | undefined, depth = 3): Set<string> {
  const names = identifiersIn(node);
  if (depth > 0) {
    for (const name of [...names]) {
      const variable = find(file, 'variable', name);
      if (variable !== undefined)
        for (const inner of referencedNames(file, valueOf(variable), depth - 1)) names.add(inner);
    }
  }
  return names;
}

/** A parameter's declared type (`string`, `bool`, `int`, `array`, `object`). */
function parameterType(parameter: Declaration): string | undefined {
  return parameter.node.namedChildren.find((node) => node.type === 'type')?.text;
}

function isBoolParameter(file: BicepFile, name: string): boolean {
  const parameter = find(file, 'parameter', name);
  return parameter !== undefined && parameterType(parameter) === 'bool';
}

/** The file a module declaration of `from` points at. */
function moduleFile(files: readonly BicepFile[], from: BicepFile, path: string): BicepFile | undefined {
  const target = posix.join(posix.dirname(from.path), path);
  return files.find((file) => file.path === target);
}

/**
 * Whoever deploys gets data roles only when asked: main.bicep declares `grantDeployerDataRoles bool = false` and hands
 * that very parameter to every module that declares it, and every role assignment that is not the app identity's
 * (principalType 'ServicePrincipal') is created only if its condition, variables followed, tests the module's
 * grantDeployerDataRoles bool parameter.
 */
export function checkLeastPrivilege(files: readonly BicepFile[], main: BicepFile): string[] {
  const problems: string[] = [];
  const flag = find(main, 'parameter', deployerFlag);
  if (flag === undefined || parameterType(flag) !== 'bool' || literal(valueOf(flag)) !== false) {
    problems.push(`${main.path}: parameter ${deployerFlag} must be a bool defaulting to false`);
  }
  for (const module of modules(main)) {
    const target = moduleFile(files, main, module.path);
    if (target === undefined || find(target, 'parameter', deployerFlag) === undefined) continue;
    if (properties(propertyAt(module.body, 'params')).get(deployerFlag)?.text !== deployerFlag) {
      problems.push(`${main.path}: module ${module.symbol} must get ${deployerFlag}: ${deployerFlag}`);
    }
  }
  for (const file of files) {
    for (const assignment of resourcesOfType(file, 'Microsoft.Authorization/roleAssignments')) {
      if (literal(propertyAt(assignment.body, 'properties.principalType')) === 'ServicePrincipal') continue;
      const guards =
        assignment.condition === undefined ? new Set<string>() : referencedNames(file, assignment.condition);
      if (!guards.has(deployerFlag) || !isBoolParameter(file, deployerFlag)) {
        problems.push(`${describe(file, assignment)}: a deployer's role must be created only if ${deployerFlag}`);
      }
    }
  }
  return problems;
}

// ---------- network isolation ----------

export const isolationFlag = 'networkIsolation';

/** `networkIsolation ? <whenIsolated> : <otherwise>`, on the file's bool parameter networkIsolation. */
function followsIsolation(file: BicepFile, node: Node | undefined, whenIsolated: string, otherwise: string): boolean {
  return (
    node?.type === 'ternary_expression' &&
    node.childForFieldName('condition')?.text === isolationFlag &&
    isBoolParameter(file, isolationFlag) &&
    literal(node.childForFieldName('consequence')) === whenIsolated &&
    literal(node.childForFieldName('alternative')) === otherwise
  );
}

function items(node: Node | undefined): Node[] {
  return node?.type === 'array' ? node.namedChildren.filter((child) => child.type !== 'comment') : [];
}

/** Private endpoints network.bicep must create: the sub-resource, a piece of its DNS zone's name, the target. */
export const privateEndpoints = [
  { groupId: 'blob', zone: 'privatelink.blob.', target: 'storageAccountId' },
  { groupId: 'queue', zone: 'privatelink.queue.', target: 'storageAccountId' },
  { groupId: 'table', zone: 'privatelink.table.', target: 'storageAccountId' },
  { groupId: 'vault', zone: '.vaultcore.', target: 'keyVaultId' },
] as const;

/**
 * Storage and vault leave the internet only together with the private network: main.bicep declares
 * `networkIsolation bool = false`; every storage account's and vault's publicNetworkAccess is
 * `networkIsolation ? 'Disabled' : 'Enabled'` and no parameter anywhere allows 'Disabled', so nothing else can turn
 * it off; the network module exists only under networkIsolation, the app's VNet integration comes from it and the app
 * waits for it; network.bicep delegates a subnet to Microsoft.App/environments and creates a private endpoint with its
 * DNS zone for blob, queue, table and vault; privateEndpoint.bicep links the zone to the VNet and registers the
 * endpoint in it with a zone group.
 */
export function checkNetworkIsolation(files: readonly BicepFile[], main: BicepFile): string[] {
  const problems: string[] = [];
  const flag = find(main, 'parameter', isolationFlag);
  if (flag === undefined || parameterType(flag) !== 'bool' || literal(valueOf(flag)) !== false) {
    problems.push(`${main.path}: parameter ${isolationFlag} must be a bool defaulting to false`);
  }
  for (const file of files) {
    for (const parameter of declarations(file).filter((declaration) => declaration.kind === 'parameter')) {
      if (allowedValues(parameter)?.includes('Disabled')) {
        problems.push(`${file.path}: parameter ${parameter.name} allows 'Disabled'; only ${isolationFlag} may`);
      }
    }
    for (const type of ['Microsoft.Storage/storageAccounts', 'Microsoft.KeyVault/vaults']) {
      for (const resource of resourcesOfType(file, type).filter((candidate) => !candidate.existing)) {
        if (
          !followsIsolation(file, propertyAt(resource.body, 'properties.publicNetworkAccess'), 'Disabled', 'Enabled')
        ) {
          problems.push(
            `${describe(file, resource)}: properties.publicNetworkAccess must be ${isolationFlag} ? 'Disabled' : 'Enabled'`,
          );
        }
      }
    }
  }
  const network = modules(main).find((module) => module.path === 'modules/network.bicep');
  const app = modules(main).find((module) => module.path === 'modules/functionapp.bicep');
  if (network === undefined) return [...problems, `${main.path}: no module modules/network.bicep`];
  if (network.condition?.text !== `(${isolationFlag})`) {
    problems.push(`${main.path}: module ${network.symbol} must be created only if (${isolationFlag})`);
  }
  const subnet = propertyAt(app?.body, 'params.virtualNetworkSubnetId');
  if (
    subnet?.type !== 'ternary_expression' ||
    subnet.childForFieldName('condition')?.text !== isolationFlag ||
    subnet.childForFieldName('consequence')?.text !== `${network.symbol}.outputs.appSubnetId`
  ) {
    problems.push(
      `${main.path}: the app's virtualNetworkSubnetId must be ${network.symbol}.outputs.appSubnetId under ${isolationFlag}`,
    );
  }
  if (!items(propertyAt(app?.body, 'dependsOn')).some((node) => node.text === network.symbol)) {
    problems.push(
      `${main.path}: the function app must depend on ${network.symbol} (storage must be reachable at its first start)`,
    );
  }
  const networkFile = moduleFile(files, main, network.path);
  if (networkFile === undefined) return [...problems, `${network.path} not found`];
  problems.push(...networkProblems(files, networkFile));
  return problems;
}

function networkProblems(files: readonly BicepFile[], file: BicepFile): string[] {
  const problems: string[] = [];
  const vnet = resourcesOfType(file, 'Microsoft.Network/virtualNetworks').find((resource) => !resource.existing);
  const delegated = items(propertyAt(vnet?.body, 'properties.subnets')).some((subnet) =>
    items(propertyAt(subnet, 'properties.delegations')).some(
      (delegation) => literal(propertyAt(delegation, 'properties.serviceName')) === 'Microsoft.App/environments',
    ),
  );
  if (!delegated) problems.push(`${file.path}: no subnet is delegated to Microsoft.App/environments`);
  const endpointModules = modules(file).filter((module) => module.path === 'privateEndpoint.bicep');
  for (const want of privateEndpoints) {
    const module = endpointModules.find(
      (candidate) => literal(propertyAt(candidate.body, 'params.groupId')) === want.groupId,
    );
    const params = properties(propertyAt(module?.body, 'params'));
    if (
      module === undefined ||
      !(params.get('privateDnsZoneName')?.text ?? '').includes(want.zone) ||
      params.get('targetId')?.text !== want.target ||
      params.get('virtualNetworkId')?.text !== `${vnet?.symbol ?? '?'}.id`
    ) {
      problems.push(
        `${file.path}: no private endpoint for ${want.groupId} (zone *${want.zone}*, target ${want.target}, this VNet)`,
      );
    }
  }
  const endpointFile = endpointModules[0] === undefined ? undefined : moduleFile(files, file, endpointModules[0].path);
  if (endpointFile !== undefined) problems.push(...privateEndpointProblems(endpointFile));
  return problems;
}

function privateEndpointProblems(file: BicepFile): string[] {
  const problems: string[] = [];
  const zone = resourcesOfType(file, 'Microsoft.Network/privateDnsZones').find((resource) => !resource.existing);
  const link = resourcesOfType(file, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks')[0];
  const endpoint = resourcesOfType(file, 'Microsoft.Network/privateEndpoints')[0];
  const group = resourcesOfType(file, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups')[0];
  if (zone === undefined || literal(propertyAt(zone.body, 'location')) !== 'global') {
    problems.push(`${file.path}: no private DNS zone (location 'global')`);
  }
  if (
    link === undefined ||
    propertyAt(link.body, 'parent')?.text !== zone?.symbol ||
    !isParameter(file, propertyAt(link.body, 'properties.virtualNetwork.id')) ||
    literal(propertyAt(link.body, 'properties.registrationEnabled')) !== false
  ) {
    problems.push(`${file.path}: the zone must be linked to the VNet (virtualNetworkLinks, registrationEnabled false)`);
  }
  const groupIds = items(
    propertyAt(items(propertyAt(endpoint?.body, 'properties.privateLinkServiceConnections'))[0], 'properties.groupIds'),
  );
  if (endpoint === undefined || !groupIds.some((node) => isParameter(file, node))) {
    problems.push(`${file.path}: the private endpoint must connect the groupId parameter`);
  }
  const configs = items(propertyAt(group?.body, 'properties.privateDnsZoneConfigs'));
  if (
    group === undefined ||
    propertyAt(group.body, 'parent')?.text !== endpoint?.symbol ||
    !configs.some((config) => propertyAt(config, 'properties.privateDnsZoneId')?.text === `${zone?.symbol ?? '?'}.id`)
  ) {
    problems.push(`${file.path}: the endpoint must register in the zone (privateDnsZoneGroups on the endpoint)`);
  }
  return problems;
}

// ---------- diagnostics ----------

/** What must reach the Log Analytics workspace, by the type of resource a diagnostic setting is scoped to. */
export const requiredDiagnostics = [
  { scope: 'Microsoft.KeyVault/vaults', logs: ['audit'], metric: 'AllMetrics', what: "the vault's audit log" },
  {
    scope: 'Microsoft.Storage/storageAccounts/blobServices',
    logs: ['allLogs'],
    metric: 'Transaction',
    what: 'blob logs',
  },
  {
    scope: 'Microsoft.Storage/storageAccounts/queueServices',
    logs: ['allLogs'],
    metric: 'Transaction',
    what: 'queue logs',
  },
  {
    scope: 'Microsoft.Storage/storageAccounts/tableServices',
    logs: ['allLogs'],
    metric: 'Transaction',
    what: 'table logs',
  },
  { scope: 'Microsoft.Storage/storageAccounts', logs: [], metric: 'Transaction', what: 'storage account metrics' },
  {
    scope: 'Microsoft.Web/sites',
    logs: ['FunctionAppLogs'],
    metric: 'AllMetrics',
    what: "the function app's FunctionAppLogs",
  },
] as const;

/**
 * Each of {@link requiredDiagnostics} has a diagnostic setting scoped to a resource of that type, sending those log
 * categories (or category groups) and that metric, enabled, to a workspace given as a parameter.
 */
export function checkDiagnostics(files: readonly BicepFile[]): string[] {
  const problems: string[] = [];
  const settings = files.flatMap((file) =>
    resourcesOfType(file, 'Microsoft.Insights/diagnosticSettings').map((setting) => {
      const scope = propertyAt(setting.body, 'scope')?.text;
      const target = resources(file).find((resource) => resource.symbol === scope);
      const enabled = (path: string, key: string) =>
        items(propertyAt(setting.body, path))
          .filter((entry) => literal(propertyAt(entry, 'enabled')) === true)
          .map((entry) => literal(propertyAt(entry, key)) ?? literal(propertyAt(entry, 'category')));
      return {
        where: describe(file, setting),
        scopeType: target?.type.split('@')[0]?.toLowerCase(),
        logs: enabled('properties.logs', 'categoryGroup'),
        metrics: enabled('properties.metrics', 'category'),
        toParameter: isParameter(file, propertyAt(setting.body, 'properties.workspaceId')),
      };
    }),
  );
  for (const setting of settings) {
    if (!setting.toParameter) problems.push(`${setting.where}: properties.workspaceId must be a parameter`);
  }
  for (const want of requiredDiagnostics) {
    const found = settings.some(
      (setting) =>
        setting.scopeType === want.scope.toLowerCase() &&
        want.logs.every((log) => setting.logs.includes(log)) &&
        setting.metrics.includes(want.metric),
    );
    if (!found)
      problems.push(
        `no diagnostic setting sends ${want.what} (${[...want.logs, want.metric].join(', ')}) to the workspace`,
      );
  }
  return problems;
}

// ---------- the Durable backend ----------

/**
 * durableBackend is 'azureStorage' by default and may be 'durableTaskScheduler'; only then does main.bicep create the
 * scheduler module, whose scheduler takes its SKU (Consumption or Dedicated) and a non-empty ipAllowlist from
 * parameters (an empty list refuses everything), with a task hub named by the TASKHUB_NAME parameter and a
 * retention policy; the app gets the scheduler's endpoint, and its connection setting authenticates with the
 * user-assigned identity's client id. (The Durable Task Data Contributor role on the scheduler is
 * checkRoleAssignments' business.)
 */
export function checkDurableBackend(files: readonly BicepFile[], main: BicepFile): string[] {
  const problems: string[] = [];
  if (!isChoice(main, 'durableBackend', durableBackends, 'azureStorage')) {
    problems.push(
      `${main.path}: durableBackend must allow exactly ${durableBackends.join(', ')} with default azureStorage`,
    );
  }
  const module = modules(main).find((candidate) => candidate.path === 'modules/durableTaskScheduler.bicep');
  const condition = module?.condition;
  const underScheduler = (node: Node | undefined) =>
    referencedNames(main, node).has('durableBackend') &&
    [
      node?.text ?? '',
      ...[...identifiersIn(node)].map((name) => valueOf(find(main, 'variable', name))?.text ?? ''),
    ].some((text) => text.includes("'durableTaskScheduler'"));
  if (module === undefined || !underScheduler(condition)) {
    return [
      ...problems,
      `${main.path}: module modules/durableTaskScheduler.bicep must exist only if durableBackend == 'durableTaskScheduler'`,
    ];
  }
  const allowlistDefault = find(main, 'parameter', 'durableTaskSchedulerIpAllowlist');
  if (
    allowlistDefault === undefined ||
    items(valueOf(allowlistDefault)).length === 0 ||
    literal(decorator(allowlistDefault, 'minLength')?.args[0]) !== 1
  ) {
    problems.push(`${main.path}: durableTaskSchedulerIpAllowlist must be @minLength(1) with a non-empty default`);
  }
  const endpoint = propertyAt(
    modules(main).find((candidate) => candidate.path === 'modules/functionapp.bicep')?.body,
    'params.durableTaskSchedulerEndpoint',
  );
  if (
    endpoint?.type !== 'ternary_expression' ||
    !underScheduler(endpoint.childForFieldName('condition') ?? undefined) ||
    endpoint.childForFieldName('consequence')?.text !== `${module.symbol}.outputs.endpoint`
  ) {
    problems.push(
      `${main.path}: the app's durableTaskSchedulerEndpoint must be ${module.symbol}.outputs.endpoint under the scheduler backend`,
    );
  }
  if (properties(propertyAt(module.body, 'params')).get('taskHubName')?.text !== 'taskHubName') {
    problems.push(
      `${main.path}: module ${module.symbol} must get taskHubName: taskHubName (host.json's %TASKHUB_NAME%)`,
    );
  }
  const file = moduleFile(files, main, module.path);
  if (file === undefined) return [...problems, `${module.path} not found`];
  const scheduler = resourcesOfType(file, 'Microsoft.DurableTask/schedulers').find((resource) => !resource.existing);
  if (scheduler === undefined) return [...problems, `${file.path}: no Microsoft.DurableTask/schedulers`];
  const where = describe(file, scheduler);
  const sku = find(file, 'parameter', propertyAt(scheduler.body, 'properties.sku.name')?.text ?? '');
  if (sku === undefined || !sameValues(allowedValues(sku), ['Consumption', 'Dedicated'])) {
    problems.push(`${where}: properties.sku.name must be a Consumption/Dedicated parameter`);
  }
  const allowlist = find(file, 'parameter', propertyAt(scheduler.body, 'properties.ipAllowlist')?.text ?? '');
  if (allowlist === undefined || literal(decorator(allowlist, 'minLength')?.args[0]) !== 1) {
    problems.push(
      `${where}: properties.ipAllowlist must be a @minLength(1) parameter (an empty list refuses everything)`,
    );
  }
  const child = (type: string) =>
    resourcesOfType(file, type).find((resource) => propertyAt(resource.body, 'parent')?.text === scheduler.symbol);
  const taskHub = child('Microsoft.DurableTask/schedulers/taskHubs');
  if (taskHub === undefined || !isParameter(file, propertyAt(taskHub.body, 'name'))) {
    problems.push(`${where}: needs a taskHubs child named by a parameter`);
  }
  const retention = child('Microsoft.DurableTask/schedulers/retentionPolicies');
  const policies = items(propertyAt(retention?.body, 'properties.retentionPolicies'));
  if (
    retention === undefined ||
    literal(propertyAt(retention.body, 'name')) !== 'default' ||
    policies.length === 0 ||
    policies.some((policy) => propertyAt(policy, 'retentionPeriodInDays') === undefined)
  ) {
    problems.push(`${where}: needs a retentionPolicies child 'default' with a retentionPeriodInDays`);
  }
  const setting = appSettings(files)?.settings.get(schedulerConnectionSetting);
  if (
    setting === undefined ||
    !/'Endpoint=\$\{\w+\};Authentication=ManagedIdentity;ClientID=\$\{identity\.properties\.clientId\}'/.test(
      setting.text,
    )
  ) {
    problems.push(
      `app setting ${schedulerConnectionSetting} must be 'Endpoint=\${...};Authentication=ManagedIdentity;ClientID=\${identity.properties.clientId}'`,
    );
  }
  return problems;
}

// ---------- parameter files (.bicepparam) ----------

/** What a parameter file must say about the deployer's data roles. */
export interface ParameterFilePolicy {
  readonly grantDeployerDataRoles: boolean;
}

/**
 * A `.bicepparam` (read with {@link parseBicepParams}) says `using 'main.bicep'`; assigns only parameters main.bicep
 * declares, each once, and every one main.bicep requires (no default, not @secure()); never a @secure() one (secrets
 * are seeded by the postprovision hook, never written in a file); each value is a literal that fits the parameter's
 * type and decorators, or `readEnvironmentVariable('NAME'[, 'default'])` for a plain string parameter (organisation
 * details stay out of the repository); holds no azd `${...}` placeholder and nothing secret-looking; and sets
 * grantDeployerDataRoles as its policy says.
 */
export function checkBicepParams(file: BicepFile, main: BicepFile, policy: ParameterFilePolicy): string[] {
  const problems: string[] = [];
  const where = file.path;
  const statements = declarations(file);
  const using = statements[0];
  if (
    using?.kind !== 'using' ||
    stringValue(using.node.namedChildren.find((node) => node.type === 'string')) !== 'main.bicep'
  ) {
    problems.push(`${where}: must start with using 'main.bicep'`);
  }
  if (withoutComments(file).includes('${')) problems.push(`${where}: holds an azd placeholder (\${...})`);
  const assigned = new Map<string, Node | undefined>();
  for (const statement of statements.filter((declaration) => declaration.kind === 'variable')) {
    if (assigned.has(statement.name)) problems.push(`${where}: ${statement.name} is assigned twice`);
    assigned.set(statement.name, valueOf(statement));
  }
  for (const statement of statements.filter(
    (declaration) => declaration.kind !== 'variable' && declaration.kind !== 'using',
  )) {
    problems.push(`${where}: only param assignments belong here, found ${statement.node.type}`);
  }
  for (const [name, value] of assigned) {
    const parameter = find(main, 'parameter', name);
    if (parameter === undefined) {
      problems.push(`${where}: ${name} is not a parameter of main.bicep`);
      continue;
    }
    if (decorator(parameter, 'secure') !== undefined) {
      problems.push(`${where}: ${name} is @secure() and must not be in a parameter file`);
      continue;
    }
    problems.push(...assignmentProblems(where, parameter, value));
  }
  for (const parameter of declarations(main).filter((declaration) => declaration.kind === 'parameter')) {
    if (
      valueOf(parameter) === undefined &&
      decorator(parameter, 'secure') === undefined &&
      !assigned.has(parameter.name)
    ) {
      problems.push(`${where}: ${parameter.name} has no default in main.bicep and no value here`);
    }
  }
  if (literal(assigned.get(deployerFlag)) !== policy.grantDeployerDataRoles) {
    problems.push(`${where}: must set ${deployerFlag} = ${String(policy.grantDeployerDataRoles)}`);
  }
  return problems;
}

function assignmentProblems(where: string, parameter: Declaration, value: Node | undefined): string[] {
  const name = parameter.name;
  const type = parameterType(parameter);
  const call = value?.type === 'call_expression' ? callsIn(value)[0] : undefined;
  if (call?.name === 'readEnvironmentVariable') {
    const [variable, fallback, ...rest] = call.args;
    if (type !== 'string' || allowedValues(parameter) !== undefined) {
      return [`${where}: ${name} (${type ?? '?'}, or with @allowed) takes a literal, not readEnvironmentVariable(...)`];
    }
    if (
      !/^[A-Z][A-Z0-9_]*$/.test(stringValue(variable) ?? '') ||
      rest.length > 0 ||
      (fallback !== undefined && stringValue(fallback) === undefined)
    ) {
      return [`${where}: ${name} must be readEnvironmentVariable('UPPER_CASE_NAME'[, 'default'])`];
    }
    return fallback === undefined ? [] : valueProblems(where, parameter, stringValue(fallback) ?? '');
  }
  const actual = literal(value);
  if (actual === undefined || actual === null) {
    return [`${where}: ${name} must be a literal or readEnvironmentVariable(...), found ${value?.text ?? 'nothing'}`];
  }
  const expectedType = { string: 'string', int: 'number', bool: 'boolean' }[type ?? ''];
  if (typeof actual !== expectedType) return [`${where}: ${name} is ${type ?? '?'}, found ${JSON.stringify(actual)}`];
  return valueProblems(where, parameter, actual);
}

/** A literal value against the parameter's @allowed, @minValue/@maxValue and @minLength/@maxLength. */
function valueProblems(where: string, parameter: Declaration, value: string | number | boolean): string[] {
  const problems: string[] = [];
  const name = parameter.name;
  const bound = (decoratorName: string) => literal(decorator(parameter, decoratorName)?.args[0]);
  const allowed = allowedValues(parameter);
  if (allowed !== undefined && !allowed.includes(value)) {
    problems.push(`${where}: ${name} = ${JSON.stringify(value)} is not one of ${JSON.stringify(allowed)}`);
  }
  if (typeof value === 'number') {
    const [min, max] = [bound('minValue'), bound('maxValue')];
    if ((typeof min === 'number' && value < min) || (typeof max === 'number' && value > max)) {
      problems.push(`${where}: ${name} = ${String(value)} is outside ${String(min)}-${String(max)}`);
    }
  }
  if (typeof value === 'string') {
    const [min, max] = [bound('minLength'), bound('maxLength')];
    if ((typeof min === 'number' && value.length < min) || (typeof max === 'number' && value.length > max)) {
      problems.push(
        `${where}: ${name} = ${JSON.stringify(value)} must be ${String(min ?? 0)}-${String(max ?? '∞')} characters`,
      );
    }
    for (const what of secretLookingValues(value)) problems.push(`${where}: ${name} holds ${what}`);
  }
  return problems;
}

// ---------- GitHub workflows ----------

interface WorkflowStep {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
}

interface WorkflowJob {
  readonly uses?: string;
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly environment?: string | { readonly name?: string };
  readonly permissions?: Readonly<Record<string, string>> | string;
  readonly steps?: readonly WorkflowStep[];
}

interface Workflow {
  readonly on?: Readonly<Record<string, unknown>> | string | readonly string[];
  readonly permissions?: Readonly<Record<string, string>> | string;
  readonly jobs?: Readonly<Record<string, WorkflowJob>>;
}

/** The workflows .github/workflows must hold, by file name. */
export const workflowFiles = ['ci.yml', 'deploy.yml', 'host-lane.yml'] as const;

function triggers(workflow: Workflow): string[] {
  const on = workflow.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return Object.keys(on ?? {});
}

function runs(job: WorkflowJob): string {
  return (job.steps ?? []).map((step) => step.run ?? '').join('\n');
}

function environmentOf(job: WorkflowJob): string | undefined {
  return typeof job.environment === 'string' ? job.environment : job.environment?.name;
}

function grantsIdToken(workflow: Workflow, job: WorkflowJob): boolean {
  const permissions = job.permissions ?? workflow.permissions;
  return typeof permissions === 'object' && permissions['id-token'] === 'write';
}

/**
 * The workflows do what issue 14 asks of the pipeline, each rule a line of the answer:
 * - Azure sign-in is OpenID Connect only: azure/login gets client-id, tenant-id and subscription-id and no creds or
 *   client secret, in a job granted `id-token: write`; no workflow mentions a client secret at all;
 * - every setup-node installs Node 22;
 * - ci.yml runs on pull requests: npm ci and npm test; az bicep build, lint and build-params; and, for pull requests
 *   only, `az deployment sub what-if` after azure/login;
 * - deploy.yml runs on pushes to main: after a job that calls ci.yml, a job in the `production` environment (its
 *   required reviewers are the approval) runs `azd provision` and `azd deploy`;
 * - host-lane.yml installs Core Tools v4, starts Azurite and the stand-ins, runs `func start` and the enrollment driver.
 */
export function checkWorkflows(workflows: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const parsed = new Map<string, Workflow>();
  for (const name of workflowFiles) {
    const text = workflows[name];
    if (text === undefined) problems.push(`.github/workflows/${name} is missing`);
    else parsed.set(name, parseYaml(text) as Workflow);
  }
  for (const [name, text] of Object.entries(workflows)) {
    if (/client-secret|clientSecret|AZURE_CLIENT_SECRET|AZURE_CREDENTIALS/i.test(text)) {
      problems.push(`${name}: mentions a client secret; sign in with OpenID Connect only`);
    }
  }
  for (const [name, workflow] of parsed) {
    for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
      for (const step of job.steps ?? []) {
        const uses = step.uses?.toLowerCase() ?? '';
        if (uses.startsWith('azure/login@')) {
          const inputs = step.with ?? {};
          const oidc = ['client-id', 'tenant-id', 'subscription-id'].every((key) => inputs[key] !== undefined);
          if (!oidc || 'creds' in inputs) {
            problems.push(
              `${name}: ${jobName} must sign in with client-id, tenant-id and subscription-id (OIDC), no creds`,
            );
          }
          if (!grantsIdToken(workflow, job)) problems.push(`${name}: ${jobName} signs in without id-token: write`);
        }
        if (uses.startsWith('actions/setup-node@') && String(step.with?.['node-version']) !== '22') {
          problems.push(`${name}: ${jobName} must set up Node 22`);
        }
      }
    }
  }
  const jobs = (name: string) => Object.entries(parsed.get(name)?.jobs ?? {});
  const ci = parsed.get('ci.yml');
  if (ci !== undefined) {
    if (!triggers(ci).includes('pull_request')) problems.push('ci.yml: must run on pull_request');
    const ran = (pattern: RegExp) => jobs('ci.yml').some(([, job]) => pattern.test(runs(job)));
    if (!ran(/^npm ci\b/m) || !ran(/^npm test$/m)) problems.push('ci.yml: must run npm ci and npm test');
    for (const command of ['az bicep build --file', 'az bicep lint --file', 'az bicep build-params --file']) {
      if (!ran(new RegExp(command.replace(/ /g, '\\s+')))) problems.push(`ci.yml: must run ${command} on every file`);
    }
    const whatIf = jobs('ci.yml').find(([, job]) =>
      /az deployment sub what-if|azd provision --preview/.test(runs(job)),
    );
    if (
      whatIf === undefined ||
      !(whatIf[1].if ?? '').includes("github.event_name == 'pull_request'") ||
      !(whatIf[1].steps ?? []).some((step) => step.uses?.toLowerCase().startsWith('azure/login@'))
    ) {
      problems.push('ci.yml: a pull-request job must sign in with azure/login and run az deployment sub what-if');
    }
  }
  const deploy = parsed.get('deploy.yml');
  if (deploy !== undefined) {
    const push = (typeof deploy.on === 'object' && !Array.isArray(deploy.on) ? deploy.on : {}) as Record<
      string,
      { branches?: string[] } | null
    >;
    if (!(push['push']?.branches ?? []).includes('main')) problems.push('deploy.yml: must run on pushes to main');
    const checks = jobs('deploy.yml').find(([, job]) => job.uses === './.github/workflows/ci.yml')?.[0];
    const deployer = jobs('deploy.yml').find(([, job]) => /azd provision/.test(runs(job)))?.[1];
    const needs = [deployer?.needs ?? []].flat();
    if (
      deployer === undefined ||
      !/^azd provision\b/m.test(runs(deployer)) ||
      !/^azd deploy\b/m.test(runs(deployer)) ||
      environmentOf(deployer) !== 'production' ||
      checks === undefined ||
      !needs.includes(checks)
    ) {
      problems.push(
        'deploy.yml: after the ci.yml checks, a job in the production environment must run azd provision and azd deploy',
      );
    }
  }
  const lane = jobs('host-lane.yml')
    .map(([, job]) => runs(job))
    .join('\n');
  if (parsed.has('host-lane.yml')) {
    const wanted: Record<string, RegExp> = {
      'install Core Tools v4': /npm install --global azure-functions-core-tools@4/,
      'start Azurite': /\bazurite\b/,
      'start the stand-ins': /dist\/scripts\/localStandIns\.js/,
      'run func start': /^\s*nohup func start\b|^\s*func start\b/m,
      'drive an enrollment': /dist\/scripts\/hostLaneEnrollment\.js --app/,
    };
    for (const [what, pattern] of Object.entries(wanted)) {
      if (!pattern.test(lane)) problems.push(`host-lane.yml: must ${what}`);
    }
  }
  return problems;
}
