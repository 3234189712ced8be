import type { Db } from './db';

// Reads that must see one snapshot (a page and the counts at it, a stream's next events and the counts
// after them) go in one D1 batch, which is one transaction. Each read says which statements it needs
// and how to read their results; readTogether runs them all in one round trip.

/** Statements that a caller runs in its batch, and how to read their results. */
export interface BatchRead<T> {
  statements: D1PreparedStatement[];
  read(results: D1Result[]): T;
}

type Results<T extends readonly BatchRead<unknown>[]> = { [K in keyof T]: T[K] extends BatchRead<infer R> ? R : never };

/** Runs every read's statements in one batch (one transaction) and reads each result. */
export async function readTogether<T extends readonly BatchRead<unknown>[]>(db: Db, ...reads: T): Promise<Results<T>> {
  const results = await db.$client.batch(reads.flatMap((read) => read.statements));
  let at = 0;
  return reads.map((read) => read.read(results.slice(at, (at += read.statements.length)))) as Results<T>;
}
