import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * Cold start: how long a fresh Node process takes to import the app's entry (which registers every function),
 * (the esbuild bundle that package.json "main" names) against importing just @azure/functions and durable-functions, measured side by side in alternating runs so both
 * see the same machine. The budget (docs/performance.md): app entry ≤ 1.2 × the bare libraries.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const runs = Number(process.env['BENCH_RUNS'] ?? 10);
const shim = `${root}dist/devhost/functionsCore.js`;
const env = {
  ...process.env,
  TASKHUB_NAME: 'BenchHub',
  APP_TABLES: 'UseDevelopmentStorage=true',
  KEYVAULT_URL: 'https://bench.vault.azure.net',
  SENDGRID_API_KEY: 'SG.bench',
  MAIL_FROM: 'onboarding@contoso.example',
  PUBLIC_BASE_URL: 'https://enroll.contoso.example',
};

// Both variants install the @azure/functions-core stand-in first, as the worker would have injected it.
const variants = {
  baseline: `const { installFunctionsCore } = await import(${JSON.stringify(shim)}); installFunctionsCore(); await import('@azure/functions'); await import('durable-functions');`,
  app: `const { installFunctionsCore } = await import(${JSON.stringify(shim)}); const r = installFunctionsCore(); await import(${JSON.stringify(`${root}dist/app/index.js`)}); if (r.all().length < 5) process.exit(3);`,
} as const;

function timeOnce(code: string): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env, cwd: root, stdio: 'pipe' });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`bench process failed (${result.status}): ${result.stderr.toString()}`);
  return elapsed;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0 ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2 : (sorted[middle] ?? 0);
};

const samples: Record<keyof typeof variants, number[]> = { baseline: [], app: [] };
timeOnce(variants.baseline); // warm the file system cache so the first measured run is not an outlier
for (let i = 0; i < runs; i += 1) {
  samples.baseline.push(timeOnce(variants.baseline));
  samples.app.push(timeOnce(variants.app));
}
const result = {
  benchmark: 'cold-start',
  runs,
  medianMs: { baseline: median(samples.baseline), app: median(samples.app) },
  ratio: median(samples.app) / median(samples.baseline),
  budget: 1.2,
  node: process.version,
  at: new Date().toISOString(),
};
await mkdir(`${root}bench/results`, { recursive: true });
await writeFile(`${root}bench/results/coldStart.json`, `${JSON.stringify(result, null, 2)}\n`);
console.log('cold start (median of %d runs)', runs);
console.log('  @azure/functions + durable-functions  %s ms', result.medianMs.baseline.toFixed(1));
console.log('  app entry (all functions registered)  %s ms', result.medianMs.app.toFixed(1));
console.log(
  '  ratio %s (budget ≤ %s) %s',
  result.ratio.toFixed(2),
  result.budget,
  result.ratio <= result.budget ? 'within budget' : 'OVER BUDGET',
);
