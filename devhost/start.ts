import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '../core/config.js';
import { verifyFunctionName } from '../core/functionNames.js';
import { startAzurite, type RunningAzurite } from './azurite.js';
import { ensureLocalSettings, portOf } from './localSettings.js';
import { startRuntime, type RunningRuntime } from './runtime.js';

/**
 * `npm start`: Azurite, the local vault, mail and SMS sinks, directory, and the app in the local runtime.
 *
 * Four environment variables exist for the end-to-end tests, which run this as a child process they can kill:
 * DEVHOST_SETTINGS_FILE (another local.settings.json), DEVHOST_DATA_DIR (another .local folder),
 * DEVHOST_STORAGE_CONNECTION (use that running Azurite instead of starting one) and
 * DEVHOST_MAX_QUEUE_POLLING_INTERVAL_MS (cap host.json's queue polling back-off, in milliseconds).
 */

const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));
const started = Date.now();

async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `Port ${port} (${what}) is already in use. Stop whatever uses it (another npm start?) or change the port in local.settings.json.`
            : `Cannot listen on port ${port} (${what}): ${error.message}`,
        ),
      );
    });
    probe.listen(port, '127.0.0.1', () => {
      probe.close(() => {
        resolve();
      });
    });
  });
}

async function main(): Promise<void> {
  const settingsFile = process.env['DEVHOST_SETTINGS_FILE'];
  const dataDir = process.env['DEVHOST_DATA_DIR'] ?? join(root, '.local');
  const externalStorage = process.env['DEVHOST_STORAGE_CONNECTION'];
  const pollingCap = Number(process.env['DEVHOST_MAX_QUEUE_POLLING_INTERVAL_MS'] ?? Number.NaN);

  const { settings, created } = await ensureLocalSettings(root, settingsFile);
  if (created) console.log('Created local.settings.json from local.settings.sample.json.');
  const values = settings.Values;
  const ports = {
    host: settings.Host?.LocalHttpPort ?? portOf(values['PUBLIC_BASE_URL'], 7071),
    vault: portOf(values['KEYVAULT_URL'], 7081),
    mail: portOf(values['SENDGRID_BASE_URL'], 7082),
    directory: portOf(values['GRAPH_BASE_URL'], 7083),
    sms: portOf(values['SMS_ENDPOINT'], 7084),
  };
  const azuritePorts = { blobPort: 10000, queuePort: 10001, tablePort: 10002 };
  const wanted: [string, number][] = [
    ['the app', ports.host],
    ['local Key Vault', ports.vault],
    ['mail sink', ports.mail],
    ['local directory', ports.directory],
    ['SMS sink', ports.sms],
  ];
  if (externalStorage === undefined) {
    wanted.push(
      ['Azurite blob', azuritePorts.blobPort],
      ['Azurite queue', azuritePorts.queuePort],
      ['Azurite table', azuritePorts.tablePort],
    );
  }
  for (const [what, port] of wanted) await assertPortFree(port, what);

  await mkdir(dataDir, { recursive: true });
  let azurite: RunningAzurite | undefined;
  let runtime: RunningRuntime | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await runtime?.stop().catch(() => undefined);
    await azurite?.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    let storage = externalStorage;
    if (storage === undefined) {
      await mkdir(join(dataDir, 'azurite'), { recursive: true });
      azurite = await startAzurite({ ...azuritePorts, location: join(dataDir, 'azurite') });
      storage = azurite.connectionString;
    }
    const appTables = values['APP_TABLES'];
    const functionKey = settings.DevHost?.functionKey ?? '';
    const relyingServiceKey = settings.DevHost?.relyingServiceKey ?? '';
    runtime = await startRuntime({
      storageConnectionString: storage,
      ports,
      settings: Object.fromEntries(
        Object.entries({
          ...values,
          // "UseDevelopmentStorage=true" means "the Azurite this command runs", whatever its ports.
          APP_TABLES: appTables === undefined || appTables === 'UseDevelopmentStorage=true' ? storage : appTables,
        }).filter(([, value]) => value !== ''),
      ),
      functionKeys: [functionKey],
      keysByFunction: { [verifyFunctionName]: [relyingServiceKey] },
      dataDir,
      ...(Number.isFinite(pollingCap) && pollingCap > 0 ? { maxQueuePollingIntervalMs: pollingCap } : {}),
      // The deployable bundle (package.json "main"), so `npm start` runs what Azure would run.
      appEntry: pathToFileURL(join(root, 'dist/app/index.js')).href,
      log: (line) => {
        console.log(line);
      },
    });
    printBanner(runtime.url, functionKey, relyingServiceKey, ((Date.now() - started) / 1000).toFixed(1));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`local.settings.json is not valid:\n${error.message}`);
    } else {
      console.error(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
    await stop(1);
  }
}

function printBanner(url: string, key: string, relyingServiceKey: string, seconds: string): void {
  const lines = [
    `App password enrollment is running (ready in ${seconds} s). Press Ctrl-C to stop.`,
    '',
    `  Dev console     ${url}/_dev            play HR, read the outbox and callbacks, flip MFA, watch instances`,
    `  HR API          ${url}/api/enrollments   (header x-functions-key: ${key})`,
    `  Verify API      ${url}/api/app-passwords/verify   (relying services' key: ${relyingServiceKey})`,
    `  Outbox (JSON)   ${url}/_dev/api/outbox`,
    `  Callbacks       ${url}/_dev/api/callbacks   (HR callbacks sent to ${url}/_dev/callbacks, signatures checked)`,
    '',
    '  Start an enrollment from the dev console, or:',
    `    curl -s -X POST ${url}/api/enrollments -H 'x-functions-key: ${key}' -H 'content-type: application/json' \\`,
    `      -d '{"employeeId":"E12345","userPrincipalName":"anna.jensen@contoso.dk","displayName":"Anna Jensen",` +
      `"inviteEmail":"anna@example.com","contact":{"email":"anna@example.com"},"locale":"en"}'`,
    '',
    '  Data (Azurite, vault, outboxes, directory) is kept in .local/ — delete it to start afresh.',
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
