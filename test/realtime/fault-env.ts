import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/index';
import type { Fetcher } from '../api/client/stream-helpers';

// Environments of the Worker's own, for tests that put a proxy between the Worker and a binding: to
// count the D1 statements that listeners make, to fail a wake-up or a read, or to reset an object at a
// chosen moment. Requests sent through `fetcherFor(e)` see `e`; the objects keep the pool's environment.

/** A fetcher that sends requests to the Worker with this environment. */
export function fetcherFor(e: Env): Fetcher {
  return async (path, init = {}) => worker.fetch(new Request(`http://inbox.test${path}`, init) as Parameters<typeof worker.fetch>[0], e, createExecutionContext());
}

/** What a D1 proxy has seen, and the failures it is told to inject. */
export interface D1Probe {
  /** Statements that completed. */
  statements: number;
  /** The next this many statements fail (as D1 does when it is overloaded). */
  failNext: number;
  failed: number;
  /** When given: the number of statements of each batch that completed, in order. */
  batches?: number[];
}

const STATEMENT_CALLS = new Set(['all', 'run', 'first', 'raw']);

/** The pool's D1, counting completed statements and failing the next `failNext` of them. */
export function probedD1(probe: D1Probe, real: D1Database = env.DB): D1Database {
  const inner = new WeakMap<object, D1PreparedStatement>();
  const attempt = async <T>(count: number, run: () => Promise<T>): Promise<T> => {
    if (probe.failNext > 0) {
      probe.failNext--;
      probe.failed++;
      throw new Error('D1_ERROR: injected failure: overloaded');
    }
    const result = await run();
    probe.statements += count;
    return result;
  };
  const statement = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (key === 'bind') return (...args: unknown[]) => statement(target.bind(...args));
        if (typeof key === 'string' && STATEMENT_CALLS.has(key)) {
          return (...args: unknown[]) => attempt(1, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    inner.set(proxy, stmt);
    return proxy;
  };
  const database = <D extends D1Database | D1DatabaseSession>(db: D): D =>
    new Proxy(db, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (key === 'prepare') return (query: string) => statement(target.prepare(query));
        if (key === 'batch') {
          return (statements: D1PreparedStatement[]) =>
            attempt(statements.length, () => target.batch(statements.map((s) => inner.get(s) ?? s))).then((result) => {
              probe.batches?.push(statements.length);
              return result;
            });
        }
        if (key === 'withSession') return (constraint?: string) => database((target as D1Database).withSession(constraint));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return database(real);
}

/** A namespace whose stubs run `replace[method]` instead of that method (given the real stub). */
export function namespaceWith<N extends object>(
  namespace: N,
  replace: Record<string, (stub: DurableObjectStub, ...args: unknown[]) => Promise<unknown>>,
): N {
  const plain = namespace as unknown as DurableObjectNamespace;
  return new Proxy(plain, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (key !== 'getByName') return typeof value === 'function' ? value.bind(target) : value;
      return (name: string) => {
        const stub = target.getByName(name);
        return new Proxy(stub, {
          get(real, method) {
            const own = typeof method === 'string' ? replace[method] : undefined;
            if (own) return (...args: unknown[]) => own(real, ...args);
            const member = Reflect.get(real, method) as unknown;
            return typeof member === 'function' ? member.bind(real) : member;
          },
        });
      };
    },
  }) as unknown as N;
}
