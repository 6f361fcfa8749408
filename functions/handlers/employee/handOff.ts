import type { InvocationContext } from '@azure/functions';
import type { FollowUps } from '../../followUps.js';

/** Work an invocation hands off, started once its handler has the answer. */
export interface HandOff {
  /**
   * Hands `step` off to run after the answer (`FollowUps`): the employee waits for nothing that is not needed to
   * answer, and the step meets neither storage nor the event loop while the answer's own calls are still under way.
   */
  later(context: InvocationContext, what: string, step: () => Promise<void>): void;
  /** Starts what the invocation handed off; called once its handler has the answer. */
  startAfterAnswer(context: InvocationContext): void;
}

export function createHandOff(followUps: FollowUps): HandOff {
  const handedOff = new WeakMap<InvocationContext, (() => void)[]>();
  return {
    later(context, what, step) {
      const steps = handedOff.get(context) ?? [];
      steps.push(() => {
        followUps.start(what, step);
      });
      handedOff.set(context, steps);
    },
    startAfterAnswer(context) {
      const steps = handedOff.get(context) ?? [];
      handedOff.delete(context);
      // On the next turn of the event loop: the host writes the answer first, and the steps' own set-up (signing,
      // connecting) is not paid for before it.
      if (steps.length > 0) {
        setImmediate(() => {
          for (const start of steps) start();
        });
      }
    },
  };
}
