import type { DialectName } from './mounts';

/**
 * The /openapi.json tag of each dialect: every operation names its dialect's tag (createRoute's
 * `tags`), and src/api/openapi-document.ts describes each one.
 */
export const TAGS = {
  client: 'Client API',
  push: 'Web Push',
  player: 'Player API',
  audience: 'Notifications API (system/user/organisation)',
  project: 'Project API',
  producer: 'Producer API',
} as const satisfies Record<DialectName, string>;
