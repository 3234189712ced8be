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
