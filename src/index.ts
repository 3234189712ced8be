import { encodeStreamEvent } from './api/client/stream-wire';
import { lazyFetch } from './fetch-handler';
import type { Bindings } from './env';
import { PlayerListenersBase } from './realtime/player-listeners';

export { ProjectListenerShard } from './realtime/project-listeners';

/** The player's object, whose WebSockets speak the client API's stream messages. */
export class PlayerListeners extends PlayerListenersBase {
  protected readonly encode = encodeStreamEvent;
}

export default {
  fetch: lazyFetch(),
  // Loaded when the cron fires: an isolate that only answers requests never needs it.
  scheduled: (controller, env, ctx) => ctx.waitUntil(import('./scheduled').then(({ scheduled }) => scheduled(controller, env))),
} satisfies ExportedHandler<Bindings>;
