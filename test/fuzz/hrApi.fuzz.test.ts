import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, testRelyingServiceKey, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

const valid = {
  employeeId: 'F1',
  userPrincipalName: 'fuzz@contoso.dk',
  displayName: 'Fuzz',
  inviteEmail: 'fuzz@example.com',
  contact: { email: 'fuzz@example.com', phone: '+4520123456' },
  locale: 'en',
  deviceLabel: 'Laptop',
};

/** Anything JSON can say, and near-misses of a valid request: one field replaced, removed or added. */
const bodies = fc.oneof(
  fc.jsonValue(),
  fc
    .record({
      // callbackUrl is optional, so it is not in `valid`; this runtime has no signing secret, so any is refused.
      field: fc.constantFrom(...Object.keys(valid), 'extra', 'contact', 'callbackUrl'),
      value: fc.oneof(
        fc.jsonValue(),
        fc.string(),
        fc.constant(undefined),
        fc.emailAddress(),
        fc.constant({}),
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
      ),
      employeeId: fc.constantFrom('F1', 'F2', 'F3', 'F..', ''),
    })
    .map(({ field, value, employeeId }) => ({ ...valid, employeeId, [field]: value })),
);

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/problem+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  '',
);

interface Problem {
  type?: unknown;
  title?: unknown;
  status?: unknown;
}

/** Until every activity the instance scheduled has completed, so its rows stop changing. */
async function settled(id: string): Promise<void> {
  await waitFor(`instance ${id} to settle`, async () => {
    const status = await runtime.taskHub.status(id, true);
    const events = status?.historyEvents ?? [];
    const scheduled = events.filter((event) => event.EventType === 4).map((event) => event.EventId);
    const done = new Set(
      events.filter((event) => event.EventType === 5 || event.EventType === 6).map((e) => e.TaskScheduledId),
    );
    return scheduled.length > 0 && scheduled.every((eventId) => done.has(eventId)) && status?.customStatus !== null
      ? true
      : undefined;
  });
}

async function snapshot(): Promise<{ rows: number; instances: number }> {
  return { rows: await runtime.countTableRows(), instances: (await runtime.taskHub.list()).length };
}

function expectProblem(status: number, contentType: string | null, body: string): void {
  expect(contentType).toContain('application/problem+json');
  const problem = JSON.parse(body) as Problem;
  expect(typeof problem.type).toBe('string');
  expect(typeof problem.title).toBe('string');
  expect(problem.status).toBe(status);
}

describe('HR API under generated input', () => {
  it('answers every generated body with 2xx or a 4xx problem, and a 4xx writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, fc.boolean(), async (body, contentType, rawText) => {
        const before = await snapshot();
        const text = rawText && typeof body === 'string' ? body : JSON.stringify(body);
        const response = await runtime.api('/api/enrollments', {
          method: 'POST',
          headers: contentType === '' ? {} : { 'content-type': contentType },
          body: text,
        });
        const answer = await response.text();
        expect(response.status, answer).toBeLessThan(500);
        if (response.status >= 400) {
          expectProblem(response.status, response.headers.get('content-type'), answer);
          expect(await snapshot()).toEqual(before);
        } else if (response.status === 202) {
          // A new enrollment goes on writing (invitation, audit, history): let it settle before the next snapshot.
          await settled((JSON.parse(answer) as { id: string }).id);
        }
      }),
      { numRuns: 600 },
    );
  }, 180_000);

  it('answers generated ids, events and methods on the enrollment routes with 4xx, never 5xx', async () => {
    const segments = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.uuid(),
      fc.constantFrom('..', '%2e%2e', 'cancel', '%00'),
    );
    await fc.assert(
      fc.asyncProperty(
        segments,
        fc.constantFrom('', '/cancel', '/events/mfa-registered', '/events/x', '/events/'),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        async (id, suffix, method) => {
          const before = await snapshot();
          const response = await runtime.api(`/api/enrollments/${encodeURIComponent(id)}${suffix}`, { method });
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
          expect(await snapshot()).toEqual(before);
        },
      ),
      { numRuns: 400 },
    );
  }, 180_000);

  it('answers generated verify bodies with a verdict or a 4xx problem, never a 5xx, and never echoes the password', async () => {
    const verifyBodies = fc.oneof(
      fc.jsonValue(),
      fc.record({
        userPrincipalName: fc.oneof(fc.emailAddress(), fc.string(), fc.constant('fuzz@contoso.dk'), fc.jsonValue()),
        password: fc.oneof(fc.string({ maxLength: 300 }), fc.stringMatching(/^[a-z]{16}$/), fc.jsonValue()),
        clientAddress: fc.option(
          fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ maxLength: 50 }), fc.jsonValue()),
          { nil: undefined },
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(verifyBodies, contentTypes, async (body, contentType) => {
        const response = await runtime.api('/api/app-passwords/verify', {
          method: 'POST',
          key: testRelyingServiceKey,
          headers: contentType === '' ? {} : { 'content-type': contentType },
          body: JSON.stringify(body),
        });
        const answer = await response.text();
        expect(response.status, answer).toBeLessThan(500);
        if (response.status >= 400) expectProblem(response.status, response.headers.get('content-type'), answer);
        else expect(JSON.parse(answer)).toEqual({ valid: false });
        const password = (body as { password?: unknown } | null)?.password;
        if (typeof password === 'string' && password.length >= 8) expect(answer).not.toContain(password);
      }),
      { numRuns: 200 },
    );
  }, 180_000);

  it('refuses names and labels with invisible or text-direction characters, pointing at the field, writing nothing', async () => {
    const hidden = fc.constantFrom(
      ...[0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069],
      ...[0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2060, 0xfeff, 0x2028, 0x2029, 0x0085],
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('displayName', 'deviceLabel'),
        fc.string({ maxLength: 20 }),
        hidden,
        fc.string({ maxLength: 20 }),
        async (field, before, codePoint, after) => {
          const snapshotBefore = await snapshot();
          const value = `Ana${before}${String.fromCodePoint(codePoint)}${after}x`;
          const response = await runtime.api('/api/enrollments', {
            method: 'POST',
            json: { ...valid, employeeId: 'F4', [field]: value },
          });
          const answer = await response.text();
          expect(response.status, answer).toBe(400);
          expectProblem(400, response.headers.get('content-type'), answer);
          const pointers = (JSON.parse(answer) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer);
          expect(pointers).toContain(`/${field}`);
          expect(await snapshot()).toEqual(snapshotBefore);
        },
      ),
      { numRuns: 150 },
    );
  }, 180_000);

  it('serves only the two page assets, never a property of the object that lists them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'),
          fc.string({ maxLength: 30 }),
        ),
        async (name) => {
          const response = await fetch(`${runtime.url}/assets/${encodeURIComponent(name)}`);
          await response.arrayBuffer();
          expect(response.status).toBe(name === 'app.css' || name === 'app.js' ? 200 : 404);
        },
      ),
      { numRuns: 200 },
    );
    expect((await fetch(`${runtime.url}/assets/app.css`)).status).toBe(200);
  }, 60_000);

  it('answers generated users, labels and methods on the app-password routes with 2xx or 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.emailAddress(), fc.string({ maxLength: 60 }), fc.constantFrom('..', '%2e', 'a@b')),
        fc.oneof(
          fc.constant(''),
          fc.string({ maxLength: 70 }).map((label) => `/${encodeURIComponent(label)}`),
        ),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        async (user, label, method) => {
          const response = await runtime.api(`/api/users/${encodeURIComponent(user)}/app-passwords${label}`, {
            method,
          });
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  }, 180_000);

  it('answers generated employee form posts and tokens with a page, never a 5xx', async () => {
    await runtime.api('/api/enrollments', { method: 'POST', json: { ...valid, employeeId: 'F9' } });
    const found = await waitFor(
      'the invitation',
      () => runtime.mail.messages().find((m) => m.to.includes('fuzz@example.com'))?.links[0],
    );
    const link = new URL(found).pathname;
    const token = link.slice(3);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constant(token),
          fc.string({ maxLength: 60 }).map(encodeURIComponent),
          fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          // Sent as is: malformed percent-escapes (%ZZ, a lone %, %FF) reach the function undecoded.
          fc.stringMatching(/^(?:%[0-9A-Fa-fZz]{0,2}|[A-Za-z0-9_-]){1,20}$/),
        ),
        fc.constantFrom('', '/mfa', '/contact/send', '/contact/verify', '/code', '/reveal'),
        fc.constantFrom('e', 'r'),
        fc.dictionary(fc.constantFrom('csrf', 'code', 'channel', 'lang', 'x'), fc.string({ maxLength: 20 })),
        fc.constantFrom('same-origin', 'cross-site', undefined),
        async (candidate, action, kind, fields, site) => {
          const response = await fetch(`${runtime.url}/${kind}/${candidate}${action}`, {
            method: action === '' ? 'GET' : 'POST',
            redirect: 'manual',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              ...(site === undefined ? {} : { 'sec-fetch-site': site }),
            },
            ...(action === '' ? {} : { body: new URLSearchParams(fields).toString() }),
          });
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 500 },
    );
  }, 180_000);
});
