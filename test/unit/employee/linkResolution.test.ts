import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../core/errors.js';
import { abusePolicy, csrfTokenFor } from '../../../core/oneTimeCode.js';
import type { EnrollmentInstances, InstanceStatus, LinkPurpose } from '../../../core/ports.js';
import { newLinkToken } from '../../../core/tokens.js';
import { createFrames } from '../../../functions/handlers/employee/frames.js';
import { createHandOff } from '../../../functions/handlers/employee/handOff.js';
import { isReady } from '../../../functions/handlers/employee/link.js';
import { createLinkResolution, unmatchedLinksAudit } from '../../../functions/handlers/employee/linkResolution.js';
import { createSessions } from '../../../functions/handlers/employee/session.js';
import { createFollowUps } from '../../../functions/followUps.js';
import { enrollmentId, invocation, pageRequest, recordFor, tableStores, testClock } from './harness.js';

const clock = testClock();
const stores = tableStores(clock.now);
const day = 86_400_000;

/** The orchestration's status as the Durable client would report it; the one port these tests stand in for. */
let customStatus: unknown = { stage: 'awaiting-verification', mfaRegistered: true, contactVerified: false };
const reads = { statuses: 0 };
const instances: EnrollmentInstances = {
  start: () => Promise.reject(new Error('not started here')),
  status: (id) => {
    reads.statuses += 1;
    const status: InstanceStatus = {
      runtimeStatus: 'Running',
      customStatus,
      input: { employeeId: 'E1' },
      createdAt: clock.now().toISOString(),
      updatedAt: clock.now().toISOString(),
    };
    return Promise.resolve(id.startsWith('enr-') ? status : undefined);
  },
  raiseEvent: () => Promise.reject(new Error('not raised here')),
};

const followUps = createFollowUps({ log: () => undefined });
const handOff = createHandOff(followUps);

/** Once the answer is out: what was handed off starts on the next turn, then runs to its end. */
async function afterTheAnswer(context: ReturnType<typeof invocation>) {
  handOff.startAfterAnswer(context);
  await new Promise((resolve) => setImmediate(resolve));
  await followUps.idle();
}
const sessions = createSessions({
  publicBaseUrl: 'https://enroll.contoso.example',
  retrievalValidForMs: 7 * day,
  linkTokens: stores.ports.linkTokens,
  now: clock.now,
});
const links = createLinkResolution(
  { ...stores.ports, defaultLocale: 'da', instances: () => instances, now: clock.now },
  { frames: createFrames('Europe/Copenhagen'), sessions, handOff },
);

/** Each test its own client address, so the per-client miss limit of one never meets another's. */
const newClient = () => `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(1, 255)}`;

async function savedLink(purpose: LinkPurpose, id = enrollmentId(), expiresInMs = day) {
  const { token, hash } = newLinkToken();
  await stores.linkTokens.save(hash, {
    enrollmentId: id,
    purpose,
    expiresAt: new Date(clock.now().getTime() + expiresInMs).toISOString(),
  });
  await stores.enrollments.save(recordFor(id));
  return { token, hash, id };
}

function resolve(path: string, client: string, purposes: readonly LinkPurpose[] = ['enroll'], cookie?: string) {
  const context = invocation();
  const request = pageRequest(path, {
    headers: { 'x-forwarded-for': client, ...(cookie === undefined ? {} : { cookie }) },
  });
  return { context, resolved: links.resolve(request, context, purposes, { session: cookie !== undefined }) };
}

const missesOf = async (client: string) =>
  (await stores.audit.list(unmatchedLinksAudit)).filter((entry) => entry.actor === `client ${client}`);

describe('link resolution', () => {
  it('answers a value that is not a token with the invalid-link page and 400, audited as malformed', async () => {
    const client = newClient();
    for (const token of ['%ZZ', 'not-a-token', 'A'.repeat(42), `${'A'.repeat(42)}=`]) {
      const { resolved } = resolve(`/e/${token}`, client);
      const result = await resolved;
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.page.status, token).toBe(400);
    }
    expect((await missesOf(client)).map((entry) => entry.detail)).toEqual(Array(4).fill('malformed'));
  });

  it('answers a well-formed token that matches nothing, or matches another purpose, with 404, audited', async () => {
    const client = newClient();
    const unknown = await resolve(`/e/${'A'.repeat(43)}`, client).resolved;
    const reveal = await savedLink('reveal');
    const misused = await resolve(`/e/${reveal.token}`, client, ['enroll']).resolved;
    for (const result of [unknown, misused]) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.page.status).toBe(404);
    }
    const misses = await missesOf(client);
    // Written at the same instant, so listed in no particular order.
    expect(misses.map((entry) => entry.detail).sort()).toEqual(['unknown', 'wrong purpose reveal']);
    expect(JSON.stringify(misses)).not.toContain(reveal.token);
  });

  it('refuses a client after its misses, good links too, and gives a good link’s slot back after the answer', async () => {
    const client = newClient();
    const good = await savedLink('enroll');
    // A good link's slot comes back once its answer is out: any number of them never adds up to a refusal.
    for (let visit = 0; visit < abusePolicy.linkMissesPerClient + 2; visit += 1) {
      const { context, resolved } = resolve(`/e/${good.token}`, client);
      expect((await resolved).ok).toBe(true);
      await afterTheAnswer(context);
    }
    for (let miss = 0; miss < abusePolicy.linkMissesPerClient; miss += 1) {
      await resolve(`/e/${'Q'.repeat(43)}`, client).resolved;
    }
    const refused = await resolve(`/e/${good.token}`, client).resolved;
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.page.status).toBe(429);
      expect(refused.page.retryAfterMs).toBeGreaterThan(0);
    }
    expect(await missesOf(client)).toHaveLength(abusePolicy.linkMissesPerClient);
  });

  it('looks up at most the limit of 40 concurrent unknown links from one client', async () => {
    const client = newClient();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, guess) => resolve(`/e/${String(guess).padStart(43, 'z')}`, client).resolved),
    );
    const statuses = results.map((result) => (result.ok ? 200 : result.page.status));
    expect(statuses.filter((status) => status !== 404 && status !== 429)).toEqual([]);
    expect((await missesOf(client)).length).toBeLessThanOrEqual(abusePolicy.linkMissesPerClient);
    expect(statuses.filter((status) => status === 404)).toHaveLength((await missesOf(client)).length);
  });

  it('resolves a link with its record, its status, its CSRF token and the session read beside it', async () => {
    const { token, hash, id } = await savedLink('enroll');
    const cookie = await sessions.start(id, clock.now());
    const result = await resolve(`/e/${token}?lang=en`, newClient(), ['enroll'], `${cookie.name}=${cookie.value}`)
      .resolved;
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.link).toMatchObject({
      enrollmentId: id,
      basePath: `/e/${token}`,
      home: `/e/${token}?lang=en`,
      csrf: csrfTokenFor('page-secret', hash),
      stage: 'awaiting-verification',
      mfaRegistered: true,
      contactVerified: false,
      session: true,
    });
    expect(result.link.frame.locale).toBe('en');
  });

  it('shows an expired link as expired, in its enrollment’s language', async () => {
    const { token } = await savedLink('enroll', enrollmentId(), -1);
    const result = await resolve(`/e/${token}`, newClient()).resolved;
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.page.status).toBe(410);
      expect(result.page.html).toContain('<html lang="en">');
    }
  });

  it('refuses to guess around a malformed orchestration status: a clear error naming the enrollment', async () => {
    const { token, id } = await savedLink('enroll');
    customStatus = { stage: 'nearly-there' };
    try {
      const failed = resolve(`/e/${token}`, newClient()).resolved;
      await expect(failed).rejects.toThrow(PermanentError);
      await expect(failed).rejects.toThrow(`Enrollment ${id} has a malformed orchestration status (customStatus.stage`);
    } finally {
      customStatus = { stage: 'awaiting-verification', mfaRegistered: true, contactVerified: false };
    }
  });

  it('resolves a ready link from its snapshot alone, reading neither the record nor the status', async () => {
    const id = enrollmentId();
    const { token, hash } = newLinkToken();
    const snapshot = {
      appPassword: { secretName: 'apppw-x', version: 'v1' },
      pageSecret: 'snapshot-secret',
      userPrincipalName: 'ada@contoso.example',
      locale: 'en' as const,
    };
    const expiresAt = new Date(clock.now().getTime() + day).toISOString();
    await stores.linkTokens.save(hash, { enrollmentId: id, purpose: 'reveal', expiresAt, reveal: snapshot });
    const before = reads.statuses;
    const request = pageRequest(`/r/${token}`, { headers: { 'x-forwarded-for': newClient() } });
    const result = await links.resolveForReveal(request, invocation(), ['reveal']);
    expect(result.ok && isReady(result.link)).toBe(true);
    if (result.ok && isReady(result.link)) {
      expect(result.link.csrf).toBe(csrfTokenFor('snapshot-secret', hash));
      expect(result.link.retrievalExpiresAt.toISOString()).toBe(expiresAt);
    }
    expect(reads.statuses).toBe(before);
  });
});
