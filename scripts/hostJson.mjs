// @ts-check
/**
 * The host.json the deploy package carries, for the Durable backend infra/main.bicep's durableBackend chose. The
 * repository's host.json is the Azure Storage provider's (the local runtime reads it too); for the Durable Task
 * Scheduler only extensions.durableTask.storageProvider changes, to the azureManaged provider reading its connection
 * from the app setting functionapp.bicep sets. Everything else (hubName %TASKHUB_NAME%, concurrency, logging, the
 * extension bundle) stays as it is.
 */

/** The values of durableBackend in infra/main.bicep. */
export const durableBackends = /** @type {const} */ (['azureStorage', 'durableTaskScheduler']);

/** The app setting infra/modules/functionapp.bicep puts the scheduler's connection in. */
export const schedulerConnectionSetting = 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING';

/**
 * @param {string} text the repository's host.json
 * @param {string} backend one of {@link durableBackends}
 * @returns {string} the host.json to package
 */
export function hostJsonFor(text, backend) {
  if (backend === 'azureStorage') return text;
  if (backend !== 'durableTaskScheduler') {
    throw new Error(`unknown Durable backend ${JSON.stringify(backend)} (expected ${durableBackends.join(' or ')})`);
  }
  const host = JSON.parse(text);
  const durable = host?.extensions?.durableTask;
  if (durable === undefined) throw new Error('host.json has no extensions.durableTask to point at the scheduler');
  // Only the provider changes: the Azure Storage settings (queue polling) mean nothing to the scheduler.
  durable.storageProvider = { type: 'azureManaged', connectionStringName: schedulerConnectionSetting };
  return `${JSON.stringify(host, null, 2)}\n`;
}
