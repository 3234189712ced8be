// `npm run bench:scale`: what the service needs as it grows (README "Scaling"). Measures on this machine, under
// `wrangler dev` with a local D1, the statements and rows each kind of request costs (D1's own meta, from
// Server-Timing and the listeners' cost log) and the bytes a stored notification takes; then combines them with
// Cloudflare's published per-database limits and prices into a table per transport and number of users:
// statements a second and storage per database, the databases needed, and the monthly price. No network.
// Writes bench/scale.md. About a minute on two cores.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { ensureDevVars, readDevVars } from '../scripts/dev-vars.mjs';
import { PRICES } from './idle-cost.mjs';

const PORT = Number(process.env.BENCH_PORT ?? 8807);
const STATE = 'bench/.scale-state';
const CONFIG = 'wrangler.bench.toml';
/** How often a measured listener re-reads while idle here (deployed: LISTENER_RECHECK_SECONDS, 60). */
const RECHECK_HERE = 2;
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };

/** Cloudflare's published D1 figures (developers.cloudflare.com/d1/platform/limits and /pricing), as of 2026-12. */
export const D1 = {
  date: '2026-12',
  /** Hard cap per database. */
  bytesPerDatabase: 10e9,
  /** One primary runs one statement at a time: about 1,000 a second at 1 ms each. */
  statementsPerSecond: 1000,
  databasesPerAccount: 50_000,
  /** Storage beyond the 5 GB the Workers Paid plan includes, per GB-month. */
  storageGbMonth: 0.75,
};
/** Each database is planned to stay under this share of each limit (headroom for peaks and growth). */
const HEADROOM = 0.7;

/** What we assume about traffic: each user gets this many of their own notifications a day, and the project this many broadcasts. */
const MODEL = { ownPerUserPerDay: 10, broadcastsPerDay: 5, days: 30, deployedRecheckSeconds: 60, longPollDeadlineSeconds: 30, pollIdleSeconds: 60 };

const USERS = [10_000, 100_000, 1_000_000, 10_000_000];
const STORED_USERS = 100;
const STORED_EACH = 60;

const children = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGTERM')));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

function wrangler(args) {
  const result = spawnSync('wrangler', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed`);
}

/** The local D1's size in bytes, WAL folded in (read while no server holds it). */
function databaseBytes() {
  const dir = join(STATE, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(dir).find((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
  const db = new DatabaseSync(join(dir, file));
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const { page_count: pages } = db.prepare('PRAGMA page_count').get();
  const { page_size: size } = db.prepare('PRAGMA page_size').get();
  db.close();
  return pages * size;
}

const costs = [];
async function serve() {
  const child = spawn('wrangler', ['dev', '--config', CONFIG, '--port', String(PORT), '--inspector-port', String(PORT + 1000), '--ip', '127.0.0.1', '--persist-to', STATE], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    for (let end; (end = buffer.indexOf('\n')) >= 0; buffer = buffer.slice(end + 1)) {
      const line = buffer.slice(0, end);
      const at = line.indexOf('{"event":"listener_cost"');
      if (at >= 0) costs.push(JSON.parse(line.slice(at)));
    }
  });
  children.push(child);
  for (let i = 0; i < 240; i++) {
    try {
      await fetch(`http://127.0.0.1:${PORT}/openapi.json`);
      return child;
    } catch {
      await sleep(500);
    }
  }
  throw new Error('wrangler dev did not come up');
}

/** Statements, rows read and rows written of one response (D1's meta, as Server-Timing reports it). */
function metered(res) {
  const m = res.headers.get('server-timing')?.match(/q=(\d+) rr=(\d+) rw=(\d+)/);
  if (!m) throw new Error(`no Server-Timing on ${res.url}`);
  return { statements: Number(m[1]), rowsRead: Number(m[2]), rowsWritten: Number(m[3]) };
}

async function nextCost(listenerId) {
  for (let i = 0; i < 100; i++) {
    const found = costs.find((c) => c.listener_id === listenerId);
    if (found) return found;
    await sleep(100);
  }
  throw new Error(`listener ${listenerId} logged no cost`);
}

async function measure() {
  ensureDevVars();
  const vars = readDevVars();
  rmSync(STATE, { recursive: true, force: true });
  const config = readFileSync('wrangler.toml', 'utf8')
    .replace(/simple = \{ limit = \d+,/g, 'simple = { limit = 1000000000,')
    .replace('LISTENER_COST_LOG = ""', 'LISTENER_COST_LOG = "on"')
    .replace(/LISTENER_RECHECK_SECONDS = "\d+"/, `LISTENER_RECHECK_SECONDS = "${RECHECK_HERE}"`)
    // wrangler dev learns that an event stream's client left only when a write fails (src/realtime/settings.ts).
    .replace('HANGUP_PROBE_SECONDS = "0"', 'HANGUP_PROBE_SECONDS = "1"');
  writeFileSync(CONFIG, config);
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', STATE, '--config', CONFIG]);

  let server = await serve();
  const app = `http://127.0.0.1:${PORT}`;
  const admin = { authorization: `Bearer ${vars.ADMIN_API_KEY}`, 'content-type': 'application/json' };
  const secret = new TextEncoder().encode(vars.JWT_SECRET);
  const auth = async (sub) => ({ authorization: `Bearer ${await new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(secret)}` });
  const post = (path, body, headers = admin) => fetch(`${app}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  // A typical notification: a 40-character title, a 140-character body, a link.
  const typical = { title: 'x'.repeat(40), body: 'y'.repeat(140), action_url: 'https://app.example/items/12345' };

  // Request costs, for a user whose inbox already holds 30 days of notifications.
  const user = 'measured';
  const headers = await auth(user);
  for (let i = 0; i < (MODEL.ownPerUserPerDay * MODEL.days) / 100; i++) await post('/v1/projects/default/notifications', { ...typical, to: Array(100).fill({ user }) });
  const m = {};
  let res = await post('/v1/projects/default/notifications', { ...typical, to: [{ user }] });
  m.createOwn = metered(res);
  const id = (await res.json()).notifications[0].id;
  res = await post('/v1/projects/default/notifications', { ...typical, to: [{ everyone: true }] });
  m.createBroadcast = metered(res);
  res = await fetch(`${app}/api/v1/client/notifications`, { headers });
  m.page = metered(res);
  const etag = res.headers.get('etag');
  await res.arrayBuffer();
  res = await fetch(`${app}/api/v1/client/notifications`, { headers: { ...headers, 'if-none-match': etag } });
  if (res.status !== 304) throw new Error(`revalidation answered ${res.status}`);
  m.revalidate = metered(res);
  res = await fetch(`${app}/api/v1/client/notifications/${id}/acknowledge`, { method: 'POST', headers });
  m.acknowledge = metered(res);

  // Listeners: a long poll to its deadline (no re-read within it), then an event stream and a WebSocket held
  // idle over several re-reads, then one delivery each with nothing else in its window.
  res = await fetch(`${app}/notification/v1/player/me/stream/notification/lp?deadline=1&listener_id=lp`, { headers });
  await res.arrayBuffer();
  m.longPoll = (await nextCost('lp')).open;
  const held = async (transport, listenerId, ms, during = async () => {}) => {
    const query = `?listener_id=${listenerId}`;
    if (transport === 'ws') {
      const socket = new WebSocket(`ws://127.0.0.1:${PORT}/api/v1/client/notifications/ws${query}`, ['edge-inbox', `bearer.${headers.authorization.slice(7)}`]);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      await sleep(300);
      await during();
      await sleep(ms);
      socket.close();
    } else {
      const controller = new AbortController();
      const stream = await fetch(`${app}/api/v1/client/notifications/stream${query}`, { headers, signal: controller.signal });
      const reading = stream.body.getReader();
      void (async () => {
        for (;;) if ((await reading.read().catch(() => ({ done: true }))).done) return;
      })();
      await sleep(300);
      await during();
      await sleep(ms);
      controller.abort();
    }
    return nextCost(listenerId);
  };
  for (const transport of ['ws', 'sse']) {
    // The first read (events and counts) happens after the response is made, so it is among the waiting reads: measured alone, then taken off.
    const first = (await held(transport, `${transport}-first`, 800)).waiting;
    const idleMs = RECHECK_HERE * 3500;
    const idle = await held(transport, `${transport}-idle`, idleMs);
    // Counted from this side's hold (300 ms + idleMs: three re-reads): the server notices a hang-up up to a probe later.
    const rereads = Math.floor((300 + idleMs) / (RECHECK_HERE * 1000));
    const delivered = (await held(transport, `${transport}-delivery`, 800, () => post('/v1/projects/default/notifications', { ...typical, to: [{ user }] }))).waiting;
    m[transport] = {
      open: { statements: idle.open.statements + first.statements, rows_read: idle.open.rows_read + first.rows_read },
      perReread: (idle.waiting.statements - first.statements) / rereads,
      rowsPerReread: (idle.waiting.rows_read - first.rows_read) / rereads,
      delivery: { statements: delivered.statements - first.statements, rows_read: delivered.rows_read - first.rows_read },
    };
  }

  // Storage: what a stored notification takes, indexes and counters included.
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  const before = databaseBytes();
  server = await serve();
  for (let i = 0; i < STORED_EACH; i++) {
    const to = Array.from({ length: STORED_USERS }, (_, u) => ({ user: `stored-${u}` }));
    const created = await post('/v1/projects/default/notifications', { ...typical, to });
    if (created.status !== 201) throw new Error(`create answered ${created.status}`);
  }
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  m.bytesPerNotification = (databaseBytes() - before) / (STORED_USERS * STORED_EACH);
  rmSync(STATE, { recursive: true, force: true });
  return m;
}

/** Per user and second: statements on their database, rows read and written, Worker and object requests, for one transport. */
function perUser(m, transport) {
  const own = MODEL.ownPerUserPerDay / 86400;
  const listening = {
    WebSocket: { statements: m.ws.perReread / MODEL.deployedRecheckSeconds + own * m.ws.delivery.statements, rowsRead: m.ws.rowsPerReread / MODEL.deployedRecheckSeconds + own * m.ws.delivery.rows_read, requests: 0 },
    'event stream': { statements: m.sse.perReread / MODEL.deployedRecheckSeconds + own * m.sse.delivery.statements, rowsRead: m.sse.rowsPerReread / MODEL.deployedRecheckSeconds + own * m.sse.delivery.rows_read, requests: 0 },
    'long poll (30 s)': { statements: m.longPoll.statements / MODEL.longPollDeadlineSeconds, rowsRead: m.longPoll.rows_read / MODEL.longPollDeadlineSeconds, requests: 1 / MODEL.longPollDeadlineSeconds, objectRequests: 1 / MODEL.longPollDeadlineSeconds },
    '304 polling (library, idle: 60 s)': {
      statements: m.revalidate.statements / MODEL.pollIdleSeconds + own * m.page.statements,
      rowsRead: m.revalidate.rowsRead / MODEL.pollIdleSeconds + own * m.page.rowsRead,
      requests: 1 / MODEL.pollIdleSeconds,
    },
  }[transport];
  // Every user's own notifications (created and acknowledged), and their share of the broadcasts (counted in full per database below).
  return {
    statements: listening.statements + own * (m.createOwn.statements + m.acknowledge.statements),
    rowsRead: listening.rowsRead + own * (m.createOwn.rowsRead + m.acknowledge.rowsRead),
    rowsWritten: own * (m.createOwn.rowsWritten + m.acknowledge.rowsWritten),
    requests: listening.requests + own * 2,
    objectRequests: listening.objectRequests ?? 0,
  };
}

function table(m) {
  const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 0 : 1));
  const gb = (bytes) => `${(bytes / 1e9).toFixed(bytes >= 1e10 ? 0 : 2)} GB`;
  const rows = [];
  for (const transport of ['WebSocket', 'event stream', 'long poll (30 s)', '304 polling (library, idle: 60 s)']) {
    const user = perUser(m, transport);
    for (const users of USERS) {
      const statements = users * user.statements;
      const storage = users * MODEL.ownPerUserPerDay * MODEL.days * m.bytesPerNotification;
      const forStatements = Math.ceil(statements / (D1.statementsPerSecond * HEADROOM));
      const forStorage = Math.ceil(storage / (D1.bytesPerDatabase * HEADROOM));
      const databases = Math.max(1, forStatements, forStorage);
      const limit = forStatements >= forStorage ? 'statements a second' : 'storage';
      // Each database holds its copy of every broadcast and does its writes.
      const broadcastWrites = (databases * MODEL.broadcastsPerDay * m.createBroadcast.rowsWritten) / 86400;
      const month = 30 * 86400;
      const price =
        month * (users * user.rowsRead * PRICES.d1RowRead + (users * user.rowsWritten + broadcastWrites) * PRICES.d1RowWritten) +
        Math.max(0, storage / 1e9 - 5) * D1.storageGbMonth +
        month * users * (user.requests * PRICES.workerRequest + user.objectRequests * PRICES.objectRequest);
      rows.push(
        `| ${transport} | ${users.toLocaleString('en-US')} | ${fmt(statements / databases)} | ${gb(storage / databases)} | ${databases.toLocaleString('en-US')} | ${databases === 1 && forStatements <= 1 && forStorage <= 1 ? 'neither (one database)' : limit} | $${fmt(price)} |`,
      );
    }
  }
  return rows;
}

const m = await measure();
const lines = [
  '# Scale model (`npm run bench:scale`)',
  '',
  `Measured on this machine (${new Date().toISOString().slice(0, 10)}, local D1 under \`wrangler dev\`): D1 statements, rows read and rows written per request (Server-Timing, D1's own meta), listeners' reads from their cost log, and the bytes a stored notification adds to the database file (indexes and counters included; ${STORED_USERS * STORED_EACH} notifications of a 40-character title and a 140-character body).`,
  '',
  '| request | statements | rows read | rows written |',
  '|---|---:|---:|---:|',
  ...[
    ['create, one user', m.createOwn],
    ['create, everyone (per database; the control database adds 2 written when there are several)', m.createBroadcast],
    ['first page (200)', m.page],
    ['poll, 304', m.revalidate],
    ['acknowledge', m.acknowledge],
  ].map(([name, c]) => `| ${name} | ${c.statements} | ${c.rowsRead} | ${c.rowsWritten} |`),
  `| long poll, opening (each request) | ${m.longPoll.statements} | ${m.longPoll.rows_read} | 0 |`,
  ...['ws', 'sse'].map(
    (t) =>
      `| ${t === 'ws' ? 'WebSocket' : 'event stream'}: opening / idle re-read / a delivery | ${m[t].open.statements} / ${m[t].perReread.toFixed(1)} / ${m[t].delivery.statements} | ${m[t].open.rows_read} / ${m[t].rowsPerReread.toFixed(1)} / ${m[t].delivery.rows_read} | 0 |`,
  ),
  '',
  `Bytes per stored notification: ${Math.round(m.bytesPerNotification)}.`,
  '',
  `Model: every user is always connected by one transport; gets ${MODEL.ownPerUserPerDay} notifications of their own a day (each created, delivered and acknowledged) and the project sends ${MODEL.broadcastsPerDay} broadcasts a day; nothing expires within ${MODEL.days} days. Deployed settings: a listener re-reads every ${MODEL.deployedRecheckSeconds} s while idle; long polls wait ${MODEL.longPollDeadlineSeconds} s; the client library polls every ${MODEL.pollIdleSeconds} s when idle. Cloudflare's published figures (D1 limits and pricing pages, Workers pricing, as of ${D1.date}): ${D1.bytesPerDatabase / 1e9} GB per database; about ${D1.statementsPerSecond.toLocaleString('en-US')} statements a second per database (one primary, 1 ms each; read replicas add capacity for reads, not counted here); ${D1.databasesPerAccount.toLocaleString('en-US')} databases per account; rows read $${PRICES.d1RowRead * 1e6} per million, rows written $${PRICES.d1RowWritten * 1e6} per million, storage $${D1.storageGbMonth} per GB-month beyond 5 GB; Workers requests $${PRICES.workerRequest * 1e6} per million, Durable Object requests $${PRICES.objectRequest * 1e6} per million. Databases are planned at ${HEADROOM * 100}% of each limit. The price is what these users cost a month beyond the Workers Paid plan's $5 (its included allowances not subtracted); Durable Object duration is nil (no object stays awake while listeners wait) and Worker CPU time is not counted.`,
  '',
  '| transport | users | statements/s per database | storage per database after 30 days | databases | limit met first | $ per month |',
  '|---|---:|---:|---:|---:|---|---:|',
  ...table(m),
];
writeFileSync('bench/scale.md', `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
