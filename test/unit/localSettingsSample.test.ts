import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../core/config.js';

describe('local.settings.sample.json', () => {
  it('lists every setting the app reads, and the values load as a valid configuration', async () => {
    const sample = JSON.parse(await readFile(new URL('../../local.settings.sample.json', import.meta.url), 'utf8')) as {
      Values: Record<string, string>;
    };
    for (const key of Object.keys(configSchema.shape)) {
      expect(sample.Values, `missing ${key}`).toHaveProperty(key);
    }
    expect(() => loadConfig(sample.Values)).not.toThrow();
  });
});
