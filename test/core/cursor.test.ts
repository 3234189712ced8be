import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, type CursorScope } from '../../src/core/cursor';
import { DomainError } from '../../src/core/errors';

const scope: CursorScope = { parameter: 'cursor', parts: ['client', 'default', 'alice', 'pending', null, null, 'newest'] };

function rejects(text: string, s: CursorScope = scope) {
  try {
    decodeCursor(s, text);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('invalid_parameter');
    expect((error as DomainError).detail.parameter).toBe(s.parameter);
    return;
  }
  throw new Error(`cursor ${text} was accepted`);
}

describe('cursors', () => {
  it('round-trips the sequence for the same query', () => {
    expect(decodeCursor(scope, encodeCursor(scope, 12345))).toBe(12345);
  });

  it('is base64url text, safe in a query string', () => {
    expect(encodeCursor(scope, 9)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('rejects a cursor of another user, filter or order (foreign)', () => {
    const cursor = encodeCursor(scope, 5);
    rejects(cursor, { ...scope, parts: ['client', 'default', 'bob', 'pending', null, null, 'newest'] });
    rejects(cursor, { ...scope, parts: ['client', 'default', 'alice', 'pending', null, null, 'oldest'] });
    rejects(cursor, { ...scope, parts: ['player', 'default', 'alice', 'pending', null, null, 'newest'] });
  });

  it('rejects garbled, truncated, empty, oversized and non-JSON cursors', () => {
    const cursor = encodeCursor(scope, 5);
    rejects(cursor.slice(0, -3));
    rejects(cursor.slice(0, 10));
    rejects(`${cursor}!`);
    rejects('');
    rejects('x'.repeat(10_000));
    rejects(btoa('not json').replace(/=+$/, ''));
    rejects(btoa('{"v":1}').replace(/=+$/, ''));
    rejects('../../etc/passwd');
    rejects("' OR 1=1 --");
  });

  it('rejects a well-formed cursor with a nonsensical sequence', () => {
    const forged = (q: unknown) => {
      const good = JSON.parse(atob(encodeCursor(scope, 1).replace(/-/g, '+').replace(/_/g, '/'))) as { s: string };
      return btoa(JSON.stringify({ v: 1, s: good.s, q })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    };
    expect(decodeCursor(scope, forged(7))).toBe(7);
    rejects(forged(-1));
    rejects(forged(1.5));
    rejects(forged('7'));
    rejects(forged(Number.MAX_SAFE_INTEGER + 10));
  });
});
