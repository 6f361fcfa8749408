import type { AccessToken, TokenCredential } from '@azure/identity';
import { setTimeout as delay } from 'node:timers/promises';
import { SecretClient, type SecretClientOptions, type SecretProperties } from '@azure/keyvault-secrets';
import { isThrottledError, PermanentError, ThrottledError, TransientError } from '../core/errors.js';
import { keyVaultLimits, type KeyVaultBudget, type KeyVaultLimits } from '../core/keyVaultLimits.js';
import { parseRetryAfter } from '../core/retryAfter.js';
import type { AppPasswordReference, AppPasswordTags, Vault } from '../core/ports.js';
import { KeyVaultPacer } from './keyVaultPacer.js';

/** Marks the secrets this service writes, so ops can tell them apart from other secrets in a shared vault. */
export const appPasswordContentType = 'text/plain; purpose=app-password';

/** Options for {@link createKeyVaultVault}. */
export interface KeyVaultVaultOptions {
  /** e.g. `https://my-vault.vault.azure.net`, or the local vault's URL. */
  readonly vaultUrl: string;
  readonly credential: TokenCredential;
  /**
   * Talk to devhost/localVault.ts: allows plain http and skips the check that the challenge's resource
   * (vault.azure.net) is a parent domain of the vault host, which a loopback host never is. Never set it for Azure.
   */
  readonly localEmulator?: boolean;
  /**
   * How long a throttled read may wait in place, honouring `Retry-After`, before it gives up (default 5 s). A read
   * serves a person waiting on the reveal page, and there is nowhere durable to park a page request.
   */
  readonly throttledReadBudgetMs?: number;
  /** What this instance sends per window (see KeyVaultPacer); defaults to Key Vault's own limits. */
  readonly budget?: KeyVaultLimits;
  /**
   * Told of each throttled read it waits out (no secret in the message): that the vault throttles is worth a log line
   * even when nobody noticed.
   */
  readonly onThrottledRead?: (message: string) => void;
}

const defaultThrottledReadBudgetMs = 5_000;
/** Without a `Retry-After`, a throttled read waits 1 s, then 2 s, … (Key Vault's throttling guidance). */
const firstThrottleBackoffMs = 1_000;

/**
 * The `Vault` port on Azure Key Vault.
 *
 * Failures become `ThrottledError` (429, with `retryAfterMs` when Key Vault sent `Retry-After`), `TransientError`
 * (408, 5xx, no response at all) or `PermanentError` (any other status). Writes, updates and lists are tried once:
 * the activities hand a throttled one back to the orchestration, which waits on a durable timer (docs/architecture.md).
 * Reads wait in place within a small budget, since a person is waiting on them. Error messages name the operation and
 * the secret and copy only the status and error codes: the SDK's error holds the request, whose body is the password,
 * so it is never passed on, not even as `cause`.
 */
export function createKeyVaultVault(options: KeyVaultVaultOptions): Vault {
  const clientOptions: SecretClientOptions = {
    // maxRetries is the one limit of the SDK's single retry policy, which runs both its throttling strategy (429 or
    // 503 with Retry-After: sleeps that long, however long, then resends; a 429 without Retry-After is not retried)
    // and its exponential strategy (408, 5xx, network errors). With 0, the first answer is final: no blind resend of
    // a write, no sleep holding an activity slot, and Retry-After reaches the caller as ThrottledError.retryAfterMs.
    // Key Vault's 401 challenge round trip is done by its auth policy, not the retry policy, and still works.
    retryOptions: { maxRetries: 0 },
    ...(options.localEmulator === true
      ? { allowInsecureConnection: true, disableChallengeResourceVerification: true }
      : {}),
  };
  const client = new SecretClient(options.vaultUrl, options.credential, clientOptions);
  const readBudgetMs = options.throttledReadBudgetMs ?? defaultThrottledReadBudgetMs;
  const pacer = new KeyVaultPacer(options.budget ?? keyVaultLimits);
  const turn = (budget: KeyVaultBudget, operation: string, secretName: string) =>
    pacer.turn(budget, `Key Vault ${operation} of secret '${secretName}'`);

  return {
    async storeAppPassword(secretName, value, tags, expiresOn) {
      await turn('secretWrites', 'store', secretName);
      let properties: SecretProperties;
      try {
        const secret = await client.setSecret(secretName, value, {
          contentType: appPasswordContentType,
          tags: tagRecord(tags),
          ...(expiresOn === undefined ? {} : { expiresOn }),
        });
        properties = secret.properties;
      } catch (error) {
        throw translate('store', secretName, error);
      }
      return reference(secretName, properties, 'store');
    },

    async findLiveAppPassword(secretName) {
      await turn('otherOperations', 'find', secretName);
      let newest: SecretProperties | undefined;
      try {
        for await (const properties of client.listPropertiesOfSecretVersions(secretName)) {
          if (properties.enabled !== true || properties.version === undefined) continue;
          // createdOn has one-second resolution; on a tie the later-listed version wins, which on the local vault
          // is the later write. Key Vault documents no order, so a same-second tie there picks either.
          if (newest === undefined || createdMs(properties) >= createdMs(newest)) newest = properties;
        }
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw translate('find', secretName, error);
      }
      return newest === undefined ? undefined : reference(secretName, newest, 'find');
    },

    async readAppPassword({ secretName, version }) {
      const value = await waitingOutThrottling(readBudgetMs, options.onThrottledRead, async () => {
        await turn('otherOperations', 'read', secretName);
        try {
          return (await client.getSecret(secretName, { version })).value;
        } catch (error) {
          throw translate('read', secretName, error);
        }
      });
      if (value === undefined) throw new PermanentError(`Key Vault read of secret '${secretName}' returned no value`);
      return value;
    },

    async disableAppPassword({ secretName, version }) {
      await turn('otherOperations', 'disable', secretName);
      try {
        await client.updateSecretProperties(secretName, version, { enabled: false });
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw translate('disable', secretName, error);
      }
    },
  };
}

/**
 * A credential for devhost/localVault.ts only: it hands out a fixed dummy token, which the local vault accepts and
 * Azure would reject. Keeps local runs and tests from needing Azure sign-in.
 */
export function createLocalEmulatorCredential(): TokenCredential {
  return {
    getToken: (): Promise<AccessToken> =>
      Promise.resolve({ token: 'local-dev-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}

/**
 * Runs `attempt`, and again after each `ThrottledError` for as long as the wait it asks for (or 1 s, 2 s, … without
 * one) still ends within `budgetMs` of the start, telling `onWait` of each wait; then the last `ThrottledError` is
 * thrown.
 */
async function waitingOutThrottling<T>(
  budgetMs: number,
  onWait: ((message: string) => void) | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isThrottledError(error)) throw error;
      const waitMs = error.retryAfterMs ?? firstThrottleBackoffMs * 2 ** retry;
      if (Date.now() + waitMs > deadline) throw error;
      onWait?.(`${error.message}; waiting ${waitMs} ms and reading again`);
      await delay(waitMs);
    }
  }
}

function tagRecord(tags: AppPasswordTags): Record<string, string> {
  return {
    enrollmentId: tags.enrollmentId,
    employeeId: tags.employeeId,
    issuedAt: tags.issuedAt,
    ...(tags.deviceLabel === undefined ? {} : { deviceLabel: tags.deviceLabel }),
  };
}

function reference(secretName: string, properties: SecretProperties, operation: string): AppPasswordReference {
  if (properties.version === undefined) {
    throw new PermanentError(`Key Vault ${operation} of secret '${secretName}' returned no version`);
  }
  return {
    secretName,
    version: properties.version,
    expiresOn: properties.expiresOn?.toISOString() ?? null,
  };
}

const createdMs = (properties: SecretProperties): number => properties.createdOn?.getTime() ?? 0;

/**
 * The parts of the SDK's RestError we read, by duck typing: it comes from a package this project does not depend on
 * directly, and credentials throw errors of their own shape.
 */
interface ErrorFacts {
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly details?: { readonly error?: { readonly innerError?: { readonly code?: unknown } } };
  readonly response?: { readonly headers?: { get?(name: string): string | undefined } };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as ErrorFacts | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function translate(operation: string, secretName: string, error: unknown): Error {
  const facts = (typeof error === 'object' && error !== null ? error : {}) as ErrorFacts;
  const status = statusOf(error);
  const codes = [safeCode(facts.code), safeCode(facts.details?.error?.innerError?.code)].filter(
    (code): code is string => code !== undefined,
  );
  const detail = [status === undefined ? 'no response' : `status ${status}`, ...codes].join(', ');
  const message = `Key Vault ${operation} of secret '${secretName}' failed (${detail})`;
  if (status === 429) return new ThrottledError(message, { retryAfterMs: retryAfterMs(facts) });
  if (status === undefined || status === 408 || status >= 500) {
    return new TransientError(message, { retryAfterMs: retryAfterMs(facts) });
  }
  return new PermanentError(message);
}

/** Codes are identifiers; anything else in that field is dropped rather than risk echoing request content. */
function safeCode(code: unknown): string | undefined {
  return typeof code === 'string' && /^[\w.+-]{1,64}$/.test(code) ? code : undefined;
}

function retryAfterMs(facts: ErrorFacts): number | undefined {
  const headers = facts.response?.headers;
  return typeof headers?.get === 'function' ? parseRetryAfter(headers.get('retry-after')) : undefined;
}
