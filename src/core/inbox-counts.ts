import { audienceKey, inboxAudiences } from './audience';
import { otherDatabase, type Db } from './db';
import { formatInboxEtag, heldEtag, inboxStateHash, seenMark } from './etag';
import { inboxFreshness, inboxTotals, readInboxState, stateMark } from './inbox-state';
import type { UserPrincipal } from './principal';

// A badge's numbers (client API `GET /counts`) from the counters alone: one version row and one
// user_counts row per audience, whatever the inbox size. Its tag moves with the audiences' versions
// and the user's acknowledged state, and lapses when a notification expires, like a page's.

export type CountsResult = { notModified: true; etag: string } | { notModified: false; etag: string; total: number; pending: number };

/** `admit` is awaited when the tag did not hold, before the totals are read (the caller's rate limit; it may throw). */
export async function readCounts(
  db: Db,
  user: UserPrincipal,
  ifNoneMatch: readonly string[],
  admit?: () => Promise<void>,
  now = Date.now(),
): Promise<CountsResult> {
  const audiences = inboxAudiences(user.userId, user.orgs);
  const state = await readInboxState(db, user.projectId, audiences, seenMark(ifNoneMatch));
  const mark = stateMark(state);
  const own = audienceKey({ kind: 'user', id: user.userId });
  const hash = inboxStateHash(state, audiences, own, { acknowledged: true }, ['counts', user.projectId, user.userId, ...otherDatabase(db)]);
  const held = await heldEtag(ifNoneMatch, hash, now, mark, async () => (await inboxFreshness(db, user, state, now)).validUntil);
  if (held !== undefined) return { notModified: true, etag: held };
  await admit?.();
  const freshness = await inboxFreshness(db, user, state, now);
  return { notModified: false, etag: formatInboxEtag(hash, freshness.validUntil, mark), ...(await inboxTotals(db, user, state, freshness)) };
}
