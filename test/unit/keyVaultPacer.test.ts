import { describe, expect, it } from 'vitest';
import { KeyVaultPacer } from '../../adapters/keyVaultPacer.js';
import { ThrottledError } from '../../core/errors.js';

describe('KeyVaultPacer', () => {
  it('lets a burst through one per window ÷ budget, waiting in place up to half a window, and holds back the rest', async () => {
    // 10 per second: one every 102 ms (2 % slack); turns up to 500 ms away wait, later ones are refused unsent.
    const pacer = new KeyVaultPacer({ secretWrites: 10, otherOperations: 1_000, windowMs: 1_000 });

    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => pacer.turn('secretWrites', 'a write')));

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      ...new Array<string>(5).fill('fulfilled'),
      ...new Array<string>(3).fill('rejected'),
    ]);
    for (const outcome of outcomes.slice(5)) {
      const reason = (outcome as PromiseRejectedResult).reason as ThrottledError;
      expect(reason).toBeInstanceOf(ThrottledError);
      expect(reason.message).toBe("a write held back: this instance's Key Vault budget for secretWrites is spent");
      expect(reason.retryAfterMs).toBeGreaterThan(500);
      expect(reason.retryAfterMs).toBeLessThanOrEqual(510);
    }
  });

  it('paces each budget on its own', async () => {
    const pacer = new KeyVaultPacer({ secretWrites: 1, otherOperations: 1_000, windowMs: 60_000 });
    await pacer.turn('secretWrites', 'a write');

    await expect(pacer.turn('secretWrites', 'a write')).rejects.toBeInstanceOf(ThrottledError);
    await expect(pacer.turn('otherOperations', 'a read')).resolves.toBeUndefined();
  });
});
