import { createActions } from './actions';
import { createConnection } from './connection';
import { createContext } from './context';
import { createPages } from './pages';
import { createPush } from './push';
import { createSharing } from './sharing';
import type { Inbox, InboxOptions } from './types';

// An inbox is a few parts around one context (context.ts): pages and actions talk to the server, the connection
// keeps the leader's state current (a live transport, or polls), and sharing lets one tab lead for the others.

export function createInbox(options: InboxOptions): Inbox {
  const ctx = createContext(options);
  const pages = createPages(ctx);
  const connection = createConnection(ctx, pages.loadFirstPage);
  const sharing = createSharing(ctx, connection, createActions(ctx, pages.loadMore));
  // A push that the service worker showed: the leader checks at once (a live transport has it already).
  const push = createPush(ctx, () => ctx.state.leader && connection.onPush());
  let ready: Promise<void> = Promise.resolve();
  let unsubscribeVisibility = () => {};
  let unsubscribeOnline = () => {};

  return {
    get state() {
      return ctx.state;
    },
    start() {
      if (ctx.running) return ready;
      ctx.running = true;
      ctx.halted = false;
      ready = new Promise((resolve, reject) => (ctx.started = { resolve, reject }));
      ctx.update({ status: 'connecting', error: undefined });
      unsubscribeVisibility = ctx.visibility.subscribe(() =>
        ctx.state.leader ? connection.onVisibility() : sharing.tellVisibility(ctx.visibility.visible()),
      );
      unsubscribeOnline = ctx.online.subscribe(() => ctx.state.leader && connection.onOnline());
      sharing.start();
      push.start();
      return ready;
    },
    stop() {
      if (!ctx.running) return;
      // So that the leader does not keep the foreground pace for a tab that is gone.
      sharing.tellVisibility(false);
      ctx.running = false;
      // Not leader first: followers do not show 'stopped', they take over.
      ctx.update({ leader: false });
      connection.halt('stopped');
      sharing.stop();
      unsubscribeVisibility();
      unsubscribeOnline();
      push.stop();
    },
    subscribe(subscriber) {
      ctx.subscribers.add(subscriber);
      return () => void ctx.subscribers.delete(subscriber);
    },
    acknowledge: (id) => sharing.ask('a', id),
    acknowledgeAll: () => sharing.ask('all'),
    loadMore: () => sharing.ask('m'),
    enablePush: push.enable,
    disablePush: push.disable,
    pushStatus: push.status,
  };
}
