import type { DrizzleD1Database } from 'drizzle-orm/d1';
import { drizzle } from 'drizzle-orm/d1';

// `$client` is the D1 binding, for the few queries drizzle cannot express (numbered parameters).
// Opened per request (over that request's metered binding): without a schema, drizzle does not
// build its relational-query map each time (nothing here uses `db.query`).
export type Db = DrizzleD1Database & { $client: D1Database; $session?: ReadSession; /** Its binding name, when the deployment has several (core/stores.ts). */ $binding?: string };

/**
 * A request's D1 session (src/http/d1-session.ts): reads may be served by the nearest replica, which
 * may lag the primary. The core moves it forward when what a client sent back (a tag, a cursor, a
 * stream position) shows the client saw more than the replica has: nobody's inbox goes backwards.
 */
export interface ReadSession {
  /** Whether every read from now on goes to the primary. */
  readonly onPrimary: boolean;
  /** The rest of the request reads from the primary. */
  usePrimary(): void;
  /** The rest of the request reads at least as fresh as this bookmark (a wake-up names the write's); never older than before. */
  catchUp(bookmark: string): void;
  /**
   * After reading from the primary: the rest of a long request (a stream) may read from any replica
   * at least as fresh as what it read there, rather than from the primary for hours.
   */
  settle(): void;
}

export function openDb(d1: D1Database, session?: ReadSession, binding?: string): Db {
  const db = drizzle(d1) as Db;
  if (session) db.$session = session;
  if (binding) db.$binding = binding;
  return db;
}

/**
 * After a read that turned out `behind` what the client saw: unless the request already reads from
 * the primary, the rest of it does, and the caller reads again (true).
 */
export function movedToPrimary(db: Db, behind: boolean): boolean {
  if (!behind || !db.$session || db.$session.onPrimary) return false;
  db.$session.usePrimary();
  return true;
}

/** The binding of a database other than DB, for tags (empty for DB: one-database tags are as before). */
export const otherDatabase = (db: Db): string[] => (db.$binding !== undefined && db.$binding !== 'DB' ? [db.$binding] : []);
