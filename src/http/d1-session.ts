import type { ReadSession } from '../core/db';

// D1 read replication (README, "Reading from the nearest replica"): every request opens a session.
// A GET's first read may go to any replica, or, with the bookmark of an earlier write (header
// D1_BOOKMARK_HEADER), to one at least that fresh; any other method starts on the primary, where its
// write goes anyway (so what it checks first is current). A request that wrote answers with its
// session's bookmark. The core may move the session on (core/db.ts ReadSession), never back.
// D1 bookmarks compare as strings: the greater is the later.

export const D1_BOOKMARK_HEADER = 'X-D1-Bookmark';

// What D1 hands out: four hex fields. Anything else is ignored (the request reads as if it had none,
// and the tags and cursors it carries still keep it from going backwards).
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/i;

export function parseBookmark(header: string | undefined): string | undefined {
  const value = header?.trim();
  return value && BOOKMARK.test(value) ? value : undefined;
}

/**
 * The request's session, as a D1Database for the meter and drizzle to wrap: its statements go to
 * whichever session is current (moving on is for statements prepared after).
 */
export class RequestSession implements ReadSession {
  private current: D1DatabaseSession;
  private primary: boolean;

  constructor(
    private readonly d1: D1Database,
    /** The client's bookmark (the session is at least that fresh). */
    private readonly given: string | undefined,
    writes: boolean,
  ) {
    this.primary = writes;
    this.current = d1.withSession(writes ? 'first-primary' : (given ?? 'first-unconstrained'));
  }

  /** Whether a D1 error may be D1 refusing the client's bookmark (one of another database, say). */
  refusedBookmark(error: unknown): boolean {
    return this.given !== undefined && error instanceof Error && /bookmark/i.test(`${error.message} ${String(error.cause ?? '')}`);
  }

  get onPrimary(): boolean {
    return this.primary;
  }

  usePrimary(): void {
    if (this.primary) return;
    this.primary = true;
    this.current = this.d1.withSession('first-primary');
  }

  catchUp(bookmark: string): void {
    const now = this.current.getBookmark() ?? this.given;
    if (this.primary || (now !== undefined && now >= bookmark)) return;
    this.current = this.d1.withSession(bookmark);
  }

  settle(): void {
    const now = this.current.getBookmark();
    if (!this.primary || now === null) return;
    this.primary = false;
    this.current = this.d1.withSession(now);
  }

  /** The newest point this request read or wrote at (null before its first query). */
  bookmark(): string | null {
    return this.current.getBookmark();
  }

  /** The binding the request's handlers use. */
  binding(): D1Database {
    return {
      prepare: (query: string) => this.current.prepare(query),
      batch: <T = unknown>(statements: D1PreparedStatement[]) => this.current.batch<T>(statements),
    } as unknown as D1Database;
  }
}
