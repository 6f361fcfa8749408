import { describe, expect, it } from 'vitest';
import { createHandOff } from '../../../functions/handlers/employee/handOff.js';
import type { FollowUps } from '../../../functions/followUps.js';
import { waitFor } from '../../helpers/waitFor.js';
import { invocation } from './harness.js';

/** Follow-ups that run each step at once and note what was started. */
function recordingFollowUps() {
  const started: string[] = [];
  const followUps: FollowUps = {
    start: (what, step) => {
      started.push(what);
      void step();
    },
    settle: async (_what, step) => step(),
    idle: () => Promise.resolve(),
  };
  return { started, followUps };
}

describe('hand-off', () => {
  it('starts nothing before the answer, and everything handed off once it is out, in order', async () => {
    const { started, followUps } = recordingFollowUps();
    const handOff = createHandOff(followUps);
    const context = invocation();
    const ran: string[] = [];
    handOff.later(context, 'first', () => Promise.resolve(void ran.push('first')));
    handOff.later(context, 'second', () => Promise.resolve(void ran.push('second')));
    await Promise.resolve();
    expect(started).toEqual([]);
    handOff.startAfterAnswer(context);
    // Not even then on the same turn: the host writes the answer first.
    expect(started).toEqual([]);
    await waitFor('the handed-off steps', () => (ran.length === 2 ? ran : undefined));
    expect(started).toEqual(['first', 'second']);
    expect(ran).toEqual(['first', 'second']);
  });

  it('keeps each invocation’s work its own, and starts it only once', async () => {
    const { started, followUps } = recordingFollowUps();
    const handOff = createHandOff(followUps);
    const one = invocation();
    const other = invocation();
    handOff.later(one, 'one', () => Promise.resolve());
    handOff.later(other, 'other', () => Promise.resolve());
    handOff.startAfterAnswer(one);
    handOff.startAfterAnswer(one);
    await waitFor('one started', () => (started.length > 0 ? started : undefined));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['one']);
    handOff.startAfterAnswer(other);
    await waitFor('other started', () => (started.length === 2 ? started : undefined));
    expect(started).toEqual(['one', 'other']);
  });
});
