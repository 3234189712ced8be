import { lazyFetch } from './fetch-handler';
import type { Bindings } from './env';

export { PlayerListeners } from './realtime/player-listeners';
export { ProjectListenerShard } from './realtime/project-listeners';

export default {
  fetch: lazyFetch(),
  // Loaded when the cron fires: an isolate that only answers requests never needs it.
  scheduled: (controller, env, ctx) => ctx.waitUntil(import('./scheduled').then(({ scheduled }) => scheduled(controller, env))),
  // Web Push deliveries (wrangler.toml [[queues.consumers]]), loaded by the isolates that take them.
  queue: async (batch, env) => (await import('./push/consume')).consumePushQueue(batch as MessageBatch<never>, env),
} satisfies ExportedHandler<Bindings>;
