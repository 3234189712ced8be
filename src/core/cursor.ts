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
  const bad = () => invalidParameter(scope.parameter, `${scope.parameter} is not a cursor this request can continue from`);
  if (text.length === 0 || text.length > MAX_LENGTH) throw bad();
  const bytes = fromBase64url(text);
  if (!bytes) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw bad();
  }
  if (typeof value !== 'object' || value === null) throw bad();
  const { v, s, q } = value as Record<string, unknown>;
  if (v !== VERSION || s !== fingerprint(scope.parts)) throw bad();
  if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 0) throw bad();
  return q;
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
