import { dialectOf, type DialectName } from './api/mounts';
import type { App } from './app';
import { isDemoPath } from './demo/paths';
import type { Bindings } from './env';

/**
 * The Worker's fetch: a request goes to an app holding only its own dialect (built once per
 * isolate); the demo's paths to the demo (src/demo, loaded only there); anything else (/openapi.json,
 * unknown paths) to the whole app.
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
  const fetchWith = async (key: DialectName | 'all', request: Request, env: Bindings, ctx: ExecutionContext) =>
    (await appFor(key)).fetch(request, env, ctx);
  return async (request, env, ctx) => {
    const path = pathOf(request.url);
    if (isDemoPath(path)) {
      const { demoFetch } = await import('./demo');
      return demoFetch(
        request,
        env,
        (r) => fetchWith('all', r, env, ctx),
        (r) => fetchWith('producer', r, env, ctx),
      );
    }
    return fetchWith(dialectOf(path) ?? 'all', request, env, ctx);
  };
}

/** The path of an absolute URL, without parsing all of it (every request pays for this). */
export function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}
