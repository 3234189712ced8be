import type { InboxContext } from './context';
import { json } from './http';
import { append, apply, find, key, mergePage } from './store';
import type { Notification, StreamMessage } from './types';

/** A page of `GET /notifications`. */
interface Page {
  notifications: Notification[];
  pagination: { next_cursor: string | null; has_more: boolean; total_count: number };
}

export type LoadFirstPage = (merge: boolean) => Promise<void>;

/** The list, a page at a time: the first (at start, in each poll, to resync) and the older ones (loadMore). */
export function createPages(ctx: InboxContext) {
  const { api, pageSize } = ctx;
  /** The loadMore under way: a call meanwhile joins it. */
  let loadingMore: Promise<void> | undefined;

  /** Loads the first page: over the held list (`merge`, conditional: polls) or in its place (start, resync). */
  const loadFirstPage: LoadFirstPage = async (merge) => {
    // A page in place of the list (a resync while the stream goes on): what the stream brings meanwhile is newer
    // than the cursor the stream has moved past, so it is applied again over the page, not lost.
    const replay: StreamMessage[] | undefined = merge ? undefined : (ctx.replay = []);
    try {
      await loadPage(merge);
      // Stopped or no longer leading meanwhile: the state is not this connection's to change any more.
      if (!ctx.active()) return;
      replay?.forEach((message) => ctx.update(apply(ctx.state, message)[0]));
      if (replay?.length) ctx.recountSoon();
    } finally {
      if (ctx.replay == replay) ctx.replay = undefined;
    }
  };

  const loadPage = async (merge: boolean) => {
    const response = await api.call('?limit=' + pageSize, {}, merge ? ctx.resume.e : undefined);
    const body = response.status == 304 ? undefined : await json<Page>(response);
    if (!ctx.active()) return;
    if (!body) return void ctx.unchangedPages++;
    const page = body.notifications;
    const held = ctx.state.notifications;
    // `kept`: the page ends on a notification held, so those held after it stay, with the cursor after them.
    const [list, kept] = merge && body.pagination.has_more ? mergePage(held, page) : [page, false];
    const changed = key(page) != key(held.slice(0, page.length));
    ctx.unchangedPages = changed ? 0 : ctx.unchangedPages + 1;
    ctx.urgent = changed && page.some((notification) => /^(high|critical)$/.test(notification.priority) && !find(held, notification.id));
    ctx.resume = {
      ...ctx.resume,
      e: response.headers.get('etag') || undefined,
      // Kept: the stream must not resume after the page's snapshot, which would skip the events (state, deleted)
      // about the older ones kept; from the old cursor, it applies again some the page has already, harmlessly.
      c: (kept && ctx.resume.c) || response.headers.get('stream-cursor') || ctx.resume.c,
      m: kept ? ctx.resume.m : body.pagination.next_cursor,
    };
    await ctx.refreshCounts();
    if (!ctx.active()) return;
    ctx.resume.l = true;
    ctx.update({ notifications: list, hasMore: kept ? ctx.state.hasMore : body.pagination.has_more, error: undefined });
  };

  /** Appends the next page (one request at a time). */
  const loadMore = (): Promise<void> =>
    !ctx.state.hasMore || !ctx.resume.m
      ? Promise.resolve()
      : (loadingMore ||= (async () => {
          try {
            const cursor = ctx.resume.m!;
            const body = await json<Page>(await api.call('?limit=' + pageSize + '&cursor=' + encodeURIComponent(cursor)));
            // A resync meanwhile replaced the list: this page would follow the old one, leaving a gap. Or stopped,
            // or no longer leading: the state is not this connection's to change any more.
            if (ctx.resume.m != cursor || !ctx.active()) return;
            ctx.resume.m = body.pagination.next_cursor;
            ctx.update({ notifications: append(ctx.state.notifications, body.notifications), hasMore: body.pagination.has_more });
          } catch (error: any) {
            if (ctx.active()) ctx.update({ error });
            throw error;
          } finally {
            loadingMore = undefined;
          }
        })());

  return { loadFirstPage, loadMore };
}
