import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { SecretClient } from '@azure/keyvault-secrets';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createKeyVaultVault, createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { PermanentError, ThrottledError, TransientError } from '../../core/errors.js';
import type { AppPasswordTags, Vault } from '../../core/ports.js';
import { startLocalVault, type RunningLocalVault } from '../../devhost/localVault.js';
import { freePort } from '../../devhost/freePort.js';

const tags: AppPasswordTags = {
  enrollmentId: 'enr-1',
  employeeId: 'E1001',
  deviceLabel: 'iPhone',
  issuedAt: '2026-11-25T10:00:00.000Z',
};

const uniqueName = (): string => `app-pw-${randomUUID()}`;
const uniqueValue = (): string => `pw-${randomUUID()}`;

function adapterFor(vault: RunningLocalVault): Vault {
  return createKeyVaultVault({ vaultUrl: vault.url, credential: createLocalEmulatorCredential(), localEmulator: true });
}

/** Runs `action`, expects it to throw, and returns the error together with the requests the vault saw meanwhile. */
async function failureOf(vault: RunningLocalVault, action: () => Promise<unknown>) {
  const before = vault.requests.length;
  const error = await action().then(
    () => {
      throw new Error('expected the call to fail');
    },
    (caught: unknown) => caught,
  );
  return { error, seen: vault.requests.slice(before) };
}

/** Everything an error could leak through: message, stack, own fields, cause, and how Node prints it. */
const everythingIn = (error: unknown): string =>
  [inspect(error, { depth: 5, showHidden: true }), JSON.stringify(error), String(error)].join('\n');

describe('Key Vault adapter against the local vault', () => {
  let vault: RunningLocalVault;
  let adapter: Vault;
  let sdk: SecretClient;

  beforeAll(async () => {
    vault = await startLocalVault({ port: await freePort() });
    adapter = adapterFor(vault);
    sdk = new SecretClient(vault.url, createLocalEmulatorCredential(), {
      allowInsecureConnection: true,
      disableChallengeResourceVerification: true,
    });
  });

  afterAll(async () => {
    await vault.close();
  });

  it('reads back what it stored', async () => {
    const name = uniqueName();
    const value = uniqueValue();

    const reference = await adapter.storeAppPassword(name, value, tags, undefined);

    expect(reference.secretName).toBe(name);
    expect(reference.version).toMatch(/^[0-9a-f]{32}$/);
    expect(reference.expiresOn).toBeNull();
    await expect(adapter.readAppPassword(reference)).resolves.toBe(value);
  });

  it('stores with exactly one accepted write', async () => {
    const name = uniqueName();
    const before = vault.requests.length;

    await adapter.storeAppPassword(name, uniqueValue(), tags, undefined);

    const writes = vault.requests.slice(before).filter((r) => r.method === 'PUT' && r.status === 200);
    expect(writes).toEqual([{ method: 'PUT', path: `/secrets/${name}`, status: 200 }]);
  });

  it('round-trips tags, content type and expiry', async () => {
    const name = uniqueName();
    // Key Vault keeps whole seconds.
    const expiresOn = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);

    const reference = await adapter.storeAppPassword(name, uniqueValue(), tags, expiresOn);
    const secret = await sdk.getSecret(name, { version: reference.version });

    expect(reference.expiresOn).toBe(expiresOn.toISOString());
    expect(secret.properties.tags).toEqual({ ...tags });
    expect(secret.properties.contentType).toBe('text/plain; purpose=app-password');
    expect(secret.properties.expiresOn?.toISOString()).toBe(expiresOn.toISOString());
    expect(secret.properties.enabled).toBe(true);
  });

  it('finds the newest live version, and nothing for unknown names or after disabling', async () => {
    const name = uniqueName();
    await adapter.storeAppPassword(name, uniqueValue(), tags, undefined);
    const newest = await adapter.storeAppPassword(name, uniqueValue(), tags, undefined);

    await expect(adapter.findLiveAppPassword(name)).resolves.toEqual(newest);
    await expect(adapter.findLiveAppPassword(uniqueName())).resolves.toBeUndefined();

    const only = uniqueName();
    const reference = await adapter.storeAppPassword(only, uniqueValue(), tags, undefined);
    await expect(adapter.findLiveAppPassword(only)).resolves.toEqual(reference);
    await adapter.disableAppPassword(reference);
    await expect(adapter.findLiveAppPassword(only)).resolves.toBeUndefined();
  });

  it('makes a disabled version unreadable, and disabling again or a missing version is fine', async () => {
    const name = uniqueName();
    const value = uniqueValue();
    const reference = await adapter.storeAppPassword(name, value, tags, undefined);

    await adapter.disableAppPassword(reference);

    const { error } = await failureOf(vault, () => adapter.readAppPassword(reference));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).toContain('403');
    expect(everythingIn(error)).not.toContain(value);
    await expect(adapter.disableAppPassword(reference)).resolves.toBeUndefined();
    await expect(
      adapter.disableAppPassword({ secretName: uniqueName(), version: 'f'.repeat(32) }),
    ).resolves.toBeUndefined();
  });

  it('reports a missing secret as permanent', async () => {
    const name = uniqueName();
    const { error } = await failureOf(vault, () =>
      adapter.readAppPassword({ secretName: name, version: 'a'.repeat(32) }),
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/read of secret '.*' failed \(status 404, SecretNotFound\)/);
  });

  it('gives a throttled read up at once when Retry-After reaches past its budget', async () => {
    const name = uniqueName();
    const value = uniqueValue();
    const reference = await adapter.storeAppPassword(name, value, tags, undefined);

    vault.failNext(1, 429, 7);
    const { error, seen } = await failureOf(vault, () => adapter.readAppPassword(reference));

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(7000);
    expect((error as Error).message).toContain(name);
    expect(seen).toEqual([{ method: 'GET', path: `/secrets/${name}/${reference.version}`, status: 429 }]);
    await expect(adapter.readAppPassword(reference)).resolves.toBe(value);
  });

  it('waits out a throttled read within its budget, as long as Retry-After asks, and says so', async () => {
    const waits: string[] = [];
    const logging = createKeyVaultVault({
      vaultUrl: vault.url,
      credential: createLocalEmulatorCredential(),
      localEmulator: true,
      onThrottledRead: (message) => waits.push(message),
    });
    const name = uniqueName();
    const value = uniqueValue();
    const reference = await logging.storeAppPassword(name, value, tags, undefined);
    const before = vault.requests.length;

    vault.failNext(1, 429, 1);
    await expect(logging.readAppPassword(reference)).resolves.toBe(value);

    const path = `/secrets/${name}/${reference.version}`;
    expect(vault.requests.slice(before)).toEqual([
      { method: 'GET', path, status: 429 },
      { method: 'GET', path, status: 200 },
    ]);
    expect(waits).toEqual([
      `Key Vault read of secret '${name}' failed (status 429, Throttled); waiting 1000 ms and reading again`,
    ]);
  });

  it('backs a throttled read off 1 s, then 2 s, without Retry-After, and stops at its budget', async () => {
    const patient = createKeyVaultVault({
      vaultUrl: vault.url,
      credential: createLocalEmulatorCredential(),
      localEmulator: true,
      throttledReadBudgetMs: 1_500,
    });
    const name = uniqueName();
    const reference = await patient.storeAppPassword(name, uniqueValue(), tags, undefined);

    vault.failNext(2, 429);
    const { error, seen } = await failureOf(vault, () => patient.readAppPassword(reference));

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBeUndefined();
    // The second wait (2 s) would end past the 1.5 s budget, so there is no third request.
    expect(seen.map((request) => request.status)).toEqual([429, 429]);
  });

  it('reports a throttled write, update and list at once, without sending them again', async () => {
    const name = uniqueName();
    const reference = await adapter.storeAppPassword(name, uniqueValue(), tags, undefined);

    for (const action of [
      () => adapter.storeAppPassword(uniqueName(), uniqueValue(), tags, undefined),
      () => adapter.disableAppPassword(reference),
      () => adapter.findLiveAppPassword(name),
    ]) {
      vault.failNext(1, 429, 1);
      const { error, seen } = await failureOf(vault, action);
      expect(error).toBeInstanceOf(ThrottledError);
      expect((error as ThrottledError).retryAfterMs).toBe(1000);
      expect(seen.map((request) => request.status)).toEqual([429]);
    }
  });

  it('turns a 503 on store into a TransientError whose message leaks no value', async () => {
    const name = uniqueName();
    const value = uniqueValue();

    vault.failNext(1, 503);
    const { error, seen } = await failureOf(vault, () => adapter.storeAppPassword(name, value, tags, undefined));

    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBeUndefined();
    expect((error as Error).message).toBe(
      `Key Vault store of secret '${name}' failed (status 503, ServiceUnavailable)`,
    );
    expect((error as Error).cause).toBeUndefined();
    expect(everythingIn(error)).not.toContain(value);
    expect(seen).toEqual([{ method: 'PUT', path: `/secrets/${name}`, status: 503 }]);
    await expect(adapter.findLiveAppPassword(name)).resolves.toBeUndefined();
  });

  it('turns a 429 on store into a TransientError whose message leaks no value', async () => {
    const name = uniqueName();
    const value = uniqueValue();

    vault.failNext(1, 429, 3);
    const { error, seen } = await failureOf(vault, () => adapter.storeAppPassword(name, value, tags, undefined));

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as TransientError).retryAfterMs).toBe(3000);
    expect(everythingIn(error)).not.toContain(value);
    expect(seen).toHaveLength(1);
  });

  it('turns an unreachable vault into a TransientError', async () => {
    const closed = await startLocalVault({ port: await freePort() });
    const unreachable = adapterFor(closed);
    await closed.close();

    const { error } = await failureOf(closed, () => unreachable.storeAppPassword(uniqueName(), 'x', tags, undefined));

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('no response');
  });
});

describe('local vault', () => {
  it('challenges the SDK first, then accepts its bearer token', async () => {
    const vault = await startLocalVault({ port: await freePort() });
    try {
      const name = uniqueName();
      await adapterFor(vault).storeAppPassword(name, uniqueValue(), tags, undefined);

      expect(vault.requests).toEqual([
        { method: 'PUT', path: `/secrets/${name}`, status: 401 },
        { method: 'PUT', path: `/secrets/${name}`, status: 200 },
      ]);
    } finally {
      await vault.close();
    }
  });

  it('answers a request without a bearer token with 401 and the Key Vault challenge', async () => {
    const vault = await startLocalVault({ port: await freePort() });
    try {
      const response = await fetch(`${vault.url}/secrets/some-name/?api-version=2025-07-01`);

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
      );
      expect(await response.json()).toMatchObject({ error: { code: 'Unauthorized' } });
    } finally {
      await vault.close();
    }
  });

  it('rejects invalid names, invalid JSON and oversized bodies', async () => {
    const vault = await startLocalVault({ port: await freePort() });
    const put = (path: string, body: string) =>
      fetch(`${vault.url}${path}?api-version=2025-07-01`, {
        method: 'PUT',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body,
      });
    try {
      const badName = await put('/secrets/not_valid', '{"value":"x"}');
      expect(badName.status).toBe(400);
      expect(await badName.json()).toMatchObject({ error: { code: 'BadParameter' } });

      const badJson = await put('/secrets/valid-name', '{"value":');
      expect(badJson.status).toBe(400);
      expect(await badJson.json()).toMatchObject({ error: { code: 'BadParameter' } });

      const huge = await put('/secrets/valid-name', JSON.stringify({ value: 'x'.repeat(1024 * 1024 + 1) }));
      expect(huge.status).toBe(413);
      expect(await huge.json()).toMatchObject({ error: { code: 'RequestEntityTooLarge' } });
    } finally {
      await vault.close();
    }
  });

  it('soft-deletes, blocks the name until purged, and treats names case-insensitively', async () => {
    const vault = await startLocalVault({ port: await freePort() });
    const sdk = new SecretClient(vault.url, createLocalEmulatorCredential(), {
      allowInsecureConnection: true,
      disableChallengeResourceVerification: true,
    });
    try {
      const name = uniqueName();
      await sdk.setSecret(name, 'v1');
      await expect(sdk.getSecret(name.toUpperCase())).resolves.toMatchObject({ value: 'v1' });

      const poller = await sdk.beginDeleteSecret(name, { intervalInMs: 10 });
      const deleted = await poller.pollUntilDone();
      expect(deleted.recoveryId).toBe(`${vault.url}/deletedsecrets/${name}`);
      expect(deleted.deletedOn).toBeInstanceOf(Date);
      await expect(sdk.setSecret(name, 'v2')).rejects.toMatchObject({ statusCode: 409 });

      await sdk.purgeDeletedSecret(name);
      await expect(sdk.getDeletedSecret(name)).rejects.toMatchObject({ statusCode: 404 });
      await expect(sdk.setSecret(name, 'v3')).resolves.toMatchObject({ value: 'v3' });
    } finally {
      await vault.close();
    }
  });

  it('keeps its secrets across a restart on the same data file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'local-vault-'));
    const dataFile = join(folder, 'vault.json');
    try {
      const port = await freePort();
      const first = await startLocalVault({ port, dataFile });
      const name = uniqueName();
      const value = uniqueValue();
      let reference;
      try {
        reference = await adapterFor(first).storeAppPassword(name, value, tags, undefined);
      } finally {
        await first.close();
      }

      const second = await startLocalVault({ port, dataFile });
      try {
        const adapter = adapterFor(second);
        await expect(adapter.readAppPassword(reference)).resolves.toBe(value);
        await expect(adapter.findLiveAppPassword(name)).resolves.toEqual(reference);
      } finally {
        await second.close();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
