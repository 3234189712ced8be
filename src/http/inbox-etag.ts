import type { Context } from 'hono';
import { audienceKey, inboxAudiences } from '../core/audience';
import { formatInboxEtag, inboxEtagIsCurrent, inboxStateHash, readVersions } from '../core/etag';
import type { UserPrincipal } from '../core/principal';
import type { AppEnv } from '../env';
import { ifNoneMatchTags } from './conditional';

export type InboxConditional =
  | { notModified: Response }
  | { notModified: null; /** Sets the ETag of the page about to be sent. */ tag: (validUntil: number | null) => void };

/**
 * Answers If-None-Match for a user's inbox (or the `listed` audiences of it) from the audience
 * version rows alone, before any page is read. Versions are read before the page, so a tag never
 * claims more than the page shows.
 */
export async function inboxConditional(
  c: Context<AppEnv>,
  user: UserPrincipal,
  query: readonly (string | number | null | undefined)[],
  listed?: readonly string[],
): Promise<InboxConditional> {
  // The user's own audience is always in: their read and acknowledge state moves its version.
  const own = audienceKey({ kind: 'user', id: user.userId });
  const audiences = listed ? [...new Set([own, ...listed])] : inboxAudiences(user.userId, user.orgs);
  const versions = await readVersions(c.get('db'), user.projectId, audiences);
  const hash = await inboxStateHash(versions, audiences, query);
  const now = Date.now();
  const held = ifNoneMatchTags(c.req.header('if-none-match')).find(
    (tag) => tag === '*' || inboxEtagIsCurrent(tag, hash, now),
  );
  if (held !== undefined) {
    c.header('ETag', held === '*' ? formatInboxEtag(hash, null) : `"${held}"`);
    return { notModified: c.body(null, 304) };
  }
  return { notModified: null, tag: (validUntil) => c.header('ETag', formatInboxEtag(hash, validUntil)) };
}
