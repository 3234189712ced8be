import { OpenAPIHono } from '@hono/zod-openapi';
import { audienceApi } from './api/audience/routes';
import { clientApi, CLIENT_BASE } from './api/client';
import { BASE as PLAYER_BASE } from './api/player/dialect';
import { playerApi } from './api/player/routes';
import { producerApi } from './api/producer/routes';
import { projectApi } from './api/project/routes';
import type { AppEnv } from './env';
import { corsPolicy } from './http/cors';
import { internalError } from './http/errors';
import { requestContext } from './http/request-context';

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestContext, corsPolicy);

  app.route(CLIENT_BASE, clientApi());
  app.route(PLAYER_BASE, playerApi());
  app.route('/api/v1/project', projectApi());
  app.route('/api', audienceApi());
  app.route('/v1', producerApi());

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'token', { type: 'apiKey', in: 'header', name: 'Authorization' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'accessToken', { type: 'apiKey', in: 'query', name: 'access_token' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Edge notification inbox', version: '0.1.0' },
  });

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => internalError(c, error));
  return app;
}
