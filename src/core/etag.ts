import { hash64 } from './hash';
import type { InboxState } from './inbox-state';

// An inbox ETag is derived from the versions of the audiences a response lists, the reader's own
// state versions for the state fields it shows, and the query, so a conditional poll reads only
// those rows (one per audience, core/inbox-state.ts), never the page, and a change the response
// does not show (another audience, a state field it leaves out) does not change its tag.
//
// Expiry changes what a user sees without any write, so a tag may also carry the moment the
// earliest visible notification expires ("<hash>~<mark>.<ms in base 36>"): from then on it no longer
// matches, and the client gets a fresh page without the 304 path reading anything more.
//
// The mark (base 36) is the sum of the version counters the tag was read from (core/inbox-state.ts
// stateMark): they only grow, so a D1 replica whose sum is lower than a tag's has not seen what the
// client saw, and the request reads from the primary instead (never an older inbox than the last).

/** Which of the reader's own state a response shows: only their changes change its tag. */
export interface ShownState {
  read?: boolean;
  acknowledged?: boolean;
}

/** The part of the tag that depends on what is stored and on the query. */
export function inboxStateHash(state: InboxState, listed: readonly string[], own: string, shows: ShownState, query: readonly unknown[]): string {
  const mine = state.get(own);
  const text = JSON.stringify([
    listed.map((a) => [a, state.get(a)?.version ?? 0]),
    shows.read ? (mine?.readVersion ?? 0) : null,
    shows.acknowledged ? (mine?.ackVersion ?? 0) : null,
    query,
  ]);
  return hash64(text);
}

/** The quoted ETag for a page read at `mark` whose content is valid until `validUntil` (null: until the next write). */
export function formatInboxEtag(stateHash: string, validUntil: number | null, mark: number): string {
  const tag = `${stateHash}~${mark.toString(36)}`;
  return validUntil === null ? `"${tag}"` : `"${tag}.${validUntil.toString(36)}"`;
}

/** The highest mark among the tags a client sent (0: none says anything). */
export function seenMark(ifNoneMatch: readonly string[]): number {
  let seen = 0;
  for (const tag of ifNoneMatch) {
    const mark = parseInt(tag.split('.')[0]!.split('~')[1] ?? '', 36);
    if (Number.isSafeInteger(mark) && mark > seen) seen = mark;
  }
  return seen;
}

/** Whether a tag the client holds (quotes and W/ removed) still describes the current inbox. */
export function inboxEtagIsCurrent(opaqueTag: string, stateHash: string, now: number): boolean {
  const [hashAndMark, until, ...rest] = opaqueTag.split('.');
  const hash = hashAndMark!.split('~')[0];
  if (hash !== stateHash || rest.length > 0) return false;
  if (until === undefined) return true;
  const deadline = parseInt(until, 36);
  return Number.isFinite(deadline) && now < deadline;
}

/**
 * The tag to answer 304 with when one of If-None-Match's tags still describes the inbox (`*` matches any), else
 * undefined. A held tag is answered as sent; `*` gets the tag a 200 would carry, so its deadline comes from
 * `validUntil` (awaited only then: the earliest visible expiry, or null), or the client would keep a tag that
 * never lapses and get 304s after a notification expired.
 */
export async function heldEtag(
  ifNoneMatch: readonly string[],
  stateHash: string,
  now: number,
  mark: number,
  validUntil: () => Promise<number | null>,
): Promise<string | undefined> {
  const held = ifNoneMatch.find((tag) => tag !== '*' && inboxEtagIsCurrent(tag, stateHash, now));
  if (held !== undefined) return `"${held}"`;
  return ifNoneMatch.includes('*') ? formatInboxEtag(stateHash, await validUntil(), mark) : undefined;
}
