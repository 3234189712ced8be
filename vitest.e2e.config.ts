import { defineConfig } from 'vitest/config';

// The browser tests (test/e2e): in Node, against `wrangler dev` as `npm start` runs it, driving Debian's
// Chromium through playwright-core. `npm test` runs them after the Workers-runtime suite.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/setup/servers.ts'],
    // One Worker and one browser for all files: they share the machine's two cores with nothing else.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
