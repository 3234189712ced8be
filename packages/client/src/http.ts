import { retryAfterMs } from './schedule';
import type { InboxError, InboxOptions } from './types';

/** A JSON body, typed (whatever lib's `Response.json()` says). */
export const json = <T>(response: Response) => response.json() as Promise<T>;

export const failure = (code: string, message: string, status = 0, retryAfterMs?: number): InboxError =>
  Object.assign(new Error(message), { code, status, retryAfterMs });

/** An error as a plain object (a BroadcastChannel clones only an Error's name and message), and back. */
export const plain = (error?: InboxError) =>
  error && { code: error.code, message: error.message, status: error.status, retryAfterMs: error.retryAfterMs };
export const revive = (error?: ReturnType<typeof plain>) => error && failure(error.code, error.message, error.status, error.retryAfterMs);

/** A failure no retry can fix: the origin is not allowed, or a token that cannot change (a string) was refused. */
export const isFatal = (error: InboxError, token: InboxOptions['token']) =>
  error.code == 'ORIGIN_NOT_ALLOWED' || (error.status == 401 && typeof token == 'string');

/** The error a refused request carries (`{"error":{"code","message"}}`, `Retry-After`). */
export async function errorOf(response: Response, now: number): Promise<InboxError> {
  const { status } = response;
  const body = (await json<any>(response).catch(() => 0))?.error || {};
  return failure(body.code || 'HTTP_' + status, body.message || 'HTTP ' + status, status, retryAfterMs(response.headers.get('retry-after'), now));
}

export type Fetch = NonNullable<InboxOptions['fetch']>;

/** The database a bookmark names (`DB_2.` of `DB_2.<bookmark>`; empty: the default database). */
const databaseOf = (bookmark: string) => /^DB_[A-Z0-9_]+\./.exec(bookmark)?.[0] || '';

/** Requests with the user's token; a token function is asked again after a 401 and the request sent once more. */
export function createApi(endpoint: string, token: InboxOptions['token'], fetch: Fetch, now: () => number) {
  let cached: Promise<string> | undefined;
  // Where this client's last write committed (X-D1-Bookmark): sent back, reads are at least that fresh
  // even from a D1 replica that lags, so the client's own acknowledge never seems undone.
  let bookmark: string | null = null;
  const api = {
    token: () =>
      (cached ||= (async () => (typeof token == 'string' ? token : token()))().catch((error) => {
        cached = undefined;
        throw failure('TOKEN_ERROR', String(error?.message ?? error));
      })),
    /** Where this client's last write committed, for the streams to send too. */
    bookmark: () => bookmark,
    /** Forget the token: the next request asks the function again. */
    stale: () => void (cached = undefined),
    /** A 2xx or 304 response, else throws an InboxError. */
    async call(path: string, init: RequestInit = {}, etag?: string): Promise<Response> {
      // A string token cannot get fresher: a 401 is final at once.
      for (let retryOn401 = typeof token != 'string'; ; retryOn401 = false) {
        const headers: Record<string, string> = { authorization: 'Bearer ' + (await api.token()) };
        if (etag) headers['if-none-match'] = etag;
        if (bookmark) headers['x-d1-bookmark'] = bookmark;
        if (init.body) headers['content-type'] = 'application/json';
        let response: Response;
        try {
          response = await fetch(endpoint + path, { ...init, headers });
        } catch (error) {
          throw failure('NETWORK_ERROR', String(error));
        }
        // D1 bookmarks compare as strings: keep the later one of a database. One of another database (`DB_2.…`)
        // takes over: the user's inbox moved there (the operator added a database), and their writes go there now.
        const given = response.headers.get('x-d1-bookmark');
        if (given && (!bookmark || databaseOf(given) != databaseOf(bookmark) || given > bookmark)) bookmark = given;
        if (response.status == 401 && retryOn401) api.stale();
        else if (response.ok || response.status == 304) return response;
        else throw await errorOf(response, now());
      }
    },
  };
  return api;
}

export type Api = ReturnType<typeof createApi>;
