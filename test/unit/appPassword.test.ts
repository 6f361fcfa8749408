import { describe, expect, it } from 'vitest';
import {
  appPasswordAlphabet,
  appPasswordLength,
  generateAppPassword,
  groupAppPassword,
} from '../../core/appPassword.js';

describe('generateAppPassword', () => {
  it('is 16 lowercase letters', () => {
    expect(appPasswordLength).toBe(16);
    expect(appPasswordAlphabet).toBe('abcdefghijklmnopqrstuvwxyz');
    for (let i = 0; i < 200; i += 1) expect(generateAppPassword()).toMatch(/^[a-z]{16}$/);
  });

  it('draws each character from pick(26) and maps the index onto a-z', () => {
    const bounds: number[] = [];
    const zero = generateAppPassword((max) => {
      bounds.push(max);
      return 0;
    });
    expect(zero).toBe('a'.repeat(16));
    expect(bounds).toEqual(Array.from({ length: 16 }, () => 26));

    expect(generateAppPassword(() => 25)).toBe('z'.repeat(16));

    let next = 0;
    expect(generateAppPassword((max) => next++ % max)).toBe('abcdefghijklmnop');
    next = 10;
    expect(generateAppPassword((max) => next++ % max)).toBe('klmnopqrstuvwxyz');
  });

  it('is uniform over a-z (chi-square over 160,000 letters)', () => {
    // 10,000 passwords × 16 = 160,000 letters, 26 categories → 25 degrees of freedom. The 0.999 quantile of
    // chi-square(25) is 52.62, so a correct, uniform generator fails this test with probability about 0.1 %
    // (one run in a thousand). A modulo-biased or skewed generator exceeds it by far at this sample size.
    const passwords = 10_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < passwords; i += 1) {
      for (const letter of generateAppPassword()) counts.set(letter, (counts.get(letter) ?? 0) + 1);
    }
    const total = passwords * appPasswordLength;
    expect([...counts.keys()].sort().join('')).toBe(appPasswordAlphabet);
    expect([...counts.values()].reduce((sum, count) => sum + count, 0)).toBe(total);

    const expected = total / 26;
    let statistic = 0;
    for (const letter of appPasswordAlphabet) {
      const observed = counts.get(letter) ?? 0;
      statistic += (observed - expected) ** 2 / expected;
    }
    expect(statistic).toBeLessThan(52.62);
  });

  it('is different across draws', () => {
    const passwords = new Set(Array.from({ length: 1000 }, () => generateAppPassword()));
    expect(passwords.size).toBe(1000);
  });
});

describe('groupAppPassword', () => {
  it('shows four groups of four', () => {
    expect(groupAppPassword('abcdefghijklmnop')).toBe('abcd efgh ijkl mnop');
  });

  it('adds no trailing space', () => {
    expect(groupAppPassword('abcdefgh')).toBe('abcd efgh');
    expect(groupAppPassword('abcdefghi')).toBe('abcd efgh i');
  });
});
