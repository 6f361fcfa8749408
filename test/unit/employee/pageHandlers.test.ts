import { InvocationContext, type HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { abusePolicy } from '../../../core/oneTimeCode.js';
import { createEmployeeAudit } from '../../../functions/handlers/employee/audit.js';
import { createFrames } from '../../../functions/handlers/employee/frames.js';
import { createHandOff } from '../../../functions/handlers/employee/handOff.js';
import type { Resolution, Resolved } from '../../../functions/handlers/employee/link.js';
import { createPageHandlers } from '../../../functions/handlers/employee/pageHandlers.js';
import { createPageResponses } from '../../../functions/handlers/employee/responses.js';
import { createFollowUps } from '../../../functions/followUps.js';
import { enrollmentId, pageRequest, resolvedFor, tableStores, testClock } from './harness.js';

const clock = testClock();
const stores = tableStores(clock.now);
const followUps = createFollowUps({ log: () => undefined });
const handOff = createHandOff(followUps);
const { page, post } = createPageHandlers(
  { defaultLocale: 'da', rateLimiter: stores.ports.rateLimiter },
  {
    responses: createPageResponses('https://enroll.contoso.example'),
    frames: createFrames('Europe/Copenhagen'),
    handOff,
    audit: createEmployeeAudit({ ...stores.ports, now: clock.now }, handOff),
  },
);

const formPost = (link: Resolved, form: string, site = 'same-origin') =>
  pageRequest(`${link.basePath}/mfa`, {
    form,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': site },
  });

function counting(link: Resolved) {
  const calls = { action: 0 };
  const handler = post(
    (): Promise<Resolution> => Promise.resolve({ ok: true, link }),
    (): Promise<HttpResponseInit> => {
      calls.action += 1;
      return Promise.resolve({ status: 303 });
    },
  );
  return { calls, handler };
}

const context = () => new InvocationContext({ functionName: 'employeePage', logHandler: () => undefined });

describe('employee page handlers', () => {
  it('run a form post’s action only with the page’s CSRF token from the same site', async () => {
    const link = resolvedFor(enrollmentId());
    const { calls, handler } = counting(link);
    expect((await handler(formPost(link, `csrf=${link.csrf}`), context())).status).toBe(303);
    expect((await handler(formPost(link, 'csrf=forged'), context())).status).toBe(403);
    expect((await handler(formPost(link, `csrf=${link.csrf}`, 'cross-site'), context())).status).toBe(403);
    expect(calls.action).toBe(1);
    const refused = (await stores.audit.list(link.enrollmentId)).filter((entry) => entry.action === 'form-refused');
    expect(refused).toHaveLength(2);
  });

  it(`refuse an enrollment’s forms after ${abusePolicy.refusedPostsPerEnrollment} of 25 concurrent forged posts`, async () => {
    const link = resolvedFor(enrollmentId());
    const { calls, handler } = counting(link);
    const statuses = await Promise.all(
      Array.from(
        { length: abusePolicy.refusedPostsPerEnrollment + 5 },
        async () => (await handler(formPost(link, 'csrf=forged'), context())).status,
      ),
    );
    // Racing takers may be told "limited" before every slot is gone (the limiter errs towards limiting), never after.
    expect(statuses.filter((status) => status === 403).length).toBeLessThanOrEqual(
      abusePolicy.refusedPostsPerEnrollment,
    );
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((status) => status !== 403 && status !== 429)).toEqual([]);
    expect(calls.action).toBe(0);
  });

  it('never run the action of an enrollment that has ended: its final page instead', async () => {
    const link = resolvedFor(enrollmentId(), { stage: 'cancelled' });
    const { calls, handler } = counting(link);
    expect((await handler(formPost(link, `csrf=${link.csrf}`), context())).status).toBe(410);
    expect(calls.action).toBe(0);
  });

  it('turn a failure into the error page, logged without the secret in it, and still start handed-off work', async () => {
    const logged: unknown[] = [];
    const ran: string[] = [];
    const failing = page((_request, invocation) => {
      handOff.later(invocation, 'after the answer', () => Promise.resolve(void ran.push('ran')));
      return Promise.reject(new Error(`vault said no for ${'A'.repeat(43)}`));
    });
    const answer = await failing(
      pageRequest('/e/abc'),
      new InvocationContext({ logHandler: (_level, ...args) => logged.push(...args) }),
    );
    expect(answer.status).toBe(500);
    expect(typeof answer.body === 'string' ? answer.body : '').toContain('<html lang="da">');
    expect(logged.join('\n')).toContain('employee page failed');
    expect(logged.join('\n')).not.toContain('A'.repeat(43));
    await new Promise((resolve) => setImmediate(resolve));
    await followUps.idle();
    expect(ran).toEqual(['ran']);
  });
});
