import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault-injection soak takes minutes: `npm run test:soak` runs it with test/soak/vitest.config.ts.
    exclude: [...configDefaults.exclude, 'test/soak/**'],
    globalSetup: ['test/helpers/globalSetup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
