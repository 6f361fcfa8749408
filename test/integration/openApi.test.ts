import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

interface Document {
  servers: { url: string }[];
  paths: Record<string, Record<string, unknown>>;
}

const committed = async () =>
  JSON.parse(await readFile(fileURLToPath(new URL('../../docs/openapi.json', import.meta.url)), 'utf8')) as Document;

describe('GET /api/openapi.json through the local runtime', () => {
  it('answers the committed document without a key, with this deployment as the server', async () => {
    const response = await runtime.api('/api/openapi.json', { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const served = (await response.json()) as Document;
    expect(served.servers).toEqual([{ url: runtime.settings['PUBLIC_BASE_URL'] }]);
    expect({ ...served, servers: [] }).toEqual({ ...(await committed()), servers: [] });
  });

  it('documents exactly the HTTP functions the app registers under /api, with their methods', async () => {
    const registered = runtime.registry
      .all()
      .filter((registration) => registration.triggerType === 'httpTrigger')
      .flatMap((registration) => {
        const trigger = Object.values(registration.metadata.bindings).find((binding) => binding.type === 'httpTrigger');
        const route = String(trigger?.['route']);
        const methods = (trigger?.['methods'] as string[] | undefined) ?? [];
        return route.startsWith('api/') ? methods.map((method) => `${method.toLowerCase()} /${route}`) : [];
      });
    const documented = Object.entries((await committed()).paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(registered.sort());
  });
});
