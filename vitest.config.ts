import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_API_KEY: 'test-admin-key',
            JWT_SECRET: 'test-jwt-secret-that-is-long-enough-for-hs256',
            // Small enough that a test can reach it (production default: 10000, in wrangler.toml).
            MAX_LISTENERS_PER_PROJECT: '6',
            // Hang-ups are noticed at the next heartbeat: keep the tests quick.
            LISTENER_HEARTBEAT_SECONDS: '1',
          },
        },
      }),
    ],
    test: {
      setupFiles: ['./test/setup/apply-migrations.ts'],
      testTimeout: 20_000,
    },
  };
});
