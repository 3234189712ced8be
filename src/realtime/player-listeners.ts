import { DurableObject } from 'cloudflare:workers';
import type { WakeToken } from '../core/realtime';
import type { Bindings } from '../env';
import { Leases } from './leases';
import { listenerLimits, projectShard } from './limits';

export type AcquireResult = { ok: true; token: WakeToken } | { ok: false; reason: 'player' | 'project' };

/**
 * One per player (named [project, user]): counts that player's listeners and wakes them.
 * Wake-ups are in memory; a token names this instance (epoch) and how many wake-ups it had seen, so
 * a wake between a listener's check of D1 and its wait is never lost, and after an eviction every
 * waiter wakes once and re-checks.
 */
export class PlayerListeners extends DurableObject<Bindings> {
  private readonly leases = new Leases(this.ctx.storage.sql);
  private readonly epoch = crypto.randomUUID();
  private generation = 0;
  private readonly waiters = new Set<() => void>();

  async acquire(projectId: string, userId: string, lease: string, expiresAt: number): Promise<AcquireResult> {
    const limits = listenerLimits(this.env);
    // Reserve here first (synchronously), then ask the shard: two acquires cannot both slip in.
    if (!this.leases.take(lease, expiresAt, limits.perPlayer)) return { ok: false, reason: 'player' };
    const shard = projectShard(projectId, userId, limits.perProject);
    let admitted = false;
    try {
      admitted = await this.env.PROJECT_LISTENERS.getByName(shard.name).take(lease, expiresAt, shard.limit);
    } finally {
      if (!admitted) this.leases.drop(lease);
    }
    return admitted ? { ok: true, token: this.token() } : { ok: false, reason: 'project' };
  }

  async release(projectId: string, userId: string, lease: string): Promise<void> {
    this.leases.drop(lease);
    const shard = projectShard(projectId, userId, listenerLimits(this.env).perProject);
    await this.env.PROJECT_LISTENERS.getByName(shard.name).drop(lease);
  }

  async wait(since: WakeToken, ms: number): Promise<WakeToken> {
    if (since.epoch !== this.epoch || since.generation < this.generation) return this.token();
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.waiters.add(wake);
    });
    return this.token();
  }

  async notify(): Promise<void> {
    this.generation++;
    for (const wake of [...this.waiters]) wake();
  }

  async count(): Promise<number> {
    return this.leases.count();
  }

  private token(): WakeToken {
    return { epoch: this.epoch, generation: this.generation };
  }
}
