import type { InboxContext } from './context';
import type { LoadFirstPage } from './pages';
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
  const { endpoint, pingMs, pongMs, scheduler } = ctx;
  return kind == 'sse'
    ? openSse(ctx.fetch, endpoint + '/stream' + query, token, 2 * pingMs + pongMs, scheduler, link)
    : // Browsers cannot set a WebSocket's headers: the token goes in the URL.
      openWebSocket(ctx.WebSocket!, endpoint.replace(/^http/, 'ws') + '/ws' + query + '&access_token=' + enc(token), pingMs, pongMs, scheduler, link);
}

/** What a stream message (other than `replaced`, which ends the connection) does to the leader's state. */
export function applyStreamMessage(ctx: InboxContext, message: StreamMessage, loadFirstPage: LoadFirstPage) {
  ctx.resume.c = message.cursor;
  // A failure after a stop (or a handover) is not this connection's to show.
  const resync = () => loadFirstPage(false).catch((error) => ctx.active() && ctx.update({ error }));
  if (message.type == 'reset') return void resync();
  ctx.replay?.push(message);
  const [held, unsure] = apply(ctx.state, message);
  ctx.update(held);
  if (unsure > 1) resync();
  else if (unsure) ctx.refreshCounts();
  else if (message.type == 'notification') ctx.recountSoon();
}
