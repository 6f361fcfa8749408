import { InvalidContinuationTokenError } from '../../core/errors.js';

/**
 * Continuation tokens as callers see them: the `@azure/data-tables` token, base64url-encoded so it travels in a query
 * string without escaping and stays opaque (callers must not build or edit one).
 */
export function toOpaqueContinuationToken(sdkToken: string): string {
  return Buffer.from(sdkToken, 'utf8').toString('base64url');
}

/**
 * Turns a caller's token back into the SDK's, or throws `InvalidContinuationTokenError`. The SDK's token is base64 of
 * JSON `{ nextPartitionKey, nextRowKey? }` (utils/continuationToken.js in @azure/data-tables), which it parses before
 * sending the two values to the service; anything of another shape would make the SDK throw a bare SyntaxError or
 * TypeError, so it is refused here, as the caller's mistake. A well-formed token with made-up keys is harmless: it
 * only moves where the query resumes, and the query's filter still decides which rows come back.
 */
export function fromOpaqueContinuationToken(token: string): string {
  const sdkToken = decodeExactly(token, 'base64url');
  const json = sdkToken === undefined ? undefined : decodeExactly(sdkToken, 'base64');
  let parsed: unknown;
  try {
    parsed = json === undefined ? undefined : JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  if (sdkToken === undefined || !isSdkTokenShape(parsed)) {
    throw new InvalidContinuationTokenError('The continuation token was not issued by this service');
  }
  return sdkToken;
}

/** Node's decoders skip characters outside the alphabet; a round trip makes sure nothing was skipped. */
function decodeExactly(text: string, encoding: 'base64' | 'base64url'): string | undefined {
  const bytes = Buffer.from(text, encoding);
  const decoded = bytes.toString('latin1');
  const canonical = bytes.toString(encoding);
  const unpadded = encoding === 'base64' ? text.replace(/=+$/, '') : text;
  return canonical.replace(/=+$/, '') === unpadded && decoded.length > 0 ? decoded : undefined;
}

function isSdkTokenShape(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { nextPartitionKey, nextRowKey } = value as Record<string, unknown>;
  return (
    typeof nextPartitionKey === 'string' &&
    nextPartitionKey !== '' &&
    (nextRowKey === undefined || typeof nextRowKey === 'string')
  );
}
