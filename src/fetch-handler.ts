import { dialectOf, type DialectName } from './api/mounts';
import type { App } from './app';
import type { Bindings } from './env';

/**
 * The Worker's fetch: a request goes to an app holding only its own dialect (built once per
 * isolate); anything outside the dialects (/openapi.json, unknown paths) to the whole app.
 */
export function lazyFetch(): ExportedHandlerFetchHandler<Bindings> {
  const apps = new Map<DialectName | 'all', Promise<App>>();
  const appFor = (key: DialectName | 'all') => {
    let app = apps.get(key);
    if (!app) {
      app = import('./app').then(({ buildApp }) => buildApp(key === 'all' ? undefined : [key]));
      // A failed build (it should not) is retried by the next request rather than kept.
      app.catch(() => apps.delete(key));
      apps.set(key, app);
    }
    return app;
  };
  return async (request, env, ctx) => {
    const app = await appFor(dialectOf(new URL(request.url).pathname) ?? 'all');
    return app.fetch(request, env, ctx);
  };
}
