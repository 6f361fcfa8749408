import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../devhost/azurite.js';
import { freeAzuritePorts } from '../../devhost/freePort.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the Azurite instance shared by the whole run (each test file uses its own tables). */
    azuriteConnectionString: string;
  }
}

/**
 * Builds the deployable bundle once (the bundle and npm-start tests run what `npm run build` produces) and starts one
 * in-memory Azurite on free ports for the whole run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync('npm', ['run', 'build'], { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: 'pipe' });
  const azurite = await startAzurite(await freeAzuritePorts());
  project.provide('azuriteConnectionString', azurite.connectionString);
  return () => azurite.stop();
}
