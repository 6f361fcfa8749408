import type { FailStatus } from '../faults.js';

/* How the local vault answers: a status, Key Vault's JSON body and headers, and its errors in the service's words. */

/** One answer of the local vault. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Thrown by the handlers to answer with Key Vault's error shape. */
export class VaultError extends Error {
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

/** Key Vault's answer past a limit: its error body as the service words it, and whole seconds to wait. */
export function throttledReply(retryAfterMs: number): Reply {
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

/** The error an injected fault answers with, worded as Key Vault words that status. */
export function faultError(status: FailStatus): VaultError {
  switch (status) {
    case 429:
      return throttledError();
    case 500:
      return new VaultError(500, 'InternalServerError', 'The local vault was told to fail this request.');
    case 503:
      return new VaultError(503, 'ServiceUnavailable', 'The local vault was told to be unavailable for this request.');
  }
}

export const badParameter = (message: string): VaultError => new VaultError(400, 'BadParameter', message);
export const notFoundRoute = (): VaultError =>
  new VaultError(404, 'NotFound', 'The local vault has no such operation.');
export const methodNotAllowed = (method: string): VaultError =>
  new VaultError(405, 'MethodNotAllowed', `The local vault does not support ${method} on this path.`);
