import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hostJsonFor } from '../../scripts/hostJson.mjs';
import { readRepoFile } from './bicep.js';
import { checkHostJson } from './checks.js';

const hostJson = readRepoFile('host.json');
const packageScript = fileURLToPath(new URL('../../scripts/package.mjs', import.meta.url));

/** The host.json the deploy package carries for each Durable backend (scripts/hostJson.mjs, used by package.mjs). */
describe('the packaged host.json per Durable backend', () => {
  it('is the repository host.json for the Azure Storage provider', () => {
    expect(hostJsonFor(hostJson, 'azureStorage')).toBe(hostJson);
  });

  it('points the Durable Task Scheduler backend at the azureManaged provider and the app setting the Bicep sets', () => {
    const packaged = hostJsonFor(hostJson, 'durableTaskScheduler');
    expect(checkHostJson(packaged, 'durableTaskScheduler')).toEqual([]);
    // Only the provider changes: hub name, concurrency, logging and bundle stay as in the repository.
    const original = JSON.parse(hostJson) as { extensions: { durableTask: Record<string, unknown> } };
    const changed = JSON.parse(packaged) as typeof original;
    const { storageProvider: _before, ...restBefore } = original.extensions.durableTask;
    const { storageProvider: _after, ...restAfter } = changed.extensions.durableTask;
    expect(restAfter).toEqual(restBefore);
    expect({ ...changed, extensions: {} }).toEqual({ ...original, extensions: {} });
  });

  it('fails the check when the scheduler host.json names another connection setting or provider', () => {
    const packaged = hostJsonFor(hostJson, 'durableTaskScheduler');
    const expected = [
      'host.json: extensions.durableTask.storageProvider must be { type: "azureManaged", connectionStringName: "DURABLE_TASK_SCHEDULER_CONNECTION_STRING" }',
    ];
    expect(
      checkHostJson(packaged.replace('DURABLE_TASK_SCHEDULER_CONNECTION_STRING', 'DTS'), 'durableTaskScheduler'),
    ).toEqual(expected);
    expect(checkHostJson(hostJson, 'durableTaskScheduler')).toEqual(expected);
  });

  it("refuses an unknown backend, from the option or from azd's DURABLE_BACKEND, before installing anything", async () => {
    const folder = await mkdtemp(join(tmpdir(), 'package-backend-'));
    try {
      const zip = join(folder, 'app.zip');
      const byOption = spawnSync(
        process.execPath,
        [packageScript, '--no-build', '--out', zip, '--durable-backend', 'netherite'],
        {
          encoding: 'utf8',
        },
      );
      expect(byOption.status).toBe(1);
      expect(byOption.stderr).toContain(
        'unknown Durable backend "netherite" (expected azureStorage or durableTaskScheduler)',
      );
      const byEnvironment = spawnSync(process.execPath, [packageScript, '--no-build', '--out', zip], {
        encoding: 'utf8',
        env: { ...process.env, DURABLE_BACKEND: 'mssql' },
      });
      expect(byEnvironment.status).toBe(1);
      expect(byEnvironment.stderr).toContain('unknown Durable backend "mssql"');
      expect(await readdir(folder)).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
