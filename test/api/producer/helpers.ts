import { env } from 'cloudflare:workers';
import { ADMIN, postJson } from '../../helpers';

export const create = (project: string, body: unknown, headers: Record<string, string> = ADMIN) =>
  postJson(`/v1/projects/${project}/notifications`, body, headers);

/** How many notifications the project stores. */
export async function countIn(project: string) {
  const row = await env.DB.prepare('SELECT count(*) AS n FROM notifications WHERE project_id = ?').bind(project).first<{ n: number }>();
  return row!.n;
}
