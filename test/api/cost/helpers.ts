import { env } from 'cloudflare:workers';
import { expect } from 'vitest';

/** The D1 cost a response reports in Server-Timing (`d1;desc="q=… rr=… rw=…"`). */
export function d1Cost(res: Response): { queries: number; rowsRead: number; rowsWritten: number } {
  const header = res.headers.get('server-timing') ?? '';
  const match = header.match(/d1;desc="q=(\d+) rr=(\d+) rw=(\d+)"/);
  expect(match, `Server-Timing: ${header}`).not.toBeNull();
  return { queries: Number(match![1]), rowsRead: Number(match![2]), rowsWritten: Number(match![3]) };
}

/** Stores `count` notifications for one audience straight into D1 (1000 per statement), oldest first. */
export async function seed(project: string, audience: string, count: number, extra: { expiresAt?: number } = {}) {
  for (let done = 0; done < count; done += 1000) {
    const n = Math.min(1000, count - done);
    await env.DB.prepare(
      `INSERT INTO notifications (id, project_id, audience, title, body, priority, custom_data, created_at, expires_at)
       SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
         ?1, ?2, 'seeded', 'b', 'normal', '{}', ?3, ?4
       FROM json_each(?5)`,
    )
      .bind(project, audience, Date.now(), extra.expiresAt ?? null, JSON.stringify(Array.from({ length: n }, () => 0)))
      .run();
  }
}
