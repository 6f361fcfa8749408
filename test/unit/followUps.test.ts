import { describe, expect, it } from 'vitest';
import { createFollowUps } from '../../functions/followUps.js';

/** A step that fails its first `failures` runs, then succeeds; it counts its runs. */
function flaky(failures: number, message = 'storage answered 503') {
  const step = {
    runs: 0,
    run: (): Promise<void> => {
      step.runs += 1;
      return step.runs <= failures ? Promise.reject(new Error(message)) : Promise.resolve();
    },
  };
  return step;
}

/** A step that waits until the test lets it finish. */
function held() {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    run: () => done,
    finish: () => {
      finish();
    },
  };
}

describe('FollowUps', () => {
  it('retries a failing step until it lands, and logs nothing when it does', async () => {
    const lines: string[] = [];
    const followUps = createFollowUps({ log: (line) => lines.push(line), backoffMs: 1 });
    const step = flaky(3);
    followUps.start('the audit of a reveal', step.run);
    await followUps.idle();
    expect(step.runs).toBe(4);
    expect(lines).toEqual([]);
  });

  it('lets a step go after its last try, with one redacted log line that names it', async () => {
    const lines: string[] = [];
    const followUps = createFollowUps({ log: (line) => lines.push(line), attempts: 3, backoffMs: 1 });
    const step = flaky(10, 'PUT /r/Xk3_9aZ-qL0pWm2vN8rT5yB1cD4eF6gH7iJ0kL2mN4o failed for qwertyuiopasdfgh');
    followUps.start('PasswordRevealed', step.run);
    await followUps.idle();
    expect(step.runs).toBe(3);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^PasswordRevealed failed 3 times and was let go: /);
    expect(lines[0]).not.toContain('Xk3_9aZ-qL0pWm2vN8rT5yB1cD4eF6gH7iJ0kL2mN4o');
    expect(lines[0]).not.toContain('qwertyuiopasdfgh');
  });

  it('starts a step without holding up its caller, and is idle only once every started step has finished', async () => {
    const followUps = createFollowUps({ log: () => undefined });
    const first = held();
    const second = held();
    let idle = false;
    followUps.start('first', first.run);
    followUps.start('second', second.run);
    const waiting = followUps.idle().then(() => {
      idle = true;
    });
    first.finish();
    await Promise.resolve();
    await Promise.resolve();
    expect(idle).toBe(false);
    second.finish();
    await waiting;
    expect(idle).toBe(true);
  });

  it('settles a step for a caller that waits, and never throws when the step keeps failing', async () => {
    const lines: string[] = [];
    const followUps = createFollowUps({ log: (line) => lines.push(line), attempts: 2, backoffMs: 1 });
    const recovering = flaky(1);
    await followUps.settle('giving the reveal back', recovering.run);
    expect(recovering.runs).toBe(2);
    const failing = flaky(5);
    await expect(followUps.settle('giving the reveal back', failing.run)).resolves.toBeUndefined();
    expect(failing.runs).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^giving the reveal back failed 2 times/)]);
  });
});
