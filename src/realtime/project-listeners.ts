import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env';
import { Leases, type Holder } from './leases';
import { playerRoomName } from './names';

/**
 * One shard of a project's listeners (see names.ts for the sharding): counts them against the
 * project's limit, and knows who they are, so a notification to an organisation or to everyone
 * wakes exactly the players listening in that audience, at once.
 */
export class ProjectListenerShard extends DurableObject<Bindings> {
  private readonly leases = new Leases(this.ctx.storage.sql);

  /** Counts a new listener; `replacing` is the lease it takes over (a reconnect under the same listener name). */
  async take(lease: string, expiresAt: number, limit: number, holder: Holder, replacing?: string): Promise<boolean> {
    if (replacing !== undefined) this.leases.drop(replacing);
    return this.leases.take(lease, expiresAt, limit, holder).ok;
  }

  async renew(lease: string, expiresAt: number): Promise<void> {
    this.leases.renew(lease, expiresAt);
  }

  async drop(lease: string): Promise<void> {
    this.leases.drop(lease);
  }

  async count(): Promise<number> {
    return this.leases.count();
  }

  /** Wakes the listening players in these organisations (or all, with `everyone`); does not wait for them. `bookmark`: where the write committed. */
  async wake(projectId: string, orgs: readonly string[], everyone: boolean, bookmark?: string): Promise<number> {
    const users = this.leases.usersIn(orgs, everyone);
    this.ctx.waitUntil(
      Promise.allSettled(users.map((userId) => this.env.PLAYER_LISTENERS.getByName(playerRoomName(projectId, userId)).notify(bookmark))),
    );
    return users.length;
  }
}
