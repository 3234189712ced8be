import { DurableObject } from 'cloudflare:workers';
import type { WakeToken } from '../core/realtime';
import type { Bindings } from '../env';
import { Leases, UNTIL_CLOSED, type Holder } from './leases';
import { projectShard } from './names';
import { listenerLimits } from './settings';
import { REPLACED_CLOSE, SocketHub, type EncodeEvent, type SocketAttachment } from './socket-hub';

export type AcquireResult = { ok: true; token: WakeToken } | { ok: false; reason: 'player' | 'project' };

/** What the Worker tells the object when it hands over a WebSocket upgrade (it checked the token). */
export interface SocketRequest {
  /** The socket's lease, chosen by the Worker so that a handover retried after a reset counts once. */
  lease: string;
  projectId: string;
  holder: Holder;
  /** The client's name for this listener (`listener_id`): a socket of the same name gives its place. */
  name?: string;
  position: { notifications: number; changes: number };
  /** The first message, already encoded (ready or reset). */
  greeting: string;
}

export const SOCKET_REQUEST_HEADER = 'x-inbox-socket';

/** A socket's share of the project count lasts this long unless the object renews it (it does, every half). */
const SOCKET_SHARD_LEASE_MS = 60 * 60 * 1000;

interface Waiter {
  lease: string | undefined;
  /** `true`: the lease is gone (a newer listener of the same name took it). */
  wake(gone: boolean): void;
}

/**
 * One per player (named [project, user]): counts that player's listeners, wakes them, and holds
 * their WebSockets. Wake-ups are in memory; a token names this instance (epoch) and how many
 * wake-ups it had seen, so a wake between a listener's check of D1 and its wait is never lost, and
 * after an eviction every waiter wakes once and re-checks.
 */
export abstract class PlayerListenersBase extends DurableObject<Bindings> {
  /** How a socket's messages look: the dialect's encoder, given by the subclass src/index.ts exports. */
  protected abstract readonly encode: EncodeEvent;
  private readonly leases = new Leases(this.ctx.storage.sql);
  private readonly hub = new SocketHub(this.ctx, this.env, this.leases, (user, event) => this.encode(user, event));
  private readonly epoch = crypto.randomUUID();
  private generation = 0;
  /** Where the newest write that woke this player committed (a D1 bookmark): wakes carry it on. */
  private bookmark: string | undefined;
  private readonly waiters = new Set<Waiter>();
  /** Socket leases taken but not yet attached to an accepted socket: the alarm must leave them be. */
  private readonly opening = new Set<string>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
    // A new instance whose stored socket leases outlived their sockets (an eviction, a deploy): the
    // alarm gives their slots back now rather than at its next turn.
    void ctx.blockConcurrencyWhile(async () => {
      const open = new Set(this.hub.sockets().map((ws) => this.hub.leaseOf(ws)));
      if (this.leases.untilClosed().some((lease) => !open.has(lease))) await ctx.storage.setAlarm(Date.now());
    });
  }

  async acquire(projectId: string, holder: Holder, lease: string, expiresAt: number, name?: string): Promise<AcquireResult> {
    const reason = await this.take(projectId, holder, lease, expiresAt, expiresAt, name);
    return reason === null ? { ok: true, token: this.token() } : { ok: false, reason };
  }

  /** Keeps a lease; false when it is gone (a newer listener of the same name took its place). */
  async renew(projectId: string, userId: string, lease: string, expiresAt: number): Promise<boolean> {
    if (!this.leases.renew(lease, expiresAt)) return false;
    await this.shard(projectId, userId).renew(lease, expiresAt);
    return true;
  }

  async release(projectId: string, userId: string, lease: string): Promise<void> {
    this.leases.drop(lease);
    await this.shard(projectId, userId).drop(lease);
  }

  /**
   * Resolves with the next token when woken after `since`, or after `ms`; with null at once when
   * `lease` no longer holds its slot (a newer listener of the same name took it).
   */
  async wait(since: WakeToken, ms: number, lease?: string): Promise<WakeToken | null> {
    if (lease !== undefined && !this.leases.holds(lease)) return null;
    if (since.epoch !== this.epoch || since.generation < this.generation) return this.token();
    const gone = await new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        lease,
        wake: (isGone) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(isGone);
        },
      };
      const timer = setTimeout(() => waiter.wake(false), Math.max(0, ms));
      this.waiters.add(waiter);
    });
    return gone ? null : this.token();
  }

  /** A write for this player committed (at `bookmark`, when the writer knows it). */
  async notify(bookmark?: string): Promise<void> {
    this.generation++;
    // D1 bookmarks compare as strings: keep the later (wake-ups may arrive out of order).
    if (bookmark && (this.bookmark === undefined || bookmark > this.bookmark)) this.bookmark = bookmark;
    for (const waiter of [...this.waiters]) waiter.wake(false);
    if (this.hub.sockets().length > 0) this.hub.deliver(this.bookmark);
  }

  async count(): Promise<number> {
    return this.leases.count();
  }

  /** A WebSocket upgrade handed over by the Worker: 101 with the socket, or 409/503 with the reason. */
  override async fetch(request: Request): Promise<Response> {
    const socket = JSON.parse(request.headers.get(SOCKET_REQUEST_HEADER) ?? 'null') as SocketRequest | null;
    if (!socket || request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response(null, { status: 400 });
    this.ctx.storage.kv.put('project', socket.projectId);
    // Set before the lease is taken: if this instance dies between the two, the alarm forgets the lease.
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SOCKET_SHARD_LEASE_MS / 2);
    const lease = socket.lease;
    this.opening.add(lease);
    const { 0: client, 1: server } = new WebSocketPair();
    try {
      const refused = await this.take(socket.projectId, socket.holder, lease, UNTIL_CLOSED, Date.now() + SOCKET_SHARD_LEASE_MS, socket.name);
      if (refused) return Response.json({ reason: refused }, { status: refused === 'player' ? 409 : 503 });
      // A retried handover whose first answer was lost: that socket never reached the client.
      for (const ws of this.hub.sockets()) if (this.hub.leaseOf(ws) === lease) this.closeQuietly(ws, 1011);
      this.ctx.acceptWebSocket(server);
      server.serializeAttachment({ lease, projectId: socket.projectId, ...socket.position } satisfies SocketAttachment);
    } finally {
      this.opening.delete(lease);
    }
    if (!this.leases.holds(lease)) {
      // A newer socket of the same name arrived while this one was being accepted; its shard share may
      // have been counted after the newer one dropped it.
      this.closeQuietly(server, REPLACED_CLOSE.code, REPLACED_CLOSE.reason);
      await this.shard(socket.projectId, socket.holder.userId).drop(lease);
    } else {
      server.send(socket.greeting);
      // Its first read: from the primary (the Worker may have read its position there).
      this.hub.deliver();
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(): Promise<void> {
    // Clients have nothing to say but `ping`, which the runtime answers itself.
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    // 1005 and 1006 only describe a close; they cannot be sent.
    await this.closeSocket(ws, code === 1005 || code === 1006 ? 1000 : code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.closeSocket(ws, 1011);
  }

  /** Keeps the open sockets' share of the project count alive, and drops what closed unseen. */
  override async alarm(): Promise<void> {
    // Objects from before the project was stored find it on their sockets.
    const projectId =
      this.ctx.storage.kv.get<string>('project') ??
      this.hub.sockets().map((ws) => (ws.deserializeAttachment() as SocketAttachment | null)?.projectId).find(Boolean);
    if (projectId === undefined) return;
    await this.forgetClosedSockets(projectId);
    if (this.leases.untilClosed().length === 0 && this.opening.size === 0) return;
    const until = Date.now() + SOCKET_SHARD_LEASE_MS;
    for (const lease of this.leases.untilClosed()) {
      const holder = this.leases.holder(lease);
      if (holder) await this.shard(projectId, holder.userId).renew(lease, until);
    }
    await this.ctx.storage.setAlarm(Date.now() + SOCKET_SHARD_LEASE_MS / 2);
  }

  private async closeSocket(ws: WebSocket, code: number): Promise<void> {
    const attachment = ws.deserializeAttachment() as SocketAttachment | null;
    this.closeQuietly(ws, code);
    const holder = attachment && this.leases.holder(attachment.lease);
    // A socket that a retried handover replaced shares its lease with the live one: that stays.
    const shared = this.hub.sockets().some((other) => other !== ws && this.hub.leaseOf(other) === attachment?.lease);
    if (attachment && holder && !shared) await this.release(attachment.projectId, holder.userId, attachment.lease);
  }

  private closeQuietly(ws: WebSocket, code: number, reason?: string): void {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  /** A socket lost without a close event (a restart) would hold its slot forever: its lease goes. */
  private async forgetClosedSockets(projectId: string): Promise<void> {
    const open = new Set([...this.opening, ...this.hub.sockets().map((ws) => this.hub.leaseOf(ws))]);
    for (const lease of this.leases.untilClosed()) {
      const holder = this.leases.holder(lease);
      if (!open.has(lease) && holder) await this.release(projectId, holder.userId, lease);
    }
  }

  /**
   * Reserves here first (synchronously), then asks the shard: two acquires cannot both slip in. A
   * named listener takes the place of the one of that name, which is told at once that it is over.
   */
  private async take(projectId: string, holder: Holder, lease: string, expiresAt: number, shardExpiresAt: number, name?: string) {
    // Sockets that died with an earlier instance (an eviction, a deploy) must not keep their slots.
    if (this.leases.untilClosed().length > 0) await this.forgetClosedSockets(projectId);
    const limits = listenerLimits(this.env);
    const taken = this.leases.take(lease, expiresAt, limits.perPlayer, holder, name);
    if (!taken.ok) return 'player' as const;
    if (taken.replaced !== undefined) this.ended(taken.replaced);
    const { name: shardName, limit: shardLimit } = projectShard(projectId, holder.userId, limits.perProject);
    const shard = this.env.PROJECT_LISTENERS.getByName(shardName);
    let admitted = false;
    try {
      admitted = await shard.take(lease, shardExpiresAt, shardLimit, holder, taken.replaced);
    } catch (error) {
      // The shard may not have dropped the replaced lease, and a retry will not know it was replaced.
      if (taken.replaced !== undefined) await shard.drop(taken.replaced).catch(() => {});
      throw error;
    } finally {
      if (!admitted) this.leases.drop(lease);
    }
    return admitted ? null : ('project' as const);
  }

  /** A lease that lost its place: its waiting listener answers, its socket closes. */
  private ended(lease: string): void {
    for (const waiter of [...this.waiters]) if (waiter.lease === lease) waiter.wake(true);
    for (const ws of this.hub.sockets()) if (this.hub.leaseOf(ws) === lease) this.closeQuietly(ws, REPLACED_CLOSE.code, REPLACED_CLOSE.reason);
  }

  private shard(projectId: string, userId: string) {
    return this.env.PROJECT_LISTENERS.getByName(projectShard(projectId, userId, listenerLimits(this.env).perProject).name);
  }

  private token(): WakeToken {
    return { epoch: this.epoch, generation: this.generation, ...(this.bookmark && { bookmark: this.bookmark }) };
  }
}
