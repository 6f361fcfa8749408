/**
 * How long an enrollment waits after Key Vault (or the app's own pacing of it) throttled one of its activities, before
 * asking again: what Key Vault asked for (`Retry-After`), or without that 1 s, 2 s, 4 s, 8 s, then 16 s (Key Vault's
 * throttling guidance), plus a share of `spreadMs` drawn from the enrollment id and the attempt. Enrollments throttled
 * together come back spread over that span instead of as one burst that would mostly be throttled again, and the
 * draw is a function of the orchestration's own input, so replays see the same wait.
 */
export function vaultThrottleWaitMs(
  retryAfterMs: number | undefined,
  throttledBefore: number,
  enrollmentId: string,
  spreadMs: number,
): number {
  const asked = retryAfterMs ?? firstBackoffMs * 2 ** Math.min(throttledBefore, backoffDoublings);
  return asked + Math.floor(unitInterval(`${enrollmentId}/${throttledBefore}`) * spreadMs);
}

const firstBackoffMs = 1_000;
const backoffDoublings = 4;

/** A number in [0, 1) from a string: 32-bit FNV-1a, which spreads similar ids (a counter's) well enough for jitter. */
function unitInterval(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}
