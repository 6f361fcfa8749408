import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentListSchema, type EnrollmentListBody, type EnrollmentStatusBody } from '../../core/hrApiSchemas.js';
import { startTestRuntime, testFunctionKey, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';
import { reportMfa } from '../helpers/enrollmentJourney.js';

let runtime: TestRuntime;
/** Enrollment id → employee id of everything this file started. */
const started = new Map<string, string>();
let cancelledId = '';
let awaitingId = '';

const request = (employeeId: string) => ({
  employeeId,
  userPrincipalName: `${employeeId.toLowerCase()}@contoso.dk`,
  displayName: 'Listed Employee',
  inviteEmail: `${employeeId.toLowerCase()}@example.com`,
  contact: { email: 'private@example.com' },
});

async function start(employeeId: string): Promise<string> {
  const response = await runtime.api('/api/enrollments', { method: 'POST', json: request(employeeId) });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  started.set(id, employeeId);
  return id;
}

async function stageOf(id: string): Promise<string> {
  return ((await (await runtime.api(`/api/enrollments/${id}`)).json()) as EnrollmentStatusBody).stage;
}

async function listPage(query: string): Promise<{ body: EnrollmentListBody; link: string | null }> {
  const response = await runtime.api(`/api/enrollments${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  // The documented schema is the one the answers are checked against, so the OpenAPI document cannot lie.
  return { body: enrollmentListSchema.parse(await response.json()), link: response.headers.get('link') };
}

/** Follows the continuation tokens to the end; returns every page. */
async function listAll(filters: Record<string, string>): Promise<EnrollmentListBody[]> {
  const pages: EnrollmentListBody[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ ...filters, ...(token === undefined ? {} : { continuationToken: token }) });
    const { body } = await listPage(`?${query.toString()}`);
    pages.push(body);
    token = body.continuationToken;
  } while (token !== undefined && pages.length < 100);
  return pages;
}

const idsOf = (pages: EnrollmentListBody[]) => pages.flatMap((page) => page.items.map((item) => item.id)).sort();

beforeAll(async () => {
  runtime = await startTestRuntime();
  for (const employeeId of ['L1', 'L2', 'L3', 'L4', 'L5', 'L6']) await start(employeeId);
  cancelledId = [...started].find(([, employeeId]) => employeeId === 'L2')?.[0] ?? '';
  awaitingId = [...started].find(([, employeeId]) => employeeId === 'L3')?.[0] ?? '';
  expect((await runtime.api(`/api/enrollments/${cancelledId}/cancel`, { method: 'POST' })).status).toBe(202);
  await reportMfa(runtime, awaitingId, 'l3@contoso.dk');
  await waitFor('the cancellation', async () => ((await stageOf(cancelledId)) === 'cancelled' ? true : undefined));
  await waitFor('MFA recorded', async () =>
    (await stageOf(awaitingId)) === 'awaiting-verification' ? true : undefined,
  );
  // The employee's second enrollment, once the first has finished.
  await start('L2');
}, 60_000);

afterAll(async () => {
  await runtime.stop();
});

describe('GET /api/enrollments', () => {
  it('lists every enrollment with its status when no filter is given', async () => {
    const pages = await listAll({});
    expect(idsOf(pages)).toEqual([...started.keys()].sort());
    const item = pages.flatMap((page) => page.items).find((found) => found.id === cancelledId);
    expect(item).toMatchObject({ employeeId: 'L2', stage: 'cancelled', reason: 'cancelled-by-hr' });
  });

  it("filters by employee: both of L2's enrollments and nobody else's", async () => {
    const pages = await listAll({ employeeId: 'L2' });
    const expected = [...started].filter(([, employeeId]) => employeeId === 'L2').map(([id]) => id);
    expect(expected).toHaveLength(2);
    expect(idsOf(pages)).toEqual(expected.sort());
  });

  it('filters by stage, across pages that may come back short or empty', async () => {
    const cancelled = await listAll({ stage: 'cancelled', limit: '2' });
    expect(idsOf(cancelled)).toEqual([cancelledId]);
    expect(cancelled.length).toBeGreaterThan(1);
    const awaiting = await listAll({ stage: 'awaiting-verification' });
    expect(idsOf(awaiting)).toEqual([awaitingId]);
    const invited = await listAll({ stage: 'invited', employeeId: 'L2' });
    expect(invited.flatMap((page) => page.items).map((item) => item.stage)).toEqual(['invited']);
    expect(await listAll({ stage: 'revealed' })).toSatisfy((pages: EnrollmentListBody[]) =>
      pages.every((page) => page.items.length === 0),
    );
  });

  it.each([1, 2, 3])('pages with limit %i collect every enrollment exactly once', async (limit) => {
    const pages = await listAll({ limit: String(limit) });
    for (const page of pages) expect(page.items.length).toBeLessThanOrEqual(limit);
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(started.size / limit));
    const ids = idsOf(pages);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...started.keys()].sort());
  });

  it('links to the next page with the same filters, under PUBLIC_BASE_URL', async () => {
    const first = await listPage('?limit=2&stage=invited');
    expect(first.body.continuationToken).toMatch(/^[A-Za-z0-9_-]+$/);
    const match = /^<([^>]+)>; rel="next"$/.exec(first.link ?? '');
    const next = new URL(match?.[1] ?? 'about:blank');
    expect(next.origin).toBe(runtime.settings['PUBLIC_BASE_URL']);
    expect(next.pathname).toBe('/api/enrollments');
    expect(Object.fromEntries(next.searchParams)).toEqual({
      stage: 'invited',
      limit: '2',
      continuationToken: first.body.continuationToken,
    });
    const second = await listPage(`${next.pathname}${next.search}`.replace('/api/enrollments', ''));
    const firstIds = first.body.items.map((item) => item.id);
    expect(second.body.items.every((item) => !firstIds.includes(item.id))).toBe(true);
  });

  it('sends no continuation token and no Link on the last page', async () => {
    const { body, link } = await listPage('?limit=100');
    expect(body.continuationToken).toBeUndefined();
    expect(link).toBeNull();
  });
});

describe('bad list queries get a problem document with a pointer per parameter', () => {
  const token = (text: string) => Buffer.from(text).toString('base64url');
  it.each([
    ['?stage=finished', ['#/query/stage']],
    ['?limit=0', ['#/query/limit']],
    ['?limit=101', ['#/query/limit']],
    ['?limit=ten', ['#/query/limit']],
    ['?employeeId=../E1', ['#/query/employeeId']],
    ['?employeeid=E1', ['#/query/employeeid']],
    ['?stage=nope&limit=-1&extra=1', ['#/query/extra', '#/query/limit', '#/query/stage']],
    ['?continuationToken=not%20a%20token', ['#/query/continuationToken']],
    [`?continuationToken=${token('garbage')}`, ['#/query/continuationToken']],
    [
      `?continuationToken=${token(Buffer.from('{"nextRowKey":"x"}').toString('base64'))}`,
      ['#/query/continuationToken'],
    ],
    [`?continuationToken=${'A'.repeat(3000)}`, ['#/query/continuationToken']],
  ])('%s → 400', async (query, pointers) => {
    const response = await runtime.api(`/api/enrollments${query}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { type: string; errors: { pointer: string }[] };
    expect(problem.type).toBe('urn:app-password-enrollment:problem:validation');
    expect(problem.errors.map((error) => error.pointer).sort()).toEqual(pointers);
  });

  it('needs the function key', async () => {
    expect((await runtime.api('/api/enrollments', { key: null })).status).toBe(401);
    expect((await runtime.api('/api/enrollments', { key: 'guess' })).status).toBe(401);
  });

  it('takes the function key as the code query parameter too, as docs/hr-api.md says, filters and all', async () => {
    const response = await runtime.api(`/api/enrollments?employeeId=L2&code=${testFunctionKey}`, { key: null });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as EnrollmentListBody;
    expect(items.map((item) => item.employeeId)).toEqual(['L2', 'L2']);
    expect((await runtime.api('/api/enrollments?code=guess', { key: null })).status).toBe(401);
  });
});
