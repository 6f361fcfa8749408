import { randomUUID } from 'node:crypto';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyVaultVault, createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { ThrottledError } from '../../core/errors.js';
import type { KeyVaultLimits } from '../../core/keyVaultLimits.js';
import { freePort } from '../../devhost/freePort.js';
import { startLocalVault, type RunningLocalVault } from '../../devhost/localVault.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * The local vault enforces Key Vault's service limits, and the real SecretClient sees what Azure would send. Each test
 * sets the limit it needs explicitly, small enough to reach quickly.
 */

const tags = { enrollmentId: 'enr-1', employeeId: 'E1', issuedAt: '2026-11-25T10:00:00.000Z' };
const name = (): string => `limit-${randomUUID()}`;

let vault: RunningLocalVault | undefined;
afterEach(async () => {
  await vault?.close();
  vault = undefined;
});

async function vaultWith(limits: Partial<KeyVaultLimits>): Promise<RunningLocalVault> {
  vault = await startLocalVault({ port: await freePort(), limits });
  return vault;
}

/** The real SDK client; `maxRetries: 0` shows the vault's first answer, as the app's adapter sees it. */
function sdkFor(running: RunningLocalVault, options: SecretClientOptions = { retryOptions: { maxRetries: 0 } }) {
  return new SecretClient(running.url, createLocalEmulatorCredential(), {
    allowInsecureConnection: true,
    disableChallengeResourceVerification: true,
    ...options,
  });
}

const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('local vault service limits', () => {
  it("answers the secret write past the limit with 429, Retry-After and Key Vault's error body", async () => {
    const running = await vaultWith({ secretWrites: 3 });
    const sdk = sdkFor(running);
    for (let i = 0; i < 3; i += 1) await sdk.setSecret(name(), 'v');

    const error = (await rejectionOf(sdk.setSecret(name(), 'v'))) as {
      statusCode?: number;
      code?: string;
      message: string;
      response?: { headers: { get(name: string): string | undefined } };
    };

    expect(error.statusCode).toBe(429);
    expect(error.code).toBe('Throttled');
    expect(error.message).toBe(
      'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
    );
    const retryAfter = Number(error.response?.headers.get('retry-after'));
    // Whole seconds until the oldest write leaves the 10-second window.
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(running.usage()).toMatchObject({ throttled: { secretWrites: 1, otherOperations: 0 } });
  });

  it('answers the other operation past its own limit with 429, while secret writes have their own budget', async () => {
    const running = await vaultWith({ otherOperations: 4 });
    const sdk = sdkFor(running);
    const secret = name();
    await sdk.setSecret(secret, 'v');
    for (let i = 0; i < 4; i += 1) await sdk.getSecret(secret);

    const error = (await rejectionOf(sdk.getSecret(secret))) as { statusCode?: number; code?: string };
    expect(error).toMatchObject({ statusCode: 429, code: 'Throttled' });
    await expect(sdk.setSecret(name(), 'v')).resolves.toMatchObject({ value: 'v' });
    expect(running.requests.filter((request) => request.status === 429)).toEqual([
      { method: 'GET', path: `/secrets/${secret}/`, status: 429 },
    ]);
  });

  it('admits exactly the limit out of a concurrent burst', async () => {
    const running = await vaultWith({ secretWrites: 10 });
    const sdk = sdkFor(running);
    // One request first, so the burst is not split by the SDK's opening challenge round trip.
    await sdk.getSecret('warm-up').catch(() => undefined);

    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => sdk.setSecret(name(), 'v')));

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(refused).toHaveLength(40);
    for (const reason of refused) expect(reason).toMatchObject({ statusCode: 429 });
    expect(running.usage()).toMatchObject({ busiestSecretWriteWindow: 10, throttled: { secretWrites: 40 } });
  });

  it('does not count the 429s: the window frees up while the client keeps knocking', async () => {
    const running = await vaultWith({ secretWrites: 2, windowMs: 1_000 });
    const sdk = sdkFor(running);
    await sdk.setSecret(name(), 'v');
    await sdk.setSecret(name(), 'v');

    // Knocking every 25 ms: were refusals counted, the window would never empty and this would time out.
    await waitFor('a write admitted again', () =>
      sdk.setSecret(name(), 'v').then(
        () => true,
        () => undefined,
      ),
    );

    const usage = running.usage();
    expect(usage.secretWriteTimes).toHaveLength(3);
    expect(usage.throttled.secretWrites).toBeGreaterThan(0);
    expect(usage.busiestSecretWriteWindow).toBe(2);
  });

  it("is honoured by the SDK's own retry policy, which waits Retry-After and sends again", async () => {
    const running = await vaultWith({ secretWrites: 1, windowMs: 1_000 });
    const sdk = sdkFor(running, {});
    await sdk.setSecret(name(), 'v');
    const second = name();

    await expect(sdk.setSecret(second, 'v')).resolves.toMatchObject({ value: 'v' });

    expect(running.requests.filter((request) => request.path === `/secrets/${second}`)).toEqual([
      { method: 'PUT', path: `/secrets/${second}`, status: 429 },
      { method: 'PUT', path: `/secrets/${second}`, status: 200 },
    ]);
  });

  it('reaches the app as a ThrottledError carrying Retry-After, sent once', async () => {
    const running = await vaultWith({ secretWrites: 1 });
    const adapter = createKeyVaultVault({
      vaultUrl: running.url,
      credential: createLocalEmulatorCredential(),
      localEmulator: true,
    });
    await adapter.storeAppPassword(name(), 'first', tags, undefined);
    const second = name();

    const error = await rejectionOf(adapter.storeAppPassword(second, 'second', tags, undefined));

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBeGreaterThanOrEqual(1_000);
    expect((error as ThrottledError).retryAfterMs).toBeLessThanOrEqual(10_000);
    expect((error as Error).message).toBe(`Key Vault store of secret '${second}' failed (status 429, Throttled)`);
    expect(running.requests.filter((request) => request.path === `/secrets/${second}`)).toEqual([
      { method: 'PUT', path: `/secrets/${second}`, status: 429 },
    ]);
  });

  it('refuses limits that are not positive whole numbers', async () => {
    await expect(startLocalVault({ port: 0, limits: { secretWrites: 0 } })).rejects.toThrow(RangeError);
    await expect(startLocalVault({ port: 0, limits: { windowMs: 1.5 } })).rejects.toThrow(RangeError);
  });
});
