// A Durable Object's own account of its billable time. Durable Objects bill wall-clock duration while
// an object runs or cannot hibernate: while a request, an RPC, a socket event or an alarm is in flight,
// or a timer is pending. With nothing in flight and no timer pending the object may hibernate and the
// platform bills nothing, so this account stands still. Kept in memory: an eviction starts a new one
// (`startedAt` tells), which is right, since an evicted object is billed nothing either.

export interface BusyAccount {
  /** When this instance started keeping the account (epoch ms). */
  startedAt: number;
  /** Milliseconds during which something was in flight. */
  busyMs: number;
  /** Requests the object handled: RPC calls, fetches (socket upgrades) and alarms. */
  requests: number;
  /** Incoming WebSocket messages and socket events (billed as requests at 20:1). */
  socketEvents: number;
  /** Calls in flight now (the reading itself is not one). */
  inFlight: number;
}

export class BusyMeter {
  private readonly startedAt = Date.now();
  private inFlight = 0;
  private since = 0;
  private busyMs = 0;
  private requests = 0;
  private socketEvents = 0;

  /** Runs one entry point of the object, counting its time as busy. */
  async run<T>(kind: 'request' | 'socket', work: () => Promise<T> | T): Promise<T> {
    if (kind === 'request') this.requests++;
    else this.socketEvents++;
    if (this.inFlight++ === 0) this.since = Date.now();
    try {
      return await work();
    } finally {
      if (--this.inFlight === 0) this.busyMs += Date.now() - this.since;
    }
  }

  account(now = Date.now()): BusyAccount {
    const open = this.inFlight > 0 ? now - this.since : 0;
    return { startedAt: this.startedAt, busyMs: this.busyMs + open, requests: this.requests, socketEvents: this.socketEvents, inFlight: this.inFlight };
  }
}
