import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyFault,
  maxFaultCount,
  maxRetryAfterSeconds,
  parseFault,
  type DevConsoleFaultTarget,
} from '../../../devhost/devConsole/faultRequest.js';
import { Refusal } from '../../../devhost/devConsole/refusal.js';

function refusalOf(action: () => unknown): Refusal {
  try {
    action();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a Refusal');
}

describe('parseFault', () => {
  it('reads a failure, with and without Retry-After, and a hang', () => {
    expect(parseFault({ target: 'mail', kind: 'fail', status: 503, count: 2 })).toEqual({
      target: 'mail',
      kind: 'fail',
      status: 503,
      count: 2,
    });
    expect(parseFault({ target: 'vault', kind: 'fail', status: 429, count: 1, retryAfterSeconds: 0 })).toEqual({
      target: 'vault',
      kind: 'fail',
      status: 429,
      count: 1,
      retryAfterSeconds: 0,
    });
    expect(parseFault({ target: 'sms', kind: 'hang', count: maxFaultCount })).toEqual({
      target: 'sms',
      kind: 'hang',
      count: maxFaultCount,
    });
  });

  it.each([
    ['not an object', [], 'Expected {'],
    ['an unknown field', { target: 'mail', kind: 'hang', count: 1, when: 'now' }, 'Unknown field(s): when.'],
    ['an unknown target', { target: 'queue', kind: 'hang', count: 1 }, 'target must be one of vault, mail, sms.'],
    ['a count of 0', { target: 'mail', kind: 'hang', count: 0 }, 'count must be a whole number'],
    ['a count past the bound', { target: 'mail', kind: 'hang', count: maxFaultCount + 1 }, 'count must be'],
    ['a fractional count', { target: 'mail', kind: 'hang', count: 1.5 }, 'count must be'],
    ['a count as text', { target: 'mail', kind: 'hang', count: '1' }, 'count must be'],
    ['a hang with a status', { target: 'mail', kind: 'hang', count: 1, status: 500 }, 'A hang has no status'],
    ['an unknown kind', { target: 'mail', kind: 'slow', count: 1 }, 'kind must be fail or hang.'],
    ['a failure without status', { target: 'mail', kind: 'fail', count: 1 }, 'A failure needs status 429, 500, 503.'],
    ['a status it cannot send', { target: 'mail', kind: 'fail', status: 404, count: 1 }, 'A failure needs status'],
    [
      'a Retry-After past the bound',
      { target: 'mail', kind: 'fail', status: 429, count: 1, retryAfterSeconds: maxRetryAfterSeconds + 1 },
      'retryAfterSeconds must be',
    ],
  ])('refuses %s with 400 and says what is wrong', (_name, body, message) => {
    const refusal = refusalOf(() => parseFault(body));
    expect(refusal.status).toBe(400);
    expect(refusal.message).toContain(message);
  });

  it('answers anything with a fault inside the bounds or a 400, and a parsed fault parses to itself', () => {
    const field = fc.oneof(
      fc.constantFrom('vault', 'mail', 'sms', 'fail', 'hang', 429, 500, 503, 0, 1, -1, 3_600, 10_000, 10_001),
      fc.anything(),
    );
    const body = fc.dictionary(
      fc.constantFrom('target', 'kind', 'status', 'count', 'retryAfterSeconds', 'extra'),
      field,
    );
    fc.assert(
      fc.property(body, (input) => {
        let fault;
        try {
          fault = parseFault(input);
        } catch (error) {
          expect(error).toBeInstanceOf(Refusal);
          expect((error as Refusal).status).toBe(400);
          return;
        }
        expect(fault.count).toBeGreaterThanOrEqual(1);
        expect(fault.count).toBeLessThanOrEqual(maxFaultCount);
        if (fault.kind === 'fail' && fault.retryAfterSeconds !== undefined) {
          expect(fault.retryAfterSeconds).toBeLessThanOrEqual(maxRetryAfterSeconds);
        }
        expect(parseFault(JSON.parse(JSON.stringify(fault)))).toEqual(fault);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('applyFault', () => {
  const calls: string[] = [];
  const vault: DevConsoleFaultTarget = {
    failNext: (...args) => calls.push(`vault fail ${args.map(String).join(',')}`),
  };
  const mail: DevConsoleFaultTarget = {
    failNext: (...args) => calls.push(`mail fail ${args.map(String).join(',')}`),
    hangNext: (count) => calls.push(`mail hang ${count}`),
  };

  it('tells the target to fail or hang', () => {
    calls.length = 0;
    applyFault({ vault, mail }, { target: 'vault', kind: 'fail', status: 429, count: 2, retryAfterSeconds: 3 });
    applyFault({ vault, mail }, { target: 'mail', kind: 'hang', count: 1 });
    expect(calls).toEqual(['vault fail 2,429,3', 'mail hang 1']);
  });

  it('refuses a target this runtime has not, and a hang a target cannot do, touching nothing', () => {
    calls.length = 0;
    expect(
      refusalOf(() => {
        applyFault({ vault }, { target: 'sms', kind: 'hang', count: 1 });
      }).status,
    ).toBe(400);
    expect(
      refusalOf(() => {
        applyFault(undefined, { target: 'mail', kind: 'hang', count: 1 });
      }).status,
    ).toBe(400);
    const refusal = refusalOf(() => {
      applyFault({ vault }, { target: 'vault', kind: 'hang', count: 1 });
    });
    expect(refusal.message).toBe('The local vault can be told to fail, not to hang.');
    expect(calls).toEqual([]);
  });
});
