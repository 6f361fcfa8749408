import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFile, repoRoot } from './bicep.js';
import { checkWorkflows, workflowFiles } from './checks.js';

const validator = createRequire(import.meta.url).resolve('@action-validator/cli/cli.mjs');
const workflowsDir = new URL('.github/workflows/', repoRoot);

/** @action-validator/cli (workflow schema, offline) on one file: its exit code and report. */
function validate(path: string) {
  const result = spawnSync(process.execPath, [validator, path], { encoding: 'utf8' });
  return { status: result.status, report: `${result.stdout}${result.stderr}` };
}

describe('.github/workflows validate offline with @action-validator/cli', () => {
  let names: string[];
  let scratch: string;

  beforeAll(async () => {
    names = (await readdir(workflowsDir)).filter((name) => /\.ya?ml$/.test(name)).sort();
    scratch = await mkdtemp(join(tmpdir(), 'workflows-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('holds the CI, deploy and host-lane workflows', () => {
    expect(names).toEqual([...workflowFiles].sort());
  });

  it.each(workflowFiles)('%s is a valid workflow', (name) => {
    const result = validate(new URL(name, workflowsDir).pathname);
    expect(result.report).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses a broken copy, naming what is wrong', async () => {
    const broken = join(scratch, 'host-lane.yml');
    await writeFile(broken, readRepoFile('.github/workflows/host-lane.yml').replace('runs-on:', 'run-on:'));
    const result = validate(broken);
    expect(result.status).toBe(1);
    expect(result.report).toContain("Additional property 'run-on' is not allowed");
  });
});

describe('the workflows do what the pipeline must', () => {
  const real = Object.fromEntries(
    workflowFiles.map((name) => [name, readRepoFile(`.github/workflows/${name}`)] as const),
  ) as Record<(typeof workflowFiles)[number], string>;
  /** The workflows with one file edited; the edit must apply. */
  const edited = (name: (typeof workflowFiles)[number], from: string | RegExp, to: string) => {
    const text = real[name].replace(from, to);
    if (text === real[name]) throw new Error(`edit of ${name} did not apply: ${String(from)}`);
    return { ...real, [name]: text };
  };

  it('sign in with OIDC only, test on Node 22, compile and what-if the Bicep, deploy behind approval, run func', () => {
    expect(checkWorkflows(real)).toEqual([]);
  });

  it('fail on a stored secret or a job without id-token: write', () => {
    const secret = edited(
      'deploy.yml',
      /client-id: \$\{\{ vars\.AZURE_CLIENT_ID \}\}\n/,
      'creds: ${{ secrets.AZURE_CREDENTIALS }}\n',
    );
    expect(checkWorkflows(secret)).toEqual(
      expect.arrayContaining([
        'deploy.yml: mentions a client secret; sign in with OpenID Connect only',
        'deploy.yml: deploy must sign in with client-id, tenant-id and subscription-id (OIDC), no creds',
      ]),
    );
    const token = edited('ci.yml', /\n {6}id-token: write/, '');
    expect(checkWorkflows(token)).toEqual(['ci.yml: what-if signs in without id-token: write']);
  });

  it("fail on another Node, on a Bicep file left unlinted, and on a what-if that is not the pull request's", () => {
    expect(checkWorkflows(edited('host-lane.yml', "node-version: '22'", "node-version: '20'"))).toEqual([
      'host-lane.yml: enrollment-under-func must set up Node 22',
    ]);
    expect(checkWorkflows(edited('ci.yml', /\n\s*az bicep lint --file "\$file"/, ''))).toEqual([
      'ci.yml: must run az bicep lint --file on every file',
    ]);
    expect(checkWorkflows(edited('ci.yml', /\n {4}if: github\.event_name == 'pull_request'.*/, ''))).toEqual([
      'ci.yml: a pull-request job must sign in with azure/login and run az deployment sub what-if',
    ]);
  });

  it('fail when deploying skips the approval environment or the checks', () => {
    const expected = [
      'deploy.yml: after the ci.yml checks, a job in the production environment must run azd provision and azd deploy',
    ];
    expect(checkWorkflows(edited('deploy.yml', 'environment: production', 'environment: staging'))).toEqual(expected);
    expect(checkWorkflows(edited('deploy.yml', 'needs: checks', 'needs: []'))).toEqual(expected);
    expect(
      checkWorkflows(edited('deploy.yml', /\n\s*run: azd deploy --no-prompt/, '\n        run: echo skipped')),
    ).toEqual(expected);
  });

  it('fail when the host lane no longer runs the app under func start or drives the enrollment', () => {
    expect(checkWorkflows(edited('host-lane.yml', 'nohup func start', 'nohup node dist/devhost/start.js'))).toEqual([
      'host-lane.yml: must run func start',
    ]);
    expect(
      checkWorkflows(edited('host-lane.yml', /run: node dist\/scripts\/hostLaneEnrollment\.js.*/, 'run: true')),
    ).toEqual(['host-lane.yml: must drive an enrollment']);
  });
});
