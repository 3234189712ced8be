import { expect } from 'vitest';
import { asUser, call, freshProject } from '../../helpers';

export const PLAYER = '/notification/v1/player';

export interface Page {
  notifications: { message: string; notification_id: string; created: string; rh_url?: string; custom_data: Record<string, string>; etag?: string }[];
  cursor: string;
}

/** A fresh project and a player in it, with a token that may read itself and write to players. */
export async function player(permissions?: string[]) {
  const { id: project } = await freshProject();
  const id = crypto.randomUUID();
  const headers = await asUser({ sub: id, project, ...(permissions && { permissions }) });
  return { project, id, headers };
}

/** Creates one notification for a player through the player API itself (a game server's token). */
export async function createFor(project: string, playerId: string, message: string, extra: Record<string, unknown> = {}) {
  const server = await asUser({ sub: 'game-server', project, permissions: ['notification:player:write'] });
  const res = await call(`${PLAYER}/${playerId}/notification`, {
    method: 'POST',
    headers: { ...server, 'content-type': 'application/json' },
    body: JSON.stringify({ notifications: [{ message, ...extra }] }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { notification_id: string }).notification_id;
}

export async function json<T = Page>(res: Response): Promise<T> {
  return JSON.parse(await res.text()) as T;
}
