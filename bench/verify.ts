import { scrypt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createKeyVaultVault, createLocalEmulatorCredential } from '../adapters/keyVaultVault.js';
import { currentHashParameters } from '../core/appPasswordHash.js';
import { verifyFunctionName } from '../core/functionNames.js';
import { percentile, pool, root, startBenchRuntime, until } from './support.js';

/**
 * Verify API: throughput and latency of POST /api/app-passwords/verify through the local runtime (the deployable
 * bundle, Azurite, real HTTP), against two baselines measured in the same run: the same route answering a malformed
 * body (key check, body parse, no storage, no hash) and one bare scrypt with the stored parameters. Also the
 * unknown-user and wrong-password medians, which the design keeps alike. A measurement, not a test.
 */

const users = Number(process.env['VERIFY_USERS'] ?? 20);
const sequential = Number(process.env['VERIFY_SEQUENTIAL'] ?? 200);
const concurrentTotal = Number(process.env['VERIFY_CONCURRENT_TOTAL'] ?? 1000);
const concurrency = Number(process.env['VERIFY_CONCURRENCY'] ?? 8);
const functionKey = 'bench-hr-key';
const relyingKey = 'bench-relying-key';

const bench = await startBenchRuntime({
  functionKey,
  keysByFunction: { [verifyFunctionName]: [relyingKey] },
  // Failures are part of what is measured; the lockout would otherwise end the measurement early.
  settings: { VERIFY_MAX_FAILURES_PER_USER: '1000', VERIFY_MAX_FAILURES_PER_CLIENT: '1000' },
});
const { runtime } = bench;
const hr = (path: string, init: { method?: string; body?: string } = {}) =>
  fetch(`${runtime.url}${path}`, {
    ...init,
    headers: { 'x-functions-key': functionKey, 'content-type': 'application/json' },
  });
const verify = (body: string) =>
  fetch(`${runtime.url}/api/app-passwords/verify`, {
    method: 'POST',
    headers: { 'x-functions-key': relyingKey, 'content-type': 'application/json' },
    body,
  });

async function timed(body: string, expectStatus: number): Promise<number> {
  const begin = performance.now();
  const response = await verify(body);
  await response.arrayBuffer();
  const elapsed = performance.now() - begin;
  if (response.status !== expectStatus) throw new Error(`verify answered ${response.status}, expected ${expectStatus}`);
  return elapsed;
}

async function series(count: number, body: (index: number) => string, expectStatus = 200): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < count; index += 1) latencies.push(await timed(body(index), expectStatus));
  return latencies.sort((a, b) => a - b);
}

const summary = (sorted: readonly number[]) => ({ p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) });

try {
  // Users with a live app password: enrollments brought to `ready` (the hash is stored at mint), the value read
  // from the local vault the way the reveal would.
  const vault = createKeyVaultVault({
    vaultUrl: runtime.vault.url,
    credential: createLocalEmulatorCredential(),
    localEmulator: true,
  });
  const people = Array.from({ length: users }, (_, index) => ({
    index,
    upn: `verify${index}@contoso.dk`,
    password: '',
  }));
  await pool(people, 5, async (person) => {
    const response = await hr('/api/enrollments', {
      method: 'POST',
      body: JSON.stringify({
        employeeId: `V${person.index}`,
        userPrincipalName: person.upn,
        displayName: `Verify ${person.index}`,
        inviteEmail: `verify${person.index}@example.com`,
        contact: { email: `verify${person.index}@example.com` },
      }),
    });
    const { id } = (await response.json()) as { id: string };
    runtime.directory.setMfaRegistered(person.upn, true);
    await hr(`/api/enrollments/${id}/events/mfa-registered`, { method: 'POST' });
    await hr(`/api/enrollments/${id}/events/contact-verified`, { method: 'POST' });
    await until(`ready ${person.index}`, async () =>
      ((await (await hr(`/api/enrollments/${id}`)).json()) as { stage: string }).stage === 'ready' ? true : undefined,
    );
    const reference = await vault.findLiveAppPassword(`apppw-${id}`);
    if (reference === undefined) throw new Error(`no password for ${person.upn}`);
    person.password = await vault.readAppPassword(reference);
  });
  const valid = (index: number) => {
    const person = people[index % people.length];
    return JSON.stringify({ userPrincipalName: person?.upn, password: person?.password });
  };

  // Warm-up: first calls build the adapters and the tables' clients.
  await series(20, valid);

  const baseline = await series(sequential, () => '{"userPrincipalName":"x"}', 400);
  const scryptAlone: number[] = [];
  for (let index = 0; index < sequential; index += 1) {
    const begin = performance.now();
    await new Promise<void>((resolve, reject) => {
      scrypt(
        'abcdefghijklmnop',
        'sixteen-byte-slt',
        32,
        { ...currentHashParameters, maxmem: 64 * 1024 * 1024 },
        (error) => {
          if (error === null) resolve();
          else reject(error);
        },
      );
    });
    scryptAlone.push(performance.now() - begin);
  }
  scryptAlone.sort((a, b) => a - b);
  const sequentialValid = await series(sequential, valid);
  const wrongPassword = await series(sequential / 2, (index) =>
    JSON.stringify({ userPrincipalName: people[index % people.length]?.upn, password: 'wrongwrongwrongw' }),
  );
  const unknownUser = await series(sequential / 2, (index) =>
    // As many distinct names as the wrong-password series has users, so both meet storage rows in the same state.
    JSON.stringify({ userPrincipalName: `nobody${index % people.length}@contoso.dk`, password: 'wrongwrongwrongw' }),
  );

  const concurrent: number[] = [];
  const started = performance.now();
  await pool(
    Array.from({ length: concurrentTotal }, (_, index) => index),
    concurrency,
    async (index) => {
      concurrent.push(await timed(valid(index), 200));
    },
  );
  const concurrentSeconds = (performance.now() - started) / 1000;
  concurrent.sort((a, b) => a - b);

  const result = {
    benchmark: 'verify',
    hash: { algorithm: 'scrypt', ...currentHashParameters },
    baselineMalformedBody: summary(baseline),
    baselineScryptAlone: summary(scryptAlone),
    sequentialValid: summary(sequentialValid),
    wrongPassword: summary(wrongPassword),
    unknownUser: summary(unknownUser),
    concurrent: {
      clients: concurrency,
      requests: concurrentTotal,
      throughputPerSecond: concurrentTotal / concurrentSeconds,
      ...summary(concurrent),
    },
    ratios: {
      validOverMalformedBody: percentile(sequentialValid, 50) / percentile(baseline, 50),
      validOverScryptAlone: percentile(sequentialValid, 50) / percentile(scryptAlone, 50),
      unknownUserOverWrongPassword: percentile(unknownUser, 50) / percentile(wrongPassword, 50),
    },
    node: process.version,
    at: new Date().toISOString(),
  };
  await mkdir(`${root}bench/results`, { recursive: true });
  await writeFile(`${root}bench/results/verify.json`, `${JSON.stringify(result, null, 2)}\n`);
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(
    `verify: scrypt N=${currentHashParameters.N} r=${currentHashParameters.r} p=${currentHashParameters.p}, ${users} users`,
  );
  console.log(`  baseline, malformed body (no storage, no hash)  p50 ${ms(result.baselineMalformedBody.p50Ms)}`);
  console.log(`  baseline, scrypt alone in this process           p50 ${ms(result.baselineScryptAlone.p50Ms)}`);
  console.log(
    `  valid, one client                                p50 ${ms(result.sequentialValid.p50Ms)}, p99 ${ms(result.sequentialValid.p99Ms)}`,
  );
  console.log(
    `  wrong password / unknown user                    p50 ${ms(result.wrongPassword.p50Ms)} / ${ms(result.unknownUser.p50Ms)} (ratio ${result.ratios.unknownUserOverWrongPassword.toFixed(2)})`,
  );
  console.log(
    `  valid, ${concurrency} clients                              ${result.concurrent.throughputPerSecond.toFixed(1)}/s, p50 ${ms(result.concurrent.p50Ms)}, p99 ${ms(result.concurrent.p99Ms)}`,
  );
  console.log(
    `  ratio valid / malformed body ${result.ratios.validOverMalformedBody.toFixed(2)}, valid / scrypt alone ${result.ratios.validOverScryptAlone.toFixed(2)}`,
  );
} finally {
  await bench.stop();
}
