import type { Context } from 'hono';
import type { AppEnv } from '../env';

/**
 * LISTENER_COST_LOG=on: a listener (long poll, event stream, WebSocket) logs when it ends what it read
 * from D1 to open and while it waited, and how long it was held: `npm run bench` turns these into the
 * cost of an idle hour. Off by default: one line per long poll adds up in Workers Logs. Call when the
 * listener's response is made: its opening cost is what the request read so far, or until `opened` (a
 * stream's first read, which a connection pays once however long it is held); call `ended` when it ends.
 */
export function listenerCost(c: Context<AppEnv>): { opened(): void; ended(): void } {
  if (c.env.LISTENER_COST_LOG !== 'on') return { opened() {}, ended() {} };
  const meter = c.get('meter');
  let opened = { ...meter.cost };
  const startedAt = Date.now();
  return {
    opened: () => void (opened = { ...meter.cost }),
    ended: () =>
      console.log(
        JSON.stringify({
          event: 'listener_cost',
          requestId: c.get('requestId'),
          listener_id: c.req.query('listener_id') ?? null,
          held_ms: Date.now() - startedAt,
          open: { statements: opened.queries, rows_read: opened.rowsRead },
          waiting: { statements: meter.cost.queries - opened.queries, rows_read: meter.cost.rowsRead - opened.rowsRead },
        }),
      ),
  };
}
