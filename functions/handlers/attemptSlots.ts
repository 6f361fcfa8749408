import type { RateLimiter } from '../../core/ports.js';

/** Slots held under several limits at once: all or none. */
export type HeldSlots =
  { readonly granted: true; release(): Promise<void> } | { readonly granted: false; readonly retryAfterMs: number };

/**
 * Takes one slot under each `[key, limit]` in the same window, before the attempt they guard is evaluated. Refused
 * when any limit refuses, after giving back the slots it did get (should that fail, they count, which errs safe).
 */
export async function takeSlots(
  limiter: RateLimiter,
  windowMs: number,
  limits: readonly (readonly [key: string, limit: number])[],
): Promise<HeldSlots> {
  const grants = await Promise.allSettled(limits.map(([key, limit]) => limiter.take(key, limit, windowMs)));
  const held = grants.flatMap((grant) =>
    grant.status === 'fulfilled' && grant.value.granted ? [grant.value.slot] : [],
  );
  const release = async () => {
    await Promise.all(held.map((slot) => limiter.release(slot)));
  };
  const failed = grants.find((grant) => grant.status === 'rejected');
  if (failed !== undefined) {
    await release().catch(() => undefined);
    throw failed.reason;
  }
  const waits = grants.flatMap((grant) =>
    grant.status === 'fulfilled' && !grant.value.granted ? [grant.value.retryAfterMs] : [],
  );
  if (waits.length === 0) return { granted: true, release };
  await release().catch(() => undefined);
  return { granted: false, retryAfterMs: Math.max(...waits) };
}
