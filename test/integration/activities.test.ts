import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createGraphDirectory } from '../../adapters/graphDirectory.js';
import {
  createKeyVaultVault,
  createLocalEmulatorCredential,
  type KeyVaultVaultOptions,
} from '../../adapters/keyVaultVault.js';
import { createSendGridMailer } from '../../adapters/sendGridMailer.js';
import { createTableAppPasswordCredentialStore } from '../../adapters/tables/appPasswordCredentialStore.js';
import { createTableAuditLog } from '../../adapters/tables/auditLog.js';
import { createTableEnrollmentStore } from '../../adapters/tables/enrollmentStore.js';
import { createTableLinkTokenStore } from '../../adapters/tables/linkTokenStore.js';
import { createTableRevealClaimStore } from '../../adapters/tables/revealClaimStore.js';
import { createTableClientFactory } from '../../adapters/tables/tableClients.js';
import { hashAppPassword } from '../../core/appPasswordHash.js';
import { TransientError } from '../../core/errors.js';
import type { AuditLog, EnrollmentRecord } from '../../core/ports.js';
import { hashToken } from '../../core/tokens.js';
import { startLocalDirectory, type RunningLocalDirectory } from '../../devhost/localDirectory.js';
import { startLocalVault, type RunningLocalVault } from '../../devhost/localVault.js';
import { startMailSink, type RunningMailSink } from '../../devhost/mailSink.js';
import { appPasswordSecretName, createActivities, type Activities } from '../../functions/handlers/activities.js';
import { freePort } from '../../devhost/freePort.js';
import { createFollowUps } from '../../functions/followUps.js';

const connectionString = inject('azuriteConnectionString');
const tables = createTableClientFactory(
  { connectionString },
  { tablePrefix: `Act${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}` },
);
const enrollments = createTableEnrollmentStore(tables);
const linkTokens = createTableLinkTokenStore(tables);
const audit = createTableAuditLog(tables);
const credentials = createTableAppPasswordCredentialStore(tables);
const revealClaims = createTableRevealClaimStore(tables);
const context = () => new InvocationContext({ functionName: 'test' });
const now = new Date('2026-05-04T09:00:00.000Z');

/** What the activities' follow-ups logged when they let a step go. */
const followUpLines: string[] = [];

let vault: RunningLocalVault;
let mail: RunningMailSink;
let directory: RunningLocalDirectory;
let sdk: SecretClient;

function activities(
  overrides: {
    passwordValidForMs?: number;
    generatePassword?: () => string;
    vault?: Pick<KeyVaultVaultOptions, 'vaultUrl' | 'budget'>;
    audit?: AuditLog;
  } = {},
): Activities {
  // One adapter per set of activities, as the app shares one (and with it the pacing of its requests).
  const adapter = createKeyVaultVault({
    vaultUrl: vault.url,
    credential: createLocalEmulatorCredential(),
    localEmulator: true,
    ...overrides.vault,
  });
  return createActivities({
    config: {
      PUBLIC_BASE_URL: 'https://enroll.contoso.example',
      TIME_ZONE: 'Europe/Copenhagen',
      ...(overrides.passwordValidForMs === undefined ? {} : { APP_PASSWORD_VALID_FOR: overrides.passwordValidForMs }),
    },
    enrollments: () => Promise.resolve(enrollments),
    linkTokens: () => Promise.resolve(linkTokens),
    audit: () => Promise.resolve(overrides.audit ?? audit),
    followUps: createFollowUps({ log: (line) => followUpLines.push(line), backoffMs: 1 }),
    credentials: () => Promise.resolve(credentials),
    revealClaims: () => Promise.resolve(revealClaims),
    directory: () =>
      Promise.resolve(
        createGraphDirectory({
          credential: { getToken: () => Promise.resolve({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) },
          baseUrl: directory.url,
        }),
      ),
    vault: () => Promise.resolve(adapter),
    mailer: () =>
      Promise.resolve(
        createSendGridMailer({
          apiKey: 'SG.local-test-key',
          from: { email: 'onboarding@contoso.example', name: 'IT onboarding' },
          baseUrl: mail.url,
          timeoutMs: 2_000,
        }),
      ),
    sms: undefined,
    now: () => now,
    ...(overrides.generatePassword === undefined ? {} : { generatePassword: overrides.generatePassword }),
  });
}

/** An enrollment as the orchestration finds it at the mint: saved, and its user with MFA registered. */
async function savedEnrollment(overrides: Partial<EnrollmentRecord> = {}): Promise<EnrollmentRecord> {
  const record: EnrollmentRecord = {
    enrollmentId: randomUUID(),
    employeeId: 'E7001',
    userPrincipalName: 'anna.jensen@contoso.dk',
    displayName: 'Anna Jensen',
    inviteEmail: 'anna@example.com',
    contact: { email: 'anna.private@example.com' },
    locale: 'en',
    deviceLabel: 'Outlook on laptop',
    requestFingerprint: 'f'.repeat(64),
    createdAt: now.toISOString(),
    pageSecret: 'k'.repeat(43),
    ...overrides,
  };
  await enrollments.save(record);
  directory.setMfaRegistered(record.userPrincipalName, true);
  return record;
}

beforeAll(async () => {
  vault = await startLocalVault({ port: await freePort() });
  mail = await startMailSink({ port: await freePort() });
  directory = await startLocalDirectory({ port: await freePort() });
  sdk = new SecretClient(vault.url, createLocalEmulatorCredential(), {
    allowInsecureConnection: true,
    disableChallengeResourceVerification: true,
  });
});

afterAll(async () => {
  await Promise.all([vault.close(), mail.close(), directory.close()]);
});

describe('mintAppPassword against the local vault', () => {
  it('writes the password to the vault and returns only a reference', async () => {
    const record = await savedEnrollment();
    const result = await activities({ passwordValidForMs: 86_400_000 }).mintAppPassword(
      { enrollmentId: record.enrollmentId },
      context(),
    );
    if (!result.ok) throw new Error(`mint failed: ${result.reason}`);
    expect(Object.keys(result).sort()).toEqual(['expiresOn', 'ok', 'secretName', 'version']);
    expect(result.secretName).toBe(appPasswordSecretName(record.enrollmentId));
    expect(result.secretName).not.toContain('anna');
    expect(result.expiresOn).toBe('2026-05-05T09:00:00.000Z');

    const secret = await sdk.getSecret(result.secretName, { version: result.version });
    const password = secret.value ?? '';
    expect(password).toMatch(/^[a-z]{16}$/);
    expect(JSON.stringify(result)).not.toContain(password);
    expect(secret.properties.tags).toEqual({
      enrollmentId: record.enrollmentId,
      employeeId: 'E7001',
      deviceLabel: 'Outlook on laptop',
      issuedAt: now.toISOString(),
    });
    expect(secret.properties.contentType).toBe('text/plain; purpose=app-password');
    expect((await enrollments.get(record.enrollmentId))?.appPassword).toEqual({
      secretName: result.secretName,
      version: result.version,
    });
    const trail = JSON.stringify(await audit.list(record.enrollmentId));
    expect(trail).toContain('app-password-minted');
    expect(trail).not.toContain(password);
  });

  it('is idempotent: a retried mint returns the live version instead of writing a second', async () => {
    const record = await savedEnrollment();
    const first = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    const second = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    expect(second).toEqual(first);
    const name = appPasswordSecretName(record.enrollmentId);
    const versions = [];
    for await (const version of sdk.listPropertiesOfSecretVersions(name)) versions.push(version);
    expect(versions).toHaveLength(1);
    expect(vault.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(name) && r.status === 200)).toHaveLength(
      1,
    );
  });

  it('throws a transient error the retry policy can act on, without the password in it', async () => {
    const record = await savedEnrollment();
    const password = 'qwertyuiopasdfgh';
    vault.failNext(1, 503);
    const error = await activities({ generatePassword: () => password })
      .mintAppPassword({ enrollmentId: record.enrollmentId }, context())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect(JSON.stringify(error) + String(error)).not.toContain(password);
  });

  it('stores a salted scrypt hash of the password for the verify API, never the value', async () => {
    const upn = `hash.${randomUUID()}@contoso.dk`;
    const record = await savedEnrollment({ userPrincipalName: upn });
    const result = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    if (!result.ok) throw new Error(`mint failed: ${result.reason}`);
    const password = (await sdk.getSecret(result.secretName, { version: result.version })).value ?? '';
    const { salt, credentials: stored } = await credentials.list(upn);
    expect(salt).toMatchObject({ N: 16384, r: 8, p: 1 });
    expect(stored).toHaveLength(1);
    const issued = stored[0]?.issued;
    expect(issued).toMatchObject({ secretName: result.secretName, version: result.version });
    if (salt === undefined || issued === undefined) throw new Error('no hash stored');
    expect(issued.hash).toBe(await hashAppPassword(password, salt));
    expect(JSON.stringify(stored)).not.toContain(password);
  });

  it('hashes once per version: a retry whose first try lost the hash reads the vault back once', async () => {
    const upn = `retry.${randomUUID()}@contoso.dk`;
    const record = await savedEnrollment({ userPrincipalName: upn });
    const first = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    if (!first.ok) throw new Error('mint failed');
    const hashBefore = (await credentials.list(upn)).credentials[0]?.issued?.hash;
    const readsOf = () =>
      vault.requests.filter(
        (r) => r.method === 'GET' && r.status === 200 && r.path.includes(`${first.secretName}/${first.version}`),
      ).length;

    let reads = readsOf();
    await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    expect(readsOf()).toBe(reads);

    await credentials.remove(upn, 'Outlook on laptop');
    reads = readsOf();
    await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    expect(readsOf()).toBe(reads + 1);
    expect((await credentials.list(upn)).credentials[0]?.issued?.hash).toBe(hashBefore);
  });

  it('takes the hash away with the vault version when the password is disabled', async () => {
    const upn = `disable.${randomUUID()}@contoso.dk`;
    const record = await savedEnrollment({ userPrincipalName: upn });
    const minted = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    if (!minted.ok) throw new Error('mint failed');
    expect((await credentials.list(upn)).credentials).toHaveLength(1);
    await activities().disableAppPassword(
      { enrollmentId: record.enrollmentId, secretName: minted.secretName, version: minted.version },
      context(),
    );
    expect((await credentials.list(upn)).credentials).toEqual([]);
  });

  it('asks the directory again just before minting: without MFA nothing is minted and step 1 opens again', async () => {
    const upn = `nomfa.${randomUUID()}@contoso.dk`;
    const record = await savedEnrollment({ userPrincipalName: upn, mfaConfirmedAt: now.toISOString() });
    directory.setMfaRegistered(upn, false);
    const writes = () => vault.requests.filter((r) => r.method === 'PUT').length;
    const before = writes();
    const result = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    expect(result).toEqual({ ok: false, reason: 'mfa-not-registered' });
    expect(writes()).toBe(before);
    expect((await credentials.list(upn)).credentials.every((item) => item.issued === undefined)).toBe(true);
    const saved = await enrollments.get(record.enrollmentId);
    expect(saved?.mfaConfirmedAt).toBeUndefined();
    expect(saved?.appPassword).toBeUndefined();
    expect((await audit.list(record.enrollmentId)).map((entry) => entry.action)).toContain(
      'app-password-mint-deferred',
    );

    directory.setMfaRegistered(upn, true);
    const minted = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    expect(minted.ok).toBe(true);
  });

  it('keeps a password the employee revealed: disabling finds the claim and leaves the vault version and hash', async () => {
    const upn = `kept.${randomUUID()}@contoso.dk`;
    const record = await savedEnrollment({ userPrincipalName: upn });
    const minted = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    if (!minted.ok) throw new Error('mint failed');
    const claim = { id: 'page', holder: 'employee', claimedAt: now.toISOString() } as const;
    expect(await revealClaims.claim(record.enrollmentId, minted.version, claim)).toBe(true);
    const result = await activities().disableAppPassword(
      { enrollmentId: record.enrollmentId, secretName: minted.secretName, version: minted.version },
      context(),
    );
    expect(result).toEqual({ ok: true, revealed: true });
    expect((await sdk.getSecret(minted.secretName, { version: minted.version })).properties.enabled).toBe(true);
    expect((await credentials.list(upn)).credentials).toHaveLength(1);
    expect((await audit.list(record.enrollmentId)).map((entry) => entry.action)).toContain('app-password-kept');
  });

  it('takes the reveal before disabling, so no reveal can start afterwards, and tries again unharmed', async () => {
    const record = await savedEnrollment({ userPrincipalName: `taken.${randomUUID()}@contoso.dk` });
    const minted = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    if (!minted.ok) throw new Error('mint failed');
    const input = { enrollmentId: record.enrollmentId, secretName: minted.secretName, version: minted.version };
    expect(await activities().disableAppPassword(input, context())).toEqual({ ok: true, revealed: false });
    const late = { id: 'page', holder: 'employee', claimedAt: now.toISOString() } as const;
    expect(await revealClaims.claim(record.enrollmentId, minted.version, late)).toBe(false);
    // A retried disable (the first try's answer lost) meets its own claim and still disables.
    expect(await activities().disableAppPassword(input, context())).toEqual({ ok: true, revealed: false });
    expect((await sdk.getSecret(minted.secretName, { version: minted.version }).catch(() => undefined))?.value).toBe(
      undefined,
    );
  });

  it('hands a mint the vault throttled back to the orchestration with Retry-After, having written nothing', async () => {
    const limited = await startLocalVault({ port: await freePort(), limits: { secretWrites: 1 } });
    try {
      const upn = `throttled.${randomUUID()}@contoso.dk`;
      const record = await savedEnrollment({ userPrincipalName: upn });
      const first = await activities({ vault: { vaultUrl: limited.url } }).mintAppPassword(
        { enrollmentId: (await savedEnrollment()).enrollmentId },
        context(),
      );
      expect(first.ok).toBe(true);

      const result = await activities({ vault: { vaultUrl: limited.url } }).mintAppPassword(
        { enrollmentId: record.enrollmentId },
        context(),
      );

      expect(result).toEqual({ ok: false, reason: 'vault-throttled', retryAfterMs: expect.any(Number) as number });
      expect(result.ok ? 0 : result.retryAfterMs).toBeGreaterThanOrEqual(1_000);
      expect(limited.usage().throttled.secretWrites).toBe(1);
      expect((await enrollments.get(record.enrollmentId))?.appPassword).toBeUndefined();
      expect((await credentials.list(upn)).credentials).toEqual([]);
      expect((await audit.list(record.enrollmentId)).map((entry) => entry.action)).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it("holds a mint back, unsent, once this instance's secret write budget is spent", async () => {
    const budget = { secretWrites: 1, otherOperations: 4_000, windowMs: 60_000 };
    const paced = activities({ vault: { vaultUrl: vault.url, budget } });
    const first = await paced.mintAppPassword({ enrollmentId: (await savedEnrollment()).enrollmentId }, context());
    expect(first.ok).toBe(true);
    const record = await savedEnrollment();

    const result = await paced.mintAppPassword({ enrollmentId: record.enrollmentId }, context());

    expect(result).toMatchObject({ ok: false, reason: 'vault-throttled' });
    // Its turn comes when the first write leaves the minute-long window.
    expect(result.ok ? 0 : result.retryAfterMs).toBeGreaterThan(50_000);
    const name = appPasswordSecretName(record.enrollmentId);
    expect(vault.requests.filter((request) => request.method === 'PUT' && request.path.endsWith(name))).toEqual([]);
  });

  it('hands a throttled disable back with Retry-After and keeps the hash until the disable is done', async () => {
    const upn = `disable-throttled.${randomUUID()}@contoso.dk`;
    const record = await savedEnrollment({ userPrincipalName: upn });
    const minted = await activities().mintAppPassword({ enrollmentId: record.enrollmentId }, context());
    if (!minted.ok) throw new Error('mint failed');
    const input = { enrollmentId: record.enrollmentId, secretName: minted.secretName, version: minted.version };

    const warnings: string[] = [];
    const logged = new InvocationContext({
      functionName: 'disableAppPassword',
      logHandler: (level, ...args) => {
        if (level === 'warning') warnings.push(args.map(String).join(' '));
      },
    });
    vault.failNext(1, 429, 2);
    await expect(activities().disableAppPassword(input, logged)).resolves.toEqual({
      ok: false,
      reason: 'vault-throttled',
      retryAfterMs: 2_000,
    });
    expect(warnings).toEqual([
      `Key Vault disable of secret '${minted.secretName}' failed (status 429, Throttled); the enrollment waits 2000 ms, as asked, and tries again`,
    ]);
    expect((await credentials.list(upn)).credentials).toHaveLength(1);

    await expect(activities().disableAppPassword(input, context())).resolves.toEqual({ ok: true, revealed: false });
    expect((await credentials.list(upn)).credentials).toEqual([]);
  });

  it('reports a missing enrollment as a permanent failure', async () => {
    const result = await activities().mintAppPassword({ enrollmentId: randomUUID() }, context());
    expect(result).toEqual({ ok: false, reason: 'enrollment-missing' });
  });
});

describe('sendEnrollmentEmail', () => {
  it('mails a one-time link whose token is stored only as a hash', async () => {
    mail.clear();
    const record = await savedEnrollment();
    const result = await activities().sendEnrollmentEmail(
      { enrollmentId: record.enrollmentId, kind: 'invitation', linkExpiresAt: '2026-05-18T09:00:00.000Z' },
      context(),
    );
    expect(result).toEqual({ ok: true });
    const [message] = mail.messages();
    expect(message?.to).toEqual(['anna@example.com']);
    expect(message?.categories).toEqual(['invitation']);
    expect(message?.clickTracking).toBe(false);
    const link = message?.links.find((candidate) => candidate.startsWith('https://enroll.contoso.example/e/')) ?? '';
    const token = link.split('/e/')[1] ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await linkTokens.find(hashToken(token))).toEqual({
      enrollmentId: record.enrollmentId,
      purpose: 'enroll',
      expiresAt: '2026-05-18T09:00:00.000Z',
    });
    expect(await linkTokens.find(token), 'the raw token is not a key').toBeUndefined();
    expect(message?.subject).not.toContain(token);
  });

  it('sends a mail once when recording it fails: the audit row is retried, then let go with a line', async () => {
    mail.clear();
    followUpLines.length = 0;
    const record = await savedEnrollment();
    const auditDown: AuditLog = {
      append: () => Promise.reject(new TransientError('The audit table is unavailable')),
      appendAll: () => Promise.reject(new TransientError('The audit table is unavailable')),
      list: (id) => audit.list(id),
    };
    // A throw here would have Durable retry the activity, which sends the mail again with a new link.
    const result = await activities({ audit: auditDown }).sendEnrollmentEmail(
      { enrollmentId: record.enrollmentId, kind: 'invitation', linkExpiresAt: '2026-05-18T09:00:00.000Z' },
      context(),
    );
    expect(result).toEqual({ ok: true });
    expect(mail.messages()).toHaveLength(1);
    expect(followUpLines).toEqual([
      `The audit row mail-sent:invitation of enrollment ${record.enrollmentId} failed 4 times and was let go: ` +
        'The audit table is unavailable',
    ]);
  });

  it('writes the ready link with the reveal purpose and what the reveal needs of the minted enrollment', async () => {
    mail.clear();
    const appPassword = { secretName: 'apppw-ready', version: 'b'.repeat(32) };
    const record = await savedEnrollment({ locale: 'da', appPassword });
    await activities().sendEnrollmentEmail(
      { enrollmentId: record.enrollmentId, kind: 'ready', linkExpiresAt: '2026-05-11T09:00:00.000Z' },
      context(),
    );
    const [message] = mail.messages();
    expect(message?.subject).toBe('Din app-adgangskode er klar');
    const token = message?.links.find((link) => link.includes('/r/'))?.split('/r/')[1] ?? '';
    expect(await linkTokens.find(hashToken(token))).toEqual({
      enrollmentId: record.enrollmentId,
      purpose: 'reveal',
      expiresAt: '2026-05-11T09:00:00.000Z',
      reveal: { appPassword, pageSecret: record.pageSecret, userPrincipalName: record.userPrincipalName, locale: 'da' },
    });
  });

  it('returns a permanent failure when the provider rejects the recipient', async () => {
    const record = await savedEnrollment({ inviteEmail: 'not-an-address' });
    const result = await activities().sendEnrollmentEmail(
      { enrollmentId: record.enrollmentId, kind: 'expired' },
      context(),
    );
    expect(result).toEqual({ ok: false, reason: 'recipient-rejected' });
  });

  it('throws when the provider is down, so Durable retries', async () => {
    const record = await savedEnrollment();
    mail.failNext(1, 503);
    await expect(
      activities().sendEnrollmentEmail({ enrollmentId: record.enrollmentId, kind: 'expired' }, context()),
    ).rejects.toBeInstanceOf(TransientError);
  });
});

describe('recordOutcome', () => {
  it('audits the final stage and frees the employee for a new enrollment', async () => {
    const record = await savedEnrollment({ employeeId: 'E7002' });
    await enrollments.claimActive('E7002', record.enrollmentId, record.requestFingerprint);
    await activities().recordOutcome(
      { enrollmentId: record.enrollmentId, employeeId: 'E7002', stage: 'expired', reason: 'verification-deadline' },
      context(),
    );
    expect((await enrollments.claimActive('E7002', randomUUID(), 'x')).outcome).toBe('claimed');
    expect((await audit.list(record.enrollmentId)).map((entry) => entry.action)).toContain('enrollment-expired');
  });
});
