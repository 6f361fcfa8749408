import type { TokenCredential } from '@azure/identity';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGraphDirectory } from '../../adapters/graphDirectory.js';
import { PermanentError, TransientError } from '../../core/errors.js';
import { startLocalDirectory, type RunningLocalDirectory } from '../../devhost/localDirectory.js';
import { freePort } from '../../devhost/freePort.js';

const token = 'local-graph-token-5e1f';
/** A plain object, as any `TokenCredential` may be: the adapter must not need more than `getToken`. */
const credential: TokenCredential = {
  getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 60_000 }),
};
const upn = 'ada.lovelace@contoso.example';

/** What a failed call threw, so a test can look at its type and message. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`Expected an Error, got ${String(error)}`);
  }
  throw new Error('Expected the promise to reject');
}

describe('Graph directory against the local directory', () => {
  let directory: RunningLocalDirectory;

  beforeEach(async () => {
    directory = await startLocalDirectory({ port: await freePort() });
  });

  afterEach(async () => {
    await directory.close();
  });

  it('reports MFA only while the user has a method besides the password', async () => {
    const graph = createGraphDirectory({ credential, baseUrl: directory.url });

    expect(await graph.hasRegisteredMfa(upn)).toBe(false);
    directory.setMfaRegistered(upn, true);
    expect(await graph.hasRegisteredMfa(upn)).toBe(true);
    directory.setMfaRegistered(upn, false);
    expect(await graph.hasRegisteredMfa(upn)).toBe(false);
  });

  it('matches UPNs case-insensitively', async () => {
    const graph = createGraphDirectory({ credential, baseUrl: directory.url });

    directory.setMfaRegistered('Ada.Lovelace@Contoso.Example', true);

    expect(directory.isMfaRegistered('ADA.LOVELACE@contoso.example')).toBe(true);
    expect(await graph.hasRegisteredMfa('ada.lovelace@CONTOSO.EXAMPLE')).toBe(true);
  });

  it('encodes UPNs with URL-significant characters', async () => {
    const graph = createGraphDirectory({ credential, baseUrl: directory.url });
    const unusual = "o'brien+test#1@contoso.example";

    directory.setMfaRegistered(unusual, true);

    expect(await graph.hasRegisteredMfa(unusual)).toBe(true);
    expect(await graph.hasRegisteredMfa('o@contoso.example')).toBe(false);
  });

  it('answers in Graph’s shape with stable method ids', async () => {
    directory.setMfaRegistered(upn, true);
    const url = `${directory.url}/users/${encodeURIComponent(upn)}/authentication/methods`;
    const read = async (): Promise<unknown> =>
      (await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).json();

    const first = await read();

    expect(first).toEqual({
      '@odata.context': expect.stringContaining('/$metadata#users(') as unknown,
      value: [
        { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: '28c10230-6103-485e-b985-444c60001490' },
        {
          '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
          id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) as unknown,
          displayName: 'Local phone',
        },
      ],
    });
    expect(await read()).toEqual(first);
  });

  it('answers 401 in Graph’s error shape without a bearer token', async () => {
    const url = `${directory.url}/users/${encodeURIComponent(upn)}/authentication/methods`;
    for (const headers of [{}, { Authorization: 'Bearer ' }, { Authorization: `Basic ${token}` }]) {
      const response = await fetch(url, { headers });

      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' },
      });
    }
  });
});

describe('Graph directory paging', () => {
  let directory: RunningLocalDirectory;

  beforeEach(async () => {
    directory = await startLocalDirectory({ port: await freePort(), pageSize: 1 });
  });

  afterEach(async () => {
    await directory.close();
  });

  it('splits the methods into pages linked by @odata.nextLink', async () => {
    directory.setMfaRegistered(upn, true);
    const headers = { Authorization: `Bearer ${token}` };

    const first = (await (
      await fetch(`${directory.url}/users/${encodeURIComponent(upn)}/authentication/methods`, { headers })
    ).json()) as { value: unknown[]; '@odata.nextLink'?: string };
    expect(first.value).toHaveLength(1);
    expect(first['@odata.nextLink']).toBeDefined();
    const second = (await (await fetch(first['@odata.nextLink'] ?? '', { headers })).json()) as Record<string, unknown>;
    expect(second['value']).toHaveLength(1);
    expect(second['@odata.nextLink']).toBeUndefined();
  });

  it('follows @odata.nextLink to find a method on a later page', async () => {
    const graph = createGraphDirectory({ credential, baseUrl: directory.url });

    expect(await graph.hasRegisteredMfa(upn)).toBe(false);
    directory.setMfaRegistered(upn, true);
    expect(await graph.hasRegisteredMfa(upn)).toBe(true);
  });
});

describe('local directory data file', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'local-directory-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('keeps registrations across a restart', async () => {
    const dataFile = join(folder, 'nested', 'directory.json');
    const first = await startLocalDirectory({ port: await freePort(), dataFile });
    first.setMfaRegistered(upn, true);
    first.setMfaRegistered('grace.hopper@contoso.example', true);
    first.setMfaRegistered('grace.hopper@contoso.example', false);
    await first.close();

    const second = await startLocalDirectory({ port: await freePort(), dataFile });
    try {
      expect(second.isMfaRegistered(upn)).toBe(true);
      expect(second.isMfaRegistered('grace.hopper@contoso.example')).toBe(false);
      expect(await createGraphDirectory({ credential, baseUrl: second.url }).hasRegisteredMfa(upn)).toBe(true);
    } finally {
      await second.close();
    }
  });
});

describe('Graph directory error mapping', () => {
  type Handler = (request: IncomingMessage, response: ServerResponse) => void;
  let handler: Handler;
  let baseUrl: string;
  let seenAuthorization: (string | undefined)[];
  const server = createServer((request, response) => {
    seenAuthorization.push(request.headers.authorization);
    request.resume();
    handler(request, response);
  });

  beforeEach(async () => {
    seenAuthorization = [];
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`;
  });

  afterEach(async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  });

  const answer =
    (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
    (_request, response) => {
      response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };

  function expectSafe(error: Error): void {
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain(upn);
  }

  it('maps 404 to a PermanentError saying the user is not in the directory', async () => {
    handler = answer(404, { error: { code: 'Request_ResourceNotFound', message: `Resource '${upn}' does not exist` } });

    const error = await failureOf(createGraphDirectory({ credential, baseUrl }).hasRegisteredMfa(upn));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('user not found in the directory');
    expect(error.message).toContain('Request_ResourceNotFound');
    expectSafe(error);
    expect(seenAuthorization).toEqual([`Bearer ${token}`]);
  });

  it.each([401, 403])('maps %i to a PermanentError naming the missing Graph permission', async (status) => {
    handler = answer(status, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } });

    const error = await failureOf(createGraphDirectory({ credential, baseUrl }).hasRegisteredMfa(upn));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('UserAuthenticationMethod.Read.All');
    expectSafe(error);
  });

  it('maps 429 to a TransientError carrying Retry-After', async () => {
    handler = answer(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'Retry-After': '7' });

    const error = await failureOf(createGraphDirectory({ credential, baseUrl }).hasRegisteredMfa(upn));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toHaveProperty('retryAfterMs', 7000);
    expectSafe(error);
  });

  it('maps 503 without a body to a TransientError', async () => {
    handler = (_request, response) => {
      response.writeHead(503);
      response.end();
    };

    const error = await failureOf(createGraphDirectory({ credential, baseUrl }).hasRegisteredMfa(upn));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toHaveProperty('retryAfterMs', undefined);
  });

  it('maps a response of the wrong shape to a PermanentError', async () => {
    handler = answer(200, { value: [{ id: 'no type' }] });

    const error = await failureOf(createGraphDirectory({ credential, baseUrl }).hasRegisteredMfa(upn));

    expect(error).toBeInstanceOf(PermanentError);
  });

  it('maps a Graph that never answers to a TransientError after timeoutMs', async () => {
    handler = () => undefined;

    const started = Date.now();
    const error = await failureOf(createGraphDirectory({ credential, baseUrl, timeoutMs: 200 }).hasRegisteredMfa(upn));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('maps an unreachable Graph to a TransientError', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}/v1.0`;

    const error = await failureOf(createGraphDirectory({ credential, baseUrl: nowhere }).hasRegisteredMfa(upn));

    expect(error).toBeInstanceOf(TransientError);
    expectSafe(error);
  });

  it('refuses to send the token to a nextLink on another host', async () => {
    handler = answer(200, {
      value: [{ '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: 'p' }],
      '@odata.nextLink': 'http://127.0.0.2:1/v1.0/users/x/authentication/methods?$skiptoken=1',
    });

    const error = await failureOf(createGraphDirectory({ credential, baseUrl }).hasRegisteredMfa(upn));

    expect(error).toBeInstanceOf(PermanentError);
    expect(seenAuthorization).toHaveLength(1);
  });

  it('turns a failing credential into a TransientError without calling Graph', async () => {
    const failing: TokenCredential = { getToken: () => Promise.reject(new Error('identity endpoint unreachable')) };

    const error = await failureOf(createGraphDirectory({ credential: failing, baseUrl }).hasRegisteredMfa(upn));

    expect(error).toBeInstanceOf(TransientError);
    expect(seenAuthorization).toEqual([]);
  });
});
