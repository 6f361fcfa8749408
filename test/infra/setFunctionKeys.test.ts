import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyFunctionName } from '../../core/functionNames.js';

const script = fileURLToPath(new URL('../../scripts/set-function-keys.sh', import.meta.url));

/** The script against a stand-in for `az` (no Azure here) that logs each call and lists three functions. */
describe('scripts/set-function-keys.sh', () => {
  let bin: string;
  let log: string;

  beforeEach(async () => {
    bin = await mkdtemp(join(tmpdir(), 'function-keys-'));
    log = join(bin, 'calls.log');
    await writeFile(
      join(bin, 'az'),
      `#!/usr/bin/env bash
printf '%s\\n' "az $*" >> "$CALLS"
case "$*" in
  "functionapp function list"*) printf 'app/startEnrollment\\napp/${verifyFunctionName}\\napp/listAppPasswords\\n' ;;
  "functionapp function keys set"*) ;;
  *) echo "unexpected az call: $*" >&2; exit 9 ;;
esac
`,
    );
    await chmod(join(bin, 'az'), 0o755);
  });

  afterEach(async () => {
    await rm(bin, { recursive: true, force: true });
  });

  const run = (args: string[]) =>
    spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, CALLS: log } });
  const calls = async () => (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);

  it('gives the verify function its own key and every other function the HR key, and prints both once', async () => {
    const result = run(['-g', 'rg-enroll', '-n', 'app']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const sets = (await calls()).filter((call) => call.includes('keys set'));
    expect(sets).toHaveLength(3);
    const keyOf = (fn: string) => {
      const call = sets.find((line) => line.includes(`--function-name ${fn} `)) ?? '';
      return { name: /--key-name (\S+)/.exec(call)?.[1], value: /--key-value (\S+)/.exec(call)?.[1] ?? '' };
    };
    expect(keyOf(verifyFunctionName).name).toBe('relying-service');
    expect(keyOf('startEnrollment').name).toBe('hr');
    expect(keyOf('listAppPasswords').value).toBe(keyOf('startEnrollment').value);
    expect(keyOf(verifyFunctionName).value).not.toBe(keyOf('startEnrollment').value);
    expect(keyOf(verifyFunctionName).value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(result.stdout).toContain(keyOf(verifyFunctionName).value);
    expect(result.stdout).toContain(keyOf('startEnrollment').value);
  });

  it('sets nothing on a dry run, and refuses missing arguments with its usage', async () => {
    const dry = run(['-g', 'rg-enroll', '-n', 'app', '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`would set relying-service on ${verifyFunctionName}`);
    expect((await calls()).filter((call) => call.includes('keys set'))).toEqual([]);
    const missing = run(['-g', 'rg-enroll']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--resource-group and --name are required');
  });
});
