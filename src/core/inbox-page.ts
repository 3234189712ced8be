import { audienceKey, inboxAudiences } from './audience';
import { decodeCarryingCursor, encodeCursor, type CursorScope, type StreamPosition } from './cursor';
import { otherDatabase, type Db } from './db';
import { formatInboxEtag, heldEtag, inboxStateHash, seenMark, type ShownState } from './etag';
import { listInbox, type Order } from './inbox';
import { countVisible, inboxFreshness, readInboxState, stateMark, type InboxState } from './inbox-state';
import type { InboxItem } from './notifications';
import type { UserPrincipal } from './principal';
import { headPosition } from './stream';

// The one read path of every dialect's inbox list: scope, cursor, conditional check, page, totals,
// next cursor and tag. A dialect says what it shows (an InboxView) and encodes the result.

/** What a dialect's list shows; everything else about it is the same for every dialect. */
export interface InboxView {
  /** Names the listing in its cursors and tags: a cursor of another view is refused. */
  name: string;
  /** Only these of the reader's audiences (default: their own, their organisations', everyone's). */
  audiences?: readonly string[];
  /** The reader's own state the response shows (a change to other state answers 304). */
  shows: ShownState;
  /** The response carries the listing's total (counted from the counters, or once per filtered list). */
  totals?: boolean;
  /** Unfiltered newest-first first pages also tell where a stream that joins them starts (read in the page's transaction). */
  streamHead?: boolean;
  /** The query parameter its cursor travels in; `inclusive`: the cursor names the first item of the next page (seeds/002 `start_at`). */
  cursor: { parameter: string; inclusive?: boolean };
}

export interface PageQuery {
  order: Order;
  limit: number;
  /** pending: not acknowledged by the reader; acknowledged: acknowledged by them; undefined: all. */
  status?: 'pending' | 'acknowledged';
  serviceId?: string;
  originProject?: string;
  /** The previous page's `next`. */
  cursor?: string;
  /** Only sequences above this one (seeds/002 `exclude_before`). */
  after?: number;
  /** The entity tags of If-None-Match (quotes and W/ removed; `*` matches any). */
  ifNoneMatch?: readonly string[];
  /** Awaited when the tag did not hold, before the full read: the caller's rate limit (it may throw). */
  admit?: () => Promise<void>;
  /** Also the reader's counts (GET /counts), read in the page's snapshot. */
  counts?: boolean;
}

export type InboxPageResult =
  | { notModified: true; etag: string }
  | {
      notModified: false;
      etag: string;
      items: InboxItem[];
      hasMore: boolean;
      /** Where the next page starts (after the last item; with no item, where this one started). */
      next: string;
      /** The listing's total when the view has totals, else null. */
      total: number | null;
      /** For a view with `streamHead`, on a first page: the stream position at this page's snapshot. */
      streamFrom?: StreamPosition;
      /** With `counts`: the reader's counts at this page's snapshot. */
      counts?: { total: number; pending: number };
    };

/** The cursor scope of a view for one reader and query: a cursor never crosses user, filter or order. */
export function pageScope(view: InboxView, reader: UserPrincipal, query: PageQuery, database?: string): CursorScope {
  return {
    parameter: view.cursor.parameter,
    parts: [view.name, reader.projectId, reader.userId, ...(view.audiences ?? []), query.status, query.serviceId, query.originProject, query.order],
    ...(database !== undefined && { database }),
  };
}

/**
 * One page of the reader's inbox as the view shows it. The tag is derived from counter rows read
 * before the page (so it never claims more than the page shows); a matching If-None-Match reads
 * nothing else.
 */
export async function readInboxPage(db: Db, reader: UserPrincipal, view: InboxView, query: PageQuery, now = Date.now()): Promise<InboxPageResult> {
  const scope = pageScope(view, reader, query, db.$binding);
  const cursor = query.cursor === undefined ? undefined : decodeCarryingCursor(scope, query.cursor);

  const own = audienceKey({ kind: 'user', id: reader.userId });
  const listed = view.audiences ?? inboxAudiences(reader.userId, reader.orgs);
  const showsState = view.shows.read || view.shows.acknowledged;
  const read = showsState && !listed.includes(own) ? [...listed, own] : listed;
  // Never older than what the client saw: its tag's and its cursor's marks (core/etag.ts).
  const all = await readInboxState(db, reader.projectId, read, Math.max(seenMark(query.ifNoneMatch ?? []), cursor?.mark ?? 0));
  const mark = stateMark(all);
  const state: InboxState = new Map([...all].filter(([audience]) => listed.includes(audience)));
  // A database other than DB is part of the query: the same numbers in another database are another inbox (one that moved).
  const hash = inboxStateHash(all, listed, own, view.shows, [...scope.parts, query.cursor, query.limit, query.after, query.counts, ...otherDatabase(db)]);

  // `*` is answered with the tag a 200 would carry, deadline included (core/etag.ts heldEtag).
  const deadline = async () => (await inboxFreshness(db, reader, state, now)).validUntil;
  const held = await heldEtag(query.ifNoneMatch ?? [], hash, now, mark, deadline);
  if (held !== undefined) return { notModified: true, etag: held };
  await query.admit?.();

  const filtered = query.serviceId !== undefined || query.originProject !== undefined;
  const bound = cursor === undefined ? undefined : view.cursor.inclusive ? cursor.seq + (query.order === 'newest' ? 1 : -1) : cursor.seq;
  const page = await listInbox(
    db,
    reader,
    {
      status: query.status,
      serviceId: query.serviceId,
      originProject: query.originProject,
      order: query.order,
      limit: query.limit,
      audiences: listed,
      ...(query.order === 'newest' ? { before: bound, after: query.after } : { after: Math.max(bound ?? 0, query.after ?? 0) }),
      // The counters do not know these filters: such a list is counted on its first page, and its
      // cursor carries the total on (README, "Cost of a request").
      count: view.totals && filtered && cursor?.carried === undefined,
      // Only the top of the whole inbox is a snapshot a stream can continue: a filtered or oldest-first page is not.
      head: view.streamHead && cursor === undefined && query.order === 'newest' && query.status === undefined && !filtered,
      counts: query.counts,
    },
    now,
  );
  const freshness = await inboxFreshness(db, reader, state, now);
  let total: number | null = null;
  if (view.totals) {
    total = filtered ? (page.totalCount ?? cursor?.carried ?? 0) : await countVisible(db, reader, state, freshness, query.status);
  }

  const last = page.items.at(-1);
  const step = view.cursor.inclusive ? (query.order === 'newest' ? -1 : 1) : 0;
  const position = last ? last.seq + step : (cursor?.seq ?? 0);
  return {
    notModified: false,
    etag: formatInboxEtag(hash, freshness.validUntil, mark),
    items: page.items,
    hasMore: page.hasMore,
    next: encodeCursor(scope, position, filtered && view.totals ? (total ?? undefined) : undefined, mark),
    total,
    ...(page.head ? { streamFrom: headPosition(page.head) } : {}),
    ...(page.counts ? { counts: { total: page.counts.total, pending: page.counts.pending } } : {}),
  };
}
