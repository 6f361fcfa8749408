import { mkdir, writeFile } from 'node:fs/promises';
import { createKeyVaultVault, createLocalEmulatorCredential } from '../adapters/keyVaultVault.js';
import { createTableEnrollmentStore } from '../adapters/tables/enrollmentStore.js';
import { createTableClientFactory } from '../adapters/tables/tableClients.js';
import { keyVaultLimits } from '../core/keyVaultLimits.js';
import { busiestWindow } from '../core/slidingWindow.js';
import { percentile, pool, root, startBenchRuntime, until } from './support.js';

/**
 * Mass onboarding: ONBOARDING_ENROLLMENTS (default 2,000) enrollments started through the HR API as fast as HR can
 * send them, brought through MFA (set in the local directory, then reported) and contact verification with the HR
 * events API once every invitation is out, so that the crowd reaches issuing together, and minted against the local
 * vault enforcing Key Vault's own limits until every one is `ready`. Then a sample of 200 is revealed through the
 * pages, one at a time, each beside its floor (one table point read and one vault GET through the app's own
 * adapters) measured in the same run. The vault's own records give the mint rate and the busiest 10-second window.
 * A measurement for the notes, not a test: nothing here asserts time.
 *
 * ONBOARDING_VAULT_SECRET_WRITES_PER_10S lowers the vault's secret write limit (and the app's budget with it), to see
 * the pacing at a limit this machine can outrun; ONBOARDING_HR_CONCURRENCY, ONBOARDING_REVEAL_SAMPLE and
 * ONBOARDING_READY_TIMEOUT_MS tune the driver.
 */

const total = Number(process.env['ONBOARDING_ENROLLMENTS'] ?? 2_000);
const hrConcurrency = Number(process.env['ONBOARDING_HR_CONCURRENCY'] ?? 100);
const revealSample = Math.min(total, Number(process.env['ONBOARDING_REVEAL_SAMPLE'] ?? 200));
const readyTimeoutMs = Number(process.env['ONBOARDING_READY_TIMEOUT_MS'] ?? 30 * 60_000);
// Key Vault's own limit unless asked otherwise; the app's budget follows it, as its default follows Key Vault's.
const secretWriteLimit = Number(process.env['ONBOARDING_VAULT_SECRET_WRITES_PER_10S'] ?? keyVaultLimits.secretWrites);
const functionKey = 'onboarding-bench-key';

/** What bench/results/onboarding.json holds. */
interface OnboardingResult {
  readonly benchmark: 'onboarding';
  readonly enrollments: number;
  /** Enrollments that did not end up `ready`. */
  readonly failed: number;
  readonly startsPerSecond: number;
  /** From the first HR start until every enrollment was ready. */
  readonly secondsToAllReady: number;
  /** Secret writes per second between the first and the last one the vault accepted: the minting phase. */
  readonly mintsPerSecond: number;
  readonly vaultSecretWriteLimitPerSecond: number;
  /** The most secret writes the vault accepted in any 10 seconds, from its own records. */
  readonly maxSecretWritesPer10s: number;
  readonly vaultSecretWriteLimitPer10s: number;
  readonly vault429s: number;
  readonly vault429sOnSecretWrites: number;
  readonly vault429sOnOtherOperations: number;
  readonly revealSample: number;
  readonly revealP50Ms: number;
  readonly revealP99Ms: number;
  /** One table point read and one vault GET, measured beside each reveal. */
  readonly revealFloorP50Ms: number;
  readonly revealFloorP99Ms: number;
  readonly hrConcurrency: number;
  readonly stages: Record<string, number>;
  readonly node: string;
  readonly at: string;
}

interface Person {
  readonly index: number;
  readonly upn: string;
  readonly invite: string;
  readonly contact: string;
  id: string;
}

const bench = await startBenchRuntime({
  functionKey,
  vaultLimits: { secretWrites: secretWriteLimit },
  settings: { KEYVAULT_SECRET_WRITE_BUDGET: String(secretWriteLimit) },
});
const { runtime } = bench;
const api = (path: string, init: { method?: string; body?: string } = {}) =>
  fetch(`${runtime.url}${path}`, {
    ...init,
    headers: { 'x-functions-key': functionKey, 'content-type': 'application/json' },
  });

const began = performance.now();
let phase = 'starting';
let started = 0;
let eventsSent = 0;

/** Who has had their invitation and who their ready link: the mail sink runs in this process, so this is free. */
function outbox(): { invited: Set<string>; ready: Set<string> } {
  const invited = new Set<string>();
  const ready = new Set<string>();
  for (const message of runtime.mail.messages()) {
    for (const link of message.links) {
      const seen = link.includes('/e/') ? invited : link.includes('/r/') ? ready : undefined;
      for (const address of message.to) seen?.add(address);
    }
  }
  return { invited, ready };
}

/** Stages of every instance, from the task hub: a scan of its table, so only now and then. */
async function countStages(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const status of await runtime.taskHub.list()) {
    const stage =
      status.runtimeStatus === 'Failed'
        ? 'failed'
        : ((status.customStatus as { stage?: string } | null)?.stage ?? status.runtimeStatus.toLowerCase());
    counts[stage] = (counts[stage] ?? 0) + 1;
  }
  return counts;
}

function progressLine(): string {
  const usage = runtime.vault.usage();
  const { invited, ready } = outbox();
  const throttled = usage.throttled.secretWrites + usage.throttled.otherOperations;
  const seconds = ((performance.now() - began) / 1000).toFixed(0).padStart(4);
  return (
    `[${seconds} s] ${phase}: ${started} started, ${invited.size} invited, ${eventsSent} HR events, ` +
    `${usage.secretWriteTimes.length} minted, ${ready.size} ready | ${throttled} × 429 from the vault`
  );
}

const ticker = setInterval(() => {
  console.log(progressLine());
}, 3_000);

try {
  const people: Person[] = Array.from({ length: total }, (_, index) => ({
    index,
    upn: `onboard${index}@contoso.dk`,
    invite: `onboard${index}@example.com`,
    contact: `onboard${index}.private@example.com`,
    id: '',
  }));

  phase = 'HR starts';
  const startsBegan = performance.now();
  await pool(people, hrConcurrency, async (person) => {
    const response = await api('/api/enrollments', {
      method: 'POST',
      body: JSON.stringify({
        employeeId: `OB${person.index}`,
        userPrincipalName: person.upn,
        displayName: `Onboarding ${person.index}`,
        inviteEmail: person.invite,
        contact: { email: person.contact },
        locale: 'en',
      }),
    });
    if (response.status !== 202) throw new Error(`start ${person.index}: ${response.status}`);
    person.id = ((await response.json()) as { id: string }).id;
    started += 1;
  });
  const startsPerSecond = total / ((performance.now() - startsBegan) / 1000);

  // Every invitation out first, so that the events below bring the whole crowd to issuing together.
  phase = 'invitations';
  await until(
    'every invitation sent',
    () => Promise.resolve(outbox().invited.size >= total ? true : undefined),
    readyTimeoutMs,
    1_000,
  );

  phase = 'HR events (MFA, contact)';
  await pool(people, hrConcurrency, async (person) => {
    // The HR MFA event is checked against the directory, as Graph would be in Azure.
    runtime.directory.setMfaRegistered(person.upn, true);
    for (const event of ['mfa-registered', 'contact-verified']) {
      const response = await api(`/api/enrollments/${person.id}/events/${event}`, { method: 'POST' });
      if (response.status !== 202) throw new Error(`${event} ${person.index}: ${response.status}`);
      eventsSent += 1;
    }
  });

  phase = 'minting';
  let stagesCountedAt = performance.now();
  await until(
    'every enrollment ready or finished',
    async () => {
      if (outbox().ready.size >= total) return true;
      // Now and then, whether some ended otherwise (failed, say) and nothing is left to wait for.
      if (performance.now() - stagesCountedAt < 5_000) return undefined;
      stagesCountedAt = performance.now();
      const counts = await countStages();
      const open = ['pending', 'invited', 'awaiting-verification', 'issuing'].some((stage) => (counts[stage] ?? 0) > 0);
      return open ? undefined : true;
    },
    readyTimeoutMs,
    1_000,
  );
  const secondsToAllReady = (performance.now() - startsBegan) / 1000;
  const stages = await countStages();
  const ready = stages['ready'] ?? 0;

  // The stage turns ready just before the ready mail goes out: let the last mails go, so that the reveals are
  // measured on a quiet runtime, as the floor beside them is.
  phase = 'ready mails';
  await until(
    'every ready mail sent',
    () => Promise.resolve(outbox().ready.size >= ready ? true : undefined),
    readyTimeoutMs,
    1_000,
  );

  const usage = runtime.vault.usage();
  const writes = usage.secretWriteTimes;
  const mintSeconds = ((writes.at(-1) ?? 0) - (writes[0] ?? 0)) / 1000;
  const limits = runtime.vault.limits;

  phase = `revealing a sample of ${revealSample}`;
  const sample = Array.from({ length: revealSample }, (_, k) => people[Math.floor((k * total) / revealSample)]);
  const reveal = await revealAndFloor(sample.filter((person): person is Person => person !== undefined));

  const result: OnboardingResult = {
    benchmark: 'onboarding',
    enrollments: total,
    failed: total - ready,
    startsPerSecond,
    secondsToAllReady,
    mintsPerSecond: mintSeconds > 0 ? (writes.length - 1) / mintSeconds : 0,
    vaultSecretWriteLimitPerSecond: limits.secretWrites / (limits.windowMs / 1000),
    maxSecretWritesPer10s: busiestWindow(writes, 10_000),
    vaultSecretWriteLimitPer10s: (limits.secretWrites * 10_000) / limits.windowMs,
    vault429s: usage.throttled.secretWrites + usage.throttled.otherOperations,
    vault429sOnSecretWrites: usage.throttled.secretWrites,
    vault429sOnOtherOperations: usage.throttled.otherOperations,
    revealSample: reveal.latencies.length,
    revealP50Ms: percentile(reveal.latencies, 50),
    revealP99Ms: percentile(reveal.latencies, 99),
    revealFloorP50Ms: percentile(reveal.floors, 50),
    revealFloorP99Ms: percentile(reveal.floors, 99),
    hrConcurrency,
    stages,
    node: process.version,
    at: new Date().toISOString(),
  };
  await mkdir(`${root}bench/results`, { recursive: true });
  await writeFile(`${root}bench/results/onboarding.json`, `${JSON.stringify(result, null, 2)}\n`);
  clearInterval(ticker);
  printSummary(result);
} finally {
  clearInterval(ticker);
  await bench.stop();
}

function printSummary(result: OnboardingResult): void {
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
  console.log(`onboarding: ${result.enrollments} enrollments, ${result.failed} not ready`);
  console.log(
    `  HR starts       ${result.startsPerSecond.toFixed(1)}/s; all ready after ${result.secondsToAllReady.toFixed(1)} s`,
  );
  console.log(
    `  mints           ${result.mintsPerSecond.toFixed(1)}/s, limit ${result.vaultSecretWriteLimitPerSecond}/s: ` +
      `${ratio(result.mintsPerSecond, result.vaultSecretWriteLimitPerSecond)}× the limit`,
  );
  console.log(
    `  busiest 10 s    ${result.maxSecretWritesPer10s} secret writes (limit ${result.vaultSecretWriteLimitPer10s}); ` +
      `${result.vault429s} × 429`,
  );
  console.log(
    `  reveal          p50 ${result.revealP50Ms.toFixed(1)} ms, p99 ${result.revealP99Ms.toFixed(1)} ms; floor p50 ` +
      `${result.revealFloorP50Ms.toFixed(1)} ms: ${ratio(result.revealP50Ms, result.revealFloorP50Ms)}× the floor`,
  );
}

/**
 * Reveals each sampled enrollment through the pages with a code from the outbox, one at a time, and just before each
 * reveal measures its floor: the enrollment's table point read and the vault GET of its password, through the same
 * adapters the app uses. Only the reveal POST and the floor are timed. Each reveal waits until the one before it has
 * settled (its orchestration completed, which it does on the PasswordRevealed that the reveal raises after its
 * answer), so that neither is measured against the work an earlier reveal set off.
 */
async function revealAndFloor(sample: readonly Person[]): Promise<{ latencies: number[]; floors: number[] }> {
  const settings = runtime.settings;
  const tables = createTableClientFactory(
    { connectionString: settings['APP_TABLES'] ?? '' },
    { tablePrefix: settings['APP_TABLE_PREFIX'] },
  );
  const enrollments = createTableEnrollmentStore(tables);
  const vault = createKeyVaultVault({
    vaultUrl: runtime.vault.url,
    credential: createLocalEmulatorCredential(),
    localEmulator: true,
  });
  const floor = async (person: Person) => {
    const record = await enrollments.get(person.id);
    if (record?.appPassword === undefined) throw new Error(`no app password recorded for ${person.index}`);
    await vault.readAppPassword(record.appPassword);
  };
  // Untimed: the clients' first calls create the table and answer the vault's challenge, once per process.
  if (sample[0] !== undefined) await floor(sample[0]);
  const form = { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' };
  const latencies: number[] = [];
  const floors: number[] = [];
  for (const person of sample) {
    const link = await until(`the ready link of ${person.index}`, () =>
      Promise.resolve(
        runtime.mail
          .messages()
          .filter((message) => message.to.includes(person.invite))
          .flatMap((message) => message.links)
          .find((candidate) => candidate.includes('/r/')),
      ),
    );
    const path = new URL(link).pathname;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await fetch(`${runtime.url}${path}`)).text())?.[1] ?? '';
    await fetch(`${runtime.url}${path}/code`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ csrf }).toString(),
      redirect: 'manual',
    });
    const code = await until(`code ${person.index}`, () =>
      Promise.resolve(
        /(?<!\d)(\d{6})(?!\d)/.exec(
          runtime.mail
            .messages()
            .filter((message) => message.to.includes(person.contact))
            .at(-1)?.text ?? '',
        )?.[1],
      ),
    );

    const floorBegan = performance.now();
    await floor(person);
    floors.push(performance.now() - floorBegan);

    const revealBegan = performance.now();
    const response = await fetch(`${runtime.url}${path}/reveal`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ csrf, code }).toString(),
    });
    const body = await response.text();
    latencies.push(performance.now() - revealBegan);
    if (response.status !== 200 || !body.includes('id="app-password"')) {
      throw new Error(`reveal ${person.index}: ${response.status}`);
    }
    await until(
      `the reveal of ${person.index} settled`,
      async () => ((await runtime.taskHub.status(person.id))?.runtimeStatus === 'Completed' ? true : undefined),
      60_000,
      10,
    );
  }
  latencies.sort((a, b) => a - b);
  floors.sort((a, b) => a - b);
  return { latencies, floors };
}
