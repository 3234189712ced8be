import { lazyFetch } from './fetch-handler';
import type { Bindings } from './env';

export { PlayerListeners } from './realtime/player-listeners';
export { ProjectListenerShard } from './realtime/project-listeners';

export default {
  fetch: lazyFetch(),
  // Loaded when the cron fires: an isolate that only answers requests never needs it.
  scheduled: (controller, env, ctx) => ctx.waitUntil(import('./scheduled').then(({ scheduled }) => scheduled(controller, env))),
} satisfies ExportedHandler<Bindings>;
