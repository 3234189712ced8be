import type { Context } from 'hono';
import type { InboxPageResult } from '../core/inbox-page';
import type { AppEnv } from '../env';

/**
 * The entity tags of an If-None-Match header, compared weakly (RFC 9110): `W/` and quotes are
 * dropped, since Cloudflare's edge weakens strong tags when it recompresses. `*` stays `*`.
 */
export function ifNoneMatchTags(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((candidate) => candidate.trim().replace(/^W\//, ''))
    .filter((tag) => tag.length > 0)
    .map((tag) => (tag === '*' ? tag : tag.replace(/^"(.*)"$/, '$1')));
}

/**
 * What a conditional read takes from its request: the tags of If-None-Match, and the rate limit's
 * verdict to ask for if they no longer hold (a `page` route's 304 is not counted: http/rate-limit.ts).
 */
export function conditionalRead(c: Context<AppEnv>): { ifNoneMatch: string[]; admit?: () => Promise<void> } {
  return { ifNoneMatch: ifNoneMatchTags(c.req.header('if-none-match')), admit: c.get('admit') };
}

/** A page of the core read path as a response: its ETag, and 304 or the dialect's body. */
export function pageResponse<Page extends Extract<InboxPageResult, { notModified: false }>>(
  c: Context<AppEnv>,
  result: InboxPageResult,
  encode: (page: Page) => unknown,
): Response {
  c.header('ETag', result.etag);
  if (result.notModified) return c.body(null, 304);
  return c.json(encode(result as Page), 200);
}
