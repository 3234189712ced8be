import type { ReadSession } from '../core/db';

// D1 read replication (README, "Reading from the nearest replica"): every request opens a session.
// A GET's first read may go to any replica, or, with the bookmark of an earlier write (header
// D1_BOOKMARK_HEADER), to one at least that fresh; any other method starts on the primary, where its
// write goes anyway (so what it checks first is current). A request that wrote answers with its
// session's bookmark. The core may move the session on (core/db.ts ReadSession), never back.
// D1 bookmarks compare as strings: the greater is the later. With several databases (issue 26) a bookmark
// names its database: `<binding>.<bookmark>` (DB's go bare, as before), and applies to that database only.

export const D1_BOOKMARK_HEADER = 'X-D1-Bookmark';

// What D1 hands out: four hex fields. Anything else is ignored (the request reads as if it had none,
// and the tags and cursors it carries still keep it from going backwards).
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/i;

const NAMED = /^(DB_[A-Z0-9_]+)\.(.+)$/;

export interface Bookmark {
  binding: string;
  bookmark: string;
}

export function parseBookmark(header: string | undefined): Bookmark | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const named = NAMED.exec(value);
  const [binding, bookmark] = named ? [named[1]!, named[2]!] : ['DB', value];
  return BOOKMARK.test(bookmark) ? { binding, bookmark } : undefined;
}

export const formatBookmark = ({ binding, bookmark }: Bookmark): string => (binding === 'DB' ? bookmark : `${binding}.${bookmark}`);

/**
 * The request's session, as a D1Database for the meter and drizzle to wrap: its statements go to
 * whichever session is current (moving on is for statements prepared after).
 */
export class RequestSession implements ReadSession {
  private current: D1DatabaseSession;
  private primary: boolean;

  constructor(
    /** The database's binding name. */
    readonly name: string,
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

  catchUp(named: string): void {
    const parsed = parseBookmark(named);
    // Another database's write (a user moved since, or a broadcast written elsewhere first): only the primary is surely as fresh.
    if (parsed?.binding !== this.name) return this.usePrimary();
    const { bookmark } = parsed;
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

  /** The newest point this request read or wrote at, named (null before its first query). */
  bookmark(): string | null {
    const bookmark = this.current.getBookmark();
    return bookmark === null ? null : formatBookmark({ binding: this.name, bookmark });
  }

  /** The binding the request's handlers use. */
  binding(): D1Database {
    return {
      prepare: (query: string) => this.current.prepare(query),
      batch: <T = unknown>(statements: D1PreparedStatement[]) => this.current.batch<T>(statements),
    } as unknown as D1Database;
  }
}

/** A request's sessions, one per database it opened (with one database: DB's alone). */
export class RequestSessions {
  private readonly sessions = new Map<string, RequestSession>();

  constructor(
    private readonly given: Bookmark | undefined,
    private readonly writes: boolean,
  ) {}

  open(name: string, d1: D1Database): RequestSession {
    const session = new RequestSession(name, d1, this.given?.binding === name ? this.given.bookmark : undefined, this.writes);
    this.sessions.set(name, session);
    return session;
  }

  refusedBookmark(error: unknown): boolean {
    return [...this.sessions.values()].some((session) => session.refusedBookmark(error));
  }

  /**
   * Where the request's write committed, for the client to send back and for wake-ups: an inbox's database
   * rather than the control database's (a user's requests read their own; the control database is read fresh).
   */
  bookmark(): string | null {
    const inbox = [...this.sessions.values()].reverse().find((session) => session.name !== 'DB' && session.bookmark() !== null);
    return (inbox ?? this.sessions.get('DB'))?.bookmark() ?? null;
  }
}
