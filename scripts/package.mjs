#!/usr/bin/env node
// @ts-check
/**
 * Builds the deployable: the esbuild bundle (package.json "main", dist/app/), host.json, a package.json trimmed to
 * what the runtime reads, and the production node_modules (the bundle keeps @azure/*, durable-functions and
 * @sendgrid/* external, so they must ship). Writes .artifacts/app.zip with its files at the root, as Flex
 * Consumption expects.
 *
 *   node scripts/package.mjs [--no-build] [--out <zip>] [--stage <dir>] [--durable-backend <backend>]
 *
 *   --no-build     use the dist/ already built (the test run builds it once in its global setup)
 *   --out <zip>    where to write the zip (default .artifacts/app.zip)
 *   --stage <dir>  also keep the staged folder there (azure.yaml points azd at .artifacts/app); without it the
 *                  folder is staged in the system temp directory and removed
 *   --durable-backend azureStorage | durableTaskScheduler
 *                  the Durable backend the infrastructure was deployed with (infra/main.bicep durableBackend), which
 *                  decides host.json's storage provider (scripts/hostJson.mjs). Default: the DURABLE_BACKEND
 *                  environment variable (azd passes its environment to the prepackage hook), else azureStorage
 *
 * Production packages are installed from package-lock.json with `npm ci --omit=dev --ignore-scripts`, so the zip
 * holds exactly the locked versions and never a dev dependency. The zip is reproducible: entries sorted, one fixed
 * timestamp.
 */
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { durableBackends, hostJsonFor } from './hostJson.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixedTime = new Date('2000-01-01T00:00:00Z');

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ build: boolean, out: string, stage: string | undefined, durableBackend: string }} */
  const options = {
    build: true,
    out: join(root, '.artifacts', 'app.zip'),
    stage: undefined,
    durableBackend: process.env['DURABLE_BACKEND'] || 'azureStorage',
  };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    const value = () => {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`${String(arg)} needs a value`);
      index += 1;
      return next;
    };
    if (arg === '--no-build') options.build = false;
    else if (arg === '--out') options.out = resolve(value());
    else if (arg === '--stage') options.stage = resolve(value());
    else if (arg === '--durable-backend') options.durableBackend = value();
    else
      throw new Error(
        `unknown argument ${String(arg)} (usage: package.mjs [--no-build] [--out <zip>] [--stage <dir>] ` +
          `[--durable-backend ${durableBackends.join('|')}])`,
      );
  }
  return options;
}

/**
 * The environment for child npm processes, without the npm_* variables of an enclosing `npm run` (they describe the
 * repository's project, not the staging folder), except the user's cache, config and registry.
 */
function childEnv() {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_registry']);
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_') || keep.has(key.toLowerCase())),
  );
}

/** @param {string} command @param {string[]} args @param {string} cwd */
function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: childEnv() });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${String(result.status)}`);
}

const relativeImport = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

/**
 * The files of the bundle reachable from the entry through relative static and dynamic imports. esbuild never
 * empties its output folder, so chunks of earlier builds can linger there; they are left out. Fails if an import
 * points at a file that does not exist.
 * @param {string} entry absolute path
 */
async function reachableFrom(entry) {
  const seen = new Set([entry]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(relativeImport)) {
      const target = resolve(dirname(file), match[1] ?? '');
      if (seen.has(target)) continue;
      await stat(target).catch(() => {
        throw new Error(`${relative(root, file)} imports ${String(match[1])}, which does not exist: rebuild`);
      });
      seen.add(target);
      queue.push(target);
    }
  }
  return [...seen];
}

/** Files Node never loads at run time: TypeScript sources (declarations stay) and the .bin links npm makes. */
const skipped = (/** @type {string} */ path) => /\.(ts|tsx|mts|cts)$/.test(path) && !/\.d\.(ts|mts|cts)$/.test(path);

/** Removes node_modules/**\/.bin folders and TypeScript sources from the staged tree. */
async function prune(/** @type {string} */ folder) {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === '.bin') await rm(full, { recursive: true, force: true });
      else await prune(full);
    } else if (skipped(entry.name)) {
      await rm(full);
    }
  }
}

/**
 * Every file under a folder, as posix paths relative to it, sorted. Symbolic links are refused: a zip extracted on
 * the Functions host should not depend on them.
 * @param {string} folder
 */
async function listFiles(folder) {
  /** @type {string[]} */
  const files = [];
  const walk = async (/** @type {string} */ current) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isSymbolicLink()) throw new Error(`refusing to package the symbolic link ${full}`);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push(relative(folder, full).split(sep).join(posix.sep));
    }
  };
  await walk(folder);
  return files.sort();
}

/** @param {string} folder @param {string[]} files @param {string} out */
async function writeZip(folder, files, out) {
  await mkdir(dirname(out), { recursive: true });
  const partial = `${out}.partial`;
  const zip = new yazl.ZipFile();
  const output = createWriteStream(partial);
  zip.outputStream.pipe(output);
  for (const file of files) {
    const { mode } = await lstat(join(folder, file));
    zip.addFile(join(folder, file), file, { mtime: fixedTime, mode: mode & 0o111 ? 0o100755 : 0o100644 });
  }
  zip.end();
  await once(output, 'close');
  await rename(partial, out);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  /** @type {{ name: string, version: string, description?: string, type?: string, main: string, engines?: object, dependencies?: object }} */
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  // Before anything slow: an unknown backend fails here.
  const hostJson = hostJsonFor(await readFile(join(root, 'host.json'), 'utf8'), options.durableBackend);

  if (options.build) run('npm', ['run', 'build'], root);

  const artifacts = join(root, '.artifacts');
  if (
    options.stage !== undefined &&
    !options.stage.startsWith(`${artifacts}${sep}`) &&
    options.stage.startsWith(root)
  ) {
    // The folder is emptied first: inside the repository, only a folder under .artifacts/ may be that.
    throw new Error(`--stage must be outside the repository or under .artifacts/, not ${options.stage}`);
  }
  if (options.stage !== undefined && `${root}${sep}`.startsWith(`${options.stage}${sep}`)) {
    throw new Error(`--stage must not contain the repository: ${options.stage}`);
  }
  const stage = options.stage ?? (await mkdtemp(join(tmpdir(), 'app-package-')));
  try {
    await rm(stage, { recursive: true, force: true });
    await mkdir(stage, { recursive: true });

    // 1. Production dependencies from the lock file (install scripts off: nothing here needs one).
    await copyFile(join(root, 'package.json'), join(stage, 'package.json'));
    await copyFile(join(root, 'package-lock.json'), join(stage, 'package-lock.json'));
    run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], stage);
    await rm(join(stage, 'package-lock.json'));
    await prune(join(stage, 'node_modules'));

    // 2. What the runtime reads of package.json: "type" (ESM) and "main" (the entry that registers the functions).
    const runtimeManifest = {
      name: manifest.name,
      version: manifest.version,
      private: true,
      description: manifest.description,
      type: manifest.type,
      main: manifest.main,
      engines: manifest.engines,
      dependencies: manifest.dependencies,
    };
    await writeFile(join(stage, 'package.json'), `${JSON.stringify(runtimeManifest, null, 2)}\n`);
    await writeFile(join(stage, 'host.json'), hostJson);
    if (options.durableBackend !== 'azureStorage') {
      console.log(`package: host.json for the ${options.durableBackend} Durable backend`);
    }

    // 3. The bundle: the entry and the chunks it imports.
    const entry = join(root, manifest.main);
    const bundleFiles = await reachableFrom(entry);
    for (const file of bundleFiles) {
      const target = join(stage, relative(root, file));
      await mkdir(dirname(target), { recursive: true });
      await copyFile(file, target);
    }
    const bundleFolder = dirname(entry);
    const left = (await readdir(bundleFolder)).filter((name) => !bundleFiles.includes(join(bundleFolder, name)));
    if (left.length > 0)
      console.log(`package: left out ${String(left.length)} stale file(s) of dist/app: ${left.join(', ')}`);

    const files = await listFiles(stage);
    await writeZip(stage, files, options.out);
    const { size } = await stat(options.out);
    const modules = new Set(
      files
        .filter((file) => file.startsWith('node_modules/'))
        .map((file) =>
          file
            .split('/')
            .slice(0, file.startsWith('node_modules/@') ? 3 : 2)
            .join('/'),
        ),
    );
    console.log(
      `package: ${relative(process.cwd(), options.out) || options.out}: ${String(files.length)} files, ` +
        `${(size / 1024 / 1024).toFixed(1)} MiB; ${String(bundleFiles.length)} bundle file(s), ` +
        `${String(modules.size)} top-level package(s)`,
    );
  } finally {
    if (options.stage === undefined) await rm(stage, { recursive: true, force: true });
  }
}

main().catch((/** @type {unknown} */ error) => {
  console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
