import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../core/duration.js';

const second = 1_000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

describe('parseDurationMs', () => {
  it.each([
    ['P14D', 14 * day],
    ['PT10M', 10 * minute],
    ['PT1.5S', 1_500],
    ['P1W', 7 * day],
    ['P1DT2H3M4S', day + 2 * hour + 3 * minute + 4 * second],
    ['PT0.001S', 1],
    ['P2W3D', 17 * day],
    ['PT1H', hour],
    ['P0D', 0],
  ])('parses %s as %d ms', (text, expected) => {
    expect(parseDurationMs(text)).toBe(expected);
  });

  it.each([
    ['P1Y', 'years depend on the calendar'],
    ['P1M', 'months depend on the calendar (M before T means month)'],
    ['P1Y2D', 'years mixed with days'],
    ['', 'empty string'],
    ['P', 'designator without any component'],
    ['PT', 'time designator without any component'],
    ['P1DT', 'dangling time designator'],
    ['14D', 'missing the P designator'],
    ['P-1D', 'negative component'],
    ['PT1.2345S', 'more than millisecond precision'],
    ['PT1.S', 'decimal point without digits'],
    ['p14d', 'lower-case designators'],
    [' P14D', 'leading whitespace'],
    ['P14D ', 'trailing whitespace'],
    ['PT1.5M', 'fractional minutes'],
    ['P1D2W', 'components out of order'],
  ])('refuses %j (%s)', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});
