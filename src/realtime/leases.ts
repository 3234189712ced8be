// Leases in a Durable Object's own SQLite storage: they survive eviction (an in-memory count would
// reset while its listeners still hold slots) and expire on their own, so a listener that never
// released (its Worker died) stops counting at its deadline plus a grace period.

export class Leases {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
  }

  /** Takes a lease when fewer than `limit` live ones exist. Synchronous, so no other call interleaves. */
  take(id: string, expiresAt: number, limit: number, now = Date.now()): boolean {
    this.sql.exec('DELETE FROM leases WHERE expires_at <= ?', now);
    if (this.count(now) >= limit) return false;
    this.sql.exec('INSERT OR REPLACE INTO leases (id, expires_at) VALUES (?, ?)', id, expiresAt);
    return true;
  }

  drop(id: string): void {
    this.sql.exec('DELETE FROM leases WHERE id = ?', id);
  }

  count(now = Date.now()): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM leases WHERE expires_at > ?', now).one().n;
  }
}
