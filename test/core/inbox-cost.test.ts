import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/core/db';
import { listInbox } from '../../src/core/inbox';
import type { UserPrincipal } from '../../src/core/principal';

// D1 bills rows read; a page must not read more because the inbox (or the project) is bigger.

const PROJECT = 'cost';
const heavy: UserPrincipal = { kind: 'user', projectId: PROJECT, userId: 'heavy', orgs: ['o1', 'o2'], permissions: null };

/** The D1 binding, recording the rows each statement of a batch read. */
function metered() {
  const reads: number[][] = [];
  const d1 = {
    prepare: (query: string) => env.DB.prepare(query),
    batch: async (statements: D1PreparedStatement[]) => {
      const results = await env.DB.batch(statements);
      reads.push(results.map((r) => r.meta.rows_read));
      return results;
    },
  } as unknown as D1Database;
  return { db: openDb(d1), reads };
}

async function seed(audience: string, count: number) {
  const rows = Array.from({ length: count }, (_, i) => ({ id: crypto.randomUUID(), a: audience, t: i }));
  for (let i = 0; i < rows.length; i += 1000) {
    await env.DB.prepare(
      `INSERT INTO notifications (id, project_id, audience, title, body, priority, custom_data, created_at)
       SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.a'), 't', 'b', 'normal', '{}', json_extract(value, '$.t')
       FROM json_each(?2)`,
    )
      .bind(PROJECT, JSON.stringify(rows.slice(i, i + 1000)))
      .run();
  }
}

describe('inbox page cost', () => {
  beforeAll(async () => {
    // Interleaved, so every audience has rows all along the sequence.
    for (let round = 0; round < 5; round++) {
      await seed('u:heavy', 2000);
      await seed('*', 200);
      await seed('o:o1', 100);
      await seed('u:someone-else', 2000);
    }
  }, 60_000);

  it('reads about one page of rows, first page or deep, whatever the inbox size', async () => {
    const { db, reads } = metered();
    const first = await listInbox(db, heavy, { order: 'newest', limit: 50 });
    expect(first.items).toHaveLength(50);
    const middle = first.items.at(-1)!.seq - 6000;
    const deep = await listInbox(db, heavy, { order: 'newest', limit: 50, before: middle });
    expect(deep.items).toHaveLength(50);
    const oldest = await listInbox(db, heavy, { order: 'oldest', limit: 10, after: 1000 });
    expect(oldest.items).toHaveLength(10);
    const [firstPage, deepPage, oldestPage] = reads.map((r) => r[0]!);
    // The page statement: page + 1 rows plus at most one look-ahead row per audience (4 here).
    expect(firstPage).toBeLessThanOrEqual(50 + 1 + 4);
    expect(deepPage).toBeLessThanOrEqual(50 + 1 + 4);
    expect(oldestPage).toBeLessThanOrEqual(10 + 1 + 4);
    // A page is one statement: totals and ETag lifetimes come from the counters (test/api/cost).
    expect(reads.map((r) => r.length)).toEqual([1, 1, 1]);
  });
});
