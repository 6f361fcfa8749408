import { mkdir, writeFile } from 'node:fs/promises';
import { percentile, pool, root, startBenchRuntime, until } from './support.js';

/**
 * Load: 500 enrollments started concurrently through the HR API, brought to `ready` with the HR events API, then each
 * revealed through the employee pages with a code from the dev outbox. Reports the HR start throughput and the reveal
 * endpoint's throughput and latency percentiles. A measurement for the notes, not a test: nothing here asserts time.
 */

const total = Number(process.env['LOAD_ENROLLMENTS'] ?? 500);
const concurrency = Number(process.env['LOAD_CONCURRENCY'] ?? 25);
const functionKey = 'load-test-key';

const bench = await startBenchRuntime({ functionKey });
const { runtime } = bench;
const api = (path: string, init: { method?: string; body?: string } = {}) =>
  fetch(`${runtime.url}${path}`, {
    ...init,
    headers: { 'x-functions-key': functionKey, 'content-type': 'application/json' },
  });

try {
  const people = Array.from({ length: total }, (_, index) => ({ index, id: '', revealPath: '' }));
  const startedAt = performance.now();
  await Promise.all(
    people.map(async (person) => {
      const response = await api('/api/enrollments', {
        method: 'POST',
        body: JSON.stringify({
          employeeId: `L${person.index}`,
          userPrincipalName: `load${person.index}@contoso.dk`,
          displayName: `Load ${person.index}`,
          inviteEmail: `load${person.index}@example.com`,
          contact: { email: `load${person.index}.contact@example.com` },
          locale: 'en',
        }),
      });
      if (response.status !== 202) throw new Error(`start ${person.index}: ${response.status}`);
      person.id = ((await response.json()) as { id: string }).id;
    }),
  );
  const startSeconds = (performance.now() - startedAt) / 1000;

  const progressedAt = performance.now();
  await pool(people, concurrency, async (person) => {
    runtime.directory.setMfaRegistered(`load${person.index}@contoso.dk`, true);
    await api(`/api/enrollments/${person.id}/events/mfa-registered`, { method: 'POST' });
    await api(`/api/enrollments/${person.id}/events/contact-verified`, { method: 'POST' });
  });
  await pool(people, concurrency, async (person) => {
    person.revealPath = await until(`ready ${person.index}`, async () => {
      const status = (await (await api(`/api/enrollments/${person.id}`)).json()) as { stage: string };
      if (status.stage !== 'ready') return undefined;
      const outbox = (await (
        await fetch(`${runtime.url}/_dev/api/outbox?to=${encodeURIComponent(`load${person.index}@example.com`)}`)
      ).json()) as { messages: { links: string[] }[] };
      const link = outbox.messages.flatMap((message) => message.links).find((l) => l.includes('/r/'));
      return link === undefined ? undefined : new URL(link).pathname;
    });
  });
  const readySeconds = (performance.now() - progressedAt) / 1000;

  // Prepare each reveal (page + code), then time only the reveal POSTs.
  const prepared = new Map<number, { csrf: string; code: string }>();
  await pool(people, concurrency, async (person) => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' };
    const page = await (await fetch(`${runtime.url}${person.revealPath}`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    await fetch(`${runtime.url}${person.revealPath}/code`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ csrf }).toString(),
      redirect: 'manual',
    });
    const code = await until(`code ${person.index}`, async () => {
      const outbox = (await (
        await fetch(
          `${runtime.url}/_dev/api/outbox?to=${encodeURIComponent(`load${person.index}.contact@example.com`)}`,
        )
      ).json()) as { messages: { text: string }[] };
      return /(?<!\d)(\d{6})(?!\d)/.exec(outbox.messages.at(-1)?.text ?? '')?.[1];
    });
    prepared.set(person.index, { csrf, code });
  });

  const latencies: number[] = [];
  const revealStartedAt = performance.now();
  await pool(people, concurrency, async (person) => {
    const proof = prepared.get(person.index);
    if (proof === undefined) throw new Error('unprepared');
    const begin = performance.now();
    const response = await fetch(`${runtime.url}${person.revealPath}/reveal`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams(proof).toString(),
    });
    const body = await response.text();
    latencies.push(performance.now() - begin);
    if (response.status !== 200 || !body.includes('id="app-password"')) {
      throw new Error(`reveal ${person.index}: ${response.status}`);
    }
  });
  const revealSeconds = (performance.now() - revealStartedAt) / 1000;
  latencies.sort((a, b) => a - b);

  const result = {
    benchmark: 'load',
    enrollments: total,
    concurrency,
    startThroughputPerSecond: total / startSeconds,
    secondsToReady: readySeconds,
    reveal: {
      throughputPerSecond: total / revealSeconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? 0,
    },
    node: process.version,
    at: new Date().toISOString(),
  };
  await mkdir(`${root}bench/results`, { recursive: true });
  await writeFile(`${root}bench/results/load.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`load: ${total} enrollments, ${concurrency} concurrent clients`);
  console.log(`  HR starts       ${result.startThroughputPerSecond.toFixed(1)}/s (all ${total} at once)`);
  console.log(`  to ready        ${readySeconds.toFixed(1)} s`);
  console.log(
    `  reveals         ${result.reveal.throughputPerSecond.toFixed(1)}/s, p50 ${result.reveal.p50Ms.toFixed(1)} ms, p99 ${result.reveal.p99Ms.toFixed(1)} ms`,
  );
} finally {
  await bench.stop();
}
