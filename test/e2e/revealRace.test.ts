import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfOf, revealedPassword } from '../helpers/employeeBrowser.js';
import { readyWithSession } from '../helpers/enrollmentJourney.js';
import { fetchFrom } from '../helpers/clientAddress.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';

let runtime: TestRuntime;
const clients = Array.from({ length: 100 }, (_, index) => fetchFrom(`127.0.1.${index + 1}`));

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

describe('one reveal under concurrency', () => {
  it('gives the password to exactly one of 100 concurrent reveals, 20 times, reading the vault once each', async () => {
    for (let round = 0; round < 20; round += 1) {
      const { id, agent, revealPath } = await readyWithSession(runtime);
      const csrf = csrfOf((await agent.get(revealPath)).html);
      const vaultReadsBefore = runtime.vault.requests.filter((r) => r.method === 'GET' && r.path.includes(id)).length;
      // A hundred clients, each from its own address: the claim is what stops them, not the per-client limits.
      const results = await Promise.all(
        clients.map((send) => agent.via(send).submit(`${revealPath}/reveal`, { csrf })),
      );
      const successes = results.filter(
        (result) => result.status === 200 && revealedPassword(result.html) !== undefined,
      );
      expect(successes, `round ${round}`).toHaveLength(1);
      expect(
        results.filter((result) => result.status === 410),
        `round ${round}`,
      ).toHaveLength(99);
      const vaultReads = runtime.vault.requests.filter((r) => r.method === 'GET' && r.path.includes(id)).length;
      expect(vaultReads - vaultReadsBefore, `vault reads in round ${round}`).toBe(1);
    }
  }, 120_000);
});
