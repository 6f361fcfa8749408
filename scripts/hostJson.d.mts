// Types of scripts/hostJson.mjs (plain JavaScript, run by Node without a build) for the TypeScript that imports it.
export declare const durableBackends: readonly ['azureStorage', 'durableTaskScheduler'];
export declare const schedulerConnectionSetting: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING';
export declare function hostJsonFor(text: string, backend: string): string;
