import type { TokenCredential } from '@azure/identity';
import * as z from 'zod/mini';
import { PermanentError, TransientError } from '../core/errors.js';
import type { Directory } from '../core/ports.js';
import { parseRetryAfter } from '../core/retryAfter.js';
import { networkErrorCode } from './networkErrors.js';

export interface GraphDirectoryOptions {
  /** Needs the application permission UserAuthenticationMethod.Read.All on Microsoft Graph. */
  readonly credential: TokenCredential;
  /** Default https://graph.microsoft.com/v1.0; the local directory's `url` in development and tests. */
  readonly baseUrl?: string;
  /** Per HTTP request, token acquisition excluded. Default 10 s. */
  readonly timeoutMs?: number;
}

const defaultBaseUrl = 'https://graph.microsoft.com/v1.0';
const graphScope = 'https://graph.microsoft.com/.default';
const defaultTimeoutMs = 10_000;
const passwordMethodType = '#microsoft.graph.passwordAuthenticationMethod';
/** A user has a handful of methods; a longer chain of pages means a paging loop, not a real answer. */
const maxPages = 20;

const methodsPageSchema = z.object({
  value: z.array(z.looseObject({ '@odata.type': z.string() })),
  '@odata.nextLink': z.optional(z.string()),
});

const graphErrorSchema = z.object({ error: z.object({ code: z.string() }) });

/**
 * The `Directory` port over Microsoft Graph: lists the user's authentication methods
 * (`GET /users/{upn}/authentication/methods`, following `@odata.nextLink`) and calls MFA registered when any method
 * other than the password exists. Errors never carry the access token, nor the UPN (error messages end up in logs).
 */
export function createGraphDirectory(options: GraphDirectoryOptions): Directory {
  const baseUrl = (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, '');
  const origin = new URL(baseUrl).origin;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive number');

  return {
    async hasRegisteredMfa(userPrincipalName: string): Promise<boolean> {
      if (userPrincipalName.trim() === '') throw new PermanentError('Graph authentication methods: the UPN is empty');
      const token = await accessToken(options.credential);
      let url = `${baseUrl}/users/${encodeURIComponent(userPrincipalName)}/authentication/methods`;
      for (let page = 1; page <= maxPages; page++) {
        const { value, '@odata.nextLink': nextLink } = await fetchPage(url, token, timeoutMs);
        // Stop at the first non-password method: later pages cannot change the answer.
        if (value.some((method) => method['@odata.type'] !== passwordMethodType)) return true;
        if (nextLink === undefined) return false;
        // The token goes wherever nextLink points, so only ever to the host it was meant for.
        if (new URL(nextLink, url).origin !== origin) {
          throw new PermanentError('Graph authentication methods: @odata.nextLink points to another host');
        }
        url = new URL(nextLink, url).href;
      }
      throw new PermanentError(`Graph authentication methods: more than ${maxPages} pages; refusing to follow further`);
    },
  };
}

async function accessToken(credential: TokenCredential): Promise<string> {
  let token: Awaited<ReturnType<TokenCredential['getToken']>>;
  try {
    token = await credential.getToken(graphScope);
  } catch (error) {
    // Identity errors describe configuration, never the token itself, so they are safe to keep as the cause.
    if (error instanceof Error && error.name === 'CredentialUnavailableError') {
      throw new PermanentError('Graph authentication methods: no credential is configured for Microsoft Graph', {
        cause: error,
      });
    }
    throw new TransientError('Graph authentication methods: could not get a token for Microsoft Graph', {
      cause: error,
    });
  }
  if (token === null) {
    throw new PermanentError('Graph authentication methods: the credential returned no token for Microsoft Graph');
  }
  return token.token;
}

async function fetchPage(url: string, token: string, timeoutMs: number): Promise<z.infer<typeof methodsPageSchema>> {
  let response: Response;
  let text: string;
  try {
    // The signal also covers reading the body, so a response that stalls half-way times out as well.
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new TransientError(`Graph authentication methods: no answer within ${timeoutMs} ms`);
    }
    // Not attached as cause: undici's errors can echo the request, Authorization header included.
    const code = networkErrorCode(error);
    throw new TransientError(`Graph authentication methods: request failed (${code ?? 'network error'})`);
  }

  const body = parseJson(text);
  if (!response.ok) throw statusError(response, body);
  const parsed = methodsPageSchema.safeParse(body);
  if (!parsed.success) {
    throw new PermanentError('Graph authentication methods: the response does not have the documented shape');
  }
  return parsed.data;
}

function statusError(response: Response, body: unknown): Error {
  const status = response.status;
  const parsed = graphErrorSchema.safeParse(body);
  // Graph's error code (e.g. Request_ResourceNotFound) is safe to log; its message may quote the UPN.
  const code = parsed.success ? ` ${parsed.data.error.code}` : '';
  const prefix = `Graph authentication methods: HTTP ${status}${code}`;
  if (status === 429 || status === 408 || status >= 500) {
    return new TransientError(`${prefix}; retry later`, {
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    });
  }
  if (status === 404) return new PermanentError(`${prefix}: user not found in the directory`);
  if (status === 401 || status === 403) {
    return new PermanentError(
      `${prefix}: access denied; the app needs the Microsoft Graph application permission ` +
        'UserAuthenticationMethod.Read.All with admin consent',
    );
  }
  return new PermanentError(`${prefix}: Graph refused the request`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
