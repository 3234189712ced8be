// What the client library (@edge-inbox/client, built into packages/client/dist) costs an idle app at its
// default settings, per transport: requests, radio wake-ups and bytes per idle hour, each instance through
// its own byte-counting proxy; then how long a new notification takes to reach `inbox.state`.
import { setTimeout as sleep } from 'node:timers/promises';
import { bursts, meter } from './battery.mjs';

const TRANSPORTS = ['websocket', 'sse', 'poll'];

/** Per idle hour, from the bursts and requests of the window (the first burst, setting up, left out). */
function perHour(list, requests, to) {
  const idle = list.slice(1);
  if (idle.length === 0) return { wakes: 0, bytes: 0, requests: 0 };
  // The rate of the last gaps: polling starts at its minimum interval and backs off toward its maximum,
  // and an idle hour is spent at the maximum.
  const gaps = idle.map((b, i) => b.start - (i === 0 ? list[0].start : idle[i - 1].start));
  const settled = gaps.slice(-2);
  const interval = settled.reduce((a, b) => a + b, 0) / settled.length;
  const bytesPerWake = idle.slice(-settled.length).reduce((sum, b) => sum + b.bytes, 0) / settled.length;
  // A request is timed as the library sends it, a burst as the proxy sees it: a little later.
  const requestsPerWake = requests.filter((at) => at >= idle.at(-settled.length).start - 500 && at < to).length / settled.length;
  return { wakes: 3_600_000 / interval, bytes: (3_600_000 / interval) * bytesPerWake, requests: (3_600_000 / interval) * requestsPerWake };
}

export async function measureLibrary({ appPort, token, create, idleSeconds }) {
  const { createInbox } = await import('../packages/client/dist/index.js');
  const rows = [];
  const instances = await Promise.all(
    TRANSPORTS.map(async (transport) => {
      const proxy = await meter(appPort);
      const user = `library-${transport}`;
      const requests = [];
      // What each answer says D1 did for it (Server-Timing).
      const d1 = [];
      const inbox = createInbox({
        baseUrl: proxy.url,
        token: () => token(user),
        transport,
        fetch: async (url, init) => {
          requests.push(performance.now());
          const res = await fetch(url, init);
          const cost = res.headers.get('server-timing')?.match(/q=(\d+) rr=(\d+)/);
          if (cost) d1.push({ at: performance.now(), statements: Number(cost[1]), rowsRead: Number(cost[2]) });
          return res;
        },
        WebSocket: class extends WebSocket {
          send(data) {
            requests.push(performance.now()); // a ping is the WebSocket's request
            super.send(data);
          }
        },
      });
      await inbox.start();
      return { transport, proxy, user, requests, d1, inbox };
    }),
  );
  await sleep(idleSeconds * 1000);
  const idleTo = performance.now();

  for (const { transport, proxy, user, requests, d1, inbox } of instances) {
    const delays = [];
    // The live transports: five deliveries a few seconds apart. Polling: one, from where its idle schedule is.
    for (let i = 0; i < (transport === 'poll' ? 1 : 5); i++) {
      const title = `library ${transport} ${i}`;
      const sent = performance.now();
      await create(user, title);
      while (!inbox.state.notifications.some((n) => n.title === title) && performance.now() - sent < 90_000) await sleep(5);
      delays.push(performance.now() - sent);
      await sleep(1000);
    }
    inbox.stop();
    proxy.close();
    delays.sort((a, b) => a - b);
    // D1 per request, averaged over the idle window's requests after the first minute (polling has backed off).
    const idle = d1.filter((c) => c.at >= idleTo - (idleSeconds - 60) * 1000 && c.at < idleTo);
    const average = (pick) => (idle.length === 0 ? null : idle.reduce((sum, c) => sum + pick(c), 0) / idle.length);
    rows.push({
      transport,
      ...perHour(bursts(proxy.chunks, 0, idleTo), requests, idleTo),
      d1PerRequest: { statements: average((c) => c.statements), rowsRead: average((c) => c.rowsRead) },
      delivery: delays[Math.floor(delays.length / 2)],
      samples: delays.length,
    });
  }
  return rows;
}
