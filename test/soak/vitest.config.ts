import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:soak`: the fault-injection soak (test/soak), which takes minutes and so stays out of `npm test`
 * (the default config excludes test/soak). Its global setup only builds: the soak starts its own Azurite.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    include: ['test/soak/**/*.test.ts'],
    globalSetup: ['test/soak/globalSetup.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 60_000,
  },
});
