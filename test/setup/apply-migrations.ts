import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Setup files run outside per-file storage isolation; applyD1Migrations skips what is applied. Every
// database of the sharded test deployment has the same schema (migrations apply to all of them).
for (const db of [env.DB, env.EXTRA_DB_2, env.EXTRA_DB_3, env.TWIN_DB]) await applyD1Migrations(db, env.TEST_MIGRATIONS);
