import type { Channel, Locks, Scheduler } from './types';

// Heartbeat election (no Web Locks): the leader says so every BEAT; a follower that heard nothing for three
// beats leads. Two leaders (a race) resolve by id: the lower steps down on hearing the higher.
const BEAT = 2000;
/** With Web Locks: how long a follower hears nothing from the leader before it asks, and as long again before it takes over. */
const PROBE = 15000;

export interface Election {
  /** Every message of the channel goes through here. */
  hear(message: { t: string; id?: number }): void;
  stop(): void;
}

/**
 * Leadership among the instances sharing `key`. With Web Locks the leader holds the lock until stop (the browser
 * releases it when the tab goes); a waiting request takes over. `lead`/`follow` are called on each change.
 * The messages (`h`, `bye`) are described in messages.ts.
 */
export function elect(
  key: string,
  locks: Locks | null | undefined,
  channel: Channel,
  scheduler: Scheduler,
  random: () => number,
  lead: () => void,
  follow: () => void,
): Election {
  if (locks) {
    const abort = new AbortController();
    let release: (value?: unknown) => void = () => {};
    let leading = false;
    let stopped = false;
    let heard = scheduler.now();
    /** When this follower last asked (`p`) whether the leader lives; 0: not since it last heard from it. */
    let asked = 0;
    let timer: unknown;
    const take = (steal: boolean) =>
      locks
        .request(key, steal ? { steal: true } : { signal: abort.signal }, () =>
          new Promise((resolve) => {
            // Stopped before a steal was granted: let the lock go at once.
            if (stopped) return resolve(undefined);
            release = resolve;
            leading = true;
            scheduler.clearTimeout(timer);
            lead();
          }),
        )
        .catch(() => {
          // Stolen (this tab was frozen and another took over): follow, and wait in line again.
          if (stopped || !leading) return;
          leading = false;
          // The new leader gets as long as anyone to be heard before this tab, just thawed, would ask.
          heard = scheduler.now();
          follow();
          take(false);
          watch();
        });
    // Liveness: a frozen leader tab keeps its lock and says nothing. A follower that heard nothing from it for a
    // while asks (`p`); a leader that can answer does at once, even in the background (messages are not throttled
    // like timers). Only a question left unanswered for a whole check steals the lock: a follower whose own timers
    // were slowed (a long-hidden tab, a device waking from sleep) asks first. Leaders run no timer for it.
    const check = () => {
      if (leading || stopped) return;
      const now = scheduler.now();
      if (asked && heard < asked && now - asked >= PROBE) {
        heard = now;
        asked = 0;
        take(true);
      } else if (now - heard >= PROBE && !(asked && heard < asked)) {
        asked = now;
        channel.postMessage({ t: 'p' });
      }
      watch();
    };
    const watch = () => {
      scheduler.clearTimeout(timer);
      if (!leading) timer = scheduler.setTimeout(check, PROBE);
    };
    take(false);
    watch();
    return {
      hear(message) {
        if (message.t == 'p' && leading) channel.postMessage({ t: 'h', id: 0 });
        if (/^[shlr]$/.test(message.t)) heard = scheduler.now();
      },
      stop() {
        stopped = true;
        scheduler.clearTimeout(timer);
        abort.abort();
        release();
      },
    };
  }
  const id = random();
  let leading = false;
  let timer: unknown;
  const beatIn = (ms: number) => {
    scheduler.clearTimeout(timer);
    timer = scheduler.setTimeout(beat, ms);
  };
  const beat = () => {
    channel.postMessage({ t: 'h', id });
    beatIn(BEAT);
    if (!leading) (leading = true), lead();
  };
  // A leader answers a newcomer's `q` at once, so a lone instance leads after a short wait.
  beatIn(BEAT / 4);
  return {
    hear(message) {
      if (message.t == 'q' && leading) channel.postMessage({ t: 'h', id });
      if (message.t == 'h' && (!leading || message.id! > id)) {
        if (leading) (leading = false), follow();
        beatIn(3 * BEAT + random() * BEAT);
      }
      // Spread, so that the first follower to wake leads and the others hear it.
      if (message.t == 'bye' && !leading) beatIn(random() * BEAT);
    },
    stop() {
      scheduler.clearTimeout(timer);
      if (leading) channel.postMessage({ t: 'bye' });
    },
  };
}
