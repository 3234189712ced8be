import type { Hono, MiddlewareHandler } from 'hono';
import { DomainError } from '../core/errors';
import type { AppEnv } from '../env';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/** The dialect's paths and their methods, read once from its routes (all registered by the first request). */
function knownPaths(app: Hono<AppEnv>, base: string): KnownPath[] {
  const byPath = new Map<string, Set<string>>();
  for (const { method, path } of app.routes) {
    if (method === 'ALL') continue; // middleware
    const methods = byPath.get(path) ?? new Set<string>();
    methods.add(method.toUpperCase());
    if (method.toUpperCase() === 'GET') methods.add('HEAD');
    byPath.set(path, methods);
  }
  return [...byPath].map(([path, methods]) => {
    const full = `${base}${path === '/' ? '' : path}`;
    const source = full.split(/(:[A-Za-z_]+)/).map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    return { pattern: new RegExp(`^${source.join('')}$`), methods };
  });
}

/**
 * A known path asked with a method it does not have: 405 with `Allow`, in the dialect's error
 * shape, before authentication (the answer does not depend on who asks). Other paths go on.
 */
export function methodNotAllowed(app: Hono<AppEnv>, base: string): MiddlewareHandler<AppEnv> {
  let paths: KnownPath[] | undefined;
  return async (c, next) => {
    paths ??= knownPaths(app, base);
    const method = c.req.method.toUpperCase();
    const matching = paths.filter(({ pattern }) => pattern.test(c.req.path));
    if (matching.length === 0 || method === 'OPTIONS' || matching.some(({ methods }) => methods.has(method))) return next();
    const allow = [...new Set(matching.flatMap(({ methods }) => [...methods]))].sort();
    throw new DomainError('method_not_allowed', `${method} is not allowed on ${c.req.path}; allowed: ${allow.join(', ')}`, { allow });
  };
}
