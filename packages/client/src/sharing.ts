import type { Perform } from './actions';
import type { Connection } from './connection';
import { stateMessage, type InboxContext } from './context';
import { failure, plain, revive } from './http';
import { elect, type Election } from './leader';
import type { Operation, TabMessage } from './messages';
import type { Channel } from './types';

// One connection per browser: the instances with one key (its tabs) elect a leader (leader.ts), which holds the
// connection and sends its state to the others after every change; they forward the user's calls to it.

/**
 * Whom the server serves for this JWT: its issuer, project, subject and organizations (sorted), read without
 * verification: it only names the shared connection. The server scopes by all of them, so tabs that differ in one
 * must not share a connection (each would run the other's calls with the wrong token).
 */
export const principal = (token: string) => {
  try {
    const { iss, project, sub, orgs } = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    return JSON.stringify([iss, project, sub, [...(orgs || [])].sort()]);
  } catch {
    return '';
  }
};

interface ForwardedCall {
  op: Operation;
  argument?: string;
  resolve(value: any): void;
  reject(error: Error): void;
}

export function createSharing(ctx: InboxContext, connection: Connection, perform: Perform) {
  const { options } = ctx;
  /** This instance's id on the channel: its calls and its visibility go by it. */
  const id = ctx.random();
  let election: Election | undefined;
  /** The calls forwarded to the leader and not answered yet, by number. */
  const calls = new Map<number, ForwardedCall>();
  let lastCall = 0;
  /** Counts the joins: one still waiting for the token gives way to a later start(). */
  let joins = 0;

  /** A follower's hello: asks for the leader's state and says whether this one is visible. */
  const hello = () => ctx.post({ t: 'q', id, v: ctx.visibility.visible() });

  function lead() {
    if (!ctx.running) return;
    ctx.halted = false;
    // The server's state as the last leader knew it; its edits went with it (forwarded calls run again below).
    ctx.setTruth(ctx.truth, { leader: true });
    ctx.post({ t: 'l' });
    calls.forEach(({ op, argument, resolve, reject }, number) => (calls.delete(number), perform(op, argument).then(resolve, reject)));
    connection.start();
  }

  function follow() {
    connection.stop();
    ctx.edits = [];
    // What followers told an earlier turn as leader is stale: the new leader hears them again (hello).
    ctx.othersVisible.clear();
    ctx.update({ leader: false });
    hello();
  }

  function hear(message: TabMessage) {
    election?.hear(message);
    if (ctx.state.leader) {
      if (message.t == 'q') ctx.post(stateMessage(ctx));
      if (message.t == 'q' || message.t == 'v') {
        message.v ? ctx.othersVisible.add(message.id) : ctx.othersVisible.delete(message.id);
        connection.onVisibility();
      }
      if (message.t == 'c')
        perform(message.op, message.a).then(
          (value) => ctx.post({ t: 'r', id: message.id, n: message.n, v: value }),
          (error) => ctx.post({ t: 'r', id: message.id, n: message.n, e: plain(error) }),
        );
    } else if (message.t == 's') {
      ctx.resume = message.x;
      ctx.state = { ...message.s, error: revive(message.s.error), leader: false };
      // What this one starts from if it takes over: the server's state (the leader's edits end with it).
      ctx.truth = message.o || { notifications: message.s.notifications, counts: message.s.counts };
      ctx.show();
    } else if (message.t == 'l') {
      // A new leader: tell it whether this one is visible, and ask again what the old one did not answer.
      hello();
      calls.forEach(({ op, argument }, number) => ctx.post({ t: 'c', id, n: number, op, a: argument }));
    } else if (message.t == 'r' && message.id == id) {
      const call = calls.get(message.n);
      calls.delete(message.n);
      call && (message.e ? call.reject(revive(message.e)!) : call.resolve(message.v));
    }
  }

  return {
    /** Joins the other instances with this key, or leads alone when not sharing. */
    start() {
      const BroadcastChannel = options.BroadcastChannel === undefined ? (globalThis as any).BroadcastChannel : options.BroadcastChannel;
      // Sharing is for pages (tabs of one browser); elsewhere every instance leads unless asked to share.
      if (!(options.share ?? ctx.inPage) || !BroadcastChannel) return lead();
      const join = ++joins;
      (async () => {
        const name = typeof options.share == 'string' ? options.share : 'edge-inbox:' + ctx.endpoint + ':' + principal(await ctx.api.token());
        // Stopped meanwhile, or stopped and started again (React StrictMode runs effects so): a later join opens the channel.
        if (!ctx.running || join != joins) return;
        const channel: Channel = (ctx.channel = new BroadcastChannel(name));
        channel.onmessage = (event) => hear(event.data);
        const locks = options.locks === undefined ? (globalThis as any).navigator?.locks : options.locks;
        election = elect(name, locks, channel, ctx.scheduler, ctx.random, lead, follow);
        hello();
      })().catch((error) => connection.halt('stopped', error));
    },
    /** Leaves: closes the channel and gives up the calls still forwarded. */
    stop() {
      election?.stop();
      ctx.channel?.close();
      ctx.channel = null;
      election = undefined;
      ctx.othersVisible.clear();
      calls.forEach(({ reject }) => reject(failure('STOPPED', 'The inbox stopped')));
      calls.clear();
    },
    /** A follower tells the leader whether it is visible. */
    tellVisibility: (visible: boolean) => ctx.post({ t: 'v', id, v: visible }),
    /** Runs a call: here when leading (or not sharing), else through the leader, which answers on the channel. */
    ask: (op: Operation, argument?: string): Promise<any> =>
      ctx.state.leader || !ctx.channel
        ? perform(op, argument)
        : new Promise((resolve, reject) => {
            calls.set(++lastCall, { op, argument, resolve, reject });
            ctx.post({ t: 'c', id, n: lastCall, op, a: argument });
          }),
  };
}
