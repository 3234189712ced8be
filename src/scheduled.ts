import { openDb } from './core/db';
import { purgeRetained } from './core/retention';
import type { Bindings } from './env';

/** The Cron Trigger (wrangler.toml [triggers]): retention, in bounded batches per run. */
export async function scheduled(_controller: ScheduledController, env: Bindings): Promise<void> {
  const retentionDays = Number(env.RETENTION_DAYS);
  const report = await purgeRetained(openDb(env.DB), { retentionDays: Number.isFinite(retentionDays) && retentionDays >= 0 ? retentionDays : 30 });
  console.log(JSON.stringify({ event: 'retention', ...report }));
}
