import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InvalidContinuationTokenError, PermanentError, TransientError } from '../../core/errors.js';
import type { EnrollmentRecord, RevealClaim } from '../../core/ports.js';
import { createTableAuditLog } from '../../adapters/tables/auditLog.js';
import { createTableEnrollmentStore } from '../../adapters/tables/enrollmentStore.js';
import { toStoreError } from '../../adapters/tables/errors.js';
import { createTableLinkTokenStore } from '../../adapters/tables/linkTokenStore.js';
import { createTableOneTimeCodeStore } from '../../adapters/tables/oneTimeCodeStore.js';
import { createTableRateLimiter } from '../../adapters/tables/rateLimiter.js';
import { createTableRevealClaimStore } from '../../adapters/tables/revealClaimStore.js';
import { createTableClientFactory, encodeKey } from '../../adapters/tables/tableClients.js';

const connectionString = inject('azuriteConnectionString');
/** Unique per run and file, so parallel test files (and reruns against a shared Azurite) never share a table. */
const tablePrefix = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const tables = createTableClientFactory({ connectionString }, { tablePrefix });

/** The same account, but its table endpoint replaced: for failure tests against a dead port or a fake server. */
function connectionStringFor(tableEndpoint: string): string {
  return connectionString.replace(/TableEndpoint=[^;]*/i, `TableEndpoint=${tableEndpoint}`);
}

const id = (label: string) => `${label}-${randomUUID()}`;

describe('tableClients', () => {
  it('encodes keys injectively and without characters Table Storage forbids', () => {
    const awkward = ['a/b', 'a\\b', 'a#b', 'a?b', 'a\u0001b', 'a%b', 'a~2Fb', 'æøå', "o'brien"];
    const encoded = awkward.map(encodeKey);
    for (const key of encoded) expect(key).toMatch(/^[A-Za-z0-9._~-]+$/);
    expect(new Set(encoded).size).toBe(awkward.length);
    expect(encodeKey('0f3a-Z_.')).toBe('0f3a-Z_.');
  });

  it('creates each table once and hands back the same client', async () => {
    const first = tables('Memo');
    const second = tables('Memo');
    expect(second).toBe(first);
    const client = await first;
    expect(client.tableName).toBe(`${tablePrefix}Memo`);
  });

  it('rejects names Table Storage would refuse', async () => {
    expect(() => createTableClientFactory({ connectionString }, { tablePrefix: 'bad-prefix' })).toThrow();
    await expect(tables('No_Underscores')).rejects.toThrow(/Invalid table name/);
  });
});

describe('EnrollmentStore', () => {
  const store = createTableEnrollmentStore(tables);

  it('claims an empty slot and reports the holder to a second claim', async () => {
    const employeeId = id('emp/with#odd?chars\\');
    const first = await store.claimActive(employeeId, 'enr-1', 'fp-1');
    expect(first).toEqual({ outcome: 'claimed' });

    const second = await store.claimActive(employeeId, 'enr-2', 'fp-2');
    expect(second.outcome).toBe('exists');
    if (second.outcome !== 'exists') return;
    expect(second.active.enrollmentId).toBe('enr-1');
    expect(second.active.requestFingerprint).toBe('fp-1');
    expect(second.active.etag).toMatch(/\S/);
  });

  it('lets exactly one of 20 concurrent claims win', async () => {
    const employeeId = id('emp');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => store.claimActive(employeeId, `enr-${index}`, `fp-${index}`)),
    );
    const winners = results.flatMap((result, index) => (result.outcome === 'claimed' ? [index] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.outcome === 'exists') expect(result.active.enrollmentId).toBe(`enr-${String(winners[0])}`);
    }
  });

  it('releases a slot only for the enrollment that holds it', async () => {
    const employeeId = id('emp');
    await store.claimActive(employeeId, 'enr-a', 'fp-a');

    await store.releaseActive(employeeId, 'enr-other');
    const stillHeld = await store.claimActive(employeeId, 'enr-b', 'fp-b');
    expect(stillHeld.outcome).toBe('exists');

    await store.releaseActive(employeeId, 'enr-a');
    expect(await store.claimActive(employeeId, 'enr-b', 'fp-b')).toEqual({ outcome: 'claimed' });

    // Releasing an empty or already released slot is a no-op.
    await store.releaseActive(id('nobody'), 'enr-x');
    await store.releaseActive(employeeId, 'enr-a');
    expect((await store.claimActive(employeeId, 'enr-c', 'fp-c')).outcome).toBe('exists');
  });

  it('releases an unchanged slot once, and never with a stale ETag', async () => {
    const employeeId = id('emp');
    await store.claimActive(employeeId, 'enr-old', 'fp-old');
    const seen = await store.claimActive(employeeId, 'enr-probe', 'fp-probe');
    if (seen.outcome !== 'exists') throw new Error('expected the slot to be held');

    expect(await store.releaseActiveIfUnchanged(employeeId, seen.active)).toBe(true);
    expect(await store.releaseActiveIfUnchanged(employeeId, seen.active)).toBe(false);

    // Re-claimed since: the old ETag must not free the newer claim.
    await store.claimActive(employeeId, 'enr-new', 'fp-new');
    expect(await store.releaseActiveIfUnchanged(employeeId, seen.active)).toBe(false);
    const holder = await store.claimActive(employeeId, 'enr-probe', 'fp-probe');
    expect(holder.outcome === 'exists' && holder.active.enrollmentId).toBe('enr-new');
  });

  it('round-trips a record with and without optional fields', async () => {
    const full: EnrollmentRecord = {
      enrollmentId: id('enr'),
      employeeId: 'E-1001',
      userPrincipalName: 'ada@example.com',
      displayName: 'Ada Lovelace',
      inviteEmail: 'ada.private@example.org',
      contact: { email: 'ada.private@example.org', phone: '+4512345678' },
      locale: 'da',
      deviceLabel: "Ada's iPhone",
      requestFingerprint: 'f'.repeat(64),
      createdAt: '2025-01-02T03:04:05.000Z',
      pageSecret: 'p'.repeat(43),
      appPassword: { secretName: 'app-password-E-1001', version: 'v0' },
    };
    await store.save(full);
    expect(await store.get(full.enrollmentId)).toEqual(full);

    const minimal: EnrollmentRecord = {
      enrollmentId: id('enr'),
      employeeId: 'E-1002',
      userPrincipalName: 'bob@example.com',
      displayName: 'Bob',
      inviteEmail: 'bob@example.org',
      contact: {},
      locale: 'en',
      requestFingerprint: 'a'.repeat(64),
      createdAt: '2025-01-02T03:04:05.000Z',
      pageSecret: 'q'.repeat(43),
    };
    await store.save(minimal);
    const read = await store.get(minimal.enrollmentId);
    expect(read).toEqual(minimal);
    expect(read === undefined ? [] : Object.keys(read)).not.toContain('deviceLabel');
    expect(read === undefined ? [] : Object.keys(read)).not.toContain('appPassword');
    expect(read?.contact).toStrictEqual({});

    await store.setAppPassword(minimal.enrollmentId, { secretName: 'app-password-E-1002', version: 'v1' });
    expect(await store.get(minimal.enrollmentId)).toEqual({
      ...minimal,
      appPassword: { secretName: 'app-password-E-1002', version: 'v1' },
    });

    await store.delete(minimal.enrollmentId);
    expect(await store.get(minimal.enrollmentId)).toBeUndefined();
    await store.delete(minimal.enrollmentId); // already gone: not an error
    expect(await store.get(id('unknown'))).toBeUndefined();
  });

  it('refuses to set an app password on a missing enrollment', async () => {
    await expect(store.setAppPassword(id('missing'), { secretName: 's', version: 'v' })).rejects.toBeInstanceOf(
      PermanentError,
    );
  });

  describe('list', () => {
    const record = (employeeId: string): EnrollmentRecord => ({
      enrollmentId: id('enr'),
      employeeId,
      userPrincipalName: 'list@example.com',
      displayName: 'Listed',
      inviteEmail: 'list@example.org',
      contact: { email: 'list@example.org' },
      locale: 'en',
      requestFingerprint: 'c'.repeat(64),
      createdAt: '2025-01-02T03:04:05.000Z',
      pageSecret: 'r'.repeat(43),
    });

    async function listAll(query: { employeeId?: string; maxPageSize: number }): Promise<EnrollmentRecord[][]> {
      const pages: EnrollmentRecord[][] = [];
      let continuationToken: string | undefined;
      do {
        const page = await store.list({ ...query, ...(continuationToken === undefined ? {} : { continuationToken }) });
        expect(page.records.length).toBeLessThanOrEqual(query.maxPageSize);
        pages.push([...page.records]);
        continuationToken = page.continuationToken;
        if (continuationToken !== undefined) expect(continuationToken).toMatch(/^[A-Za-z0-9_-]+$/);
      } while (continuationToken !== undefined);
      return pages;
    }

    it('pages through one employee, every record exactly once; a quote in the id is escaped, not injected', async () => {
      const employeeId = id("o'brien or true");
      const mine = Array.from({ length: 7 }, () => record(employeeId));
      const others = [record(id('other')), record(`${employeeId}x`)];
      await Promise.all([...mine, ...others].map((saved) => store.save(saved)));
      await store.claimActive(employeeId, mine[0]?.enrollmentId ?? '', 'fp');

      const pages = await listAll({ employeeId, maxPageSize: 3 });
      expect(pages.length).toBeGreaterThanOrEqual(3);
      const listed = pages.flat();
      expect(listed.map((found) => found.enrollmentId).sort()).toEqual(mine.map((saved) => saved.enrollmentId).sort());
      expect(listed).toContainEqual(mine[0]);
    });

    it('lists every record without a filter, never an active slot', async () => {
      const saved = record(id('all'));
      await store.save(saved);
      const listed = (await listAll({ maxPageSize: 100 })).flat();
      expect(listed).toContainEqual(saved);
      const ids = listed.map((found) => found.enrollmentId);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it.each([
      ['not base64url', 'not a token!'],
      ['not JSON inside', Buffer.from(Buffer.from('{"nextPartitionKey"').toString('base64')).toString('base64url')],
      ['JSON of another shape', Buffer.from(Buffer.from('[1]').toString('base64')).toString('base64url')],
      ['a bare SDK token', Buffer.from('{"nextPartitionKey":"enrollment"}').toString('base64')],
    ])('refuses a continuation token that is %s', async (_what, continuationToken) => {
      await expect(store.list({ maxPageSize: 5, continuationToken })).rejects.toBeInstanceOf(
        InvalidContinuationTokenError,
      );
    });
  });
});

describe('LinkTokenStore', () => {
  const store = createTableLinkTokenStore(tables);

  it('saves, finds (expired ones too) and reports unknown hashes as undefined', async () => {
    const hash = randomBytes(32).toString('hex');
    const record = { enrollmentId: id('enr'), purpose: 'reveal', expiresAt: '2000-01-01T00:00:00.000Z' } as const;
    await store.save(hash, record);
    expect(await store.find(hash)).toEqual(record);
    await store.save(hash, record); // a retried save of the same record is idempotent
    await expect(store.save(hash, { ...record, enrollmentId: id('other') })).rejects.toBeInstanceOf(PermanentError);
    expect(await store.find(randomBytes(32).toString('hex'))).toBeUndefined();
  });

  it("keeps a ready link's reveal snapshot with it, and reads a link without one as having none", async () => {
    const hash = randomBytes(32).toString('hex');
    const record = {
      enrollmentId: id('enr'),
      purpose: 'reveal',
      expiresAt: '2030-01-01T00:00:00.000Z',
      reveal: {
        appPassword: { secretName: 'apppw-enr', version: 'a'.repeat(32) },
        pageSecret: 'p'.repeat(43),
        userPrincipalName: 'ada@contoso.dk',
        locale: 'da',
      },
    } as const;
    await store.save(hash, record);
    expect(await store.find(hash)).toEqual(record);
    const { reveal: _snapshot, ...older } = record;
    const olderHash = randomBytes(32).toString('hex');
    await store.save(olderHash, older);
    expect(await store.find(olderHash)).toEqual(older);
  });
});

describe('OneTimeCodeStore', () => {
  const store = createTableOneTimeCodeStore(tables);
  const record = {
    codeHash: 'c'.repeat(64),
    channel: 'sms',
    expiresAt: '2025-01-01T00:10:00.000Z',
    attempts: 0,
    sendsInWindow: 1,
    windowStartedAt: '2025-01-01T00:00:00.000Z',
  } as const;

  it('creates once, updates with the current ETag and refuses stale ones', async () => {
    const enrollmentId = id('enr');
    expect(await store.get(enrollmentId, 'contact')).toBeUndefined();
    expect(await store.put(enrollmentId, 'contact', record, undefined)).toBe(true);
    expect(await store.put(enrollmentId, 'contact', { ...record, codeHash: 'd'.repeat(64) }, undefined)).toBe(false);

    const stored = await store.get(enrollmentId, 'contact');
    expect(stored).toEqual({ ...record, etag: expect.any(String) as unknown });
    if (stored === undefined) return;

    expect(await store.put(enrollmentId, 'contact', { ...record, attempts: 1 }, stored.etag)).toBe(true);
    expect(await store.put(enrollmentId, 'contact', { ...record, attempts: 2 }, stored.etag)).toBe(false);
    const updated = await store.get(enrollmentId, 'contact');
    expect(updated?.attempts).toBe(1);
    expect(updated?.etag).not.toBe(stored.etag);

    await store.delete(enrollmentId, 'contact');
    expect(await store.get(enrollmentId, 'contact')).toBeUndefined();
    if (updated === undefined) return;
    expect(await store.put(enrollmentId, 'contact', record, updated.etag)).toBe(false); // deleted meanwhile
    await store.delete(enrollmentId, 'contact'); // already gone: not an error
  });
});

describe('RevealClaimStore', () => {
  const store = createTableRevealClaimStore(tables);
  const employee = (claimId: string): RevealClaim => ({
    id: claimId,
    holder: 'employee',
    claimedAt: '2025-01-01T00:00:00.000Z',
  });

  it('lets exactly one of 50 concurrent claims win, and says whose it is', async () => {
    const enrollmentId = id('enr');
    expect(await store.find(enrollmentId, 'v1')).toBeUndefined();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => store.claim(enrollmentId, 'v1', employee(`claim-${index}`))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await store.find(enrollmentId, 'v1')).toEqual(employee(`claim-${winner}`));
    expect(await store.find(enrollmentId, 'v2')).toBeUndefined();
    const orchestration: RevealClaim = { id: 'deadline', holder: 'orchestration', claimedAt: '2025-01-02T00:00:00Z' };
    expect(await store.claim(enrollmentId, 'v2', orchestration)).toBe(true);
    expect(await store.find(enrollmentId, 'v2')).toEqual(orchestration);
  });

  it('knows its own claim again when the answer to its insert was lost', async () => {
    const enrollmentId = id('enr');
    expect(await store.claim(enrollmentId, 'v1', employee('first'))).toBe(true);
    // The same claim sent again (the SDK retrying an insert that landed) is still this claimer's; another is not.
    expect(await store.claim(enrollmentId, 'v1', employee('first'))).toBe(true);
    expect(await store.claim(enrollmentId, 'v1', employee('second'))).toBe(false);
  });

  it('gives a claim back only to its own claimer', async () => {
    const enrollmentId = id('enr');
    await store.claim(enrollmentId, 'v1', employee('mine'));
    await store.release(enrollmentId, 'v1', 'someone-else');
    expect((await store.find(enrollmentId, 'v1'))?.id).toBe('mine');
    await store.release(enrollmentId, 'v1', 'mine');
    expect(await store.find(enrollmentId, 'v1')).toBeUndefined();
    await store.release(enrollmentId, 'v1', 'mine'); // already gone: not an error
    expect(await store.claim(enrollmentId, 'v1', employee('next'))).toBe(true);
  });
});

describe('RateLimiter', () => {
  const limiter = createTableRateLimiter(tables);

  it('grants exactly the limit of 60 concurrent takes, and a released slot to the next', async () => {
    const key = id('limit');
    const grants = await Promise.all(Array.from({ length: 60 }, () => limiter.take(key, 10, 60_000)));
    const granted = grants.flatMap((grant) => (grant.granted ? [grant.slot] : []));
    expect(granted).toHaveLength(10);
    expect(new Set(granted.map((slot) => slot.id)).size).toBe(10);
    const refusal = grants.find((grant) => !grant.granted);
    expect(refusal?.granted === false && refusal.retryAfterMs).toBeGreaterThan(0);
    expect((await limiter.take(key, 10, 60_000)).granted).toBe(false);
    const [first] = granted;
    if (first === undefined) throw new Error('no slot');
    await limiter.release(first);
    await limiter.release(first); // released twice: nothing more happens
    expect((await limiter.take(key, 10, 60_000)).granted).toBe(true);
    expect((await limiter.take(key, 10, 60_000)).granted).toBe(false);
  });

  it('keeps keys and windows apart', async () => {
    let clock = Date.UTC(2025, 0, 1, 0, 0, 30);
    const timed = createTableRateLimiter(tables, () => new Date(clock));
    const key = id('window');
    expect((await timed.take(key, 1, 60_000)).granted).toBe(true);
    const refused = await timed.take(key, 1, 60_000);
    expect(refused).toEqual({ granted: false, retryAfterMs: 30_000 });
    expect((await timed.take(id('other'), 1, 60_000)).granted).toBe(true);
    clock += 30_000; // the next window
    expect((await timed.take(key, 1, 60_000)).granted).toBe(true);
  });
});

describe('AuditLog', () => {
  const log = createTableAuditLog(tables);

  it('lists entries oldest first and never overwrites one', async () => {
    const enrollmentId = id('enr');
    const entry = (at: string, action: string) => ({ enrollmentId, at, action, actor: 'system' });
    await log.append(entry('2025-01-01T00:00:02.000Z', 'second'));
    await log.append({ ...entry('2025-01-01T00:00:01.000Z', 'first'), detail: 'stage=invite' });
    await log.append(entry('2025-01-01T00:00:03.000Z', 'third-a'));
    await log.append(entry('2025-01-01T00:00:03.000Z', 'third-b'));
    await log.append(entry('2025-01-01T00:00:00.000Z', 'zeroth')); // appended last, listed first
    await log.append({ ...entry('2025-01-01T00:00:00.500Z', 'elsewhere'), enrollmentId: id('enr') });
    const list = await log.list(enrollmentId);
    expect(list.map((item) => item.action)).toEqual([
      'zeroth',
      'first',
      'second',
      expect.any(String),
      expect.any(String),
    ]);
    expect(new Set(list.slice(3).map((item) => item.action))).toEqual(new Set(['third-a', 'third-b']));
    expect(list[1]).toEqual({ ...entry('2025-01-01T00:00:01.000Z', 'first'), detail: 'stage=invite' });
    expect(Object.keys(list[0] ?? {})).not.toContain('detail');
    expect(await log.list(id('empty'))).toEqual([]);
    // The port is append-only and so is the adapter: nothing else is exposed.
    expect(Object.keys(log).sort()).toEqual(['append', 'appendAll', 'list']);
  });

  it("appends several entries of one enrollment together, and refuses to mix enrollments' entries", async () => {
    const enrollmentId = id('enr');
    const at = '2025-01-01T00:00:00.000Z';
    await log.appendAll([
      { enrollmentId, at, action: 'code-accepted:reveal', actor: 'employee', detail: 'attempt 1' },
      { enrollmentId, at, action: 'app-password-revealed', actor: 'employee', detail: 'version v1' },
    ]);
    expect((await log.list(enrollmentId)).map((entry) => entry.action).sort()).toEqual([
      'app-password-revealed',
      'code-accepted:reveal',
    ]);
    await log.appendAll([]);
    const other = id('enr');
    await expect(
      log.appendAll([
        { enrollmentId: other, at, action: 'one', actor: 'employee' },
        { enrollmentId: id('enr'), at, action: 'two', actor: 'employee' },
      ]),
    ).rejects.toThrow(/more than one enrollment/);
    expect(await log.list(other)).toEqual([]);
  });
});

describe('failures', () => {
  it('maps an unreachable endpoint to TransientError, fast', async () => {
    const dead = createTableClientFactory(
      { connectionString: connectionStringFor('http://127.0.0.1:1/devstoreaccount1') },
      { tablePrefix, clientOptions: { retryOptions: { maxRetries: 0 } } },
    );
    const error: unknown = await createTableRevealClaimStore(dead)
      .find('enr', 'v1')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    // A failed table creation is not cached: the next call tries (and here fails) again.
    await expect(createTableAuditLog(dead).list('enr')).rejects.toBeInstanceOf(TransientError);
  });

  describe('against a server that answers with errors', () => {
    let server: Server;
    let status = 503;

    beforeAll(async () => {
      server = createServer((request, response) => {
        request.resume();
        response.setHeader('content-type', 'application/json;odata=minimalmetadata');
        if (request.method === 'POST' && /\/Tables$/.test(request.url ?? '')) {
          // Pretend the table exists so the entity operation itself is what fails.
          response.statusCode = 409;
          response.end(JSON.stringify({ 'odata.error': { code: 'TableAlreadyExists', message: { value: 'exists' } } }));
          return;
        }
        response.statusCode = status;
        if (status === 503) response.setHeader('retry-after', '7');
        response.end(JSON.stringify({ 'odata.error': { code: 'Boom', message: { value: 'E-secret-42 leaked?' } } }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    const fakeFactory = () => {
      const { port } = server.address() as AddressInfo;
      return createTableClientFactory(
        { connectionString: connectionStringFor(`http://127.0.0.1:${port}/devstoreaccount1`) },
        { tablePrefix, clientOptions: { retryOptions: { maxRetries: 0 } } },
      );
    };

    it('maps 503 to TransientError with Retry-After, naming the operation but not the data', async () => {
      status = 503;
      const error: unknown = await createTableEnrollmentStore(fakeFactory())
        .claimActive('E-secret-42', 'enr', 'fp')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransientError);
      if (!(error instanceof TransientError)) return;
      expect(error.retryAfterMs).toBe(7000);
      expect(error.message).toContain('Enrollments.claimActive');
      expect(error.message).toContain('503');
      expect(error.message).not.toContain('E-secret-42');
    });

    it('maps 403 to PermanentError', async () => {
      status = 403;
      await expect(createTableLinkTokenStore(fakeFactory()).find('ab'.repeat(32))).rejects.toBeInstanceOf(
        PermanentError,
      );
    });
  });

  it('passes the service errors through and treats unknown failures as permanent', () => {
    const transient = new TransientError('already mapped');
    expect(toStoreError('X.op', transient)).toBe(transient);
    expect(toStoreError('X.op', new TypeError('bug'))).toBeInstanceOf(PermanentError);
    expect(toStoreError('X.op', Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeInstanceOf(
      TransientError,
    );
  });
});
