import { z } from 'zod';
import { parseDurationMs } from './duration.js';

const duration = (example: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a positive ISO 8601 duration such as ${example}` });
      return z.NEVER;
    }
    return ms;
  });

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`));

const flag = z.enum(['true', 'false'], { error: 'expected true or false' }).transform((value) => value === 'true');

const httpUrl = (what: string) =>
  z
    .url({ protocol: /^https?$/, error: `expected an absolute http(s) URL of ${what}` })
    .transform((url) => url.replace(/\/+$/, ''));

/** Table Storage: an https service URL (used with the managed identity) or a connection string (Azurite). */
const tableStorage = z
  .string({ error: 'expected a table service URL (https://<account>.table.core.windows.net) or a connection string' })
  .min(1, 'expected a table service URL (https://<account>.table.core.windows.net) or a connection string')
  .transform((value) =>
    /^https:\/\//i.test(value)
      ? ({ kind: 'endpoint', endpoint: value } as const)
      : ({ kind: 'connectionString', connectionString: value } as const),
  );

const required = (what: string) => z.string({ error: `expected ${what}` }).min(1, `expected ${what}`);

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
    .regex(/^[A-Za-z][A-Za-z0-9]{2,44}$/, 'expected letters and digits only, 3-45 long, starting with a letter'),
  APP_TABLES: tableStorage,
  APP_TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,19}$/, 'expected letters and digits, starting with a letter, at most 20')
    .default('Apppw'),
  KEYVAULT_URL: httpUrl('the Key Vault, e.g. https://my-vault.vault.azure.net'),
  AZURE_CLIENT_ID: z
    .uuid({ error: 'expected the client id (a GUID) of the user-assigned managed identity' })
    .optional(),
  USE_LOCAL_EMULATORS: flag.default(false),
  SENDGRID_API_KEY: required('the SendGrid API key (in Azure, a Key Vault reference)'),
  SENDGRID_BASE_URL: httpUrl('a SendGrid-compatible API (only for the local mail sink)').optional(),
  MAIL_FROM: z.email({ error: 'expected the sender e-mail address, e.g. onboarding@contoso.com' }),
  MAIL_FROM_NAME: z.string().min(1, 'expected a display name for the sender').default('IT onboarding'),
  PUBLIC_BASE_URL: httpUrl('the employee pages, e.g. https://enroll.contoso.com'),
  GRAPH_BASE_URL: httpUrl('Microsoft Graph v1.0').default('https://graph.microsoft.com/v1.0'),
  MFA_SETUP_URL: httpUrl('the page where employees register MFA').default('https://aka.ms/mysecurityinfo'),
  TIME_ZONE: z
    .string()
    .refine((zone) => isTimeZone(zone), 'expected an IANA time zone such as Europe/Copenhagen')
    .default('Europe/Copenhagen'),
  DEFAULT_LOCALE: z.enum(['da', 'en'], { error: 'expected da or en' }).default('da'),
  INVITATION_VALID_FOR: duration('P14D').default(14 * 86_400_000),
  REMINDER_INTERVAL: duration('P3D').default(3 * 86_400_000),
  MAX_REMINDERS: integer(0, 10).default(2),
  RETRIEVAL_VALID_FOR: duration('P7D').default(7 * 86_400_000),
  APP_PASSWORD_VALID_FOR: duration('P365D').optional(),
  ACTIVITY_RETRY_FIRST_INTERVAL: duration('PT5S').default(5_000),
  ACTIVITY_RETRY_MAX_INTERVAL: duration('PT5M').default(300_000),
  ACTIVITY_RETRY_MAX_ATTEMPTS: integer(1, 20).default(5),
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
  }
  return problems;
}
