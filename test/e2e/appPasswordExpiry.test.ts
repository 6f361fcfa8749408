import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revealedEnrollment } from '../helpers/enrollmentJourney.js';
import { startTestRuntime, testRelyingServiceKey, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/** Its own runtime (one per process file): app passwords here live for seconds, not a year. */
let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ APP_PASSWORD_VALID_FOR: 'PT8S' });
});

afterAll(async () => {
  await runtime.stop();
});

const isValid = async (userPrincipalName: string, password: string) =>
  (
    (await (
      await runtime.api('/api/app-passwords/verify', {
        method: 'POST',
        json: { userPrincipalName, password },
        key: testRelyingServiceKey,
      })
    ).json()) as { valid: boolean }
  ).valid;

describe('an expiring app password', () => {
  it('verifies until it expires, then never again, and is listed as expired', async () => {
    const user = await revealedEnrollment(runtime);
    expect(await isValid(user.upn, user.password)).toBe(true);
    await waitFor('expiry', async () => ((await isValid(user.upn, user.password)) ? undefined : true), {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    const listed = (await (await runtime.api(`/api/users/${encodeURIComponent(user.upn)}/app-passwords`)).json()) as {
      appPasswords: { status: string; expiresAt: string }[];
    };
    expect(listed.appPasswords.map((item) => item.status)).toEqual(['expired']);
    expect(Date.parse(listed.appPasswords[0]?.expiresAt ?? '')).toBeLessThanOrEqual(Date.now());
  }, 60_000);
});
