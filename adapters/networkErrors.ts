/**
 * fetch wraps socket errors as `TypeError('fetch failed')` with the errno code on its cause. Only identifier-shaped
 * codes are passed on, so nothing from the request can ride along into an error message.
 */
export function networkErrorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (typeof cause !== 'object' || cause === null || !('code' in cause)) return undefined;
  return typeof cause.code === 'string' && /^[A-Z0-9_]{1,40}$/.test(cause.code) ? cause.code : undefined;
}
