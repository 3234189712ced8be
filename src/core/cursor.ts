import { base64url, fromBase64url } from './hash';
import { invalidParameter } from './errors';

// A cursor is opaque to clients: base64url of {v, s, q}. `s` fingerprints the query the cursor
// belongs to (dialect, tenant, user, filters, order), so a cursor from another query, user or
// dialect is rejected instead of silently paging something else. `q` is the sequence to continue from.

const VERSION = 1;
const MAX_LENGTH = 512;

export interface CursorScope {
  /** The query parameter the cursor arrives in, named in the 400. */
  parameter: string;
  /** Everything that makes two listings different; two requests with equal parts may share cursors. */
  parts: readonly (string | number | null | undefined)[];
}

export function encodeCursor(scope: CursorScope, seq: number): string {
  const body = JSON.stringify({ v: VERSION, s: fingerprint(scope.parts), q: seq });
  return base64url(new TextEncoder().encode(body));
}

export function decodeCursor(scope: CursorScope, text: string): number {
  const cursor = parse(text);
  if (!cursor || cursor.s !== fingerprint(scope.parts)) {
    throw invalidParameter(scope.parameter, `${scope.parameter} is not a cursor this request can continue from`);
  }
  return cursor.q;
}

/** A cursor we issued, for some query (a long poll treats another query's cursor as unknown, not as garbage). */
export function isCursor(text: string): boolean {
  return parse(text) !== null;
}

function parse(text: string): { s: string; q: number } | null {
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
  const { v, s, q } = value as Record<string, unknown>;
  if (v !== VERSION || typeof s !== 'string') return null;
  if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 0) return null;
  return { s, q };
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
