// What an idle listener costs a phone: every burst of bytes wakes its radio. Each transport runs with
// its default settings through its own byte-counting TCP proxy for an idle window; then notifications
// are created and the time until each live transport delivers them is measured.
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Bursts closer than this are one wake-up. (A real radio stays up for a tail of several seconds, so these counts are upper bounds.) */
const BURST_GAP_MS = 1000;
/**
 * How often an idle client of the client library polls, and how often its WebSocket pings (README
 * "Battery"): once a minute, under the 100 s after which Cloudflare's edge closes a silent connection.
 */
export const POLL_IDLE_MS = 60_000;
export const WS_PING_MS = 60_000;

/** A proxy in front of `port` that timestamps every chunk in either direction. */
export async function meter(port) {
  const chunks = [];
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.on('data', (d) => chunks.push({ at: performance.now(), bytes: d.length }));
    upstream.on('data', (d) => chunks.push({ at: performance.now(), bytes: d.length }));
    client.pipe(upstream).on('error', () => {});
    upstream.pipe(client).on('error', () => {});
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, chunks, close: () => server.close() };
}

/** Bursts (start time, bytes) of the chunks between `from` and `to`. */
export function bursts(chunks, from, to) {
  const out = [];
  for (const c of chunks.filter((c) => c.at >= from && c.at < to).sort((a, b) => a.at - b.at)) {
    const last = out.at(-1);
    if (last && c.at - last.end < BURST_GAP_MS) {
      last.end = c.at;
      last.bytes += c.bytes;
    } else out.push({ start: c.at, end: c.at, bytes: c.bytes });
  }
  return out;
}

/** Wake-ups and bytes per idle hour from the bursts after the connection was set up (the first burst). */
function perHour(list) {
  const idle = list.slice(1);
  if (idle.length === 0) return { wakes: 0, bytes: 0, interval: null };
  const interval = (idle.at(-1).start - list[0].start) / idle.length;
  const bytesPerWake = idle.reduce((sum, b) => sum + b.bytes, 0) / idle.length;
  return { wakes: 3_600_000 / interval, bytes: (3_600_000 / interval) * bytesPerWake, interval };
}

/** The account a user's Durable Object keeps of its billable time (GET …/users/{user}/listeners; reading it is not counted). */
async function accountOf({ app, admin }, user) {
  const res = await fetch(`${app}/v1/projects/default/users/${user}/listeners`, { headers: admin });
  if (res.status !== 200) throw new Error(`listeners of ${user}: ${res.status}`);
  return (await res.json()).object;
}

/**
 * Sums a user's object's account over a window, reading it every few seconds. An idle object may be
 * evicted (it was hibernatable: nothing billed) and its next instance starts a new account: its whole
 * account is then new. Readings this frequent land between an instance's last activity and its eviction.
 */
async function sampleObject(source, user) {
  let last = await accountOf(source, user);
  const total = { busyMs: 0, requests: 0, socketEvents: 0, instances: 1 };
  const add = (now, base) => {
    total.busyMs += now.busy_ms - base.busy_ms;
    total.requests += now.requests - base.requests;
    total.socketEvents += now.socket_events - base.socket_events;
  };
  const read = async () => {
    const now = await accountOf(source, user);
    if (now.started_at === last.started_at) add(now, last);
    else {
      total.instances++;
      add(now, { busy_ms: 0, requests: 0, socket_events: 0 });
    }
    last = now;
  };
  const timer = setInterval(() => void read().catch(() => {}), 5000);
  return async (seconds) => {
    clearInterval(timer);
    await read();
    const scale = 3600 / seconds;
    return { busySeconds: (total.busyMs / 1000) * scale, requests: total.requests * scale, socketEvents: total.socketEvents * scale, instances: total.instances };
  };
}

/**
 * Runs the transports side by side: 304 polling, the long poll at its default and its longest
 * deadline, the event stream and the WebSocket. `token(user)` signs a user token; `create(user)`
 * creates a notification for that user; `costs` holds the Worker's listener_cost log lines
 * (LISTENER_COST_LOG=on). Returns one row per transport, with what an idle hour of it costs.
 */
export async function measureBattery({ appPort, token, create, idleSeconds, admin, costs }) {
  const app = `http://127.0.0.1:${appPort}`;
  const users = { poll: 'battery-poll', longPoll: 'battery-lp', longPoll900: 'battery-lp900', sse: 'battery-sse', ws: 'battery-ws' };
  const meters = Object.fromEntries(await Promise.all(Object.keys(users).map(async (k) => [k, await meter(appPort)])));
  const auth = async (user) => ({ authorization: `Bearer ${await token(user)}` });
  const arrivals = { longPoll: [], sse: [], ws: [] };
  const requests = { longPoll: [], longPoll900: [] };
  const stops = [];

  // 304 polling at the client library's idle pace.
  const pollHeaders = await auth(users.poll);
  let etag = null;
  const poll = async () => {
    const res = await fetch(`${meters.poll.url}/api/v1/client/notifications`, { headers: { ...pollHeaders, ...(etag && { 'if-none-match': etag }) } });
    await res.arrayBuffer();
    etag = res.headers.get('etag') ?? etag;
  };
  await poll();
  const pollTimer = setInterval(() => void poll().catch(() => {}), POLL_IDLE_MS);
  stops.push(() => clearInterval(pollTimer));

  // Long polls (player API), asked again as soon as they answer: the default deadline, and the longest.
  const longPoll = (kind, deadline) => {
    const abort = new AbortController();
    const loop = (async () => {
      const headers = await auth(users[kind]);
      let cursor = '';
      while (!abort.signal.aborted) {
        requests[kind].push(performance.now());
        const query = `deadline=${deadline}&listener_id=bench-${kind}${cursor && `&exclude_before=${cursor}`}`;
        const res = await fetch(`${meters[kind].url}/notification/v1/player/me/stream/notification/lp?${query}`, { headers, signal: abort.signal });
        const body = await res.json();
        for (const n of body.notifications ?? []) arrivals.longPoll.push({ at: performance.now(), message: n.message });
        cursor = body.cursor;
      }
    })().catch(() => {});
    return () => abort.abort();
  };
  const stopLongPoll = longPoll('longPoll', 30);
  const stopLongPoll900 = longPoll('longPoll900', 900);

  // Event stream, default heartbeat.
  const openSse = async (query) => {
    const abort = new AbortController();
    const res = await fetch(`${meters.sse.url}/api/v1/client/notifications/stream${query}`, { headers: await auth(users.sse), signal: abort.signal });
    (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        for (const line of decoder.decode(chunk).split('\n')) {
          if (line.startsWith('data:') && line.includes('"notification"')) arrivals.sse.push({ at: performance.now(), message: JSON.parse(line.slice(5)).notification.title });
        }
      }
    })().catch(() => {});
    return () => abort.abort();
  };
  const closeSse = await openSse('?listener_id=bench-sse');

  // WebSocket with the documented ping.
  const openWs = async (query) => {
    const ws = new WebSocket(`${meters.ws.url.replace('http', 'ws')}/api/v1/client/notifications/ws?access_token=${await token(users.ws)}${query}`);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    ws.onmessage = (event) => {
      if (event.data === 'pong') return;
      const message = JSON.parse(event.data);
      if (message.type === 'notification') arrivals.ws.push({ at: performance.now(), message: message.notification.title });
    };
    const pingTimer = setInterval(() => ws.send('ping'), WS_PING_MS);
    return () => {
      clearInterval(pingTimer);
      ws.close();
    };
  };
  const closeWs = await openWs('&listener_id=bench-ws');

  // The idle window starts once everything is connected and has settled.
  await sleep(5000);
  const live = ['longPoll', 'longPoll900', 'sse', 'ws'];
  const samplers = Object.fromEntries(await Promise.all(live.map(async (k) => [k, await sampleObject({ app, admin }, users[k])])));
  const idleFrom = performance.now();
  const costsFrom = costs.length;
  await sleep(idleSeconds * 1000);
  const idleTo = performance.now();
  const windowSeconds = (idleTo - idleFrom) / 1000;
  const objects = Object.fromEntries(await Promise.all(live.map(async (k) => [k, await samplers[k](windowSeconds)])));

  // The listeners held all along end, so that they log what they read: each is replaced by a new one with its
  // listener_id (under wrangler dev a hang-up goes unnoticed without the probe, which would add bytes). The new event
  // stream and WebSocket then take the deliveries.
  stopLongPoll900();
  closeSse();
  closeWs();
  const replaced = await fetch(`${app}/notification/v1/player/me/stream/notification/lp?deadline=0&listener_id=bench-longPoll900`, { headers: await auth(users.longPoll900) });
  await replaced.arrayBuffer();
  stops.push(await openSse('?listener_id=bench-sse'), await openWs('&listener_id=bench-ws'));
  await sleep(3000);
  /** The cost lines of a listener: those held through the window, or (the 30 s long poll) those that ended in it. */
  const costLines = (listener) =>
    costs.slice(costsFrom).filter((c) => c.listener_id === `bench-${listener}` && (listener === 'longPoll' || c.held_ms > idleSeconds * 500));

  // Delivery: five notifications to each live listener, a few seconds apart.
  const delivery = { longPoll: [], sse: [], ws: [] };
  for (let i = 0; i < 5; i++) {
    for (const [kind, user] of [['longPoll', users.longPoll], ['sse', users.sse], ['ws', users.ws]]) {
      const title = `battery ${kind} ${i}`;
      const sent = performance.now();
      await create(user, title);
      while (!arrivals[kind].some((a) => a.message === title) && performance.now() - sent < 10_000) await sleep(5);
      const arrival = arrivals[kind].find((a) => a.message === title);
      delivery[kind].push(arrival ? arrival.at - sent : Infinity);
    }
    await sleep(1500);
  }
  stopLongPoll();
  stops.forEach((stop) => stop());
  await sleep(2000);
  Object.values(meters).forEach((m) => m.close());

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const radio = (kind) => perHour(bursts(meters[kind].chunks, idleFrom - 5000, idleTo));
  /** D1 per idle hour from the cost lines: `opens` requests an hour, and the waiting reads at their measured rate. */
  const d1 = (listener, opensPerHour) => {
    const lines = costLines(listener);
    if (lines.length === 0) return { statements: null, rowsRead: null };
    const held = lines.reduce((sum, l) => sum + l.held_ms, 0) / 1000;
    const per = (pick) => (opensPerHour * lines.reduce((sum, l) => sum + pick(l.open), 0)) / lines.length + (lines.reduce((sum, l) => sum + pick(l.waiting), 0) / held) * 3600;
    return { statements: per((c) => c.statements), rowsRead: per((c) => c.rows_read) };
  };
  const perHourOf = (list) => (list.filter((at) => at >= idleFrom && at < idleTo).length * 3600) / windowSeconds;
  // The 900 s long poll reconnects 4 times an hour, seldom inside the window: each reconnect's slot is an object request.
  if (objects.longPoll900) objects.longPoll900.requests = Math.max(objects.longPoll900.requests, 4);
  const row = (name, kind, deliveryText, workerRequests, listener) => ({
    name,
    kind,
    ...radio(kind),
    delivery: deliveryText,
    workerRequests,
    object: objects[kind] ?? null,
    d1: listener ? d1(listener, workerRequests) : null,
  });
  return {
    windowSeconds,
    rows: [
      row(`304 polling, every ${POLL_IDLE_MS / 1000} s (the client library's idle maximum)`, 'poll', `next poll: ≤ ${POLL_IDLE_MS / 1000} s`, 3600_000 / POLL_IDLE_MS, null),
      row('long poll (player API), default deadline 30 s', 'longPoll', `${median(delivery.longPoll).toFixed(0)} ms`, perHourOf(requests.longPoll), 'longPoll'),
      row('long poll (player API), longest deadline 900 s', 'longPoll900', 'as the 30 s one', 4, 'longPoll900'),
      row('event stream, default heartbeat', 'sse', `${median(delivery.sse).toFixed(0)} ms`, 0, 'sse'),
      row(`WebSocket, \`ping\` every ${WS_PING_MS / 1000} s`, 'ws', `${median(delivery.ws).toFixed(0)} ms`, 0, 'ws'),
    ],
  };
}
