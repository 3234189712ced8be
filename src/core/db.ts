import type { DrizzleD1Database } from 'drizzle-orm/d1';
import { drizzle } from 'drizzle-orm/d1';

// `$client` is the D1 binding, for the few queries drizzle cannot express (numbered parameters).
// Opened per request (over that request's metered binding): without a schema, drizzle does not
// build its relational-query map each time (nothing here uses `db.query`).
export type Db = DrizzleD1Database & { $client: D1Database };

export function openDb(d1: D1Database): Db {
  return drizzle(d1);
}
