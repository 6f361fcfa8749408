import { createTableClientFactory } from '../adapters/tables/tableClients.js';
import type { KeyVaultLimits } from '../core/keyVaultLimits.js';
import { WebhookSigningKey } from '../core/webhookSignature.js';
import { CallbackInbox } from './callbackInbox.js';
import { createDevConsole, hrApiStarter, outboxOf } from './devConsole.js';
import { TaskHub } from './durable/taskHub.js';
import { TaskHubStore } from './durable/taskHubStore.js';
import { installFunctionsCore, type FunctionRegistry } from './functionsCore.js';
import { FaultQueue } from './faults.js';
import { startFunctionsHost, type FunctionsHostOptions, type RunningFunctionsHost } from './functionsHost.js';
import { readHostSettings } from './hostJson.js';
import { startLocalDirectory, type RunningLocalDirectory } from './localDirectory.js';
import { startLocalVault, type RunningLocalVault } from './localVault.js';
import { startMailSink, type RunningMailSink } from './mailSink.js';
import { startSmsSink, type RunningSmsSink } from './smsSink.js';

export interface RuntimeOptions {
  /** Connection string of a running Azurite (the caller owns its lifetime). */
  readonly storageConnectionString: string;
  readonly ports: {
    readonly host: number;
    readonly vault: number;
    readonly mail: number;
    readonly directory: number;
    readonly sms: number;
  };
  /** Service limits for the local vault; each one left out is Key Vault's own. */
  readonly vaultLimits?: Partial<KeyVaultLimits>;
  /** App settings on top of the local defaults (durations shortened by tests, for example). */
  readonly settings?: Readonly<Record<string, string>>;
  readonly functionKeys: readonly string[];
  readonly keysByFunction?: FunctionsHostOptions['keysByFunction'];
  /** Where the local vault, outboxes, callback inbox and directory keep their state; in memory when omitted. */
  readonly dataDir?: string;
  /**
   * Test-only: shortens host.json's maxQueuePollingInterval (never lengthens it), so that a suite does not wait out
   * Azure's back-off at every step. Left out, the task hub backs off exactly as host.json says.
   */
  readonly maxQueuePollingIntervalMs?: number;
  /** Test-only: the task hub's clock (episode times, when timers are due), for crossing days in seconds. */
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  readonly extraRoutes?: FunctionsHostOptions['extraRoutes'];
  /** The app's entry module; defaults to the TypeScript source's entry (tests). `npm start` runs the built bundle. */
  readonly appEntry?: string;
}

export interface RunningRuntime {
  readonly url: string;
  readonly registry: FunctionRegistry;
  readonly taskHub: TaskHub;
  readonly host: RunningFunctionsHost;
  readonly vault: RunningLocalVault;
  readonly mail: RunningMailSink;
  readonly sms: RunningSmsSink;
  readonly directory: RunningLocalDirectory;
  /** Failures for the app's next raise-event calls to the task hub (tests of what a lost event costs). */
  readonly raiseEventFaults: FaultQueue;
  /** The app settings the app was started with. */
  readonly settings: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Settings that make the app talk to the local stand-ins; everything else comes from the config schema's defaults. */
export function localSettings(
  storageConnectionString: string,
  urls: { host: string; vault: string; mail: string; directory: string; sms: string },
  smsAccessKey: string,
): Record<string, string> {
  return {
    TASKHUB_NAME: 'LocalHub',
    APP_TABLES: storageConnectionString,
    APP_TABLE_PREFIX: 'Apppw',
    KEYVAULT_URL: urls.vault,
    USE_LOCAL_EMULATORS: 'true',
    SENDGRID_API_KEY: 'SG.local-development-key',
    SENDGRID_BASE_URL: urls.mail,
    MAIL_FROM: 'onboarding@contoso.example',
    MAIL_FROM_NAME: 'IT onboarding',
    PUBLIC_BASE_URL: urls.host,
    GRAPH_BASE_URL: urls.directory,
    SMS_ENDPOINT: urls.sms,
    SMS_FROM: '+4570000000',
    SMS_ACCESS_KEY: smsAccessKey,
  };
}

/** The app's host.json: next to package.json, whether this runs from the sources or from dist/. */
const hostJsonPath = new URL(import.meta.url.includes('/dist/') ? '../../host.json' : '../host.json', import.meta.url);

/**
 * Starts the local runtime: the local vault, mail sink and directory, then the app's own function registrations
 * (through the injected `@azure/functions-core`), the task hub and the HTTP host. The app reads its settings from
 * `process.env` exactly as in Azure, so they are set there before its entry is imported, once per process.
 */
export async function startRuntime(options: RuntimeOptions): Promise<RunningRuntime> {
  const file = (name: string) => (options.dataDir === undefined ? {} : { dataFile: `${options.dataDir}/${name}` });
  const vault = await startLocalVault({
    port: options.ports.vault,
    ...file('vault.json'),
    ...(options.vaultLimits === undefined ? {} : { limits: options.vaultLimits }),
  });
  const mail = await startMailSink({ port: options.ports.mail, ...file('outbox.json') });
  const directory = await startLocalDirectory({ port: options.ports.directory, ...file('directory.json') });
  const sms = await startSmsSink({ port: options.ports.sms, ...file('sms-outbox.json') });
  const hostUrl = `http://localhost:${options.ports.host}`;
  const settings = {
    ...localSettings(
      options.storageConnectionString,
      {
        host: hostUrl,
        vault: vault.url,
        mail: mail.url,
        directory: directory.url,
        sms: sms.url,
      },
      sms.accessKey,
    ),
    ...options.settings,
  };
  Object.assign(process.env, settings);

  const registry = installFunctionsCore();
  await import(options.appEntry ?? '../functions/index.js');

  const tables = createTableClientFactory({ connectionString: options.storageConnectionString });
  const taskHubName = settings['TASKHUB_NAME'] ?? 'LocalHub';
  const store = await TaskHubStore.open(tables, taskHubName);
  const log = options.log ?? (() => undefined);
  const host = await readHostSettings(hostJsonPath);
  const { maxQueuePollingIntervalMs } = host.durable;
  const taskHub = new TaskHub({
    store,
    registry,
    log,
    limits: {
      ...host.durable,
      maxQueuePollingIntervalMs: Math.min(maxQueuePollingIntervalMs, options.maxQueuePollingIntervalMs ?? Infinity),
    },
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  await taskHub.start();
  // The secret the app signs with, so the inbox checks the app's callbacks as HR's receiver would.
  const signingSecret = settings['CALLBACK_SIGNING_SECRET'];
  const callbackInbox = await CallbackInbox.open({
    signingKey: signingSecret === undefined ? undefined : WebhookSigningKey.parse(signingSecret),
    ...file('callbacks.json'),
  });
  const devConsole = createDevConsole({
    outbox: outboxOf({ mail, sms }),
    directory,
    taskHub,
    startEnrollment: hrApiStarter({ url: `${hostUrl}/api/enrollments`, functionKey: options.functionKeys[0] ?? '' }),
    // POST /_dev/api/faults reaches the running stand-ins, so tests can inject faults into a separate process.
    faults: { vault, mail, sms },
    callbackInbox,
    runtimeUrl: hostUrl,
  });
  const extraRoutes = options.extraRoutes;
  const raiseEventFaults = new FaultQueue();
  const functionsHost = await startFunctionsHost({
    raiseEventFaults,
    port: options.ports.host,
    registry,
    taskHub,
    taskHubName,
    routePrefix: host.routePrefix,
    functionKeys: options.functionKeys,
    ...(options.keysByFunction === undefined ? {} : { keysByFunction: options.keysByFunction }),
    log,
    // The dev console answers /_dev; it exists only in the local runtime.
    extraRoutes: async (request, url, response) =>
      (await devConsole(request, url, response)) || ((await extraRoutes?.(request, url, response)) ?? false),
  });

  return {
    url: functionsHost.url,
    registry,
    taskHub,
    host: functionsHost,
    vault,
    mail,
    sms,
    directory,
    raiseEventFaults,
    settings,
    async stop() {
      await functionsHost.close();
      await taskHub.stop();
      await Promise.all([vault.close(), mail.close(), directory.close(), sms.close(), callbackInbox.flush()]);
    },
  };
}
