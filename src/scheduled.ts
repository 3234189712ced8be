import { completeCopies } from './core/copies';
import { openDb } from './core/db';
import { isSharded } from './core/stores';
import { purgeRetained } from './core/retention';
import type { Bindings } from './env';
import { databaseBinding, declaredDatabases, requestStores } from './http/databases';
import { durableObjectPublisher } from './realtime/publisher';

/**
 * The Cron Trigger (wrangler.toml [triggers]): copies that a create could not finish (core/copies.ts), then
 * retention in every declared database, in bounded batches per run.
 */
export async function scheduled(_controller: ScheduledController, env: Bindings): Promise<void> {
  const stores = await requestStores(env, (binding, d1) => openDb(d1, undefined, binding));
  if (isSharded(stores)) {
    // Older than a minute: younger ones are their request's to finish.
    const copies = await completeCopies(stores, { olderThan: 60_000, publisher: durableObjectPublisher(env) });
    if (copies.completed > 0 || copies.pending > 0) console.log(JSON.stringify({ event: 'copies', ...copies }));
  }
  const retentionDays = Number(env.RETENTION_DAYS);
  for (const binding of declaredDatabases(env)) {
    const report = await purgeRetained(openDb(databaseBinding(env, binding)), { retentionDays: Number.isFinite(retentionDays) && retentionDays >= 0 ? retentionDays : 30 });
    console.log(JSON.stringify({ event: 'retention', database: binding, ...report }));
  }
}
