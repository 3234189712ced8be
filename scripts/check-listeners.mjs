// `npm run check:listeners`: what the test suite shows in the Workers test pool, checked against
// `npm start` itself (wrangler dev, where a hang-up is only noticed through a failed write):
// clients that hang up give their slots back within 10 s, named listeners take their place back at
// once, and browser pages of other origins are refused before a slot is taken. Starts its own
// server (`npm start` on a spare port, its own local state), prints what it measured, and exits 1
// if a check fails. About a minute.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { ensureDevVars, readDevVars } from './dev-vars.mjs';

const PORT = Number(process.env.CHECK_PORT ?? 8799);
const BASE = `http://127.0.0.1:${PORT}`;
const HANG_UP_BOUND_MS = 10_000;
const state = mkdtempSync(join(tmpdir(), 'edge-inbox-check-'));

ensureDevVars();
const vars = readDevVars();
const server = spawn(process.execPath, ['scripts/start.mjs', '--port', String(PORT), '--inspector-port', String(PORT + 1000), '--persist-to', state], {
  stdio: ['ignore', 'ignore', 'inherit'],
  detached: true,
});
const stop = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  rmSync(state, { recursive: true, force: true });
};
process.on('exit', stop);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

async function up() {
  for (let i = 0; i < 240; i++) {
    try {
      await fetch(`${BASE}/openapi.json`);
      return;
    } catch {
      await sleep(500);
    }
  }
  throw new Error(`${BASE} did not come up`);
}

const project = `check-${randomUUID().slice(0, 8)}`;
const token = (sub) =>
  new SignJWT({ sub, project }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(vars.JWT_SECRET));

const ROUTES = {
  'long poll': (query) => `/notification/v1/player/me/stream/notification/lp?deadline=120${query}`,
  'event stream': (query) => `/api/v1/client/notifications/stream?${query.slice(1)}`,
  WebSocket: (query) => `/api/v1/client/notifications/ws?${query.slice(1)}`,
};

/**
 * A raw connection as a browser makes it (Accept-Encoding: gzip): resolves with the status once the
 * response head arrived, and a way to drop the connection without a word (a closed tab, a lost network).
 */
function open(path, headers) {
  return new Promise((resolve, reject) => {
    const socket = connect(PORT, '127.0.0.1');
    const upgrade = path.includes('/ws')
      ? { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' }
      : {};
    const all = { host: `127.0.0.1:${PORT}`, 'accept-encoding': 'gzip, deflate, br', ...upgrade, ...headers };
    socket.write(`GET ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    let head = '';
    const onData = (chunk) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = Number(head.slice(9, 12));
      resolve({ status, body: head.slice(end + 4), socket, drop: () => socket.destroy() });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

/** Drops four held listeners of one kind and measures how long until a new listener of that player is admitted. */
async function hangUps(kind) {
  const headers = { authorization: `Bearer ${await token(`hang-up-${kind.replace(' ', '-')}`)}` };
  const held = [];
  for (let i = 0; i < 4; i++) held.push(await open(ROUTES[kind](''), headers));
  const statuses = held.map((h) => h.status);
  const refused = await open(ROUTES['long poll']('&deadline=0').replace('deadline=120&', ''), headers);
  refused.drop();
  held.forEach((h) => h.drop());
  const droppedAt = Date.now();
  for (;;) {
    const attempt = await open(ROUTES['long poll']('').replace('deadline=120', 'deadline=0'), headers);
    attempt.drop();
    const waited = Date.now() - droppedAt;
    if (attempt.status === 200) return { ok: statuses.every((s) => s === 200 || s === 101) && refused.status === 409 && waited <= HANG_UP_BOUND_MS, waited, statuses, refused: refused.status };
    if (waited > 30_000) return { ok: false, waited, statuses, refused: refused.status };
    await sleep(250);
  }
}

/** Four named listeners that the server still thinks alive reconnect under their names: all admitted at once. */
async function namedReconnect() {
  const headers = { authorization: `Bearer ${await token('named')}` };
  const names = [['long poll', 'a'], ['event stream', 'b'], ['event stream', 'c'], ['WebSocket', 'd']];
  const old = [];
  for (const [kind, name] of names) old.push(await open(ROUTES[kind](`&listener_id=${name}`), headers));
  const started = Date.now();
  const again = await Promise.all(names.map(([kind, name]) => open(ROUTES[kind](`&listener_id=${name}`), headers)));
  const waited = Date.now() - started;
  const statuses = again.map((c) => c.status);
  [...old, ...again].forEach((c) => c.drop());
  return { ok: old.every((c) => c.status < 300) && statuses.every((s) => s === 200 || s === 101) && waited < 1000, waited, statuses };
}

/** A page of another origin is refused with 403 on every listener route; the service's own origin is let in. */
async function origins() {
  const headers = { authorization: `Bearer ${await token('origins')}` };
  const results = {};
  for (const [kind, route] of Object.entries(ROUTES)) {
    const foreign = await open(route('&deadline=0').replace('deadline=120&', ''), { ...headers, origin: 'https://elsewhere.example' });
    const own = await open(route('').replace('deadline=120', 'deadline=0'), { ...headers, origin: BASE });
    foreign.drop();
    own.drop();
    results[kind] = { foreign: foreign.status, own: own.status };
  }
  return { ok: Object.values(results).every((r) => r.foreign === 403 && r.own < 300), results };
}

await up();
const created = await fetch(`${BASE}/v1/projects`, {
  method: 'POST',
  headers: { authorization: `Bearer ${vars.ADMIN_API_KEY}`, 'content-type': 'application/json' },
  body: JSON.stringify({ id: project, name: 'listener check' }),
});
if (created.status !== 201) throw new Error(`creating the project answered ${created.status}`);

const checks = [];
for (const kind of Object.keys(ROUTES)) {
  const result = await hangUps(kind);
  checks.push([`${kind}: 4 hung up, a new listener admitted after`, result.ok, `${(result.waited / 1000).toFixed(1)} s (fifth before: ${result.refused})`]);
}
const named = await namedReconnect();
checks.push(['4 named listeners reconnect before the old ones are noticed', named.ok, `${named.waited} ms, ${named.statuses.join(' ')}`]);
const origin = await origins();
for (const [kind, r] of Object.entries(origin.results)) checks.push([`${kind}: foreign origin / own origin`, r.foreign === 403 && r.own < 300, `${r.foreign} / ${r.own}`]);

for (const [name, ok, detail] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'}  ${name}: ${detail}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
