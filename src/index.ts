import { buildApp } from './app';
import type { Bindings } from './env';
import { scheduled } from './scheduled';

export { PlayerListeners } from './realtime/player-listeners';
export { ProjectListenerShard } from './realtime/project-listeners';

const app = buildApp();

export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => ctx.waitUntil(scheduled(controller, env)),
} satisfies ExportedHandler<Bindings>;
