import { describe, expect, it } from 'vitest';
import { SecretStore } from '../../../devhost/localVault/secretStore.js';
import { VaultError } from '../../../devhost/localVault/vaultError.js';

const base = 'http://127.0.0.1:8200';

/** The status and code a store operation refuses with. */
function refusal(action: () => unknown): { status: number; code: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof VaultError) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('expected a VaultError');
}

const valueOf = (bundle: unknown) => (bundle as { value?: string }).value;
const idOf = (bundle: unknown) => (bundle as { id: string }).id;

describe('SecretStore', () => {
  it('adds a version on each set; a version-less get is the newest, any older one stays readable', () => {
    const store = new SecretStore();
    const first = idOf(store.set(base, 'app-1', { value: 'one' }));
    store.set(base, 'APP-1', { value: 'two' });
    expect(valueOf(store.get(base, 'App-1', ''))).toBe('two');
    const version = first.split('/').at(-1) ?? '';
    expect(valueOf(store.get(base, 'app-1', version.toUpperCase()))).toBe('one');
    expect(store.records()).toHaveLength(1);
    expect(idOf(store.get(base, 'APP-1', ''))).toMatch(/\/secrets\/app-1\/[0-9a-f]{32}$/);
  });

  it('keeps a deleted name until it is purged: no get, no reuse, then recover or purge', () => {
    const store = new SecretStore();
    store.set(base, 'app-1', { value: 'one' });
    store.delete(base, 'app-1');
    expect(refusal(() => store.get(base, 'app-1', ''))).toEqual({ status: 404, code: 'SecretNotFound' });
    expect(refusal(() => store.set(base, 'app-1', { value: 'two' }))).toEqual({ status: 409, code: 'Conflict' });
    expect(refusal(() => store.delete(base, 'app-1')).status).toBe(404);
    store.recover(base, 'app-1');
    expect(valueOf(store.get(base, 'app-1', ''))).toBe('one');
    expect(
      refusal(() => {
        store.purge('app-1');
      }),
    ).toEqual({ status: 404, code: 'SecretNotFound' });
    store.delete(base, 'app-1');
    store.purge('APP-1');
    expect(store.records()).toEqual([]);
    store.set(base, 'app-1', { value: 'three' });
    expect(valueOf(store.get(base, 'app-1', ''))).toBe('three');
  });

  it('lists live secrets and deleted ones apart, without values', () => {
    const store = new SecretStore();
    store.set(base, 'live', { value: 'a' });
    store.set(base, 'gone', { value: 'b' });
    store.delete(base, 'gone');
    const ids = (list: unknown) => (list as { value: { id: string; value?: string }[] }).value;
    expect(ids(store.list(base)).map((item) => item.id)).toEqual([`${base}/secrets/live`]);
    expect(ids(store.listDeleted(base)).map((item) => item.id)).toEqual([`${base}/secrets/gone`]);
    expect(JSON.stringify([store.list(base), store.listDeleted(base), store.listVersions(base, 'live')])).not.toMatch(
      /"value":"[ab]"/,
    );
  });

  it('refuses a disabled version’s value, and an update with one bad field changes nothing', () => {
    const store = new SecretStore();
    store.set(base, 'app-1', { value: 'one', contentType: 'text/plain' });
    expect(refusal(() => store.update(base, 'app-1', '', { attributes: { enabled: false }, tags: 'x' })).status).toBe(
      400,
    );
    expect(valueOf(store.get(base, 'app-1', ''))).toBe('one');
    store.update(base, 'app-1', '', { attributes: { enabled: false }, contentType: null });
    expect(refusal(() => store.get(base, 'app-1', ''))).toEqual({ status: 403, code: 'Forbidden' });
    expect(store.records()[0]?.versions[0]?.contentType).toBeUndefined();
  });

  it('refuses a value over 25 KiB and leaves no record behind', () => {
    const store = new SecretStore();
    expect(refusal(() => store.set(base, 'big', { value: 'x'.repeat(25 * 1024 + 1) })).status).toBe(400);
    expect(store.records()).toEqual([]);
  });
});
