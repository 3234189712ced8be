import type { Context } from 'hono';
import { completeCopies } from '../core/copies';
import type { AppEnv } from '../env';
import { writeOptions } from './write-options';

/** After a create whose copies a database refused: two more tries at its own, while the Worker lives (the cron is the backstop). */
export async function completeSoon(c: Context<AppEnv>, ids: readonly string[]): Promise<void> {
  const { publisher } = writeOptions(c);
  for (const delayMs of [1000, 5000]) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      if ((await completeCopies(c.get('stores'), { ids, publisher })).pending === 0) return;
    } catch (error) {
      console.error(JSON.stringify({ event: 'copies_retry_failed', error: error instanceof Error ? error.message : 'unknown' }));
    }
  }
}
