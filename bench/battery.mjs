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

/**
 * Runs the four transports side by side. `token(user)` signs a user token; `create(user)` creates a
 * notification for that user. Returns one row per transport.
 */
export async function measureBattery({ appPort, token, create, idleSeconds }) {
  const users = { poll: 'battery-poll', longPoll: 'battery-lp', sse: 'battery-sse', ws: 'battery-ws' };
  const meters = Object.fromEntries(await Promise.all(Object.keys(users).map(async (k) => [k, await meter(appPort)])));
  const auth = async (user) => ({ authorization: `Bearer ${await token(user)}` });
  const arrivals = { longPoll: [], sse: [], ws: [] };
  let stopped = false;
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

  // Long poll (player API) with its default deadline, asked again as soon as it answers.
  const lpHeaders = await auth(users.longPoll);
  const lpLoop = (async () => {
    let cursor = '';
    while (!stopped) {
      const res = await fetch(`${meters.longPoll.url}/notification/v1/player/me/stream/notification/lp${cursor && `?exclude_before=${cursor}`}`, { headers: lpHeaders });
      const body = await res.json();
      for (const n of body.notifications ?? []) arrivals.longPoll.push({ at: performance.now(), message: n.message });
      cursor = body.cursor;
    }
  })().catch(() => {});

  // Event stream, default heartbeat.
  const sseAbort = new AbortController();
  const sse = await fetch(`${meters.sse.url}/api/v1/client/notifications/stream`, { headers: await auth(users.sse), signal: sseAbort.signal });
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of sse.body) {
      for (const line of decoder.decode(chunk).split('\n')) {
        if (line.startsWith('data:') && line.includes('"notification"')) arrivals.sse.push({ at: performance.now(), message: JSON.parse(line.slice(5)).notification.title });
      }
    }
  })().catch(() => {});
  stops.push(() => sseAbort.abort());

  // WebSocket with the documented ping.
  const ws = new WebSocket(`${meters.ws.url.replace('http', 'ws')}/api/v1/client/notifications/ws?access_token=${await token(users.ws)}`);
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
  stops.push(() => {
    clearInterval(pingTimer);
    ws.close();
  });

  const idleFrom = performance.now() - 5000;
  await sleep(idleSeconds * 1000);
  const idleTo = performance.now();

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
  stopped = true;
  stops.forEach((stop) => stop());
  void lpLoop;
  Object.values(meters).forEach((m) => m.close());

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = (name, kind, deliveryText) => {
    const list = bursts(meters[kind].chunks, idleFrom, idleTo);
    return { name, ...perHour(list), delivery: deliveryText };
  };
  return [
    row(`304 polling, every ${POLL_IDLE_MS / 1000} s (the client library's idle maximum)`, 'poll', `next poll: ≤ ${POLL_IDLE_MS / 1000} s`),
    row('long poll (player API), default deadline 30 s', 'longPoll', `${median(delivery.longPoll).toFixed(0)} ms`),
    row('event stream, default heartbeat', 'sse', `${median(delivery.sse).toFixed(0)} ms`),
    row(`WebSocket, \`ping\` every ${WS_PING_MS / 1000} s`, 'ws', `${median(delivery.ws).toFixed(0)} ms`),
  ];
}
