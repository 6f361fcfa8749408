/**
 * The errno-style code of a failed request: node:http puts it on the error itself, fetch wraps socket errors as
 * `TypeError('fetch failed')` with the code on its cause. Only identifier-shaped codes are passed on, so nothing from
 * the request can ride along into an error message.
 */
export function networkErrorCode(error: unknown): string | undefined {
  const carrier = error instanceof Error && 'code' in error ? error : error instanceof Error ? error.cause : undefined;
  if (typeof carrier !== 'object' || carrier === null || !('code' in carrier)) return undefined;
  return typeof carrier.code === 'string' && /^[A-Z0-9_]{1,40}$/.test(carrier.code) ? carrier.code : undefined;
}
