import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.js';

const apiKey = 'SG.super-secret-sendgrid-key.do-not-log';

const minimal = {
  TASKHUB_NAME: 'EnrollmentHub',
  APP_TABLES: 'https://appstore.table.core.windows.net',
  KEYVAULT_URL: 'https://my-vault.vault.azure.net',
  SENDGRID_API_KEY: apiKey,
  MAIL_FROM: 'onboarding@contoso.com',
  PUBLIC_BASE_URL: 'https://enroll.contoso.com',
} as const;

const emulated = {
  ...minimal,
  USE_LOCAL_EMULATORS: 'true',
  APP_TABLES: 'UseDevelopmentStorage=true',
  KEYVAULT_URL: 'http://127.0.0.1:8200',
  PUBLIC_BASE_URL: 'http://localhost:7071',
} as const;

const day = 86_400_000;

/** Runs loadConfig and returns the ConfigError it throws (failing the test if it does not). */
function configError(env: Readonly<Record<string, string | undefined>>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

/** The problem lines that name a given setting. */
const problemsFor = (error: ConfigError, key: string) => error.problems.filter((line) => line.startsWith(`${key}:`));

describe('loadConfig', () => {
  it('parses a minimal valid environment and applies the documented defaults', () => {
    const config = loadConfig(minimal);
    expect(config).toEqual({
      TASKHUB_NAME: 'EnrollmentHub',
      APP_TABLES: { kind: 'endpoint', endpoint: 'https://appstore.table.core.windows.net' },
      APP_TABLE_PREFIX: 'Apppw',
      KEYVAULT_URL: 'https://my-vault.vault.azure.net',
      USE_LOCAL_EMULATORS: false,
      SENDGRID_API_KEY: apiKey,
      MAIL_FROM: 'onboarding@contoso.com',
      MAIL_FROM_NAME: 'IT onboarding',
      PUBLIC_BASE_URL: 'https://enroll.contoso.com',
      GRAPH_BASE_URL: 'https://graph.microsoft.com/v1.0',
      MFA_SETUP_URL: 'https://aka.ms/mysecurityinfo',
      TIME_ZONE: 'Europe/Copenhagen',
      DEFAULT_LOCALE: 'da',
      INVITATION_VALID_FOR: 14 * day,
      REMINDER_INTERVAL: 3 * day,
      MAX_REMINDERS: 2,
      RETRIEVAL_VALID_FOR: 7 * day,
      ACTIVITY_RETRY_FIRST_INTERVAL: 5_000,
      ACTIVITY_RETRY_MAX_INTERVAL: 300_000,
      ACTIVITY_RETRY_MAX_ATTEMPTS: 5,
      MAX_APP_PASSWORDS_PER_USER: 40,
      VERIFY_MAX_FAILURES_PER_USER: 10,
      VERIFY_MAX_FAILURES_PER_CLIENT: 100,
      VERIFY_FAILURE_WINDOW: 900_000,
      CALLBACK_RETRY_FIRST_INTERVAL: 10_000,
      CALLBACK_RETRY_MAX_INTERVAL: 300_000,
      CALLBACK_RETRY_MAX_ATTEMPTS: 6,
      KEYVAULT_SECRET_WRITE_BUDGET: 300,
      KEYVAULT_OTHER_OPERATION_BUDGET: 4_000,
      KEYVAULT_BUDGET_WINDOW: 10_000,
      KEYVAULT_THROTTLE_SPREAD: 10_000,
    });
    expect('AZURE_CLIENT_ID' in config).toBe(false);
    expect('CALLBACK_SIGNING_SECRET' in config).toBe(false);
    expect('SENDGRID_BASE_URL' in config).toBe(false);
    expect('APP_PASSWORD_VALID_FOR' in config).toBe(false);
  });

  it('parses explicit values, durations in milliseconds', () => {
    const config = loadConfig({
      ...minimal,
      INVITATION_VALID_FOR: 'P1W',
      REMINDER_INTERVAL: 'PT12H',
      MAX_REMINDERS: '0',
      RETRIEVAL_VALID_FOR: 'P1DT30M',
      APP_PASSWORD_VALID_FOR: 'P365D',
      DEFAULT_LOCALE: 'en',
      TIME_ZONE: 'America/New_York',
      AZURE_CLIENT_ID: '5a0c5f7e-3c1b-4a55-9d0e-6f1f2a7b9c10',
    });
    expect(config.INVITATION_VALID_FOR).toBe(7 * day);
    expect(config.REMINDER_INTERVAL).toBe(12 * 3_600_000);
    expect(config.MAX_REMINDERS).toBe(0);
    expect(config.RETRIEVAL_VALID_FOR).toBe(day + 30 * 60_000);
    expect(config.APP_PASSWORD_VALID_FOR).toBe(365 * day);
    expect(config.DEFAULT_LOCALE).toBe('en');
    expect(config.TIME_ZONE).toBe('America/New_York');
    expect(config.AZURE_CLIENT_ID).toBe('5a0c5f7e-3c1b-4a55-9d0e-6f1f2a7b9c10');
  });

  it('ignores settings it does not know', () => {
    expect(loadConfig({ ...minimal, PATH: '/usr/bin', WEBSITE_SITE_NAME: 'x' })).toEqual(loadConfig(minimal));
  });

  it('reads an https APP_TABLES as an endpoint and anything else as a connection string', () => {
    expect(loadConfig(minimal).APP_TABLES).toEqual({
      kind: 'endpoint',
      endpoint: 'https://appstore.table.core.windows.net',
    });
    const connectionString =
      'DefaultEndpointsProtocol=https;AccountName=appstore;AccountKey=a2V5;EndpointSuffix=core.windows.net';
    expect(loadConfig({ ...minimal, APP_TABLES: connectionString }).APP_TABLES).toEqual({
      kind: 'connectionString',
      connectionString,
    });
  });

  it('treats an empty string as missing', () => {
    const error = configError({ ...minimal, MAIL_FROM: '' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^MAIL_FROM: missing; expected the sender e-mail address/);
    // ...and an empty optional setting falls back to its default.
    expect(loadConfig({ ...minimal, DEFAULT_LOCALE: '', MAX_REMINDERS: '' })).toMatchObject({
      DEFAULT_LOCALE: 'da',
      MAX_REMINDERS: 2,
    });
  });

  it('names each missing setting and what it expects, one problem per setting', () => {
    const error = configError({ TASKHUB_NAME: 'EnrollmentHub', MAIL_FROM: 'onboarding@contoso.com' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    const missing = ['APP_TABLES', 'KEYVAULT_URL', 'SENDGRID_API_KEY', 'PUBLIC_BASE_URL'];
    expect(error.problems).toHaveLength(missing.length);
    for (const key of missing) {
      const lines = problemsFor(error, key);
      expect(lines, key).toHaveLength(1);
      expect(lines[0], key).toMatch(new RegExp(`^${key}: missing; expected \\S`));
      expect(error.message).toContain(lines[0]);
    }
    expect(error.message).toContain('expected the SendGrid API key');
    expect(error.message).toContain('expected an absolute http(s) URL of the Key Vault');
    expect(error.message).toContain('expected a table service URL');
  });

  it('names every missing setting when the environment is empty', () => {
    const error = configError({});
    const names = error.problems.map((line) => line.slice(0, line.indexOf(':')));
    expect(names.sort()).toEqual(
      ['APP_TABLES', 'KEYVAULT_URL', 'MAIL_FROM', 'PUBLIC_BASE_URL', 'SENDGRID_API_KEY', 'TASKHUB_NAME'].sort(),
    );
  });

  it.each([
    ['INVITATION_VALID_FOR', '14 days', 'ISO 8601 duration'],
    ['INVITATION_VALID_FOR', 'P0D', 'positive'],
    ['REMINDER_INTERVAL', 'P1M', 'ISO 8601 duration'],
    ['MAX_REMINDERS', '-1', 'whole number'],
    ['MAX_REMINDERS', '11', 'at most 10'],
    ['MAX_REMINDERS', '2.5', 'whole number'],
    ['ACTIVITY_RETRY_MAX_ATTEMPTS', '0', 'at least 1'],
    ['MAX_APP_PASSWORDS_PER_USER', '0', 'at least 1'],
    ['KEYVAULT_SECRET_WRITE_BUDGET', '0', 'at least 1'],
    ['KEYVAULT_BUDGET_WINDOW', '10 seconds', 'ISO 8601 duration'],
    ['VERIFY_FAILURE_WINDOW', '15 minutes', 'ISO 8601 duration'],
    ['DEFAULT_LOCALE', 'sv', 'da or en'],
    ['TIME_ZONE', 'Mars/Olympus', 'IANA time zone'],
    ['MAIL_FROM', 'x', 'e-mail address'],
    ['KEYVAULT_URL', 'not a url', 'URL'],
    ['PUBLIC_BASE_URL', 'ftp://enroll.contoso.com', 'http(s) URL'],
    ['TASKHUB_NAME', 'enrollment-hub', 'letters and digits'],
    ['APP_TABLE_PREFIX', '1abc', 'starting with a letter'],
    ['USE_LOCAL_EMULATORS', 'yes', 'true or false'],
    ['AZURE_CLIENT_ID', 'not-a-guid', 'GUID'],
  ])('names %s=%j as malformed', (key, value, expectation) => {
    const error = configError({ ...minimal, [key]: value });
    expect(error.problems).toHaveLength(1);
    const line = error.problems[0] ?? '';
    expect(line.startsWith(`${key}: `)).toBe(true);
    expect(line).not.toContain('missing');
    expect(line).toContain(expectation);
  });

  it('reports several malformed settings at once', () => {
    const error = configError({ ...minimal, DEFAULT_LOCALE: 'sv', MAX_REMINDERS: '11', MAIL_FROM: 'x' });
    expect(error.problems.map((line) => line.slice(0, line.indexOf(':'))).sort()).toEqual([
      'DEFAULT_LOCALE',
      'MAIL_FROM',
      'MAX_REMINDERS',
    ]);
  });

  it('never echoes the SendGrid API key, even when other settings are bad', () => {
    const error = configError({
      ...minimal,
      MAIL_FROM: 'x',
      KEYVAULT_URL: 'not a url',
      TIME_ZONE: 'Mars/Olympus',
      SENDGRID_BASE_URL: 'https://api.sendgrid.com',
    });
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.message).not.toContain(apiKey);
    expect(error.message).not.toContain('super-secret');
    expect(error.problems.join('\n')).not.toContain(apiKey);
  });

  it('never echoes malformed values either', () => {
    const error = configError({ ...minimal, MAIL_FROM: 'leaky-value-123', DEFAULT_LOCALE: 'leaky-locale' });
    expect(error.message).not.toContain('leaky');
  });

  describe('cross-field rules', () => {
    it.each(['KEYVAULT_URL', 'PUBLIC_BASE_URL', 'GRAPH_BASE_URL'])(
      'refuses an http %s outside local emulation',
      (key) => {
        const error = configError({ ...minimal, [key]: 'http://example.com' });
        expect(error.problems).toEqual([`${key}: expected an https URL outside local emulation`]);
      },
    );

    it('refuses SENDGRID_BASE_URL without emulators', () => {
      const error = configError({ ...minimal, SENDGRID_BASE_URL: 'https://mail-sink.example.com' });
      expect(error.problems).toEqual(['SENDGRID_BASE_URL: only allowed with USE_LOCAL_EMULATORS=true']);
    });

    it('refuses SENDGRID_BASE_URL when USE_LOCAL_EMULATORS is explicitly false', () => {
      const error = configError({
        ...minimal,
        USE_LOCAL_EMULATORS: 'false',
        SENDGRID_BASE_URL: 'https://mail-sink.example.com',
      });
      expect(problemsFor(error, 'SENDGRID_BASE_URL')).toHaveLength(1);
    });

    it('accepts http URLs and SENDGRID_BASE_URL with emulators and a loopback Key Vault', () => {
      const config = loadConfig({ ...emulated, SENDGRID_BASE_URL: 'http://localhost:3000/' });
      expect(config.USE_LOCAL_EMULATORS).toBe(true);
      expect(config.KEYVAULT_URL).toBe('http://127.0.0.1:8200');
      expect(config.PUBLIC_BASE_URL).toBe('http://localhost:7071');
      expect(config.SENDGRID_BASE_URL).toBe('http://localhost:3000');
      expect(config.APP_TABLES).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
    });

    it.each(['http://localhost', 'http://localhost:8200', 'http://127.0.0.1:8200', 'http://[::1]:8200'])(
      'accepts the loopback Key Vault %s with emulators',
      (url) => {
        expect(loadConfig({ ...emulated, KEYVAULT_URL: url }).KEYVAULT_URL).toBe(url);
      },
    );

    it.each([
      'https://my-vault.vault.azure.net',
      'http://my-vault.example.com',
      'https://localhost:8200',
      'http://localhost.evil.example:8200',
      'http://127.0.0.1.nip.io',
    ])('refuses the Key Vault %s with emulators', (url) => {
      const error = configError({ ...emulated, KEYVAULT_URL: url });
      expect(error.problems).toEqual(['KEYVAULT_URL: expected a loopback http URL while USE_LOCAL_EMULATORS is true']);
    });
  });

  describe('HR callbacks', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

    it('parses the signing secret into a key that signs, and the retry settings', () => {
      const config = loadConfig({
        ...minimal,
        CALLBACK_SIGNING_SECRET: secret,
        CALLBACK_RETRY_FIRST_INTERVAL: 'PT30S',
        CALLBACK_RETRY_MAX_INTERVAL: 'PT1H',
        CALLBACK_RETRY_MAX_ATTEMPTS: '10',
      });
      expect(config.CALLBACK_SIGNING_SECRET?.sign('evt_1', 1_700_000_000, '{}')).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(config).toMatchObject({
        CALLBACK_RETRY_FIRST_INTERVAL: 30_000,
        CALLBACK_RETRY_MAX_INTERVAL: 3_600_000,
        CALLBACK_RETRY_MAX_ATTEMPTS: 10,
      });
      // The key is not visible in the parsed config, so logging it shows nothing.
      expect(JSON.stringify(config)).not.toContain(secret.slice(6));
    });

    it.each([
      ['no prefix', Buffer.alloc(32, 7).toString('base64')],
      ['too short a key (16 bytes)', `whsec_${Buffer.alloc(16, 7).toString('base64')}`],
      ['too long a key (65 bytes)', `whsec_${Buffer.alloc(65, 7).toString('base64')}`],
      ['not base64', 'whsec_not*base64*at*all*not*base64*at*all*'],
      ['an unresolved Key Vault reference', '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/X/)'],
    ])('refuses a signing secret with %s, without echoing it', (_, value) => {
      const error = configError({ ...minimal, CALLBACK_SIGNING_SECRET: value });
      expect(error.problems).toEqual([expect.stringMatching(/^CALLBACK_SIGNING_SECRET: expected a Standard Webhooks/)]);
      expect(error.message).not.toContain(value);
    });

    it('refuses an unresolved Key Vault reference for the SendGrid key, saying what to check', () => {
      const reference = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/SendGridApiKey/)';
      const error = configError({ ...minimal, SENDGRID_API_KEY: reference });
      expect(error.problems).toEqual([
        expect.stringMatching(
          /^SENDGRID_API_KEY: the Key Vault reference .* did not resolve: .*Key Vault Secrets User/,
        ),
      ]);
      expect(error.message).not.toContain('SecretUri');
    });

    it('names a malformed callback retry setting', () => {
      const error = configError({ ...minimal, CALLBACK_RETRY_FIRST_INTERVAL: '10s', CALLBACK_RETRY_MAX_ATTEMPTS: '0' });
      expect(error.problems.map((line) => line.slice(0, line.indexOf(':'))).sort()).toEqual([
        'CALLBACK_RETRY_FIRST_INTERVAL',
        'CALLBACK_RETRY_MAX_ATTEMPTS',
      ]);
    });
  });

  it('strips trailing slashes from URLs', () => {
    const config = loadConfig({
      ...minimal,
      KEYVAULT_URL: 'https://my-vault.vault.azure.net/',
      PUBLIC_BASE_URL: 'https://enroll.contoso.com//',
      GRAPH_BASE_URL: 'https://graph.microsoft.com/v1.0/',
      MFA_SETUP_URL: 'https://aka.ms/mysecurityinfo/',
    });
    expect(config.KEYVAULT_URL).toBe('https://my-vault.vault.azure.net');
    expect(config.PUBLIC_BASE_URL).toBe('https://enroll.contoso.com');
    expect(config.GRAPH_BASE_URL).toBe('https://graph.microsoft.com/v1.0');
    expect(config.MFA_SETUP_URL).toBe('https://aka.ms/mysecurityinfo');
  });
});
