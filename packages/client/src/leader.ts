import type { Channel, Locks, Scheduler } from './types';

// Heartbeat election (no Web Locks): the leader says so every BEAT; a follower that heard nothing for three
// beats leads. Two leaders (a race) resolve by id: the lower steps down on hearing the higher.
const BEAT = 2000;

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
    locks.request(key, { signal: abort.signal }, () => new Promise((resolve) => ((release = resolve), lead()))).catch(() => {});
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
