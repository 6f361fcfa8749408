import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { freePort } from '../../devhost/freePort.js';
import { testMaxQueuePollingIntervalMs } from './testRuntime.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface DevhostProcess {
  readonly url: string;
  readonly functionKey: string;
  /** The verify function's own key. */
  readonly relyingServiceKey: string;
  readonly vaultUrl: string;
  /** The process's DEVHOST_DATA_DIR: the local vault's, outboxes' and directory's files. */
  readonly dataDir: string;
  /** Everything the process printed, across restarts. */
  readonly output: string[];
  start(): Promise<void>;
  /** SIGKILL: no clean-up runs, as when a machine dies. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface DevhostProcessOptions {
  /**
   * Connection string of the Azurite to use instead of the test run's shared one (`inject('azuriteConnectionString')`),
   * e.g. one the test starts, stops and starts again itself.
   */
  readonly storageConnectionString?: string;
}

/**
 * `npm start` as a child process (the built `dist/devhost/start.js`), with its own ports, settings file and data
 * folder, on the test run's Azurite (or `options.storageConnectionString`): a test can kill it at any moment and start
 * it again on the same state.
 */
export async function createDevhostProcess(
  overrides: Record<string, string> = {},
  options: DevhostProcessOptions = {},
): Promise<DevhostProcess> {
  const folder = await mkdtemp(join(tmpdir(), 'devhost-'));
  const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const [host, vault, mail, directory, sms] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const sample = JSON.parse(await readFile(join(root, 'local.settings.sample.json'), 'utf8')) as {
    Values: Record<string, string>;
  };
  const functionKey = `key-${unique}`;
  const relyingServiceKey = `relying-${unique}`;
  const settingsFile = join(folder, 'local.settings.json');
  const dataDir = join(folder, 'data');
  await writeFile(
    settingsFile,
    JSON.stringify({
      IsEncrypted: false,
      Values: {
        ...sample.Values,
        TASKHUB_NAME: `Proc${unique}`,
        APP_TABLE_PREFIX: `P${unique}`,
        KEYVAULT_URL: `http://127.0.0.1:${vault}`,
        SENDGRID_BASE_URL: `http://127.0.0.1:${mail}`,
        GRAPH_BASE_URL: `http://127.0.0.1:${directory}/v1.0`,
        SMS_ENDPOINT: `http://127.0.0.1:${sms}`,
        PUBLIC_BASE_URL: `http://localhost:${host}`,
        ...overrides,
      },
      Host: { LocalHttpPort: host },
      DevHost: { functionKey, relyingServiceKey },
    }),
  );
  const output: string[] = [];
  let child: ChildProcess | undefined;

  const exited = (process: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (process.exitCode !== null || process.signalCode !== null) resolve();
      else
        process.once('exit', () => {
          resolve();
        });
    });

  return {
    url: `http://localhost:${host}`,
    functionKey,
    relyingServiceKey,
    vaultUrl: `http://127.0.0.1:${vault}`,
    dataDir,
    output,
    async start() {
      const started = spawn(process.execPath, [join(root, 'dist/devhost/start.js')], {
        cwd: root,
        env: {
          ...process.env,
          DEVHOST_SETTINGS_FILE: settingsFile,
          DEVHOST_DATA_DIR: dataDir,
          DEVHOST_STORAGE_CONNECTION: options.storageConnectionString ?? inject('azuriteConnectionString'),
          DEVHOST_MAX_QUEUE_POLLING_INTERVAL_MS: String(testMaxQueuePollingIntervalMs),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`npm start did not print its banner within 20 s:\n${output.join('')}`));
        }, 20_000);
        // Only this start's output counts: an earlier run's banner is still in `output` after a restart.
        let printed = '';
        const onData = (chunk: Buffer) => {
          output.push(chunk.toString());
          printed += chunk.toString();
          if (printed.includes('is running (ready in')) {
            clearTimeout(timer);
            resolve();
          }
        };
        started.stdout.on('data', onData);
        started.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
        started.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`npm start exited with ${String(code)}:\n${output.join('')}`));
        });
      });
      started.removeAllListeners('exit');
    },
    async kill() {
      if (child === undefined) return;
      child.kill('SIGKILL');
      await exited(child);
      child = undefined;
    },
    async stop() {
      if (child === undefined) return;
      child.kill('SIGTERM');
      await exited(child);
      child = undefined;
    },
  };
}
