import type { D1Migration } from 'cloudflare:test';

// What vitest.config.ts adds to the Worker's generated Env (worker-configuration.d.ts) for tests.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      TEST_PRIVATE_JWK: string;
      MIGRATION_DB: D1Database;
      REPLICA_DB: D1Database;
      /** The other two databases of the sharded test deployment (issue 26), bound as DB_2 and DB_3 there. */
      EXTRA_DB_2: D1Database;
      EXTRA_DB_3: D1Database;
      /** The database of a one-database deployment beside the sharded one (test/sharding/add-database.test.ts). */
      TWIN_DB: D1Database;
    }
  }
}
