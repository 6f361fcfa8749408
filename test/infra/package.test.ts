import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Reads every entry of a zip; with `into`, also writes the files there. */
async function readZip(path: string, into?: string): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, file) => {
      if (error !== null) reject(error);
      else resolve(file);
    });
  });
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => {
      resolve();
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      names.push(entry.fileName);
      if (into === undefined || entry.fileName.endsWith('/')) {
        zip.readEntry();
        return;
      }
      const target = join(into, entry.fileName);
      zip.openReadStream(entry, (error, stream) => {
        if (error !== null) {
          reject(error);
          return;
        }
        mkdir(dirname(target), { recursive: true })
          .then(() => pipeline(stream, createWriteStream(target)))
          .then(() => {
            zip.readEntry();
          }, reject);
      });
    });
    zip.readEntry();
  });
  return names;
}

/**
 * `npm run package` against the bundle the test run's global setup built (`--no-build`: rebuilding here would rewrite
 * dist/ under the other test files' feet). It installs the production packages from the lock file, so it takes a
 * while.
 */
describe('npm run package (the deployable zip)', () => {
  let folder: string;
  let zipPath: string;
  let entries: string[];
  let output: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'package-test-'));
    zipPath = join(folder, 'app.zip');
    const result = spawnSync('npm', ['run', 'package', '--', '--no-build', '--out', zipPath], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
    });
    output = `${result.stdout}\n${result.stderr}`;
    if (result.status !== 0) throw new Error(`npm run package failed:\n${output}`);
    entries = await readZip(zipPath, join(folder, 'app'));
  }, 300_000);

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reports what it wrote', () => {
    expect(output).toMatch(/package: .*app\.zip: \d+ files, [\d.]+ MiB/);
  });

  it('holds host.json, package.json with its "main", the bundle and the external packages', async () => {
    expect(entries).toEqual(
      expect.arrayContaining([
        'host.json',
        'package.json',
        'dist/app/index.js',
        'node_modules/@azure/functions/package.json',
        'node_modules/durable-functions/package.json',
        'node_modules/@azure/keyvault-secrets/package.json',
        'node_modules/@azure/data-tables/package.json',
        'node_modules/@azure/identity/package.json',
        'node_modules/@sendgrid/mail/package.json',
      ]),
    );
    const manifest = JSON.parse(await readFile(join(folder, 'app', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ main: 'dist/app/index.js', type: 'module' });
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).not.toHaveProperty('scripts');
    expect(await readFile(join(folder, 'app', 'host.json'), 'utf8')).toBe(
      await readFile(join(root, 'host.json'), 'utf8'),
    );
  });

  it('holds nothing but the bundle, host.json, package.json and node_modules at its root', () => {
    const outside = entries.filter(
      (name) =>
        !name.startsWith('node_modules/') &&
        !/^dist\/app\/[^/]+\.js$/.test(name) &&
        name !== 'host.json' &&
        name !== 'package.json',
    );
    expect(outside).toEqual([]);
  });

  it('holds no dev dependency, test, TypeScript source or local settings', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const devPackages = [
      ...new Set([
        ...Object.keys(manifest.devDependencies),
        'vitest',
        'typescript',
        'eslint',
        'azurite',
        'playwright-core',
      ]),
    ];
    for (const name of devPackages) {
      expect(
        entries.filter(
          (entry) => entry.startsWith(`node_modules/${name}/`) || entry.includes(`/node_modules/${name}/`),
        ),
        name,
      ).toEqual([]);
    }
    expect(entries.filter((name) => /\.(ts|tsx|mts|cts)$/.test(name) && !/\.d\.(ts|mts|cts)$/.test(name))).toEqual([]);
    expect(entries.filter((name) => /(^|\/)local\.settings(\.sample)?\.json$/.test(name))).toEqual([]);
    expect(entries.filter((name) => /^(test|scripts|infra|devhost|bench)\//.test(name))).toEqual([]);
    expect(entries.filter((name) => !name.startsWith('node_modules/') && /\.test\.[jt]s$/.test(name))).toEqual([]);
  });

  it('runs from the extracted zip: the entry registers the functions and every package the bundle imports resolves', async () => {
    const app = join(folder, 'app');
    // The bare specifiers the bundle imports (statically or on first use), e.g. "@azure/identity".
    const bundle = entries.filter((name) => name.startsWith('dist/app/'));
    const specifiers = new Set<string>();
    for (const name of bundle) {
      const text = await readFile(join(app, name), 'utf8');
      for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^."'][^"']*)["']/g)) {
        const specifier = match[1] ?? '';
        if (!specifier.startsWith('node:')) specifiers.add(specifier);
      }
    }
    expect([...specifiers]).toEqual(expect.arrayContaining(['@azure/functions', 'durable-functions']));

    // A probe inside the extracted folder resolves from its node_modules only; the Functions host core is stood in
    // for by the local runtime's (as in test/integration/deployableBundle.test.ts).
    const probe = join(app, 'probe.mjs');
    await writeFile(
      probe,
      `
      const { installFunctionsCore } = await import(${JSON.stringify(join(root, 'dist/devhost/functionsCore.js'))});
      const registry = installFunctionsCore();
      const missing = [];
      for (const specifier of ${JSON.stringify([...specifiers].sort())}) {
        try { import.meta.resolve(specifier); } catch { missing.push(specifier); }
      }
      await import('./dist/app/index.js');
      console.log(JSON.stringify({ missing, functions: registry.all().length }));
      `,
    );
    const result = spawnSync(process.execPath, [probe], {
      cwd: app,
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'] ?? '',
        TASKHUB_NAME: 'PackageHub',
        APP_TABLES: 'https://stexample.table.core.windows.net',
        KEYVAULT_URL: 'https://kv-example.vault.azure.net/',
        // As App Service hands it over once the Key Vault reference resolved.
        SENDGRID_API_KEY: 'SG.package-probe.not-a-real-key',
        MAIL_FROM: 'onboarding@contoso.example',
        PUBLIC_BASE_URL: 'https://func-api-example.azurewebsites.net',
      },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { missing: string[]; functions: number };
    expect(report.missing).toEqual([]);
    expect(report.functions).toBeGreaterThanOrEqual(19);
  });
});
