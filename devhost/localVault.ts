import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FaultQueue } from './faults.js';
import { JsonSnapshotFile } from './jsonFile.js';
import { formatHost, listen, readBody, sendJson } from './localHttp.js';
import { dataFormat, loadSecretRecords, type VaultFile } from './localVault/dataFile.js';
import { routeVaultRequest } from './localVault/routes.js';
import { segmentsOf } from './localVault/secretInput.js';
import { SecretStore } from './localVault/secretStore.js';
import { faultError, throttledReply, VaultError, type Reply } from './localVault/vaultError.js';
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
 *
 * This file is the server: authentication challenge, injected faults, limits, logging. What it does to secrets is in
 * localVault/secretStore.ts, which operation a path is in localVault/routes.ts.
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

/** What one request may touch: the secrets, where they are saved, the fault queue, the limits and the logs. */
interface VaultState {
  readonly secrets: SecretStore;
  readonly persist: () => Promise<void>;
  readonly requests: LocalVaultRequest[];
  readonly faults: FaultQueue;
  readonly budgets: Readonly<Record<KeyVaultBudget, SlidingWindowLog>>;
  readonly throttled: Record<KeyVaultBudget, number>;
  readonly secretWriteTimes: number[];
  /** host:port, for the bundles' ids when a request has no Host header. */
  urlHost: string;
}

/**
 * Starts the local vault and resolves once it listens. Rejects when `dataFile` exists but cannot be read as vault
 * state, rather than starting empty and overwriting it.
 */
export async function startLocalVault(options: LocalVaultOptions): Promise<RunningLocalVault> {
  const host = options.host ?? '127.0.0.1';
  const dataFile = options.dataFile;
  const secrets = new SecretStore(dataFile === undefined ? [] : await loadSecretRecords(dataFile));
  // 0600: the file holds secret values in plain text.
  const file = dataFile === undefined ? undefined : new JsonSnapshotFile<VaultFile>(dataFile, { mode: 0o600 });
  const limits = vaultLimitsWith(options.limits);
  const state: VaultState = {
    secrets,
    // The file chains its writes, so two quick mutations cannot rename their files out of order and the last write
    // always holds the newest state.
    persist: () => file?.save({ format: dataFormat, secrets: secrets.records() }) ?? Promise.resolve(),
    requests: [],
    faults: new FaultQueue(),
    budgets: {
      secretWrites: new SlidingWindowLog(limits.secretWrites, limits.windowMs),
      otherOperations: new SlidingWindowLog(limits.otherOperations, limits.windowMs),
    },
    throttled: { secretWrites: 0, otherOperations: 0 },
    secretWriteTimes: [],
    urlHost: '',
  };

  const server = createServer((request, response) => {
    handle(state, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  const port = await listen(server, options.port, host);
  state.urlHost = `${formatHost(host)}:${port}`;

  return {
    url: `http://${state.urlHost}`,
    requests: state.requests,
    limits,
    usage: () => ({
      secretWriteTimes: [...state.secretWriteTimes],
      busiestSecretWriteWindow: busiestWindow(state.secretWriteTimes, limits.windowMs),
      throttled: { ...state.throttled },
    }),
    failNext(count, status, retryAfterSeconds) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError('failNext count must be a non-negative integer');
      if (retryAfterSeconds !== undefined && !(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)) {
        throw new RangeError('failNext retryAfterSeconds must be a non-negative integer');
      }
      // Replaces rather than queues behind what is pending, unlike the sinks' failNext.
      state.faults.clear();
      state.faults.fail(count, status, retryAfterSeconds);
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
      await file?.flush();
    },
  };
}

/**
 * One request, in the order Key Vault takes it: the token challenge, then an injected fault, then the service
 * limits, and only then the operation itself. Every answer is logged.
 */
async function handle(state: VaultState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? 'GET';
  const rawUrl = request.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  // The SDK percent-encodes the key (`api%2Dversion`); URLSearchParams decodes it, a regex would not.
  const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
  const body = await readBody(request, maxBodyBytes);
  const send = (reply: Reply): void => {
    // Logged before the bytes leave so a client that has its answer always finds the entry.
    state.requests.push({ method, path, status: reply.status });
    sendReply(response, reply);
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
  const fault = state.faults.take();
  if (fault?.kind === 'fail') {
    const reply = faultError(fault.status).toReply();
    if (fault.retryAfterSeconds !== undefined) reply.headers = { 'retry-after': String(fault.retryAfterSeconds) };
    send(reply);
    return;
  }

  // Refused before anything is looked at, and not counted: Key Vault does not process or count a throttled request.
  const budget = budgetOf(method, path);
  const admittedAt = Date.now();
  const admission = admit(state.budgets[budget], admittedAt);
  if (!admission.admitted) {
    state.throttled[budget] += 1;
    send(throttledReply(admission.retryAfterMs));
    return;
  }

  try {
    if (body === undefined) throw new VaultError(413, 'RequestEntityTooLarge', 'The request body exceeds 1 MiB.');
    if (!query.get('api-version'))
      throw new VaultError(400, 'BadParameter', 'The api-version query parameter is missing.');
    const base = `http://${request.headers.host ?? state.urlHost}`;
    const reply = routeVaultRequest(state.secrets, method, segmentsOf(path), body.toString('utf8'), base);
    if (budget === 'secretWrites') state.secretWriteTimes.push(admittedAt);
    if (reply.mutated) await state.persist();
    send(reply);
  } catch (error) {
    send(
      error instanceof VaultError
        ? error.toReply()
        : new VaultError(500, 'InternalServerError', 'The local vault failed to handle the request.').toReply(),
    );
  }
}

function sendReply(response: ServerResponse, reply: Reply): void {
  response.setHeader('cache-control', 'no-cache');
  for (const [name, value] of Object.entries(reply.headers ?? {})) response.setHeader(name, value);
  if (reply.body === undefined) {
    response.writeHead(reply.status);
    response.end();
    return;
  }
  sendJson(response, reply.status, reply.body, 'application/json; charset=utf-8');
}
