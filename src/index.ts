import { encodeStreamEvent } from './api/client/stream-wire';
import { buildApp } from './app';
import type { Bindings } from './env';
import { PlayerListenersBase } from './realtime/player-listeners';
import { scheduled } from './scheduled';

export { ProjectListenerShard } from './realtime/project-listeners';

/** The player's object, whose WebSockets speak the client API's stream messages. */
export class PlayerListeners extends PlayerListenersBase {
  protected readonly encode = encodeStreamEvent;
}

const app = buildApp();

export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => ctx.waitUntil(scheduled(controller, env)),
} satisfies ExportedHandler<Bindings>;
