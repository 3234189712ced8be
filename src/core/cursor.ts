import { base64url, fromBase64url } from './hash';
import { DomainError, invalidParameter } from './errors';
import type { UserPrincipal } from './principal';

// A cursor is opaque to clients: base64url of {v, s, q[, c][, m]}. `s` fingerprints the query the cursor
// belongs to (dialect, tenant, user, filters, order), so a cursor from another query, user or
// dialect is rejected instead of silently paging something else. `q` is the sequence to continue from;
// `c` is a second number some cursors carry: a stream's place in the change feed (core/changes.ts),
// or a filtered list's total. `m` is how fresh the page it continues was (see encodeCursor).

const VERSION = 1;
const MAX_LENGTH = 512;

export interface CursorScope {
  /** The query parameter the cursor arrives in, named in the 400. */
  parameter: string;
  /** Everything that makes two listings different; two requests with equal parts may share cursors. */
  parts: readonly (string | number | null | undefined)[];
  /**
   * The database whose sequences the cursor counts (its binding; DB when absent). Sequences are per database:
   * a cursor from before the user's inbox moved to another database is refused (`MovedCursor`), never misread.
   */
  database?: string;
}

/** A cursor of this very query, but counting another database's sequences: the user's inbox moved since. */
export class MovedCursor extends DomainError {
  constructor(scope: CursorScope) {
    super(
      'invalid_parameter',
      `${scope.parameter} was issued before this inbox moved to another database; start again without it (from the first page)`,
      { parameter: scope.parameter },
    );
  }
}

const DEFAULT_DATABASE = 'DB';
/** The `d` field: only for a database other than the default, so one-database cursors are as before. */
const databaseField = (scope: CursorScope) => (scope.database !== undefined && scope.database !== DEFAULT_DATABASE ? { d: scope.database } : {});

/**
 * `carried`: a number the next request needs again (a list's total, counted once on its first page).
 * `mark`: how fresh the page was (core/etag.ts): the next page is never read from an older replica.
 */
export function encodeCursor(scope: CursorScope, seq: number, carried?: number, mark?: number): string {
  const body = JSON.stringify({
    v: VERSION,
    s: fingerprint(scope.parts),
    q: seq,
    ...(carried !== undefined && { c: carried }),
    ...(mark !== undefined && mark > 0 && { m: mark }),
    ...databaseField(scope),
  });
  return base64url(new TextEncoder().encode(body));
}

export function decodeCursor(scope: CursorScope, text: string): number {
  return decode(scope, text).q;
}

export function decodeCarryingCursor(scope: CursorScope, text: string): { seq: number; carried?: number; mark?: number } {
  const { q, c, m } = decode(scope, text);
  return { seq: q, ...(c !== undefined && { carried: c }), ...(m !== undefined && { mark: m }) };
}

/** A place in a stream: the last notification sequence and the last change delivered. */
export interface StreamPosition {
  notifications: number;
  changes: number;
}

export function encodeStreamCursor(scope: CursorScope, position: StreamPosition): string {
  return encodeCursor(scope, position.notifications, position.changes);
}

export function decodeStreamCursor(scope: CursorScope, text: string): StreamPosition {
  const cursor = decode(scope, text);
  if (cursor.c === undefined) throw notACursor(scope);
  return { notifications: cursor.q, changes: cursor.c };
}

/**
 * A place in a list ordered by (created_at, id) (the operator's project-wide list): the same in every
 * database, so it stays valid while databases are added and users move. `q` is the time, `i` the id.
 */
export function encodeKeyCursor(scope: CursorScope, at: number, id: string): string {
  return base64url(new TextEncoder().encode(JSON.stringify({ v: VERSION, s: fingerprint(scope.parts), q: at, i: id })));
}

export function decodeKeyCursor(scope: CursorScope, text: string): { at: number; id: string } {
  const { q, i } = decode(scope, text);
  if (i === undefined) throw notACursor(scope);
  return { at: q, id: i };
}

function decode(scope: CursorScope, text: string) {
  const cursor = parse(text);
  if (!cursor || cursor.s !== fingerprint(scope.parts)) throw notACursor(scope);
  if ((cursor.d ?? DEFAULT_DATABASE) !== (scope.database ?? DEFAULT_DATABASE)) throw new MovedCursor(scope);
  return cursor;
}

function notACursor(scope: CursorScope) {
  return invalidParameter(scope.parameter, `${scope.parameter} is not a cursor this request can continue from`);
}

/** A cursor we issued, for some query (a long poll treats another query's cursor as unknown, not as garbage). */
export function isCursor(text: string): boolean {
  return parse(text) !== null;
}

function parse(text: string): { s: string; q: number; c?: number; m?: number; i?: string; d?: string } | null {
  if (text.length === 0 || text.length > MAX_LENGTH) return null;
  const bytes = fromBase64url(text);
  if (!bytes) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { v, s, q, c, m, i, d } = value as Record<string, unknown>;
  if (v !== VERSION || typeof s !== 'string' || !isSequence(q)) return null;
  if ((c !== undefined && !isSequence(c)) || (m !== undefined && !isSequence(m))) return null;
  if (i !== undefined && (typeof i !== 'string' || i.length > 128)) return null;
  if (d !== undefined && (typeof d !== 'string' || !/^DB_[A-Z0-9_]{1,60}$/.test(d))) return null;
  return { s, q, ...(c !== undefined && { c }), ...(m !== undefined && { m }), ...(i !== undefined && { i }), ...(d !== undefined && { d }) };
}

function isSequence(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** FNV-1a over the parts: detects a foreign cursor; not a secret (the query is checked anyway). */
function fingerprint(parts: CursorScope['parts']): string {
  const text = JSON.stringify(parts.map((p) => p ?? null));
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** One user's stream cursors, whichever transport (SSE and WebSocket resume from each other's), in the database that holds their inbox. */
export function streamScope(user: UserPrincipal, parameter: string, database?: string): CursorScope {
  return { parameter, parts: ['stream', user.projectId, user.userId], ...(database !== undefined && { database }) };
}
