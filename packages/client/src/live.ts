import type { InboxContext } from './context';
import { openSse, type Close, type Link } from './sse';
import { apply } from './store';
import type { StreamMessage } from './types';
import { openWebSocket } from './websocket';

// A live transport as the inbox uses it: where it opens, and what each message does to the state.

const enc = encodeURIComponent;

/** The stream's query: from the resume cursor (else from now on), as this instance's listener. */
export const streamQuery = (ctx: InboxContext) =>
  '?' + (ctx.resume.c ? 'since=' + enc(ctx.resume.c) + '&' : '') + 'listener_id=' + enc(ctx.listenerId);

export function openLive(ctx: InboxContext, kind: 'websocket' | 'sse', query: string, token: string, link: Link): Close {
  const { endpoint, pingMs, pongMs, scheduler, api } = ctx;
  const bookmark = api.bookmark();
  return kind == 'sse'
    ? openSse(ctx.fetch, endpoint + '/stream' + query, { authorization: 'Bearer ' + token, ...(bookmark && { 'x-d1-bookmark': bookmark }) }, 2 * pingMs + pongMs, scheduler, link)
    : // Browsers cannot set a WebSocket's headers: the token and the bookmark go as subprotocols, out of the URL.
      openWebSocket(
        ctx.WebSocket!,
        endpoint.replace(/^http/, 'ws') + '/ws' + query,
        ['edge-inbox', 'bearer.' + token, ...(bookmark ? ['bookmark.' + bookmark] : [])],
        pingMs,
        pongMs,
        scheduler,
        link,
      );
}

/**
 * What a stream message (other than `replaced`, which ends the connection) does to the server's state as the
 * leader holds it. `counts` are the server's at that point of the stream: they replace the local estimate.
 */
export function applyStreamMessage(ctx: InboxContext, message: StreamMessage) {
  ctx.resume.c = message.cursor;
  if (message.type == 'reset') return ctx.resync();
  if (message.type == 'counts') return ctx.setTruth({ notifications: ctx.truth.notifications, counts: message.counts });
  ctx.replay?.push(message);
  const [truth, unsure] = apply(ctx.truth, message);
  ctx.setTruth(truth);
  // An acknowledge-all through one not held: older than all held (nothing to change) unless this instance dropped
  // it at its expiry, when those older than it may be acknowledged now: only a fresh page can tell.
  if (unsure > 1 && message.type == 'acknowledged' && ctx.expiredIds.has(message.through)) ctx.resync();
}
