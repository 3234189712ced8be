import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createNotifications, SEQUENCE_TICKS_PER_MS } from '../../src/core/create';
import { openDb } from '../../src/core/db';

// Sequences are a hybrid clock (core/create.ts INSERT_FROM_JSON): at least creation time × 1024 + the row's place in
// its create, and always above every sequence the database handed out, so streams never see one go back.

const db = openDb(env.DB);
const user = (id: string) => ({ audience: { kind: 'user' as const, id }, title: id });

describe('notification sequences', () => {
  it('follow creation time, in the order of a create’s recipients', async () => {
    const before = Date.now();
    const { created } = await createNotifications(db, 'seq-time', [user('a'), user('b'), user('c')]);
    const seqs = created.map((n) => n.seq);
    expect(seqs[0]).toBeGreaterThanOrEqual(before * SEQUENCE_TICKS_PER_MS);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(3);
  });

  it('never go back, even when the database already holds a later one (a clock behind)', async () => {
    const ahead = (Date.now() + 3_600_000) * SEQUENCE_TICKS_PER_MS;
    await env.DB.prepare(
      "INSERT INTO notifications (seq, id, project_id, audience, title, body, priority, custom_data, created_at) VALUES (?1, 'from-the-future', 'seq-ahead', 'u:x', 't', '', 'normal', '{}', 0)",
    )
      .bind(ahead)
      .run();
    const { created } = await createNotifications(db, 'seq-ahead', [user('a'), user('b')]);
    expect(created.map((n) => n.seq)).toEqual([ahead + 1, ahead + 2]);
    expect(Number.isSafeInteger(ahead + 2)).toBe(true);
  });
});
