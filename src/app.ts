import { OpenAPIHono } from '@hono/zod-openapi';
import { MOUNTS, type DialectName } from './api/mounts';
import type { AppEnv } from './env';
import { corsPolicy } from './http/cors';
import { internalError } from './http/errors';
import { requestContext } from './http/request-context';

export type App = OpenAPIHono<AppEnv>;

/**
 * Each dialect's routes, imported on demand: building a dialect's zod schemas is most of the
 * Worker's startup CPU, and an isolate that only ever serves game clients never needs the
 * producer's. The bundler keeps these modules in the one script but runs them on first import.
 */
const DIALECTS: Record<DialectName, () => Promise<App>> = {
  client: async () => (await import('./api/client')).clientApi(),
  push: async () => (await import('./api/push/routes')).pushApi(),
  player: async () => (await import('./api/player/routes')).playerApi(),
  project: async () => (await import('./api/project/routes')).projectApi(),
  audience: async () => (await import('./api/audience/routes')).audienceApi(),
  producer: async () => (await import('./api/producer/routes')).producerApi(),
};

/** An app with the shared middleware and the given dialects; with all of them it also serves /openapi.json. */
export async function buildApp(names: readonly DialectName[] = Object.keys(MOUNTS) as DialectName[]): Promise<App> {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestContext, corsPolicy);
  const dialects = await Promise.all(names.map((name) => DIALECTS[name]()));
  dialects.forEach((dialect, i) => app.route(MOUNTS[names[i]!], dialect));

  // /openapi.json: its texts and shared components are loaded only by the app that has every dialect.
  if (names.length === Object.keys(MOUNTS).length) (await import('./api/openapi-document')).serveOpenApi(app);

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => internalError(c, error));
  return app;
}
