import { describe, expect, it } from 'vitest';
import { hashToken, newLinkToken } from '../../../core/tokens.js';
import { createSessions } from '../../../functions/handlers/employee/session.js';
import { enrollmentId, linkFor, pageRequest, tableStores, testClock } from './harness.js';

const clock = testClock();
const stores = tableStores(clock.now);
const retrievalValidForMs = 7 * 86_400_000;
const sessionsAt = (publicBaseUrl: string) =>
  createSessions({ publicBaseUrl, retrievalValidForMs, linkTokens: stores.ports.linkTokens, now: clock.now });

describe('sessions', () => {
  it('name the cookie __Host- and mark it Secure except on plain-http localhost', async () => {
    const id = enrollmentId();
    const secure = await sessionsAt('https://enroll.contoso.example').start(id, clock.now());
    expect(secure).toMatchObject({ name: '__Host-enrollment_session', secure: true, path: '/', httpOnly: true });
    expect(secure.sameSite).toBe('Strict');
    for (const local of ['http://localhost:7071', 'http://127.0.0.1']) {
      expect(await sessionsAt(local).start(id, clock.now())).toMatchObject({
        name: 'enrollment_session',
        secure: false,
      });
    }
    // Plain http anywhere else is no excuse for a cookie without the prefix.
    expect((await sessionsAt('http://enroll.contoso.example').start(id, clock.now())).name).toBe(
      '__Host-enrollment_session',
    );
  });

  it('store only the hash of the token the cookie carries, for the retrieval window and two weeks', async () => {
    const id = enrollmentId();
    const cookie = await sessionsAt('https://enroll.contoso.example').start(id, clock.now());
    const lifetimeMs = retrievalValidForMs + 14 * 86_400_000;
    expect(cookie.maxAge).toBe(lifetimeMs / 1000);
    expect(await stores.linkTokens.find(hashToken(cookie.value))).toEqual({
      enrollmentId: id,
      purpose: 'session',
      expiresAt: new Date(clock.now().getTime() + lifetimeMs).toISOString(),
    });
  });

  it('open the enrollment they were started for, with the cookie among others, until they expire', async () => {
    const sessions = sessionsAt('https://enroll.contoso.example');
    const id = enrollmentId();
    const cookie = await sessions.start(id, clock.now());
    const request = pageRequest('/e/t', { headers: { cookie: `theme=dark; ${cookie.name}=${cookie.value}; x=1` } });
    expect(sessions.hashOf(request)).toBe(hashToken(cookie.value));
    expect(await sessions.has(request, linkFor(id))).toBe(true);
    expect(await sessions.has(request, linkFor(enrollmentId()))).toBe(false);
    clock.advance(retrievalValidForMs + 14 * 86_400_000);
    expect(await sessions.has(request, linkFor(id))).toBe(false);
  });

  it('take a session read with the link at its word, without reading it again', async () => {
    const sessions = sessionsAt('https://enroll.contoso.example');
    const request = pageRequest('/e/t');
    expect(await sessions.has(request, { ...linkFor(enrollmentId()), session: true })).toBe(true);
  });

  it('ignore a cookie under another name, a malformed value, and a link token that is not a session', async () => {
    const sessions = sessionsAt('https://enroll.contoso.example');
    const id = enrollmentId();
    const { token, hash } = newLinkToken();
    await stores.linkTokens.save(hash, {
      enrollmentId: id,
      purpose: 'enroll',
      expiresAt: new Date(clock.now().getTime() + 86_400_000).toISOString(),
    });
    const cookie = (value: string, name = '__Host-enrollment_session') =>
      pageRequest('/e/t', { headers: { cookie: `${name}=${value}` } });
    expect(sessions.hashOf(cookie(token, 'enrollment_session'))).toBeUndefined();
    expect(sessions.hashOf(cookie('not-a-token'))).toBeUndefined();
    expect(await sessions.has(cookie(token), linkFor(id))).toBe(false);
    expect(sessions.opens({ enrollmentId: id, purpose: 'enroll', expiresAt: '2999-01-01T00:00:00Z' }, id)).toBe(false);
    expect(sessions.opens(undefined, id)).toBe(false);
  });
});
