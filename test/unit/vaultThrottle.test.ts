import { describe, expect, it } from 'vitest';
import { vaultThrottleWaitMs } from '../../core/vaultThrottle.js';

describe('vaultThrottleWaitMs', () => {
  it('waits what Key Vault asked plus a share of the spread, the same every time it is asked', () => {
    const wait = vaultThrottleWaitMs(3_000, 0, 'enrollment-1', 10_000);
    expect(wait).toBeGreaterThanOrEqual(3_000);
    expect(wait).toBeLessThan(13_000);
    expect(vaultThrottleWaitMs(3_000, 0, 'enrollment-1', 10_000)).toBe(wait);
  });

  it('spreads a crowd throttled together evenly over the spread', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let index = 0; index < 2_000; index += 1) {
      const extra = vaultThrottleWaitMs(1_000, 0, `5a0c5f7e-3c1b-4a55-9d0e-${String(index).padStart(12, '0')}`, 10_000);
      const bucket = Math.floor((extra - 1_000) / 1_000);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    // 200 expected in each second of the spread; a run of similar ids must not bunch up.
    for (const count of buckets) expect(count).toBeGreaterThan(140);
    for (const count of buckets) expect(count).toBeLessThan(260);
  });

  it('draws a new share for each attempt, so two enrollments do not stay in step', () => {
    const shares = [0, 1, 2, 3].map((attempt) => vaultThrottleWaitMs(0, attempt, 'enrollment-1', 10_000));
    expect(new Set(shares).size).toBe(4);
  });

  it('backs off 1, 2, 4, 8, then 16 s without a Retry-After', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((before) => vaultThrottleWaitMs(undefined, before, 'x', 0))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000,
    ]);
  });
});
