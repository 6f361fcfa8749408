import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FaultQueue, type FailStatus } from './faults.js';
import { JsonSnapshotFile, readJsonFile } from './jsonFile.js';
import { formatHost, isRecord, listen, readBody, sendJson } from './localHttp.js';
import { busiestWindow, SlidingWindowLog } from '../core/slidingWindow.js';
import type { KeyVaultBudget, KeyVaultLimits } from '../core/keyVaultLimits.js';
import { admit, budgetOf, vaultLimitsWith } from './vaultLimits.js';

/**
 * A Key Vault–compatible secrets endpoint for local runs and integration tests. Microsoft ships no Key Vault
 * emulator and the third-party ones need Docker, Java or .NET, so this speaks just enough of the data-plane REST API
 * (api-version 7.x / 2025-07-01) for the real `SecretClient` to work against it unchanged. Clients must set
 * `allowInsecureConnection` (it is plain http) and `disableChallengeResourceVerification` (the challenge names
 * vault.azure.net, which a loopback host can never be a subdomain of).
 *
 * It enforces Key Vault's service limits (devhost/vaultLimits.ts): past one it answers 429 with `Retry-After` and the
 * service's error body, so the app's throttling path runs locally as it would in Azure, and it keeps its own record of
 * the secret writes it accepted, from which a benchmark reads the busiest window.
 *
 * Stored values are plain text in memory and, with `dataFile`, on disk: development data only.
 */

/** Options for {@link startLocalVault}. */
export interface LocalVaultOptions {
  /** TCP port to listen on; 0 picks a free one (the returned `url` has the real port). */
  readonly port: number;
  /** Interface to bind; defaults to 127.0.0.1 so nothing outside the machine can read the secrets. */
  readonly host?: string;
  /** JSON file holding the vault's state across restarts; loaded at start if present, rewritten after each change. */
  readonly dataFile?: string;
  /** Service limits to enforce; each one left out is Key Vault's own (300 secret writes, 4,000 others, per 10 s). */
  readonly limits?: Partial<KeyVaultLimits>;
}

/** One handled request, as the local vault logged it. Bodies are never logged: they carry secret values. */
export interface LocalVaultRequest {
  readonly method: string;
  /** The path as received, without the query string. */
  readonly path: string;
  readonly status: number;
}

/** The vault's own record of what it admitted and refused since it started (not kept in the data file). */
export interface LocalVaultUsage {
  /** When each secret write that succeeded was admitted (ms since the epoch), oldest first. */
  readonly secretWriteTimes: readonly number[];
  /** The most successful secret writes within any one window of the enforced length, however the window is placed. */
  readonly busiestSecretWriteWindow: number;
  /** Requests answered 429 because a limit was reached, per budget (injected faults not included). */
  readonly throttled: Readonly<Record<KeyVaultBudget, number>>;
}

/** A started local vault. */
export interface RunningLocalVault {
  /** Base URL to pass to `SecretClient`, e.g. `http://127.0.0.1:8200`. */
  readonly url: string;
  /** Every request answered so far, oldest first (live view). */
  readonly requests: readonly LocalVaultRequest[];
  /** The service limits this vault enforces. */
  readonly limits: KeyVaultLimits;
  usage(): LocalVaultUsage;
  /**
   * Makes the next `count` authenticated requests fail with `status` in Key Vault's error shape, with a
   * `Retry-After` header when `retryAfterSeconds` is given. Replaces any fault still pending. For fault tests.
   */
  failNext(count: number, status: 429 | 500 | 503, retryAfterSeconds?: number): void;
  /** Stops listening, drops open connections and waits for the last state write. */
  close(): Promise<void>;
}

/** The challenge real Key Vault sends; the SDK derives the token scope and tenant from it. */
const challengeHeader =
  'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"';

const maxBodyBytes = 1024 * 1024;
/** Key Vault's documented limits; enforcing them here keeps local runs from accepting what Azure would refuse. */
const maxValueBytes = 25 * 1024;
const maxContentTypeLength = 255;
const maxTags = 15;
const maxTagPartLength = 512;
const recoverableDays = 90;
const recoveryLevel = 'Recoverable+Purgeable';
const namePattern = /^[0-9a-zA-Z-]{1,127}$/;
const dataFormat = 'local-vault/1';

interface SecretVersion {
  version: string;
  value: string;
  contentType: string | undefined;
  tags: Record<string, string> | undefined;
  enabled: boolean;
  created: number;
  updated: number;
  nbf: number | undefined;
  exp: number | undefined;
}

interface SecretRecord {
  /** Spelling of the name when the secret was created; lookups are case-insensitive like Key Vault's. */
  name: string;
  /** Oldest first; the last one is what a version-less GET returns. */
  versions: SecretVersion[];
  deleted: { deletedDate: number; scheduledPurgeDate: number } | undefined;
}

/** The data file's content. */
interface VaultFile {
  readonly format: typeof dataFormat;
  readonly secrets: readonly SecretRecord[];
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Thrown by the handlers to answer with Key Vault's error shape. */
class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }

  toReply(): Reply {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.innerCode !== undefined) error['innererror'] = { code: this.innerCode };
    return { status: this.status, body: { error } };
  }
}

/**
 * Starts the local vault and resolves once it listens. Rejects when `dataFile` exists but cannot be read as vault
 * state, rather than starting empty and overwriting it.
 */
export async function startLocalVault(options: LocalVaultOptions): Promise<RunningLocalVault> {
  const host = options.host ?? '127.0.0.1';
  const dataFile = options.dataFile;
  const secrets = dataFile === undefined ? new Map<string, SecretRecord>() : await loadState(dataFile);
  // 0600: the file holds secret values in plain text.
  const store = dataFile === undefined ? undefined : new JsonSnapshotFile<VaultFile>(dataFile, { mode: 0o600 });
  const requests: LocalVaultRequest[] = [];
  const faults = new FaultQueue();
  const limits = vaultLimitsWith(options.limits);
  const budgets: Record<KeyVaultBudget, SlidingWindowLog> = {
    secretWrites: new SlidingWindowLog(limits.secretWrites, limits.windowMs),
    otherOperations: new SlidingWindowLog(limits.otherOperations, limits.windowMs),
  };
  const throttled: Record<KeyVaultBudget, number> = { secretWrites: 0, otherOperations: 0 };
  const secretWriteTimes: number[] = [];

  // The store chains its writes, so two quick mutations cannot rename their files out of order and the last write
  // always holds the newest state.
  const persist = (): Promise<void> =>
    store === undefined ? Promise.resolve() : store.save({ format: dataFormat, secrets: [...secrets.values()] });

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const rawUrl = request.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    // The SDK percent-encodes the key (`api%2Dversion`); URLSearchParams decodes it, a regex would not.
    const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
    const body = await readBody(request, maxBodyBytes);

    const send = (reply: Reply): void => {
      // Logged before the bytes leave so a client that has its answer always finds the entry.
      requests.push({ method, path, status: reply.status });
      response.setHeader('cache-control', 'no-cache');
      for (const [name, value] of Object.entries(reply.headers ?? {})) response.setHeader(name, value);
      if (reply.body === undefined) {
        response.writeHead(reply.status);
        response.end();
        return;
      }
      sendJson(response, reply.status, reply.body, 'application/json; charset=utf-8');
    };

    if (!/^Bearer\s+\S/i.test(request.headers.authorization ?? '')) {
      // The SDK first sends every client's opening request without a token (and without its body), expecting this
      // challenge; answering it with anything else would make it process a request whose body was stripped.
      send({
        ...new VaultError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.').toReply(),
        headers: { 'www-authenticate': challengeHeader },
      });
      return;
    }

    // The vault has no hang faults; its request (body included) is already read, so it answers through `send`, which
    // logs it, rather than through `faults.intercept`.
    const fault = faults.take();
    if (fault?.kind === 'fail') {
      const reply = faultError(fault.status).toReply();
      if (fault.retryAfterSeconds !== undefined) reply.headers = { 'retry-after': String(fault.retryAfterSeconds) };
      send(reply);
      return;
    }

    // Refused before anything is looked at, and not counted: Key Vault does not process or count a throttled request.
    const budget = budgetOf(method, path);
    const admittedAt = Date.now();
    const admission = admit(budgets[budget], admittedAt);
    if (!admission.admitted) {
      throttled[budget] += 1;
      send(throttledReply(admission.retryAfterMs));
      return;
    }

    try {
      if (body === undefined) throw new VaultError(413, 'RequestEntityTooLarge', 'The request body exceeds 1 MiB.');
      if (!query.get('api-version'))
        throw new VaultError(400, 'BadParameter', 'The api-version query parameter is missing.');
      const base = `http://${request.headers.host ?? urlHost}`;
      const reply = route(method, segmentsOf(path), body.toString('utf8'), base);
      if (budget === 'secretWrites') secretWriteTimes.push(admittedAt);
      if (reply.mutated) await persist();
      send(reply);
    } catch (error) {
      send(
        error instanceof VaultError
          ? error.toReply()
          : new VaultError(500, 'InternalServerError', 'The local vault failed to handle the request.').toReply(),
      );
    }
  }

  function route(method: string, segments: readonly string[], text: string, base: string): Reply & { mutated?: true } {
    const [collection, rawName, rest, ...extra] = segments;
    if (extra.length > 0) throw notFoundRoute();

    if (collection === 'secrets') {
      if (rawName === undefined || (rawName === '' && rest === undefined)) {
        if (method === 'GET') return { status: 200, body: listSecrets(base) };
        throw methodNotAllowed(method);
      }
      const name = validName(rawName);
      if (rest === 'versions') {
        if (method === 'GET') return { status: 200, body: listVersions(base, name) };
        throw methodNotAllowed(method);
      }
      // `/secrets/{name}` and `/secrets/{name}/` both mean the current version; the SDK uses the latter.
      const version = rest ?? '';
      if (method === 'GET') return { status: 200, body: getSecret(base, name, version) };
      if (method === 'PATCH')
        return { status: 200, body: updateSecret(base, name, version, parseJson(text)), mutated: true };
      if (rest === undefined && method === 'PUT') {
        return { status: 200, body: setSecret(base, name, parseJson(text)), mutated: true };
      }
      if (rest === undefined && method === 'DELETE')
        return { status: 200, body: deleteSecret(base, name), mutated: true };
      throw methodNotAllowed(method);
    }

    if (collection === 'deletedsecrets') {
      if (rawName === undefined || (rawName === '' && rest === undefined)) {
        if (method === 'GET') return { status: 200, body: listDeleted(base) };
        throw methodNotAllowed(method);
      }
      const name = validName(rawName);
      if (rest === 'recover' && method === 'POST')
        return { status: 200, body: recoverSecret(base, name), mutated: true };
      if (rest !== undefined) throw notFoundRoute();
      if (method === 'GET') return { status: 200, body: getDeleted(base, name) };
      if (method === 'DELETE') {
        purgeSecret(name);
        return { status: 204, mutated: true };
      }
      throw methodNotAllowed(method);
    }

    throw notFoundRoute();
  }

  function liveRecord(name: string): SecretRecord | undefined {
    const record = secrets.get(name.toLowerCase());
    return record?.deleted === undefined ? record : undefined;
  }

  function findVersion(name: string, version: string): { record: SecretRecord; found: SecretVersion } {
    const record = liveRecord(name);
    const found =
      version === '' ? record?.versions.at(-1) : record?.versions.find((v) => v.version === version.toLowerCase());
    if (record === undefined || found === undefined) {
      throw new VaultError(
        404,
        'SecretNotFound',
        `A secret with (name/id) ${name}${version === '' ? '' : `/${version}`} was not found in this key vault.`,
      );
    }
    return { record, found };
  }

  function getSecret(base: string, name: string, version: string): unknown {
    const { record, found } = findVersion(name, version);
    if (!found.enabled) {
      throw new VaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
    }
    return bundle(base, record, found, true);
  }

  function setSecret(base: string, name: string, input: Record<string, unknown>): unknown {
    const existing = secrets.get(name.toLowerCase());
    if (existing?.deleted !== undefined) {
      throw new VaultError(
        409,
        'Conflict',
        `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
        'ObjectIsDeletedButRecoverable',
      );
    }
    const value = input['value'];
    if (typeof value !== 'string') throw badParameter('The secret value is required and must be a string.');
    if (Buffer.byteLength(value) > maxValueBytes) throw badParameter('The secret value exceeds 25 KiB.');
    const attributes = readAttributes(input['attributes']);
    const now = unixNow();
    const created: SecretVersion = {
      version: randomBytes(16).toString('hex'),
      value,
      contentType: readContentType(input['contentType']) ?? undefined,
      tags: readTags(input['tags']) ?? undefined,
      enabled: attributes.enabled ?? true,
      created: now,
      updated: now,
      nbf: attributes.nbf ?? undefined,
      exp: attributes.exp ?? undefined,
    };
    const record = existing ?? { name, versions: [], deleted: undefined };
    record.versions.push(created);
    secrets.set(name.toLowerCase(), record);
    return bundle(base, record, created, true);
  }

  function updateSecret(base: string, name: string, version: string, input: Record<string, unknown>): unknown {
    const { record, found } = findVersion(name, version);
    // Validate everything before changing anything, so a bad field leaves the version as it was.
    const attributes = readAttributes(input['attributes']);
    const contentType = readContentType(input['contentType']);
    const tags = readTags(input['tags']);
    if (attributes.enabled !== undefined) found.enabled = attributes.enabled;
    // null clears a field, absent leaves it alone: the SDK only sends what the caller set.
    if (attributes.nbf !== undefined) found.nbf = attributes.nbf ?? undefined;
    if (attributes.exp !== undefined) found.exp = attributes.exp ?? undefined;
    if (contentType !== undefined) found.contentType = contentType ?? undefined;
    if (tags !== undefined) found.tags = tags ?? undefined;
    found.updated = unixNow();
    return bundle(base, record, found, false);
  }

  function deleteSecret(base: string, name: string): unknown {
    const record = liveRecord(name);
    const latest = record?.versions.at(-1);
    if (record === undefined || latest === undefined) {
      throw new VaultError(404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault.`);
    }
    const deletedDate = unixNow();
    record.deleted = { deletedDate, scheduledPurgeDate: deletedDate + recoverableDays * 86_400 };
    return deletedBundle(base, record, latest);
  }

  function deletedRecord(name: string): { record: SecretRecord; latest: SecretVersion } {
    const record = secrets.get(name.toLowerCase());
    const latest = record?.versions.at(-1);
    if (record?.deleted === undefined || latest === undefined) {
      throw new VaultError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
    }
    return { record, latest };
  }

  function getDeleted(base: string, name: string): unknown {
    const { record, latest } = deletedRecord(name);
    return deletedBundle(base, record, latest);
  }

  function purgeSecret(name: string): void {
    deletedRecord(name);
    secrets.delete(name.toLowerCase());
  }

  function recoverSecret(base: string, name: string): unknown {
    const { record, latest } = deletedRecord(name);
    record.deleted = undefined;
    return bundle(base, record, latest, false);
  }

  function listSecrets(base: string): unknown {
    const value = [...secrets.values()].flatMap((record) => {
      const latest = record.versions.at(-1);
      if (record.deleted !== undefined || latest === undefined) return [];
      return [{ ...metadata(latest), id: `${base}/secrets/${record.name}` }];
    });
    return { value, nextLink: null };
  }

  function listVersions(base: string, name: string): unknown {
    // Real Key Vault answers 200 with an empty list for a name it does not know, not 404.
    const record = liveRecord(name);
    const value = (record?.versions ?? []).map((v) => ({
      ...metadata(v),
      id: `${base}/secrets/${record?.name ?? name}/${v.version}`,
    }));
    return { value, nextLink: null };
  }

  function listDeleted(base: string): unknown {
    const value = [...secrets.values()].flatMap((record) => {
      const latest = record.versions.at(-1);
      if (record.deleted === undefined || latest === undefined) return [];
      return [{ ...metadata(latest), ...deletion(base, record), id: `${base}/secrets/${record.name}` }];
    });
    return { value, nextLink: null };
  }

  function bundle(base: string, record: SecretRecord, v: SecretVersion, withValue: boolean): Record<string, unknown> {
    return {
      ...(withValue ? { value: v.value } : {}),
      ...metadata(v),
      id: `${base}/secrets/${record.name}/${v.version}`,
    };
  }

  function deletedBundle(base: string, record: SecretRecord, latest: SecretVersion): unknown {
    return { ...bundle(base, record, latest, false), ...deletion(base, record) };
  }

  const port = await listen(server, options.port, host);
  const urlHost = `${formatHost(host)}:${port}`;

  return {
    url: `http://${urlHost}`,
    requests,
    limits,
    usage: () => ({
      secretWriteTimes: [...secretWriteTimes],
      busiestSecretWriteWindow: busiestWindow(secretWriteTimes, limits.windowMs),
      throttled: { ...throttled },
    }),
    failNext(count, status, retryAfterSeconds) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError('failNext count must be a non-negative integer');
      if (retryAfterSeconds !== undefined && !(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)) {
        throw new RangeError('failNext retryAfterSeconds must be a non-negative integer');
      }
      // Replaces rather than queues behind what is pending, unlike the sinks' failNext.
      faults.clear();
      faults.fail(count, status, retryAfterSeconds);
    },
    async close() {
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      // Keep-alive sockets from SDK clients would otherwise hold close() open until they time out.
      server.closeAllConnections();
      await closed;
      await store?.flush();
    },
  };
}

function metadata(v: SecretVersion): Record<string, unknown> {
  return {
    ...(v.contentType === undefined ? {} : { contentType: v.contentType }),
    ...(v.tags === undefined ? {} : { tags: v.tags }),
    attributes: {
      enabled: v.enabled,
      ...(v.nbf === undefined ? {} : { nbf: v.nbf }),
      ...(v.exp === undefined ? {} : { exp: v.exp }),
      created: v.created,
      updated: v.updated,
      recoveryLevel,
      recoverableDays,
    },
  };
}

function deletion(base: string, record: SecretRecord): Record<string, unknown> {
  return {
    // The SDK's delete poller only polls GET /deletedsecrets when a recoveryId is present, as with soft delete.
    recoveryId: `${base}/deletedsecrets/${record.name}`,
    deletedDate: record.deleted?.deletedDate,
    scheduledPurgeDate: record.deleted?.scheduledPurgeDate,
  };
}

/** Key Vault's answer past a limit: its error body as the service words it, and whole seconds to wait. */
function throttledReply(retryAfterMs: number): Reply {
  return {
    ...throttledError().toReply(),
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  };
}

const throttledError = (): VaultError =>
  new VaultError(
    429,
    'Throttled',
    'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
  );

function faultError(status: FailStatus): VaultError {
  switch (status) {
    case 429:
      return throttledError();
    case 500:
      return new VaultError(500, 'InternalServerError', 'The local vault was told to fail this request.');
    case 503:
      return new VaultError(503, 'ServiceUnavailable', 'The local vault was told to be unavailable for this request.');
  }
}

const badParameter = (message: string): VaultError => new VaultError(400, 'BadParameter', message);
const notFoundRoute = (): VaultError => new VaultError(404, 'NotFound', 'The local vault has no such operation.');
const methodNotAllowed = (method: string): VaultError =>
  new VaultError(405, 'MethodNotAllowed', `The local vault does not support ${method} on this path.`);

const unixNow = (): number => Math.floor(Date.now() / 1000);

function segmentsOf(path: string): string[] {
  try {
    return path.slice(1).split('/').map(decodeURIComponent);
  } catch {
    throw badParameter('The request path is not valid percent-encoding.');
  }
}

function validName(name: string): string {
  if (!namePattern.test(name)) {
    throw badParameter(
      `The secret name '${name.slice(0, 200)}' is invalid: use 1-127 characters of 0-9, a-z, A-Z and -.`,
    );
  }
  return name;
}

function parseJson(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badParameter('The request body is not valid JSON.');
  }
  if (!isRecord(parsed)) throw badParameter('The request body must be a JSON object.');
  return parsed;
}

/** Each field: undefined when absent, null when the client asked to clear it. */
function readAttributes(input: unknown): { enabled?: boolean; nbf?: number | null; exp?: number | null } {
  if (input === undefined || input === null) return {};
  if (!isRecord(input)) throw badParameter('attributes must be an object.');
  const result: { enabled?: boolean; nbf?: number | null; exp?: number | null } = {};
  const enabled = input['enabled'];
  if (enabled !== undefined && enabled !== null) {
    if (typeof enabled !== 'boolean') throw badParameter('attributes.enabled must be a boolean.');
    result.enabled = enabled;
  }
  for (const key of ['nbf', 'exp'] as const) {
    const stamp = input[key];
    if (stamp === undefined) continue;
    if (stamp !== null && !Number.isInteger(stamp)) throw badParameter(`attributes.${key} must be Unix seconds.`);
    result[key] = stamp as number | null;
  }
  return result;
}

function readContentType(input: unknown): string | null | undefined {
  if (input === undefined || input === null) return input;
  if (typeof input !== 'string' || input.length > maxContentTypeLength) {
    throw badParameter(`contentType must be a string of at most ${maxContentTypeLength} characters.`);
  }
  return input;
}

function readTags(input: unknown): Record<string, string> | null | undefined {
  if (input === undefined || input === null) return input;
  if (!isRecord(input)) throw badParameter('tags must be an object of strings.');
  const entries = Object.entries(input);
  if (entries.length > maxTags) throw badParameter(`At most ${maxTags} tags are allowed.`);
  const tags: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || key.length > maxTagPartLength || value.length > maxTagPartLength) {
      throw badParameter(`Tag names and values must be strings of at most ${maxTagPartLength} characters.`);
    }
    tags[key] = value;
  }
  return tags;
}

async function loadState(dataFile: string): Promise<Map<string, SecretRecord>> {
  const unusable = (cause: unknown): Error => {
    // JSON.parse throws a SyntaxError; parseVaultFile throws plain Errors that say what is wrong with the shape.
    const why = cause instanceof SyntaxError ? 'not JSON' : (cause as Error).message;
    return new Error(`Local vault data file ${dataFile} is not usable: ${why}`);
  };
  const file = await readJsonFile(dataFile, parseVaultFile, unusable);
  const secrets = new Map<string, SecretRecord>();
  for (const record of file?.secrets ?? []) secrets.set(record.name.toLowerCase(), record);
  return secrets;
}

function parseVaultFile(parsed: unknown): VaultFile {
  if (!isRecord(parsed) || parsed['format'] !== dataFormat || !Array.isArray(parsed['secrets'])) {
    throw new Error(`expected {"format":"${dataFormat}","secrets":[...]}`);
  }
  const secrets = (parsed['secrets'] as unknown[]).map((item) => {
    const record = toRecord(item);
    if (record === undefined) throw new Error('a secret entry has the wrong shape');
    return record;
  });
  return { format: dataFormat, secrets };
}

function toRecord(item: unknown): SecretRecord | undefined {
  if (!isRecord(item) || typeof item['name'] !== 'string' || !Array.isArray(item['versions'])) return undefined;
  const versions: SecretVersion[] = [];
  for (const entry of item['versions'] as unknown[]) {
    if (
      !isRecord(entry) ||
      typeof entry['version'] !== 'string' ||
      typeof entry['value'] !== 'string' ||
      typeof entry['enabled'] !== 'boolean' ||
      typeof entry['created'] !== 'number' ||
      typeof entry['updated'] !== 'number'
    ) {
      return undefined;
    }
    const tags = entry['tags'];
    versions.push({
      version: entry['version'],
      value: entry['value'],
      contentType: typeof entry['contentType'] === 'string' ? entry['contentType'] : undefined,
      tags: isRecord(tags) ? Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)])) : undefined,
      enabled: entry['enabled'],
      created: entry['created'],
      updated: entry['updated'],
      nbf: typeof entry['nbf'] === 'number' ? entry['nbf'] : undefined,
      exp: typeof entry['exp'] === 'number' ? entry['exp'] : undefined,
    });
  }
  const deleted = item['deleted'];
  return {
    name: item['name'],
    versions,
    deleted:
      isRecord(deleted) &&
      typeof deleted['deletedDate'] === 'number' &&
      typeof deleted['scheduledPurgeDate'] === 'number'
        ? { deletedDate: deleted['deletedDate'], scheduledPurgeDate: deleted['scheduledPurgeDate'] }
        : undefined,
  };
}
