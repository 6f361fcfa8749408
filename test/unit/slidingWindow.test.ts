import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { busiestWindow, SlidingWindowLog } from '../../core/slidingWindow.js';

describe('SlidingWindowLog', () => {
  it('opens at once while the window has room, then when the oldest event leaves it', () => {
    const log = new SlidingWindowLog(2, 1_000);
    expect(log.nextOpening(100)).toBe(100);
    log.record(100);
    log.record(400);
    expect(log.nextOpening(500)).toBe(1_100);
    expect(log.nextOpening(1_100)).toBe(1_100);
    log.record(1_100);
    expect(log.nextOpening(1_200)).toBe(1_400);
  });

  it('hands out reservations first come, first served, each after the one before', () => {
    const log = new SlidingWindowLog(1, 1_000);
    const first = log.nextOpening(0);
    log.record(first);
    const second = log.nextOpening(0);
    log.record(second);
    const third = log.nextOpening(10);
    expect([first, second, third]).toEqual([0, 1_000, 2_000]);
  });

  it('never lets any window hold more than the limit, whatever the arrivals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 10, max: 500 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 60 }),
        (limit, windowMs, gaps) => {
          const log = new SlidingWindowLog(limit, windowMs);
          const recorded: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            const at = log.nextOpening(now);
            expect(at).toBeGreaterThanOrEqual(now);
            log.record(at);
            recorded.push(at);
          }
          expect(busiestWindow(recorded, windowMs)).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });

  it('refuses a limit or window that cannot be one', () => {
    expect(() => new SlidingWindowLog(0, 1_000)).toThrow(RangeError);
    expect(() => new SlidingWindowLog(1, 0)).toThrow(RangeError);
  });
});

describe('busiestWindow', () => {
  it('finds the most events in any span of the window, however placed', () => {
    expect(busiestWindow([], 10)).toBe(0);
    expect(busiestWindow([0, 5, 9, 10, 19], 10)).toBe(3);
    expect(busiestWindow([0, 10, 20], 10)).toBe(1);
    expect(busiestWindow([0, 1, 2, 3], 10)).toBe(4);
  });
});
