import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { outboxOf } from '../devhost/devConsole.js';
import { closeServer, createAsyncServer, isRecord, listen, readBody, sendJson } from '../devhost/localHttp.js';
import { startLocalDirectory, type RunningLocalDirectory } from '../devhost/localDirectory.js';
import { startLocalVault } from '../devhost/localVault.js';
import { startMailSink } from '../devhost/mailSink.js';
import { startSmsSink } from '../devhost/smsSink.js';

/*
 * The local runtime's stand-ins for Key Vault, SendGrid, Microsoft Graph and ACS SMS as a process of their own, so that
 * the app can run under Microsoft's Functions host (`func start`, the CI host lane in .github/workflows/host-lane.yml)
 * instead of devhost/. The default ports are those of local.settings.sample.json, so `func start` with that file
 * finds them. A control server answers the two dev console calls a driver needs (scripts/hostLaneEnrollment.ts), at
 * the dev console's own paths: GET /_dev/api/outbox and PUT /_dev/api/directory/{upn}/mfa.
 *
 *   node dist/scripts/localStandIns.js [--vault-port 7081] [--mail-port 7082] [--directory-port 7083]
 *                                      [--sms-port 7084] [--control-port 7090] [--data-dir <dir>]
 *
 * A port of 0 lets the system pick. Once everything listens it prints one line, `local stand-ins ready: ` and the URLs
 * as JSON; it stops on SIGINT or SIGTERM. Everything listens on 127.0.0.1 only: the outboxes hold one-time links.
 */

const host = '127.0.0.1';

function port(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65_535) throw new Error(`not a port: ${text}`);
  return value;
}

function readOptions() {
  return parseArgs({
    options: {
      'vault-port': { type: 'string', default: '7081' },
      'mail-port': { type: 'string', default: '7082' },
      'directory-port': { type: 'string', default: '7083' },
      'sms-port': { type: 'string', default: '7084' },
      'control-port': { type: 'string', default: '7090' },
      'data-dir': { type: 'string' },
    },
    strict: true,
  }).values;
}

/** Like the dev console: a JSON body is required for a change, which a web page cannot send without a preflight. */
async function readMfaChange(request: IncomingMessage): Promise<boolean | string> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return 'Expected application/json.';
  const body = await readBody(request, 4096);
  let value: unknown;
  try {
    value = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    return 'Expected a JSON object { "registered": true | false }.';
  }
  if (!isRecord(value) || typeof value['registered'] !== 'boolean' || Object.keys(value).length !== 1) {
    return 'Expected a JSON object { "registered": true | false }.';
  }
  return value['registered'];
}

function controlHandler(outbox: () => unknown[], directory: RunningLocalDirectory) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://control').pathname;
    if (path === '/_dev/api/outbox' && request.method === 'GET') {
      sendJson(response, 200, { messages: outbox() });
      return;
    }
    const mfa = /^\/_dev\/api\/directory\/([^/]+)\/mfa$/.exec(path)?.[1];
    if (mfa !== undefined && request.method === 'PUT') {
      let upn: string;
      try {
        upn = decodeURIComponent(mfa);
      } catch {
        sendJson(response, 400, { error: 'The user principal name is not valid percent-encoding.' });
        return;
      }
      const registered = await readMfaChange(request);
      if (typeof registered === 'string') {
        sendJson(response, 400, { error: registered });
        return;
      }
      directory.setMfaRegistered(upn, registered);
      sendJson(response, 200, { userPrincipalName: upn, registered: directory.isMfaRegistered(upn) });
      return;
    }
    request.resume();
    sendJson(response, 404, { error: `Nothing at ${request.method ?? 'GET'} ${path}.` });
  };
}

async function main(): Promise<void> {
  const options = readOptions();
  const dataDir = options['data-dir'];
  const file = (name: string) => (dataDir === undefined ? {} : { dataFile: join(dataDir, name) });
  const vault = await startLocalVault({ port: port(options['vault-port']), host, ...file('vault.json') });
  const mail = await startMailSink({ port: port(options['mail-port']), host, ...file('outbox.json') });
  const directory = await startLocalDirectory({
    port: port(options['directory-port']),
    host,
    ...file('directory.json'),
  });
  const sms = await startSmsSink({ port: port(options['sms-port']), host, ...file('sms-outbox.json') });
  const control = createAsyncServer(controlHandler(outboxOf({ mail, sms }), directory), (response, message) => {
    sendJson(response, 500, { error: message });
  });
  const controlPort = await listen(control, port(options['control-port']), host);

  const stop = async () => {
    await closeServer(control);
    await Promise.all([vault.close(), mail.close(), directory.close(), sms.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const urls = {
    vault: vault.url,
    mail: mail.url,
    directory: directory.url,
    sms: sms.url,
    control: `http://${host}:${controlPort}`,
  };
  console.log(`local stand-ins ready: ${JSON.stringify(urls)}`);
}

main().catch((error: unknown) => {
  console.error(`local stand-ins: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
