import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTableAuditLog } from '../../adapters/tables/auditLog.js';
import { createTableClientFactory } from '../../adapters/tables/tableClients.js';
import { abusePolicy } from '../../core/oneTimeCode.js';
import { unmatchedLinksAudit } from '../../functions/handlers/employeePages.js';
import { fetchFrom } from '../helpers/clientAddress.js';
import { EmployeeAgent } from '../helpers/employeeBrowser.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

const audit = () =>
  createTableAuditLog(
    createTableClientFactory(
      { connectionString: inject('azuriteConnectionString') },
      { tablePrefix: runtime.settings['APP_TABLE_PREFIX'] },
    ),
  );

describe('guessing is limited and audited', () => {
  // Runs first: the next test blocks this runtime's only client (loopback) for the rest of the window.
  it("refuses an enrollment's forms after too many forged posts", async () => {
    const started = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: 'G2',
        userPrincipalName: 'g2@contoso.dk',
        displayName: 'Gert',
        inviteEmail: 'gert@example.com',
        contact: { email: 'gert@example.com' },
        locale: 'en',
      },
    });
    const { id } = (await started.json()) as { id: string };
    const link = await waitFor(
      'invitation',
      () => runtime.mail.messages().find((message) => message.to.includes('gert@example.com'))?.links[0],
    );
    const path = new URL(link).pathname;
    const forger = new EmployeeAgent(runtime.url);
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= abusePolicy.refusedPostsPerEnrollment; attempt += 1) {
      statuses.push((await forger.submit(`${path}/mfa`, { csrf: `forged-${attempt}` })).status);
    }
    expect(statuses.slice(0, abusePolicy.refusedPostsPerEnrollment).every((status) => status === 403)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const refused = (await audit().list(id)).filter((entry) => entry.action === 'form-refused');
    expect(refused).toHaveLength(abusePolicy.refusedPostsPerEnrollment + 1);
  });

  it('refuses a client after too many unknown links, even for a good link, and audits every miss', async () => {
    await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: 'G1',
        userPrincipalName: 'g1@contoso.dk',
        displayName: 'Gita',
        inviteEmail: 'gita@example.com',
        contact: { email: 'gita@example.com' },
        locale: 'en',
      },
    });
    const goodLink = await waitFor(
      'invitation',
      () => runtime.mail.messages().find((message) => message.to.includes('gita@example.com'))?.links[0],
    );
    const agent = new EmployeeAgent(runtime.url);
    // A forged X-Forwarded-For cannot launder the client: the platform appends the real address last.
    for (let guess = 0; guess < abusePolicy.linkMissesPerClient; guess += 1) {
      const response = await fetch(`${runtime.url}/e/${String(guess).padStart(43, 'x')}`, {
        headers: { 'x-forwarded-for': `203.0.113.${guess}` },
      });
      expect(response.status, `guess ${guess}`).toBe(404);
    }
    expect((await agent.get(`/r/${'y'.repeat(43)}`)).status).toBe(429);
    const blocked = await agent.get(new URL(goodLink).pathname);
    expect(blocked.status).toBe(429);
    // Before the link is resolved the page cannot know the employee's language: the default locale (da) speaks.
    expect(blocked.html).toContain('For mange forsøg');
    const misses = (await audit().list(unmatchedLinksAudit)).filter((entry) => entry.action === 'link-miss');
    // Only the misses that held a slot were looked up, and each of them is audited; the refused ones cost nothing.
    expect(misses).toHaveLength(abusePolicy.linkMissesPerClient);
    expect(misses[0]?.actor).toMatch(/^client (127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    expect(JSON.stringify(misses)).not.toContain('x'.repeat(43));
  });

  it(`looks up at most ${abusePolicy.linkMissesPerClient} of 40 concurrent unknown links from one client, no 5xx`, async () => {
    const client = '127.0.4.1';
    const probe = fetchFrom(client);
    const statuses = await Promise.all(
      Array.from(
        { length: 40 },
        async (_, guess) => (await probe(`${runtime.url}/e/${String(guess).padStart(43, 'q')}`)).status,
      ),
    );
    expect(statuses.filter((status) => status !== 404 && status !== 429)).toEqual([]);
    // Every lookup of a token that matched nothing is audited: the audit counts the lookups made.
    const looked = (await audit().list(unmatchedLinksAudit)).filter((entry) => entry.actor === `client ${client}`);
    expect(looked.length).toBeLessThanOrEqual(abusePolicy.linkMissesPerClient);
    expect(statuses.filter((status) => status === 404)).toHaveLength(looked.length);
    process.stderr.write(
      `link burst: 40 concurrent unknown links, ${looked.length} looked up, ${statuses.filter((s) => s === 429).length} × 429\n`,
    );
  });
});
