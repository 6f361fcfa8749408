import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { readJsonFile, writeJsonFileSync } from './jsonFile.js';
import { formatHost, listen, sendJson } from './localHttp.js';

export interface LocalDirectoryOptions {
  /** 0 lets the OS pick; `url` tells which port it chose. */
  readonly port: number;
  /** Defaults to 127.0.0.1. */
  readonly host?: string;
  /** JSON file that keeps who has MFA across restarts; omitted means in-memory only. */
  readonly dataFile?: string;
  /**
   * Test hook: at most this many methods per response, the rest behind `@odata.nextLink`, so clients' paging gets
   * exercised. Omitted means one page, as Graph answers for a user with few methods.
   */
  readonly pageSize?: number;
}

export interface RunningLocalDirectory {
  /** Graph base URL to give the directory adapter; ends with `/v1.0`. */
  readonly url: string;
  /** Gives the user a Microsoft Authenticator method (true) or leaves them with a password only (false). */
  setMfaRegistered(userPrincipalName: string, registered: boolean): void;
  isMfaRegistered(userPrincipalName: string): boolean;
  close(): Promise<void>;
}

/** The id Graph gives every user's password method. */
const passwordMethodId = '28c10230-6103-485e-b985-444c60001490';
/** Namespace of the name-based ids below, so a user's authenticator keeps one id across restarts. */
const authenticatorIdNamespace = Buffer.from('6f1d3c1e5b2a4c7e9a0d2f4b6c8e1a3d', 'hex');
const methodsPath = /^\/v1\.0\/users\/([^/]+)\/authentication\/methods\/?$/;
/** Graph's own content type, so that clients see what the real service sends. */
const graphContentType = 'application/json; odata.metadata=minimal';

const dataFileSchema = z.object({ version: z.literal(1), mfaRegistered: z.array(z.string()) });

/**
 * Starts a local stand-in for the one Microsoft Graph call the service makes, `GET /v1.0/users/{upn}/authentication/
 * methods`, answering in Graph's shape. Users are matched by UPN, case-insensitively. Every UPN counts as an existing
 * user with a password: a local convenience so developers need not seed accounts (real Graph answers 404 for unknown
 * users). `setMfaRegistered` adds or removes a Microsoft Authenticator method, as a user completing or resetting MFA
 * registration would. A bearer token is required, though any non-empty one is accepted.
 */
export async function startLocalDirectory(options: LocalDirectoryOptions): Promise<RunningLocalDirectory> {
  const host = options.host ?? '127.0.0.1';
  const pageSize = options.pageSize;
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1)) {
    throw new RangeError('pageSize must be a positive integer');
  }
  const registered = new Set<string>(options.dataFile === undefined ? [] : await load(options.dataFile));
  let url = '';

  function handle(request: IncomingMessage, response: ServerResponse): void {
    request.resume();
    // Like Graph, credentials are checked before anything else, so a bad token never learns which paths exist.
    if (!/^Bearer\s+\S+/i.test(request.headers.authorization ?? '')) {
      sendGraphError(response, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
      return;
    }
    const requestUrl = new URL(request.url ?? '/', 'http://directory');
    const match = methodsPath.exec(requestUrl.pathname);
    if (match?.[1] === undefined) {
      sendGraphError(
        response,
        404,
        'Request_ResourceNotFound',
        'The local directory only serves GET /v1.0/users/{id}/authentication/methods.',
      );
      return;
    }
    if (request.method !== 'GET') {
      response.setHeader('Allow', 'GET');
      sendGraphError(response, 405, 'Request_BadRequest', 'The method is not allowed on this resource.');
      return;
    }
    let userPrincipalName: string;
    try {
      userPrincipalName = decodeURIComponent(match[1]);
    } catch {
      sendGraphError(response, 400, 'Request_BadRequest', 'Invalid object identifier.');
      return;
    }
    const skipToken = requestUrl.searchParams.get('$skiptoken') ?? '0';
    const offset = /^\d+$/.test(skipToken) ? Number(skipToken) : Number.NaN;
    if (Number.isNaN(offset)) {
      sendGraphError(response, 400, 'Request_BadRequest', 'Invalid $skiptoken.');
      return;
    }

    const methods = methodsOf(userPrincipalName, registered.has(normalize(userPrincipalName)));
    const end = pageSize === undefined ? methods.length : offset + pageSize;
    const resource = `users/${encodeURIComponent(userPrincipalName)}/authentication/methods`;
    sendJson(
      response,
      200,
      {
        '@odata.context': `${url}/$metadata#users('${encodeURIComponent(userPrincipalName)}')/authentication/methods`,
        value: methods.slice(offset, end),
        ...(end < methods.length ? { '@odata.nextLink': `${url}/${resource}?$skiptoken=${end}` } : {}),
      },
      graphContentType,
    );
  }

  const server = createServer(handle);
  const port = await listen(server, options.port, host);
  url = `http://${formatHost(host)}:${port}/v1.0`;

  return {
    url,
    setMfaRegistered(userPrincipalName, isRegistered) {
      if (isRegistered) registered.add(normalize(userPrincipalName));
      else registered.delete(normalize(userPrincipalName));
      // Synchronous, like the setter: once it returns, a restarted directory sees the change.
      if (options.dataFile !== undefined) save(options.dataFile, registered);
    },
    isMfaRegistered: (userPrincipalName) => registered.has(normalize(userPrincipalName)),
    async close() {
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      });
      server.closeAllConnections();
      await closed;
    },
  };
}

function methodsOf(userPrincipalName: string, hasAuthenticator: boolean): Record<string, string>[] {
  const password = { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: passwordMethodId };
  if (!hasAuthenticator) return [password];
  return [
    password,
    {
      '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
      id: nameBasedUuid(normalize(userPrincipalName)),
      displayName: 'Local phone',
    },
  ];
}

/** UPNs are case-insensitive in Entra ID. */
function normalize(userPrincipalName: string): string {
  return userPrincipalName.trim().toLowerCase();
}

/** An RFC 4122 version 5 (SHA-1, name-based) UUID: stable for a name, distinct between names. */
function nameBasedUuid(name: string): string {
  const bytes = createHash('sha1').update(authenticatorIdNamespace).update(name, 'utf8').digest().subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function load(dataFile: string): Promise<string[]> {
  const registered = await readJsonFile(
    dataFile,
    (value) => dataFileSchema.parse(value).mfaRegistered.map(normalize),
    // Refusing to start beats silently forgetting who registered MFA.
    (cause) => new Error(`The local directory's data file ${dataFile} is not valid`, { cause }),
  );
  return registered ?? [];
}

function save(dataFile: string, registered: ReadonlySet<string>): void {
  writeJsonFileSync(dataFile, { version: 1, mfaRegistered: [...registered].sort() });
}

function sendGraphError(response: ServerResponse, status: number, code: string, message: string): void {
  sendJson(response, status, { error: { code, message } }, graphContentType);
}
