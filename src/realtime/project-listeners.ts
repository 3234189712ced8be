import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env';
import { Leases } from './leases';

/** One shard of a project's listener count (see limits.ts for the sharding). */
export class ProjectListenerShard extends DurableObject<Bindings> {
  private readonly leases = new Leases(this.ctx.storage.sql);

  async take(lease: string, expiresAt: number, limit: number): Promise<boolean> {
    return this.leases.take(lease, expiresAt, limit);
  }

  async drop(lease: string): Promise<void> {
    this.leases.drop(lease);
  }

  async count(): Promise<number> {
    return this.leases.count();
  }
}
