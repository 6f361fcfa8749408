import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../devhost/azurite.js';
import { freePort } from './freePort.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the Azurite instance shared by the whole run (each test file uses its own tables). */
    azuriteConnectionString: string;
  }
}

/** Starts one in-memory Azurite on free ports for the whole run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite({
    blobPort: await freePort(),
    queuePort: await freePort(),
    tablePort: await freePort(),
  });
  project.provide('azuriteConnectionString', azurite.connectionString);
  return () => azurite.stop();
}
