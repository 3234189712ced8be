import type { Context } from 'hono';
import { audienceKey, inboxAudiences } from '../core/audience';
import { formatInboxEtag, inboxEtagIsCurrent, inboxStateHash } from '../core/etag';
import { inboxFreshness, readInboxState, type Freshness, type InboxState } from '../core/inbox-state';
import type { UserPrincipal } from '../core/principal';
import type { AppEnv } from '../env';
import { ifNoneMatchTags } from './conditional';

export type InboxConditional =
  | { notModified: Response }
  | {
      notModified: null;
      /** The audiences' counters, read before the page (so a tag never claims more than the page shows). */
      state: InboxState;
      /** Finds how long the page stays valid (and the expired counts), and sets its ETag. */
      settle: () => Promise<Freshness>;
    };

/**
 * Answers If-None-Match for a user's inbox (or the `listed` audiences of it) from one counter row
 * per audience, before any page is read. A 304 reads nothing else.
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
  const db = c.get('db');
  const state = await readInboxState(db, user.projectId, audiences);
  const hash = await inboxStateHash(state, audiences, query);
  const now = Date.now();
  const held = ifNoneMatchTags(c.req.header('if-none-match')).find(
    (tag) => tag === '*' || inboxEtagIsCurrent(tag, hash, now),
  );
  if (held !== undefined) {
    c.header('ETag', held === '*' ? formatInboxEtag(hash, null) : `"${held}"`);
    return { notModified: c.body(null, 304) };
  }
  return {
    notModified: null,
    state,
    settle: async () => {
      const freshness = await inboxFreshness(db, user, state, now);
      c.header('ETag', formatInboxEtag(hash, freshness.validUntil));
      return freshness;
    },
  };
}
