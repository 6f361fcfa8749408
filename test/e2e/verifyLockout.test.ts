import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTableAuditLog } from '../../adapters/tables/auditLog.js';
import { createTableClientFactory } from '../../adapters/tables/tableClients.js';
import { userAuditSubject } from '../../functions/handlers/appPasswords.js';
import { fetchFrom } from '../helpers/clientAddress.js';
import { revealedEnrollment, type RevealedEnrollment } from '../helpers/enrollmentJourney.js';
import { startTestRuntime, testRelyingServiceKey, type TestRuntime } from '../helpers/testRuntime.js';

/**
 * The verify lockout as an attacker meets it, through the local runtime: failures are counted per (user, client
 * address) and per client address, each attempt takes its slot before any hashing, so bursts cannot outrun the count,
 * contention is answered 429, never 5xx, and nobody can lock a user out from an address the user is not at.
 */

const perUser = 10;
const perClient = 100;
let runtime: TestRuntime;
let bob: RevealedEnrollment;

beforeAll(async () => {
  runtime = await startTestRuntime({
    VERIFY_MAX_FAILURES_PER_USER: String(perUser),
    VERIFY_MAX_FAILURES_PER_CLIENT: String(perClient),
  });
  bob = await revealedEnrollment(runtime);
}, 60_000);

afterAll(async () => {
  await runtime.stop();
});

/** A verify call from the relying service, connecting from `from` (its own address), with `body`. */
async function verify(body: Record<string, unknown>, from = '127.0.0.1'): Promise<{ status: number; body: unknown }> {
  const response = await fetchFrom(from)(`${runtime.url}/api/app-passwords/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': testRelyingServiceKey },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function failuresAudited(upn: string): Promise<number> {
  const tables = createTableClientFactory(
    { connectionString: inject('azuriteConnectionString') },
    { tablePrefix: runtime.settings['APP_TABLE_PREFIX'] },
  );
  const entries = await createTableAuditLog(tables).list(userAuditSubject(upn));
  return entries.filter((entry) => entry.action === 'app-password-verify-failed').length;
}

async function inBatches<T>(count: number, size: number, call: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += size) {
    results.push(
      ...(await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, i) => call(start + i)))),
    );
  }
  return results;
}

describe('verify under attack', () => {
  it(`evaluates at most ${perUser} of 50 concurrent guesses for one user, the right one only with a slot, no 5xx`, async () => {
    const client = '198.51.100.20';
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        verify({
          userPrincipalName: bob.upn,
          password: index === 30 ? bob.password : 'wrongwrongwrongw',
          clientAddress: client,
        }),
      ),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    // Every 200 is an evaluated guess; a wrong one is audited as it is answered.
    const evaluated = results.filter((result) => result.status === 200);
    expect(evaluated.length).toBeGreaterThan(0);
    expect(evaluated.length).toBeLessThanOrEqual(perUser);
    const right = results[30];
    const wrongEvaluated = evaluated.filter((result) => result !== right).length;
    expect(await failuresAudited(bob.upn)).toBe(wrongEvaluated);
    // The right password in the burst was heard only if it held a slot: answered valid, or refused, never "invalid".
    expect([200, 429]).toContain(right?.status);
    if (right?.status === 200) expect(right.body).toMatchObject({ valid: true });
    process.stderr.write(
      `verify burst: 50 concurrent for one user, limit ${perUser}: ${evaluated.length} evaluated, ` +
        `${statuses.filter((status) => status === 429).length} × 429, 0 × 5xx; the right one ${right?.status ?? '?'}\n`,
    );
  });

  it(`evaluates at most ${perClient} of 150 concurrent guesses from one client address, across users`, async () => {
    const client = '198.51.100.30';
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, index) =>
        verify({ userPrincipalName: `spray-${index}@contoso.dk`, password: 'wrongwrongwrongw', clientAddress: client }),
      ),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    const evaluated = statuses.filter((status) => status === 200).length;
    expect(evaluated).toBeLessThanOrEqual(perClient);
    let audited = 0;
    for (let index = 0; index < 150; index += 1) audited += await failuresAudited(`spray-${index}@contoso.dk`);
    expect(audited).toBe(evaluated);
    process.stderr.write(`verify spray: 150 concurrent from one client, limit ${perClient}: ${evaluated} evaluated\n`);
  }, 60_000);

  it('never stops the right password from another address: 1,000 wrong ones from one address', async () => {
    const attacker = '198.51.100.7';
    const answers = await inBatches(1_000, 50, () =>
      verify({ userPrincipalName: bob.upn, password: 'wrongwrongwrongw', clientAddress: attacker }),
    );
    expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
    expect(answers.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(perUser);
    // From the attacker's address the user is locked, the right password included: that is the point.
    expect((await verify({ userPrincipalName: bob.upn, password: bob.password, clientAddress: attacker })).status).toBe(
      429,
    );
    // From anywhere else, the owner is heard.
    for (const elsewhere of ['203.0.113.9', '2001:db8::9']) {
      expect(await verify({ userPrincipalName: bob.upn, password: bob.password, clientAddress: elsewhere })).toEqual({
        status: 200,
        body: expect.objectContaining({ valid: true }) as unknown,
      });
    }
    // Without clientAddress the relying service's own address stands in, and it has no failures.
    expect((await verify({ userPrincipalName: bob.upn, password: bob.password })).body).toMatchObject({ valid: true });
  }, 120_000);

  it("counts by the relying service's own address when it passes no clientAddress", async () => {
    const relay = '127.0.0.2';
    for (let index = 0; index < perUser; index += 1) {
      expect((await verify({ userPrincipalName: bob.upn, password: 'wrongwrongwrongw' }, relay)).status).toBe(200);
    }
    expect((await verify({ userPrincipalName: bob.upn, password: bob.password }, relay)).status).toBe(429);
    expect((await verify({ userPrincipalName: bob.upn, password: bob.password }, '127.0.0.3')).body).toMatchObject({
      valid: true,
    });
  });

  it('lets a relay that passes no clientAddress be locked out for everyone behind it, which clientAddress avoids', async () => {
    const relay = '127.0.0.4';
    await inBatches(perClient, 25, (index) =>
      verify({ userPrincipalName: `made-up-${index}@contoso.dk`, password: 'wrongwrongwrongw' }, relay),
    );
    // Every client behind the relay shares its budget: the residual risk SECURITY.md names.
    expect((await verify({ userPrincipalName: bob.upn, password: bob.password }, relay)).status).toBe(429);
    // Passing the end client's address puts the owner in a budget of their own.
    const own = await verify(
      { userPrincipalName: bob.upn, password: bob.password, clientAddress: '203.0.113.44' },
      relay,
    );
    expect(own.body).toMatchObject({ valid: true });
  });

  it('refuses a clientAddress that is not an IP address, pointing at the field', async () => {
    for (const clientAddress of ['localhost', '127.1', '0x7f.0.0.1', 'fe80::1%eth0', '203.0.113.7:443', '', 7]) {
      const answer = await verify({ userPrincipalName: bob.upn, password: bob.password, clientAddress });
      expect(answer.status, String(clientAddress)).toBe(400);
      expect(answer.body).toMatchObject({ errors: [{ pointer: '/clientAddress' }] });
    }
  });
});
