import { SecretClient } from '@azure/keyvault-secrets';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { createDevhostProcess } from '../helpers/devhostProcess.js';
import { startTestRuntime, testFunctionKey, testRelyingServiceKey, type TestRuntime } from '../helpers/testRuntime.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const standInsScript = `${root}dist/scripts/localStandIns.js`;
const driverScript = `${root}dist/scripts/hostLaneEnrollment.js`;

interface StandInUrls {
  readonly vault: string;
  readonly mail: string;
  readonly directory: string;
  readonly sms: string;
  readonly control: string;
}

/** scripts/localStandIns.ts as the host lane runs it: its own process, here on ports the system picks. */
async function startStandIns(): Promise<{ urls: StandInUrls; process: ChildProcessWithoutNullStreams }> {
  const ports = ['vault', 'mail', 'directory', 'sms', 'control'].flatMap((name) => [`--${name}-port`, '0']);
  const child = spawn(process.execPath, [standInsScript, ...ports]);
  let output = '';
  const urls = await new Promise<StandInUrls>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /local stand-ins ready: (.+)\n/.exec(output)?.[1];
      if (ready !== undefined) resolve(JSON.parse(ready) as StandInUrls);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      reject(new Error(`the stand-ins exited with ${String(code)}: ${output}`));
    });
  });
  return { urls, process: child };
}

/** The driver as the workflow runs it (the built script), to its exit. */
async function drive(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [driverScript, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

const steps = [
  'HR starts an enrollment',
  'the invitation is mailed',
  'the employee registers MFA and the identity system reports it',
  'HR reports the contact verified',
  'the password is minted and the ready link mailed',
  'the employee reveals it with a code sent to the verified contact',
  'a relying service verifies it',
];

/**
 * The host lane's driver and stand-ins, run here where `func start` cannot be: the app in the local runtime, pointed at
 * the stand-ins in their own process exactly as local.settings.json points `func start` at them in the workflow.
 */
describe('the host lane: stand-ins in their own process and the enrollment driver', () => {
  let standIns: Awaited<ReturnType<typeof startStandIns>>;
  let runtime: TestRuntime;

  beforeAll(async () => {
    standIns = await startStandIns();
    runtime = await startTestRuntime({
      KEYVAULT_URL: standIns.urls.vault,
      SENDGRID_BASE_URL: standIns.urls.mail,
      GRAPH_BASE_URL: standIns.urls.directory,
      SMS_ENDPOINT: standIns.urls.sms,
    });
  });

  afterAll(async () => {
    await runtime.stop();
    standIns.process.kill('SIGTERM');
    await once(standIns.process, 'exit');
  });

  it('drives one enrollment from HR start to a revealed password that verifies, printing each step', async () => {
    const result = await drive([
      '--app',
      runtime.url,
      '--control',
      standIns.urls.control,
      '--key',
      testFunctionKey,
      '--verify-key',
      testRelyingServiceKey,
      '--timeout-seconds',
      '60',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const name of steps) expect(result.stdout).toMatch(new RegExp(`host lane: ${name} … ok \\(\\d+ ms\\)`));
    const id = /enrollment (\S+) went from start to a revealed, verified app password/.exec(result.stdout)?.[1] ?? '';
    const status = (await (await runtime.api(`/api/enrollments/${id}`)).json()) as { stage: string };
    expect(status.stage).toBe('revealed');

    // Everything went through the separate stand-ins: the mail, the directory the MFA was set in, the vault.
    expect(runtime.mail.messages()).toEqual([]);
    const outbox = (await (await fetch(`${standIns.urls.control}/_dev/api/outbox`)).json()) as {
      messages: { subject: string }[];
    };
    expect(outbox.messages.length).toBeGreaterThanOrEqual(3); // invitation, code, ready (and the revealed notice)
    const vault = new SecretClient(standIns.urls.vault, createLocalEmulatorCredential(), {
      allowInsecureConnection: true,
      disableChallengeResourceVerification: true,
    });
    const passwords: string[] = [];
    for await (const properties of vault.listPropertiesOfSecrets()) {
      if (properties.name.startsWith('apppw-')) passwords.push((await vault.getSecret(properties.name)).value ?? '');
    }
    expect(passwords).toHaveLength(1);
    // The driver never prints the password.
    expect(result.stdout).not.toContain(passwords[0]);
  });

  it('works against `npm start` too, with its dev console as the control URL', async () => {
    // A process of its own: the app module loads once per process, and this one already runs the app above.
    const devhost = await createDevhostProcess();
    await devhost.start();
    try {
      const result = await drive([
        '--app',
        devhost.url,
        '--key',
        devhost.functionKey,
        '--verify-key',
        devhost.relyingServiceKey,
        '--timeout-seconds',
        '60',
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('went from start to a revealed, verified app password');
    } finally {
      await devhost.stop();
    }
  });

  it('fails naming the step, when HR is refused', async () => {
    const result = await drive(['--app', runtime.url, '--control', standIns.urls.control, '--key', 'wrong-key']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('host lane: HR starts an enrollment … failed');
    expect(result.stderr).toMatch(/^host lane: HR starts an enrollment: POST \/api\/enrollments answered 401/);
  });

  it("the stand-ins' control server changes MFA only with JSON, and answers 404 elsewhere", async () => {
    const mfa = `${standIns.urls.control}/_dev/api/directory/${encodeURIComponent('pia@contoso.dk')}/mfa`;
    const form = await fetch(mfa, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'registered=true',
    });
    expect(form.status).toBe(400);
    const json = await fetch(mfa, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ registered: true }),
    });
    expect(await json.json()).toEqual({ userPrincipalName: 'pia@contoso.dk', registered: true });
    const methods = await fetch(`${standIns.urls.directory}/users/pia%40contoso.dk/authentication/methods`, {
      headers: { authorization: 'Bearer any' },
    });
    expect(JSON.stringify(await methods.json())).toContain('microsoftAuthenticatorAuthenticationMethod');
    expect((await fetch(`${standIns.urls.control}/_dev/api/instances`)).status).toBe(404);
  });
});
