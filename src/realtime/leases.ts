// Listener leases in a Durable Object's own SQLite storage: they survive eviction (an in-memory count
// would reset while its listeners still hold slots). In a player's object a lease lasts as long as its
// listener's socket (UNTIL_CLOSED); in a project shard it expires on its own unless renewed, so a share
// whose object died unseen stops counting. A lease also names
// its holder (user and organisations), so that a notification to an organisation or to everyone can
// find the listeners to wake, and may carry the client's own name for it (`listener_id`), under which
// a reconnecting client takes its place back.

/** Who holds a lease: enough to find it from an audience. */
export interface Holder {
  userId: string;
  orgs: readonly string[];
}

/** A listener's lease in its player's object: it lasts until the listener's socket closes. */
export const UNTIL_CLOSED = Number.MAX_SAFE_INTEGER;

/** What taking a lease did: refused, or taken (and which lease of the same name it replaced). */
export type Taken = { ok: false } | { ok: true; replaced: string | undefined };

export class Leases {
  constructor(private readonly sql: SqlStorage) {
    // `leases` was the first layout (no holder); its rows would count forever without a holder.
    sql.exec(`DROP TABLE IF EXISTS leases;
      CREATE TABLE IF NOT EXISTS listener_leases (
        id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, user_id TEXT NOT NULL, orgs TEXT NOT NULL)`);
    // Objects created before listener names had no `name` column.
    const named = sql.exec(`SELECT 1 FROM pragma_table_info('listener_leases') WHERE name = 'name'`).toArray().length > 0;
    if (!named) sql.exec('ALTER TABLE listener_leases ADD COLUMN name TEXT');
    sql.exec('CREATE UNIQUE INDEX IF NOT EXISTS listener_leases_by_name ON listener_leases (name) WHERE name IS NOT NULL');
  }

  /**
   * Takes a lease when fewer than `limit` live ones exist. With a `name`, the live lease of that name
   * (if any) gives its place to this one. Taking a lease again (a retry after the reply was lost)
   * changes nothing. Synchronous, so no other call interleaves.
   */
  take(id: string, expiresAt: number, limit: number, holder: Holder, name?: string, now = Date.now()): Taken {
    this.sql.exec('DELETE FROM listener_leases WHERE expires_at <= ?', now);
    const again = this.holds(id, now);
    const named = name === undefined ? undefined : this.sql.exec<{ id: string }>('SELECT id FROM listener_leases WHERE name = ?', name).toArray()[0]?.id;
    const replaced = named === id ? undefined : named;
    if (this.count(now) - (replaced === undefined ? 0 : 1) - (again ? 1 : 0) >= limit) return { ok: false };
    if (replaced !== undefined) this.drop(replaced);
    this.sql.exec(
      'INSERT OR REPLACE INTO listener_leases (id, expires_at, user_id, orgs, name) VALUES (?, ?, ?, ?, ?)',
      id,
      expiresAt,
      holder.userId,
      JSON.stringify(holder.orgs),
      name ?? null,
    );
    return { ok: true, replaced };
  }

  /** Extends a live lease; false when it is gone (expired and taken away, dropped or replaced). */
  renew(id: string, expiresAt: number, now = Date.now()): boolean {
    return this.sql.exec('UPDATE listener_leases SET expires_at = ? WHERE id = ? AND expires_at > ?', expiresAt, id, now).rowsWritten > 0;
  }

  drop(id: string): void {
    this.sql.exec('DELETE FROM listener_leases WHERE id = ?', id);
  }

  /** Whether the lease still holds its slot. */
  holds(id: string, now = Date.now()): boolean {
    return this.sql.exec('SELECT 1 FROM listener_leases WHERE id = ? AND expires_at > ?', id, now).toArray().length > 0;
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
