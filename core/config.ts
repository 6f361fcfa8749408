import * as z from 'zod/mini';
import { parseDurationMs } from './duration.js';
import { keyVaultLimits } from './keyVaultLimits.js';
import { defaultVaultThrottleSpreadMs } from './orchestrationContract.js';
import { parseMailServer } from './mailClients.js';
import { signingKeyBytes, WebhookSigningKey } from './webhookSignature.js';

// zod/mini rather than zod: this schema is parsed at every cold start, and the functional API lets the bundler keep
// only what is used (see the cold-start benchmark in docs/performance.md).

const duration = (example: string) =>
  z.pipe(
    z.string({ error: `expected an ISO 8601 duration such as ${example}` }),
    z.transform((text: string, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined || ms <= 0) {
        ctx.issues.push({
          code: 'custom',
          input: text,
          message: `expected a positive ISO 8601 duration such as ${example}`,
        });
        return z.NEVER;
      }
      return ms;
    }),
  );

const integer = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)),
    z.pipe(
      z.transform(Number),
      z.number().check(z.minimum(min, `expected at least ${min}`), z.maximum(max, `expected at most ${max}`)),
    ),
  );

const flag = z.pipe(
  z.enum(['true', 'false'], { error: 'expected true or false' }),
  z.transform((value: 'true' | 'false') => value === 'true'),
);

const httpUrl = (what: string) =>
  z.pipe(
    z.url({ protocol: /^https?$/, error: `expected an absolute http(s) URL of ${what}` }),
    z.transform((url: string) => url.replace(/\/+$/, '')),
  );

const tableStorageExpectation =
  'expected a table service URL (https://<account>.table.core.windows.net) or a connection string';

/** Table Storage: an https service URL (used with the managed identity) or a connection string (Azurite). */
const tableStorage = z.pipe(
  z.string({ error: tableStorageExpectation }).check(z.minLength(1, tableStorageExpectation)),
  z.transform((value: string) =>
    /^https:\/\//i.test(value)
      ? ({ kind: 'endpoint', endpoint: value } as const)
      : ({ kind: 'connectionString', connectionString: value } as const),
  ),
);

/** `host:port` of a mail server the employees' mail apps connect to (shown in the set-up guides). */
const mailServer = (what: string, example: string) => {
  const expectation = `expected host:port of the ${what} server employees' mail apps use, such as ${example}`;
  return z.pipe(
    z.string({ error: expectation }),
    z.transform((text: string, ctx) => {
      const server = parseMailServer(text);
      if (server === undefined) {
        ctx.issues.push({ code: 'custom', input: text, message: expectation });
        return z.NEVER;
      }
      return server;
    }),
  );
};

const signingSecretExpectation =
  `expected a Standard Webhooks signing secret: whsec_ followed by the base64 of ${signingKeyBytes.min} to ` +
  `${signingKeyBytes.max} random bytes (in Azure a Key Vault reference; an unresolved one also fails here)`;

/** The HR callback signing secret, parsed into its key. Neither the value nor any part of it reaches an error. */
const signingSecret = z.pipe(
  z.string({ error: signingSecretExpectation }),
  z.transform((text: string, ctx) => {
    const key = WebhookSigningKey.parse(text);
    if (key === undefined) {
      ctx.issues.push({ code: 'custom', input: undefined, message: signingSecretExpectation });
      return z.NEVER;
    }
    return key;
  }),
);

const required = (what: string) => z.string({ error: `expected ${what}` }).check(z.minLength(1, `expected ${what}`));

/**
 * A secret that Azure sets from a Key Vault reference. When the reference cannot resolve (no such secret, or the app's
 * identity may not read it), App Service leaves the literal `@Microsoft.KeyVault(...)` text in the setting, which
 * would otherwise pass for a value and fail only at the first send.
 */
const vaultBackedSecret = (what: string) =>
  required(`${what} (in Azure, a Key Vault reference)`).check(
    z.refine(
      (text) => !text.trimStart().startsWith('@Microsoft.KeyVault('),
      `the Key Vault reference for ${what} did not resolve: check that the secret exists and that the app's ` +
        'identity has Key Vault Secrets User on the vault (docs/operations.md)',
    ),
  );

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Every setting the app reads, with what each expects. The Bicep in infra/ and local.settings.sample.json are
 * checked against this schema's keys, so adding a setting here is the one place to start.
 */
export const configSchema = z.object({
  TASKHUB_NAME: z
    .string({ error: 'expected the Durable task hub name (letters and digits, 3-45, starting with a letter)' })
    .check(
      z.regex(/^[A-Za-z][A-Za-z0-9]{2,44}$/, 'expected letters and digits only, 3-45 long, starting with a letter'),
    ),
  APP_TABLES: tableStorage,
  APP_TABLE_PREFIX: z._default(
    z
      .string()
      .check(z.regex(/^[A-Za-z][A-Za-z0-9]{0,19}$/, 'expected letters and digits, starting with a letter, at most 20')),
    'Apppw',
  ),
  KEYVAULT_URL: httpUrl('the Key Vault, e.g. https://my-vault.vault.azure.net'),
  AZURE_CLIENT_ID: z.optional(
    z.uuid({ error: 'expected the client id (a GUID) of the user-assigned managed identity' }),
  ),
  USE_LOCAL_EMULATORS: z._default(flag, false),
  SENDGRID_API_KEY: vaultBackedSecret('the SendGrid API key'),
  SENDGRID_BASE_URL: z.optional(httpUrl('a SendGrid-compatible API (only for the local mail sink)')),
  SMS_ENDPOINT: z.optional(
    httpUrl('the Azure Communication Services resource, e.g. https://my-acs.communication.azure.com'),
  ),
  SMS_FROM: z.optional(
    z
      .string()
      .check(z.regex(/^(\+[1-9]\d{6,14}|[A-Za-z0-9]{3,11})$/, 'expected an E.164 number or an alphanumeric sender id')),
  ),
  SMS_ACCESS_KEY: z.optional(z.string().check(z.minLength(1, 'expected the access key of the local SMS sink'))),
  MAIL_FROM: z.email({ error: 'expected the sender e-mail address, e.g. onboarding@contoso.com' }),
  MAIL_FROM_NAME: z._default(
    z.string().check(z.minLength(1, 'expected a display name for the sender')),
    'IT onboarding',
  ),
  PUBLIC_BASE_URL: httpUrl('the employee pages, e.g. https://enroll.contoso.com'),
  MAIL_IMAP_SERVER: z.optional(mailServer('IMAP (incoming mail)', 'imap.contoso.com:993')),
  MAIL_SMTP_SERVER: z.optional(mailServer('SMTP (outgoing mail)', 'smtp.contoso.com:587')),
  GRAPH_BASE_URL: z._default(httpUrl('Microsoft Graph v1.0'), 'https://graph.microsoft.com/v1.0'),
  MFA_SETUP_URL: z._default(httpUrl('the page where employees register MFA'), 'https://aka.ms/mysecurityinfo'),
  TIME_ZONE: z._default(
    z.string().check(z.refine(isTimeZone, 'expected an IANA time zone such as Europe/Copenhagen')),
    'Europe/Copenhagen',
  ),
  DEFAULT_LOCALE: z._default(z.enum(['da', 'en'], { error: 'expected da or en' }), 'da'),
  INVITATION_VALID_FOR: z._default(duration('P14D'), 14 * 86_400_000),
  REMINDER_INTERVAL: z._default(duration('P3D'), 3 * 86_400_000),
  MAX_REMINDERS: z._default(integer(0, 10), 2),
  RETRIEVAL_VALID_FOR: z._default(duration('P7D'), 7 * 86_400_000),
  APP_PASSWORD_VALID_FOR: z.optional(duration('P365D')),
  ACTIVITY_RETRY_FIRST_INTERVAL: z._default(duration('PT5S'), 5_000),
  ACTIVITY_RETRY_MAX_INTERVAL: z._default(duration('PT5M'), 300_000),
  ACTIVITY_RETRY_MAX_ATTEMPTS: z._default(integer(1, 20), 5),
  // Microsoft's own app passwords stop at 40 per user; one per device is the intent.
  MAX_APP_PASSWORDS_PER_USER: z._default(integer(1, 100), 40),
  // Failed verifies per user from one client address, and per client address for all users. An address with no
  // failures is always heard, so nobody can lock a user out from elsewhere (SECURITY.md, T19).
  VERIFY_MAX_FAILURES_PER_USER: z._default(integer(1, 1000), 10),
  // One relay that passes no clientAddress speaks for all its clients, so this budget is larger than a user's.
  VERIFY_MAX_FAILURES_PER_CLIENT: z._default(integer(1, 1000), 100),
  VERIFY_FAILURE_WINDOW: z._default(duration('PT15M'), 15 * 60_000),
  CALLBACK_SIGNING_SECRET: z.optional(signingSecret),
  CALLBACK_RETRY_FIRST_INTERVAL: z._default(duration('PT10S'), 10_000),
  CALLBACK_RETRY_MAX_INTERVAL: z._default(duration('PT5M'), 300_000),
  CALLBACK_RETRY_MAX_ATTEMPTS: z._default(integer(1, 20), 6),
  // What one instance sends to Key Vault per window: by default the vault's own limits (core/keyVaultLimits.ts).
  KEYVAULT_SECRET_WRITE_BUDGET: z._default(integer(1, 100_000), keyVaultLimits.secretWrites),
  KEYVAULT_OTHER_OPERATION_BUDGET: z._default(integer(1, 1_000_000), keyVaultLimits.otherOperations),
  KEYVAULT_BUDGET_WINDOW: z._default(duration('PT10S'), keyVaultLimits.windowMs),
  KEYVAULT_THROTTLE_SPREAD: z._default(duration('PT10S'), defaultVaultThrottleSpreadMs),
});

export type Config = z.output<typeof configSchema>;

/** Thrown at start-up when settings are missing or malformed; lists every problem at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Reads and validates the settings once. Values are never echoed in errors (some are secrets); each problem names
 * the setting and what it expects.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const known = Object.fromEntries(
    Object.keys(configSchema.shape).flatMap((key) => {
      const value = env[key];
      // An empty setting means "not set": App Service and local.settings.json both produce empty strings.
      return value === undefined || value === '' ? [] : [[key, value]];
    }),
  );
  const parsed = configSchema.safeParse(known);
  if (parsed.success) {
    const config = parsed.data;
    const problems = crossFieldProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
  }
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.');
      const missing = issue.code === 'invalid_type' && !(key in known);
      return `${key}: ${missing ? 'missing; ' : ''}${issue.message}`;
    }),
  );
}

function crossFieldProblems(config: Config): string[] {
  const problems: string[] = [];
  const isLoopback = (url: string) => /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(url);
  if (config.USE_LOCAL_EMULATORS) {
    if (!isLoopback(config.KEYVAULT_URL)) {
      problems.push('KEYVAULT_URL: expected a loopback http URL while USE_LOCAL_EMULATORS is true');
    }
  } else {
    for (const key of ['KEYVAULT_URL', 'PUBLIC_BASE_URL', 'GRAPH_BASE_URL'] as const) {
      if (!config[key].startsWith('https://')) problems.push(`${key}: expected an https URL outside local emulation`);
    }
    if (config.SENDGRID_BASE_URL !== undefined) {
      problems.push('SENDGRID_BASE_URL: only allowed with USE_LOCAL_EMULATORS=true');
    }
    if (config.SMS_ACCESS_KEY !== undefined) {
      problems.push('SMS_ACCESS_KEY: only allowed with USE_LOCAL_EMULATORS=true (Azure uses the managed identity)');
    }
    if (config.SMS_ENDPOINT !== undefined && !config.SMS_ENDPOINT.startsWith('https://')) {
      problems.push('SMS_ENDPOINT: expected an https URL outside local emulation');
    }
  }
  if ((config.SMS_ENDPOINT === undefined) !== (config.SMS_FROM === undefined)) {
    problems.push('SMS_ENDPOINT, SMS_FROM: set both to send codes by SMS, or neither to send them by e-mail only');
  }
  return problems;
}
