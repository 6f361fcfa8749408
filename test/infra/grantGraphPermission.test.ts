import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/grant-graph-permission.sh', import.meta.url));
const graphSp = '11111111-2222-3333-4444-555555555555';
const appRole = '66666666-7777-8888-9999-000000000000';
const identity = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

/**
 * The script against stand-ins for `az` and `azd` (no Azure here): each call is logged, and the stand-in answers the
 * Graph look-ups the way `az rest --query ... -o tsv` would. Checks the calls made and the idempotency branch.
 */
describe('scripts/grant-graph-permission.sh', () => {
  let bin: string;
  let log: string;

  beforeEach(async () => {
    bin = await mkdtemp(join(tmpdir(), 'graph-grant-'));
    log = join(bin, 'calls.log');
    await writeFile(
      join(bin, 'az'),
      `#!/usr/bin/env bash
printf '%s\\n' "az $*" >> "$CALLS"
args="$*"
case "$args" in
  *"--method GET"*"appId='00000003-0000-0000-c000-000000000000'"*) echo ${graphSp} ;;
  *"--method GET"*"servicePrincipals/${graphSp}?\\$select=appRoles"*) echo ${appRole} ;;
  *"--method GET"*"/appRoleAssignments"*) echo "$EXISTING" ;;
  *"--method GET"*"servicePrincipals/${identity}?"*) echo id-api-test ;;
  *"--method POST"*) ;;
  *) echo "unexpected az call: $args" >&2; exit 9 ;;
esac
`,
    );
    await writeFile(join(bin, 'azd'), `#!/usr/bin/env bash\nprintf '%s\\n' "azd $*" >> "$CALLS"\necho ${identity}\n`);
    await chmod(join(bin, 'az'), 0o755);
    await chmod(join(bin, 'azd'), 0o755);
  });

  afterEach(async () => {
    await rm(bin, { recursive: true, force: true });
  });

  function run(args: string[], existing = '0') {
    return spawnSync('bash', [script, ...args], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, CALLS: log, EXISTING: existing },
    });
  }

  const calls = async () => (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);

  it('is valid bash with strict mode and prints its usage', () => {
    expect(spawnSync('bash', ['-n', script]).status).toBe(0);
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: grant-graph-permission.sh [--principal-id <object id>] [--dry-run]');
  });

  it('grants the app role once, looked up by its value, for the given identity', async () => {
    const result = run(['--principal-id', identity]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Granted: UserAuthenticationMethod.Read.All (Microsoft Graph) to id-api-test');
    const made = await calls();
    expect(made).toHaveLength(5);
    expect(made[1]).toContain(
      "appRoles[?value=='UserAuthenticationMethod.Read.All' && contains(allowedMemberTypes, 'Application')]",
    );
    const post = made.filter((call) => call.includes('--method POST'));
    expect(post).toHaveLength(1);
    expect(post[0]).toContain(
      `--url https://graph.microsoft.com/v1.0/servicePrincipals/${identity}/appRoleAssignments`,
    );
    expect(post[0]).toContain(
      `--body {"principalId":"${identity}","resourceId":"${graphSp}","appRoleId":"${appRole}"}`,
    );
  });

  it('changes nothing when the permission is already granted', async () => {
    const result = run(['--principal-id', identity], '1');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Already granted');
    expect((await calls()).filter((call) => call.includes('--method POST'))).toEqual([]);
  });

  it('grants nothing on a dry run', async () => {
    const result = run(['--principal-id', identity, '--dry-run']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Dry run: would grant UserAuthenticationMethod.Read.All (app role ${appRole}`);
    expect((await calls()).filter((call) => call.includes('--method POST'))).toEqual([]);
  });

  it('takes the identity from the azd environment when none is given', async () => {
    const result = run([]);
    expect(result.status).toBe(0);
    expect(await calls()).toContain('azd env get-value AZURE_MANAGED_IDENTITY_PRINCIPAL_ID');
  });

  it('refuses a missing or malformed principal id before calling Graph', async () => {
    const bad = run(['--principal-id', 'not-a-guid']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('must be a GUID');
    const unknown = run(['--bogus']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown argument: --bogus');
    expect(await calls()).toEqual([]);
    await rm(join(bin, 'azd'));
    const none = run([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('error: no principal id');
  });
});
