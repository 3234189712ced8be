import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/** A throwaway ES256 key pair: the Worker trusts its public half (JWT_JWKS), tests sign with the private half. */
async function testSigningKey() {
  const { publicKey, privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const pub = await crypto.subtle.exportKey('jwk', publicKey);
  return {
    JWT_JWKS: JSON.stringify({ keys: [{ ...pub, kid: 'test-es256', alg: 'ES256', use: 'sig' }] }),
    TEST_PRIVATE_JWK: JSON.stringify(await crypto.subtle.exportKey('jwk', privateKey)),
  };
}

/** A throwaway VAPID key pair (RFC 8292), as `npm start` writes one: the public point and the private scalar, base64url. */
async function testVapidKeys() {
  const { privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return { VAPID_PUBLIC_KEY: point.toString('base64url'), VAPID_PRIVATE_KEY: jwk.d! };
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          // Windows of 10 s so a test can see the 429 and the recovery; limits high enough that the
          // other tests (many requests by one user or the admin key) stay under them.
          ratelimits: {
            POLL_LIMITER: { namespace_id: '1001', simple: { limit: 300, period: 10 } },
            WRITE_LIMITER: { namespace_id: '1002', simple: { limit: 200, period: 10 } },
            STREAM_LIMITER: { namespace_id: '1003', simple: { limit: 100, period: 10 } },
          },
          // An empty database that a test migrates step by step (test/migrations), one that stands in
          // for a lagging read replica (test/core/read-replica.test.ts), and two more databases of a sharded
          // deployment: the sharding tests (test/sharding) run the Worker with them bound as DB_2 and DB_3
          // (test/sharding/sharded-env.ts); everything else sees DB alone, as a one-database deployment does.
          // TWIN_DB: a one-database deployment of its own beside the sharded one, for the move under load to
          // compare with (test/sharding/add-database.test.ts).
          d1Databases: ['MIGRATION_DB', 'REPLICA_DB', 'EXTRA_DB_2', 'EXTRA_DB_3', 'TWIN_DB'],
          bindings: {
            TEST_MIGRATIONS: migrations,
            ...(await testSigningKey()),
            ...(await testVapidKeys()),
            ADMIN_API_KEY: 'test-admin-key',
            JWT_SECRET: 'test-jwt-secret-that-is-long-enough-for-hs256',
            // Small enough that a test can reach it (production default: 10000, in wrangler.toml).
            MAX_LISTENERS_PER_PROJECT: '6',
            RATE_LIMIT_PERIOD_SECONDS: '10',
            // Small enough that a test can go past it (deployed: 300, in wrangler.toml).
            FREE_REVALIDATIONS: '40',
            CORS_ORIGINS: 'https://app.example, https://admin.example',
            // No hang-up probe (HANGUP_PROBE_SECONDS stays 0, as deployed): here, as deployed, a client
            // that hangs up aborts request.signal at once, and the tests show the slot coming back.
            // A heartbeat reads nothing; LISTENER_RECHECK_SECONDS stays at its 60 s default, so that a delivery
            // within a few seconds is the wake-up's doing, not the safety re-read's (expectDeliveryByWakeUp).
            STREAM_HEARTBEAT_SECONDS: '5',
          },
        },
      }),
    ],
    // The Worker's zod, as wrangler.toml's [alias] bundles it (src/vendor/zod-external.js).
    resolve: { alias: [{ find: /^zod$/, replacement: path.join(import.meta.dirname, 'src/vendor/zod.js') }] },
    test: {
      setupFiles: ['./test/setup/apply-migrations.ts'],
      testTimeout: 20_000,
    },
  };
});
