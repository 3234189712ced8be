import type { InboxContext } from './context';
import { json } from './http';
import { append, apply, find, key } from './store';
import type { Counts, Notification, StreamMessage } from './types';

/** A page of `GET /notifications` (`counts` with `include=counts`: read in the page's snapshot). */
interface Page {
  notifications: Notification[];
  pagination: { next_cursor: string | null; has_more: boolean; total_count: number };
  counts?: Counts;
}

/** `plan`: the connection's plan that asked; a newer plan's state is not this page's to replace. */
export type LoadFirstPage = (poll: boolean, plan: number) => Promise<void>;

/** The list, a page at a time: the first (at start, in each poll, to resync) and the older ones (loadMore). */
export function createPages(ctx: InboxContext) {
  const { api, pageSize } = ctx;
  /** The loadMore under way: a call meanwhile joins it. */
  let loadingMore: Promise<void> | undefined;

  /** An older page, after `cursor`. */
  const page = async (cursor: string) => json<Page>(await api.call('?limit=' + pageSize + '&cursor=' + encodeURIComponent(cursor)));

  /**
   * Loads the first page with the counts of its snapshot, in place of the list. A `poll` is conditional (ETag),
   * and reads again as many notifications as are held (what loadMore added too), so that a change to an older
   * one shows: polling gets no events about them.
   */
  const loadFirstPage: LoadFirstPage = async (poll, plan) => {
    // Stopped, no longer leading, or another plan meanwhile (a live transport now applies events): not this page's.
    const current = () => ctx.active() && ctx.plan == plan;
    const response = await api.call('?limit=' + pageSize + '&include=counts', {}, poll ? ctx.resume.e : undefined);
    const body = response.status == 304 ? undefined : await json<Page>(response);
    if (!current()) return;
    if (!body) return void ctx.unchangedPages++;
    const held = ctx.truth.notifications;
    let list = body.notifications;
    let { has_more: more, next_cursor: next } = body.pagination;
    while (poll && more && next && list.length < held.length) {
      const older = await page(next);
      if (!current()) return;
      list = append(list, older.notifications);
      ({ has_more: more, next_cursor: next } = older.pagination);
    }
    const changed = key(list) != key(held.slice(0, list.length));
    ctx.unchangedPages = changed ? 0 : ctx.unchangedPages + 1;
    ctx.urgent = changed && list.some((notification) => /^(high|critical)$/.test(notification.priority) && !find(held, notification.id));
    // The stream joins the page at its snapshot; the older pages were read after it, so from there the stream
    // applies again what they already show, harmlessly.
    ctx.resume = { ...ctx.resume, e: response.headers.get('etag') || undefined, c: response.headers.get('stream-cursor') || ctx.resume.c, m: next, l: true };
    ctx.setTruth({ notifications: list, counts: body.counts || ctx.truth.counts }, { hasMore: more, error: undefined });
  };

  /**
   * Appends the next page (one request at a time). What the stream says meanwhile about its notifications (not
   * held yet, so it changed nothing) is applied to them again once they are: the page may predate it.
   */
  const loadMore = (): Promise<void> =>
    !ctx.state.hasMore || !ctx.resume.m
      ? Promise.resolve()
      : (loadingMore ||= (async () => {
          const replay: StreamMessage[] = (ctx.replay = []);
          try {
            const cursor = ctx.resume.m!;
            const body = await page(cursor);
            // A resync meanwhile replaced the list: this page would follow the old one, leaving a gap. Or stopped,
            // or no longer leading: the state is not this connection's to change any more.
            if (ctx.resume.m != cursor || !ctx.active()) return;
            ctx.resume.m = body.pagination.next_cursor;
            // The list only: the server's counts after those messages already count them.
            const notifications = replay.reduce(
              (list, message) => apply({ notifications: list, counts: ctx.truth.counts }, message)[0].notifications,
              append(ctx.truth.notifications, body.notifications),
            );
            ctx.setTruth({ notifications, counts: ctx.truth.counts }, { hasMore: body.pagination.has_more });
          } catch (error: any) {
            if (ctx.active()) ctx.update({ error });
            throw error;
          } finally {
            if (ctx.replay == replay) ctx.replay = undefined;
            loadingMore = undefined;
          }
        })());

  return { loadFirstPage, loadMore };
}
