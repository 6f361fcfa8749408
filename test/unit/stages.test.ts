import { describe, expect, it } from 'vitest';
import { isFinalStage, stages, type Stage } from '../../core/stages.js';

describe('isFinalStage', () => {
  const expected: Record<Stage, boolean> = {
    invited: false,
    'awaiting-verification': false,
    issuing: false,
    ready: false,
    revealed: true,
    expired: true,
    cancelled: true,
    failed: true,
  };

  it('covers exactly the declared stages', () => {
    expect([...stages].sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(stages.map((stage) => [stage, expected[stage]] as const))('%s is final: %s', (stage, final) => {
    expect(isFinalStage(stage)).toBe(final);
  });
});
