// Listener leases in a Durable Object's own SQLite storage: they survive eviction (an in-memory count
// would reset while its listeners still hold slots) and expire on their own, so a listener that never
// released (its Worker died) stops counting at its deadline plus a grace period. A lease also names
// its holder (user and organisations), so that a notification to an organisation or to everyone can
// find the listeners to wake.

/** Who holds a lease: enough to find it from an audience. */
export interface Holder {
  userId: string;
  orgs: readonly string[];
}

/** A WebSocket's lease in its player's object: it lasts until the socket closes. */
export const UNTIL_CLOSED = Number.MAX_SAFE_INTEGER;

export class Leases {
  constructor(private readonly sql: SqlStorage) {
    // `leases` was the first layout (no holder); its rows would count forever without a holder.
    sql.exec(`DROP TABLE IF EXISTS leases;
      CREATE TABLE IF NOT EXISTS listener_leases (
        id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, user_id TEXT NOT NULL, orgs TEXT NOT NULL)`);
  }

  /** Takes a lease when fewer than `limit` live ones exist. Synchronous, so no other call interleaves. */
  take(id: string, expiresAt: number, limit: number, holder: Holder, now = Date.now()): boolean {
    this.sql.exec('DELETE FROM listener_leases WHERE expires_at <= ?', now);
    if (this.count(now) >= limit) return false;
    this.sql.exec(
      'INSERT OR REPLACE INTO listener_leases (id, expires_at, user_id, orgs) VALUES (?, ?, ?, ?)',
      id,
      expiresAt,
      holder.userId,
      JSON.stringify(holder.orgs),
    );
    return true;
  }

  /** Extends a live lease; false when it is gone (expired and taken away, or dropped). */
  renew(id: string, expiresAt: number, now = Date.now()): boolean {
    return this.sql.exec('UPDATE listener_leases SET expires_at = ? WHERE id = ? AND expires_at > ?', expiresAt, id, now).rowsWritten > 0;
  }

  drop(id: string): void {
    this.sql.exec('DELETE FROM listener_leases WHERE id = ?', id);
  }

  count(now = Date.now()): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM listener_leases WHERE expires_at > ?', now).one().n;
  }

  holder(id: string): Holder | undefined {
    const row = this.sql.exec<{ user_id: string; orgs: string }>('SELECT user_id, orgs FROM listener_leases WHERE id = ?', id).toArray()[0];
    return row && { userId: row.user_id, orgs: JSON.parse(row.orgs) as string[] };
  }

  /** Leases that last until their socket closes. */
  untilClosed(): string[] {
    return this.sql.exec<{ id: string }>('SELECT id FROM listener_leases WHERE expires_at = ?', UNTIL_CLOSED).toArray().map((r) => r.id);
  }

  /** Users with a live lease who are in one of these organisations (or all of them, with `everyone`). */
  usersIn(orgs: readonly string[], everyone: boolean, now = Date.now()): string[] {
    const rows = this.sql.exec<{ user_id: string }>(
      `SELECT DISTINCT user_id FROM listener_leases WHERE expires_at > ?1
         AND (?2 OR EXISTS (SELECT 1 FROM json_each(orgs) o WHERE o.value IN (SELECT value FROM json_each(?3))))`,
      now,
      everyone ? 1 : 0,
      JSON.stringify(orgs),
    );
    return rows.toArray().map((r) => r.user_id);
  }
}
