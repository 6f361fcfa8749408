import { describe, expect, it } from 'vitest';
import { addMilliseconds, planVerificationWake } from '../../core/schedule.js';

const day = 86_400_000;
const start = new Date('2026-03-02T08:00:00.000Z');
const policy = { invitationValidForMs: 14 * day, reminderIntervalMs: 3 * day, maxReminders: 2 };
const at = (ms: number) => new Date(start.getTime() + ms);

describe('addMilliseconds', () => {
  it('returns a new instant without changing the input', () => {
    const result = addMilliseconds(start, 1_500);
    expect(result.toISOString()).toBe('2026-03-02T08:00:01.500Z');
    expect(start.toISOString()).toBe('2026-03-02T08:00:00.000Z');
  });
});

describe('planVerificationWake', () => {
  it('schedules reminders at start + n × interval', () => {
    expect(planVerificationWake(start, policy, 0)).toEqual({ fireAt: at(3 * day), kind: 'reminder' });
    expect(planVerificationWake(start, policy, 1)).toEqual({ fireAt: at(6 * day), kind: 'reminder' });
  });

  it('stops at maxReminders and then waits for the deadline', () => {
    expect(planVerificationWake(start, policy, 2)).toEqual({ fireAt: at(14 * day), kind: 'deadline' });
    expect(planVerificationWake(start, policy, 5)).toEqual({ fireAt: at(14 * day), kind: 'deadline' });
  });

  it('allows more reminders when maxReminders is higher, as long as they fall before the deadline', () => {
    const many = { ...policy, maxReminders: 10 };
    expect(planVerificationWake(start, many, 3)).toEqual({ fireAt: at(12 * day), kind: 'reminder' });
    // The fifth reminder would be at day 15, after the day-14 deadline.
    expect(planVerificationWake(start, many, 4)).toEqual({ fireAt: at(14 * day), kind: 'deadline' });
  });

  it('never schedules a reminder exactly at the deadline', () => {
    const exact = { invitationValidForMs: 6 * day, reminderIntervalMs: 3 * day, maxReminders: 5 };
    expect(planVerificationWake(start, exact, 0)).toEqual({ fireAt: at(3 * day), kind: 'reminder' });
    expect(planVerificationWake(start, exact, 1)).toEqual({ fireAt: at(6 * day), kind: 'deadline' });
  });

  it('never schedules a reminder after the deadline', () => {
    const long = { invitationValidForMs: 2 * day, reminderIntervalMs: 3 * day, maxReminders: 2 };
    expect(planVerificationWake(start, long, 0)).toEqual({ fireAt: at(2 * day), kind: 'deadline' });
  });

  it('goes straight to the deadline when the interval is 0', () => {
    expect(planVerificationWake(start, { ...policy, reminderIntervalMs: 0 }, 0)).toEqual({
      fireAt: at(14 * day),
      kind: 'deadline',
    });
  });

  it('goes straight to the deadline when maxReminders is 0', () => {
    expect(planVerificationWake(start, { ...policy, maxReminders: 0 }, 0)).toEqual({
      fireAt: at(14 * day),
      kind: 'deadline',
    });
  });
});
