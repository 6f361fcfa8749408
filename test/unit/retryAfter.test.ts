import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../core/retryAfter.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-05-04T09:00:00.000Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date as the time left, never negative', () => {
    expect(parseRetryAfter('Mon, 04 May 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 04 May 2026 08:59:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    for (const value of [undefined, null, '', '  ', '-5', '1.5', 'soon'])
      expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
