import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhookSigningKey } from '../../core/webhookSignature.js';
import { createParser, syntaxProblems } from './bicep.js';

const script = fileURLToPath(new URL('../../scripts/postprovision.sh', import.meta.url));
const vaultId = '/subscriptions/0000/resourceGroups/rg-enroll/providers/Microsoft.KeyVault/vaults/kv-test';
const appId = '/subscriptions/0000/resourceGroups/rg-enroll/providers/Microsoft.Web/sites/func-test';
const sendGridKey = 'SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg';

/**
 * A stand-in for `az` (no Azure here) that plays Resource Manager for the calls the hook makes: secret metadata and
 * creation under the vault (kept as files in $STATE/secrets), the app's Key Vault reference statuses (Resolved once
 * both secrets exist and at least $RESOLVE_AFTER refreshes happened, AccessToKeyVaultDenied before, as while role
 * assignments propagate), the refresh and the restart. Every call is logged; anything else fails the hook.
 */
const standInAz = `#!/usr/bin/env bash
printf '%s\\n' "az $*" >> "$STATE/calls.log"
[[ "$1" == rest ]] || { echo "unexpected az call: $*" >&2; exit 9; }
shift
method="" url="" body=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --method) method=$2; shift 2 ;;
    --url) url=$2; shift 2 ;;
    --body) body=$2; shift 2 ;;
    *) shift ;;
  esac
done
path=\${url%%\\?*}
refreshes=$(cat "$STATE/refreshes" 2>/dev/null || echo 0)
case "$method $path" in
  "get $VAULT/secrets/"*)
    if [[ -n "\${SECRET_READ_ERROR:-}" ]]; then echo "$SECRET_READ_ERROR" >&2; exit 1; fi
    name=\${path##*/}
    if [[ -f "$STATE/secrets/$name" ]]; then echo "$VAULT/secrets/$name"
    else echo 'Not Found({"error":{"code":"SecretNotFound","message":"Secret not found"}})' >&2; exit 3; fi ;;
  "put $VAULT/secrets/"*)
    mkdir -p "$STATE/secrets"; cp "\${body#@}" "$STATE/secrets/\${path##*/}"
    stat -c '%a' "\${body#@}" > "$STATE/body-mode" ;;
  "get $APP/config/configreferences/appsettings/"*)
    if [[ -f "$STATE/secrets/SendGridApiKey" && -f "$STATE/secrets/HrCallbackSigningSecret" && $refreshes -ge $RESOLVE_AFTER ]]
    then echo Resolved; else echo AccessToKeyVaultDenied; fi ;;
  "post $APP/config/configreferences/appsettings/refresh") echo $((refreshes + 1)) > "$STATE/refreshes" ;;
  "post $APP/restart") ;;
  *) echo "unexpected az rest call: $method $url" >&2; exit 9 ;;
esac
`;

describe('scripts/postprovision.sh (the azd postprovision hook)', () => {
  let state: string;

  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), 'postprovision-'));
    await mkdir(join(state, 'bin'));
    await writeFile(join(state, 'bin', 'az'), standInAz);
    await chmod(join(state, 'bin', 'az'), 0o755);
  });

  afterEach(async () => {
    await rm(state, { recursive: true, force: true });
  });

  const environment = (extra: Record<string, string> = {}) => ({
    PATH: `${join(state, 'bin')}:/usr/bin:/bin`,
    STATE: state,
    VAULT: vaultId,
    APP: appId,
    AZURE_KEY_VAULT_ID: vaultId,
    AZURE_FUNCTION_APP_ID: appId,
    RESOLVE_AFTER: '2',
    POSTPROVISION_POLL_SECONDS: '0',
    ...extra,
  });
  const run = (shell: string, extra: Record<string, string> = {}) =>
    spawnSync(shell, [script], { encoding: 'utf8', env: environment(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  const calls = async () => (await readFile(join(state, 'calls.log'), 'utf8').catch(() => '')).trim().split('\n');
  const secret = async (name: string) =>
    (JSON.parse(await readFile(join(state, 'secrets', name), 'utf8')) as { properties: { value: string } }).properties
      .value;
  const seed = async (name: string, value: string) => {
    await mkdir(join(state, 'secrets'), { recursive: true });
    await writeFile(join(state, 'secrets', name), JSON.stringify({ properties: { value } }));
  };

  it.each(['sh', 'bash'])(
    'on a fresh vault (%s): creates the HR secret, stores the SendGrid key, waits for the references, restarts',
    async (shell) => {
      const result = run(shell, { SENDGRID_API_KEY: sendGridKey });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const hrSecret = await secret('HrCallbackSigningSecret');
      expect(hrSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(WebhookSigningKey.parse(hrSecret)).toBeDefined();
      expect(await secret('SendGridApiKey')).toBe(sendGridKey);
      expect((await readFile(join(state, 'body-mode'), 'utf8')).trim()).toBe('600');
      const log = await calls();
      expect(log.filter((call) => call.includes('--method put'))).toHaveLength(2);
      expect(log.filter((call) => call.endsWith('/refresh?api-version=2022-03-01 --output none'))).toHaveLength(2);
      expect(log.filter((call) => call.includes(`${appId}/restart`))).toHaveLength(1);
      expect(log.at(-1)).toContain(`${appId}/restart`);
      expect(result.stdout).toContain('HrCallbackSigningSecret: created');
      expect(result.stdout).toContain('SendGridApiKey: stored');
      expect(result.stdout).toMatch(/waiting for the app's Key Vault references .*AccessToKeyVaultDenied/);
      expect(result.stdout).toContain('Key Vault references resolved');
      // Neither secret is on a command line (the process list) or in the output.
      for (const value of [hrSecret, sendGridKey]) {
        expect(log.join('\n')).not.toContain(value);
        expect(result.stdout + result.stderr).not.toContain(value);
      }
    },
  );

  it('keeps secrets the vault already has and, with the references resolved, changes nothing', async () => {
    await seed('HrCallbackSigningSecret', 'whsec_existing');
    await seed('SendGridApiKey', 'SG.existing.key');
    const result = run('sh', { SENDGRID_API_KEY: sendGridKey, RESOLVE_AFTER: '0' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('HrCallbackSigningSecret: present, kept');
    expect(result.stdout).toContain('SendGridApiKey: present, kept');
    expect(await secret('SendGridApiKey')).toBe('SG.existing.key');
    const log = await calls();
    expect(log.filter((call) => call.includes('--method put') || call.includes('/restart'))).toEqual([]);
  });

  it('without a SendGrid key and no terminal: says what to type, stores nothing for SendGrid, never restarts', async () => {
    const result = run('sh');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the vault has no SendGridApiKey and none was given');
    expect(result.stderr).toContain('azd hooks run postprovision');
    expect(result.stderr).toContain('SENDGRID_API_KEY');
    expect(await readdir(join(state, 'secrets'))).toEqual(['HrCallbackSigningSecret']);
    expect((await calls()).filter((call) => call.includes('/restart'))).toEqual([]);
  });

  it('refuses a value that is not a SendGrid key, storing nothing', async () => {
    const result = run('sh', { SENDGRID_API_KEY: 'not-a-key"}' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('does not look like a SendGrid API key');
    expect(await readdir(join(state, 'secrets'))).toEqual(['HrCallbackSigningSecret']);
  });

  it('asks for the key at a terminal without echoing it', async () => {
    // util-linux `script` runs the hook on a pseudo-terminal and passes our stdin on, as a person typing would: the
    // key goes in once the prompt is shown, when echo is already off.
    const child = spawn('script', ['-qec', `sh ${script}`, '/dev/null'], { env: environment() });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('(input hidden): ') && child.stdin.writable) child.stdin.end(`${sendGridKey}\n`);
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(output).toContain('SendGrid API key with the Mail Send permission (input hidden):');
    expect(output).not.toContain(sendGridKey);
    expect(await secret('SendGridApiKey')).toBe(sendGridKey);
  });

  it('gives up after the wait with the references still unresolved, naming their status, without restarting', async () => {
    const result = run('sh', { SENDGRID_API_KEY: sendGridKey, RESOLVE_AFTER: '1000', POSTPROVISION_WAIT_SECONDS: '0' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('did not resolve within 0s');
    expect(result.stderr).toContain('AccessToKeyVaultDenied AccessToKeyVaultDenied');
    expect((await calls()).filter((call) => call.includes('/restart'))).toEqual([]);
  });

  it('stops on an error other than "not found" when reading the vault, creating nothing', async () => {
    const result = run('sh', {
      SENDGRID_API_KEY: sendGridKey,
      SECRET_READ_ERROR: 'Forbidden({"error":{"code":"AuthorizationFailed"}})',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('AuthorizationFailed');
    expect(result.stderr).toContain("could not read HrCallbackSigningSecret's metadata");
    expect((await calls()).filter((call) => call.includes('--method put'))).toEqual([]);
  });

  it('says where the vault and app ids come from when they are missing', () => {
    const result = spawnSync('sh', [script], {
      encoding: 'utf8',
      env: { PATH: `${join(state, 'bin')}:/usr/bin:/bin`, STATE: state },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('AZURE_KEY_VAULT_ID and AZURE_FUNCTION_APP_ID are not set');
    expect(result.stderr).toContain('az deployment sub show');
  });
});

/**
 * pwsh cannot be installed here (Debian has no package for it), so the Windows hook is checked without running it:
 * it parses (tree-sitter-powershell), and it names the same APIs, secrets, settings, variables, checks and messages
 * as the sh hook that the tests above run.
 */
describe('scripts/postprovision.ps1 (the same hook for pwsh)', () => {
  const readScript = (name: string) =>
    readFile(fileURLToPath(new URL(`../../scripts/${name}`, import.meta.url)), 'utf8');

  it('has no syntax error, and a broken copy has one at its line', async () => {
    const parser = await createParser('tree-sitter-powershell/tree-sitter-powershell.wasm');
    const check = (text: string) => {
      const tree = parser.parse(text);
      if (tree === null) throw new Error('no tree');
      return syntaxProblems({ path: 'scripts/postprovision.ps1', root: tree.rootNode });
    };
    const text = await readScript('postprovision.ps1');
    expect(check(text)).toEqual([]);
    const broken = text.replace('Stop-Hook "could not create $Name in the vault (see above)"', 'Stop-Hook "could not');
    expect(broken).not.toBe(text);
    expect(check(broken)).toContainEqual(
      expect.stringMatching(/^scripts\/postprovision\.ps1:\d+:\d+: (ERROR|MISSING)/),
    );
  });

  /** What both hooks must say and do alike: the text each must contain. */
  const shared = [
    '2023-07-01', // Key Vault (Resource Manager)
    '2022-03-01', // Key Vault references
    '2024-04-01', // sites (restart)
    'HrCallbackSigningSecret',
    'SendGridApiKey',
    'SENDGRID_API_KEY',
    'CALLBACK_SIGNING_SECRET',
    'AZURE_KEY_VAULT_ID',
    'AZURE_FUNCTION_APP_ID',
    'POSTPROVISION_WAIT_SECONDS',
    'POSTPROVISION_POLL_SECONDS',
    '900',
    '15',
    '/config/configreferences/appsettings/',
    '/refresh?api-version=',
    '/restart?api-version=',
    'whsec_',
    '32',
    'SecretNotFound|Not ?Found|\\(404\\)',
    '^SG\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
    'Standard Webhooks signing secret (HR callbacks)',
    'SendGrid API key (mail.send)',
    'SendGrid API key with the Mail Send permission (input hidden)',
    'Resolved',
    'InvalidSyntax',
    'azd hooks run postprovision',
    'did not resolve within',
    'Key Vault references resolved',
    'app restarted',
    'az deployment sub show',
  ];

  it('does what the sh hook does: the same APIs, names, checks and messages', async () => {
    const [sh, ps1] = await Promise.all([readScript('postprovision.sh'), readScript('postprovision.ps1')]);
    expect(shared.filter((text) => !sh.includes(text))).toEqual([]);
    expect(shared.filter((text) => !ps1.includes(text))).toEqual([]);
  });
});
