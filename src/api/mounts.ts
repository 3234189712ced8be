/**
 * Where each API dialect lives, in the order a path is matched (`/api` last among the `/api` ones).
 * Kept apart from the dialects themselves so that choosing one loads none of the others
 * (src/app.ts builds each on its first request).
 */
export const MOUNTS = {
  client: '/api/v1/client/notifications',
  push: '/api/v1/client/push',
  player: '/notification/v1/player',
  project: '/api/v1/project',
  audience: '/api',
  producer: '/v1',
} as const;

export type DialectName = keyof typeof MOUNTS;

/** The dialect whose base `path` is under, if any. */
export function dialectOf(path: string): DialectName | undefined {
  for (const [name, base] of Object.entries(MOUNTS) as [DialectName, string][]) {
    if (path === base || path.startsWith(`${base}/`)) return name;
  }
  return undefined;
}
