import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect } from 'node:net';

/** Azurite's well-known development account; public and documented, never a real credential. */
const devAccountName = 'devstoreaccount1';
const devAccountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  readonly tablePort: number;
  readonly blobPort: number;
  readonly queuePort: number;
  /** Folder for Azurite's data; omitted means in-memory (Azurite refuses both at once). */
  readonly location?: string;
  readonly host?: string;
}

export interface RunningAzurite {
  /** Connection string for all three services of the development account. */
  readonly connectionString: string;
  readonly tableEndpoint: string;
  readonly blobEndpoint: string;
  stop(): Promise<void>;
}

/** Starts Azurite (blob, queue, table) as a child process and resolves once all three ports accept connections. */
export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const host = options.host ?? '127.0.0.1';
  const require = createRequire(import.meta.url);
  const azuriteMain = require.resolve('azurite/dist/src/azurite.js');
  const args = [
    azuriteMain,
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--silent',
    '--blobHost',
    host,
    '--queueHost',
    host,
    '--tableHost',
    host,
    '--blobPort',
    String(options.blobPort),
    '--queuePort',
    String(options.queuePort),
    '--tablePort',
    String(options.tablePort),
    ...(options.location === undefined ? ['--inMemoryPersistence'] : ['--location', options.location]),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const ports = [options.blobPort, options.queuePort, options.tablePort];
  const ready = Promise.all(ports.map((port) => waitForPort(host, port, 20_000)));
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then((code) => code)]);
  if (outcome !== 'ready') {
    throw new Error(`Azurite exited with code ${String(outcome)} before it was ready: ${stderr.trim()}`);
  }

  const blobEndpoint = `http://${host}:${options.blobPort}/${devAccountName}`;
  const queueEndpoint = `http://${host}:${options.queuePort}/${devAccountName}`;
  const tableEndpoint = `http://${host}:${options.tablePort}/${devAccountName}`;
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${devAccountName};AccountKey=${devAccountKey};` +
      `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
    tableEndpoint,
    blobEndpoint,
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`Azurite did not open ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
