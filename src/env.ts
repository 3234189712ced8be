import type { Db } from './core/db';
import type { Principal, UserPrincipal } from './core/principal';

/** Worker bindings and variables (wrangler.toml, `.dev.vars` locally, `wrangler secret put` when deployed). */
export interface Bindings {
  DB: D1Database;
  ADMIN_API_KEY?: string;
  JWT_SECRET?: string;
  JWT_JWKS?: string;
  JWT_JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
}

/** Set once per request by middleware in src/http. */
export interface Variables {
  db: Db;
  requestId: string;
  user: UserPrincipal;
  principal: Principal;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
