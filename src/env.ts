import type { Db } from './core/db';
import type { Principal, UserPrincipal } from './core/principal';
import type { Publisher } from './core/realtime';
import type { PlayerListeners } from './realtime/player-listeners';
import type { ProjectListenerShard } from './realtime/project-listeners';

/** Worker bindings and variables (wrangler.toml, `.dev.vars` locally, `wrangler secret put` when deployed). */
export interface Bindings {
  DB: D1Database;
  ADMIN_API_KEY?: string;
  JWT_SECRET?: string;
  JWT_JWKS?: string;
  JWT_JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  PLAYER_LISTENERS: DurableObjectNamespace<PlayerListeners>;
  PROJECT_LISTENERS: DurableObjectNamespace<ProjectListenerShard>;
  MAX_LISTENERS_PER_PLAYER?: string;
  MAX_LISTENERS_PER_PROJECT?: string;
  LISTENER_HEARTBEAT_SECONDS?: string;
  STREAM_HEARTBEAT_SECONDS?: string;
  POLL_LIMITER?: RateLimit;
  WRITE_LIMITER?: RateLimit;
  STREAM_LIMITER?: RateLimit;
  RATE_LIMIT_PERIOD_SECONDS?: string;
  CORS_ORIGINS?: string;
  RETENTION_DAYS?: string;
}

/** Set once per request by middleware in src/http. */
export interface Variables {
  db: Db;
  requestId: string;
  user: UserPrincipal;
  principal: Principal;
  publisher: Publisher;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
