import { retryAfterMs } from './schedule';
import type { InboxError, InboxOptions } from './types';

/** A JSON body, typed (whatever lib's `Response.json()` says). */
export const json = <T>(r: Response) => r.json() as Promise<T>;

export const failure = (code: string, message: string, status = 0, retryAfterMs?: number): InboxError =>
  Object.assign(new Error(message), { code, status, retryAfterMs });

/** An error as a plain object (a BroadcastChannel clones only an Error's name and message), and back. */
export const plain = (e?: InboxError) => e && { code: e.code, message: e.message, status: e.status, retryAfterMs: e.retryAfterMs };
export const revive = (e?: ReturnType<typeof plain>) => e && failure(e.code, e.message, e.status, e.retryAfterMs);

/** The error a refused request carries (`{"error":{"code","message"}}`, `Retry-After`). */
export async function errorOf(r: Response, now: number): Promise<InboxError> {
  const e = (await json<any>(r).catch(() => 0))?.error || {};
  return failure(e.code || 'HTTP_' + r.status, e.message || 'HTTP ' + r.status, r.status, retryAfterMs(r.headers.get('retry-after'), now));
}

export type Fetch = NonNullable<InboxOptions['fetch']>;

/** Requests with the user's token; a token function is asked again after a 401 and the request sent once more. */
export function createApi(base: string, token: InboxOptions['token'], f: Fetch, now: () => number) {
  let cached: Promise<string> | undefined;
  const api = {
    token: () =>
      (cached ||= (async () => (typeof token == 'string' ? token : token()))().catch((e) => {
        cached = undefined;
        throw failure('TOKEN_ERROR', String(e?.message ?? e));
      })),
    /** Forget the token: the next request asks the function again. */
    stale: () => void (cached = undefined),
    /** A 2xx or 304 response, else throws an InboxError. */
    async call(path: string, init: RequestInit = {}, etag?: string): Promise<Response> {
      for (let again = typeof token != 'string'; ; again = false) {
        const headers: Record<string, string> = { authorization: 'Bearer ' + (await api.token()) };
        if (etag) headers['if-none-match'] = etag;
        if (init.body) headers['content-type'] = 'application/json';
        let r: Response;
        try {
          r = await f(base + path, { ...init, headers });
        } catch (e) {
          throw failure('NETWORK_ERROR', String(e));
        }
        if (r.status == 401 && again) api.stale();
        else if (r.ok || r.status == 304) return r;
        else throw await errorOf(r, now());
      }
    },
  };
  return api;
}

export type Api = ReturnType<typeof createApi>;
