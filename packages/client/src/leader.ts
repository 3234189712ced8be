import type { Channel, Locks, Scheduler } from './types';

// Heartbeat election (no Web Locks): the leader says so every BEAT; a follower that heard nothing for three
// beats leads. Two leaders (a race) resolve by id: the lower steps down on hearing the higher.
const BEAT = 2000;

export interface Election {
  /** Every message of the channel goes through here. */
  hear(m: { t: string; id?: number }): void;
  stop(): void;
}

/**
 * Leadership among the instances sharing `key`. With Web Locks the leader holds the lock until stop (the browser
 * releases it when the tab goes); a waiting request takes over. `lead`/`follow` are called on each change.
 */
export function elect(key: string, locks: Locks | null | undefined, channel: Channel, s: Scheduler, random: () => number, lead: () => void, follow: () => void): Election {
  if (locks) {
    const abort = new AbortController();
    let release: (v?: unknown) => void = () => {};
    locks.request(key, { signal: abort.signal }, () => new Promise((r) => ((release = r), lead()))).catch(() => {});
    return {
      hear() {},
      stop() {
        abort.abort();
        release();
      },
    };
  }
  const id = random();
  let leading = false;
  let timer: unknown;
  const arm = (ms: number) => {
    s.clearTimeout(timer);
    timer = s.setTimeout(beat, ms);
  };
  const beat = () => {
    channel.postMessage({ t: 'h', id });
    arm(BEAT);
    if (!leading) (leading = true), lead();
  };
  // A leader answers a newcomer's `q` at once, so a lone instance leads after a short wait.
  arm(BEAT / 4);
  return {
    hear(m) {
      if (m.t == 'q' && leading) channel.postMessage({ t: 'h', id });
      if (m.t == 'h' && (!leading || m.id! > id)) {
        if (leading) (leading = false), follow();
        arm(3 * BEAT + random() * BEAT);
      }
      // Spread, so that the first follower to wake leads and the others hear it.
      if (m.t == 'bye' && !leading) arm(random() * BEAT);
    },
    stop() {
      s.clearTimeout(timer);
      if (leading) channel.postMessage({ t: 'bye' });
    },
  };
}
