import type { Db } from './core/db';
import type { Principal, UserPrincipal } from './core/principal';
import type { D1Meter } from './http/d1-meter';
import type { Stores } from './core/stores';
import type { RequestSessions } from './http/d1-session';

/**
 * Worker bindings and variables: the `Env` that `npm run types` (wrangler types) generates from
 * wrangler.toml into worker-configuration.d.ts; CI checks that it is up to date.
 */
export type Bindings = Env;

/** Set once per request by middleware in src/http. */
export interface Variables {
  /** The control database (projects, keys); a user's inbox is `inboxOf(stores, …)`. */
  db: Db;
  /** Every database the request may use (core/stores.ts). */
  stores: Stores;
  /** The request's D1 sessions, one per database it opened (their bookmark, for the client and for wake-ups). */
  sessions: RequestSessions;
  requestId: string;
  /** What this request has cost in D1 so far. */
  meter: D1Meter;
  user: UserPrincipal;
  principal: Principal;
  /** The rate limit's verdict, for a read to ask before it reads more than its tag (http/rate-limit.ts). */
  admit?: () => Promise<void>;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
