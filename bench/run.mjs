// `npm run bench`: the Worker under `wrangler dev` with a seeded inbox, driven by autocannon from this
// process over loopback, next to a bare Hono Worker (the floor) in the same runtime. Prints a table
// and writes it to bench/results.md. Bounded: about two minutes on two cores.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { SignJWT } from 'jose';
import { ensureDevVars, readDevVars } from '../scripts/dev-vars.mjs';
import { measureBattery } from './battery.mjs';
import { idleCostLines, priced, PRICES } from './idle-cost.mjs';
import { measureLibrary } from './library.mjs';
import { measurePush, pushLines } from './push.mjs';
import { seedSql, HEAVY, HEAVY_MIDDLE, USERS, ORGS, orgsOf } from './seed.mjs';

const APP_PORT = Number(process.env.BENCH_PORT ?? 8797);
const FLOOR_PORT = APP_PORT + 1;
const D1_FLOOR_PORT = APP_PORT + 2;
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 7);
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const FLOOR_SECONDS = Number(process.env.BENCH_FLOOR_SECONDS ?? 4);
const RATIO_ROUNDS = Number(process.env.BENCH_RATIO_ROUNDS ?? 4);
// Long enough for three heartbeats or pings of a minute each after the connections are set up, and for the
// client library's polling to back off from its minimum (5 s) to its maximum (60 s).
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 200);
const STATE = 'bench/.state';
// wrangler.toml with the rate limits lifted: a benchmark is one caller asking as fast as it can.
// (At the root, so that `main` and `migrations_dir` resolve as in the real one.)
const CONFIG = 'wrangler.bench.toml';
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };
const children = [];

function run(args) {
  const result = spawnSync('wrangler', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed`);
}

/** What the Worker's listeners logged when they ended (LISTENER_COST_LOG=on in the bench's config). */
const listenerCosts = [];
/** What the push queue's consumer logged per message (src/push/consume.ts). */
const pushLogs = [];

function serve(args, port, { logs = false } = {}) {
  const child = spawn('wrangler', ['dev', '--port', String(port), '--inspector-port', String(port + 1000), '--ip', '127.0.0.1', '--persist-to', STATE, ...args], {
    stdio: ['ignore', logs ? 'pipe' : 'ignore', 'inherit'],
    env,
  });
  if (logs) {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        const at = line.indexOf('{"event":"listener_cost"');
        if (at >= 0) listenerCosts.push(JSON.parse(line.slice(at)));
        const push = line.indexOf('{"event":"push"');
        if (push >= 0) pushLogs.push(JSON.parse(line.slice(push)));
      }
    });
  }
  children.push(child);
  return waitUntilUp(`http://127.0.0.1:${port}/`);
}

async function waitUntilUp(url) {
  for (let i = 0; i < 240; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(500);
    }
  }
  throw new Error(`${url} did not come up`);
}

function stopAll() {
  for (const child of children) child.kill('SIGTERM');
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/** The Worker's own cursor code, bundled for Node, to address a page deep in the heavy inbox. */
async function cursorModule() {
  const out = await build({ entryPoints: ['src/core/cursor.ts'], bundle: true, format: 'esm', platform: 'neutral', write: false });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].contents).toString('base64')}`);
}

/** Rows read and written, as the response's Server-Timing says (D1's own meta). */
function cost(res) {
  const match = res.headers.get('server-timing')?.match(/rr=(\d+) rw=(\d+)/);
  return match ? { rowsRead: Number(match[1]), rowsWritten: Number(match[2]) } : { rowsRead: null, rowsWritten: null };
}

/** `wrangler check startup`, a few times (its figure is noisy here): the Worker's startup CPU, median and lowest. */
function startupCpu() {
  const runs = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const out = spawnSync('wrangler', ['check', 'startup', '--outfile', `${STATE}/startup.cpuprofile`], { env, encoding: 'utf8' });
    const ms = Number(out.stdout?.match(/Active: ([\d.]+) ms/)?.[1]);
    if (Number.isFinite(ms)) runs.push(ms);
  }
  runs.sort((a, b) => a - b);
  return runs.length ? { median: percentile(runs, 50), min: runs[0], runs: runs.length } : null;
}

async function load(name, options) {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...options });
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => `${code}×${count}`).join(' ');
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bytes: result.requests.total > 0 ? result.throughput.total / result.requests.total : 0,
    errors: result.errors + result.timeouts,
    statuses,
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const started = Date.now();
  // The client library is measured as users get it: the built package.
  if (spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
  ensureDevVars();
  const vars = readDevVars();
  rmSync(STATE, { recursive: true, force: true });
  // Rate limits lifted; listeners log what they read (bench/idle-cost.mjs).
  const config = readFileSync('wrangler.toml', 'utf8')
    .replace(/simple = \{ limit = \d+,/g, 'simple = { limit = 1000000000,')
    .replace('LISTENER_COST_LOG = ""', 'LISTENER_COST_LOG = "on"')
    // Push subscriptions at the local stand-in push service (bench/push.mjs).
    .replace('PUSH_LOCAL_ENDPOINTS = ""', 'PUSH_LOCAL_ENDPOINTS = "on"');
  if (!config.includes('LISTENER_COST_LOG = "on"')) throw new Error('wrangler.toml has no LISTENER_COST_LOG to turn on');
  writeFileSync(CONFIG, config);
  mkdirSync('bench/.seed', { recursive: true });

  console.log('Migrating and seeding a local D1 (bench/.state)…');
  run(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', STATE, '--config', CONFIG]);
  writeFileSync('bench/.seed/seed.sql', seedSql(Date.now()));
  run(['d1', 'execute', 'DB', '--local', '--persist-to', STATE, '--config', CONFIG, '--file', 'bench/.seed/seed.sql']);

  console.log(`Startup CPU (wrangler check startup, ${STARTUP_RUNS} runs)…`);
  const startup = process.env.BENCH_ONLY ? null : startupCpu();

  console.log('Starting the Worker and the floors…');
  await Promise.all([serve(['--config', CONFIG], APP_PORT, { logs: true }), serve(['--config', 'bench/floor/wrangler.toml'], FLOOR_PORT)]);
  // After the Worker is up: two runtimes opening the same local state at once can meet a locked database.
  await serve(['--config', 'bench/d1-floor/wrangler.toml'], D1_FLOOR_PORT);
  const app = `http://127.0.0.1:${APP_PORT}`;
  const floorUrl = `http://127.0.0.1:${FLOOR_PORT}`;
  const d1FloorUrl = `http://127.0.0.1:${D1_FLOOR_PORT}`;

  const secret = new TextEncoder().encode(vars.JWT_SECRET);
  const token = (sub, orgs = []) =>
    new SignJWT({ sub, orgs }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2h').sign(secret);
  const admin = { authorization: `Bearer ${vars.ADMIN_API_KEY}` };
  const create = async (user, text) => {
    const res = await fetch(`${app}/v1/projects/default/notifications`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ to: [{ user }], title: text, body: text }),
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}`);
  };
  const idle = async () => {
    console.log(`Idle listeners and client library instances for ${IDLE_SECONDS} s (battery and idle cost)…`);
    const options = { appPort: APP_PORT, token, idleSeconds: IDLE_SECONDS, create, admin, costs: listenerCosts };
    const [battery, library] = await Promise.all([measureBattery(options), measureLibrary(options)]);
    return { battery, library, costRows: idleCostRows(battery, library) };
  };
  const tokenFor = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2h').sign(secret);
  const push = () => {
    console.log('Web Push through the queue to a local stand-in push service…');
    return measurePush({ app, tokenFor, admin, logs: pushLogs });
  };
  if (process.env.BENCH_ONLY === 'push') {
    console.log(pushLines(await push()).join('\n'));
    return;
  }
  if (process.env.BENCH_ONLY === 'idle') {
    const measured = await idle();
    console.log([...batteryTable(measured.battery), '', ...idleCostLines(measured.costRows)].join('\n'));
    return;
  }

  // A sample of ordinary users (with their organisations) and their current ETags.
  const sample = [];
  for (let i = 0; i < 200; i++) {
    const user = `user-${(i * 37) % USERS}`;
    const headers = { authorization: `Bearer ${await token(user, orgsOf(user))}` };
    const res = await fetch(`${app}/api/v1/client/notifications`, { headers });
    await res.arrayBuffer();
    sample.push({ headers, etag: res.headers.get('etag'), d1Floor: `/?user=${user}&orgs=${orgsOf(user).join(',')}` });
  }
  const heavy = { authorization: `Bearer ${await token(HEAVY, [ORGS[0]])}` };
  const { encodeCursor } = await cursorModule();
  const heavyScope = { parameter: 'cursor', parts: ['client', 'default', HEAVY, undefined, undefined, undefined, 'newest'] };
  const deepPath = `/api/v1/client/notifications?cursor=${encodeCursor(heavyScope, HEAVY_MIDDLE)}`;

  const rotate = (make) => {
    let i = 0;
    return (request) => make(request, i++);
  };
  const probe = async (path, init = {}) => {
    const res = await fetch(`${app}${path}`, init);
    await res.arrayBuffer();
    return { status: res.status, ...cost(res) };
  };

  // The floor is measured right before every scenario (the machine drifts during a run); each ratio is
  // against the floor run next to it, and the floor row shows the median of those runs.
  // Warm both Workers up first (the first seconds of an isolate are slower).
  await load('warm-up', { url: floorUrl, duration: 2 });
  await load('warm-up', { url: `${app}/api/v1/client/notifications`, headers: sample[0].headers, duration: 2 });

  const rows = [];
  const floors = [];
  const measure = async (name, options) => {
    const floor = await load('floor', { url: floorUrl, headers: { 'if-none-match': '"floor"' }, duration: FLOOR_SECONDS });
    floors.push(floor);
    const result = await load(name, options);
    return { ...result, ratio: result.rps / floor.rps };
  };

  // The D1 floor reads the same version rows for the same users and answers 304. It and the 304 poll
  // take turns (ABBA, RATIO_ROUNDS pairs of FLOOR_SECONDS each), so that both see the same drift of a
  // shared machine; the ratio is the median of the pairs' ratios, and each row shows its median run.
  const pollRequests = [{ setupRequest: rotate((r, i) => ({ ...r, headers: { ...sample[i % sample.length].headers, 'if-none-match': sample[i % sample.length].etag } })) }];
  const d1FloorRequests = [{ setupRequest: rotate((r, i) => ({ ...r, path: sample[i % sample.length].d1Floor })) }];
  const floor = await load('floor', { url: floorUrl, headers: { 'if-none-match': '"floor"' }, duration: FLOOR_SECONDS });
  floors.push(floor);
  const pairs = [];
  for (let round = 0; round < RATIO_ROUNDS; round++) {
    const d1 = () => load('D1 floor', { url: d1FloorUrl, requests: d1FloorRequests, duration: FLOOR_SECONDS });
    const poll = () => load('poll answered 304', { url: `${app}/api/v1/client/notifications`, requests: pollRequests, duration: FLOOR_SECONDS });
    const pair = round % 2 === 0 ? { d1: await d1(), poll: await poll() } : { poll: await poll(), d1: await d1() };
    pairs.push({ ...pair, ratio: pair.poll.rps / pair.d1.rps });
  }
  const middle = (list, key) => [...list].sort((a, b) => key(a) - key(b))[Math.floor(list.length / 2)];
  const d1Floor = middle(pairs.map((p) => p.d1), (r) => r.rps);
  const poll304 = middle(pairs.map((p) => p.poll), (r) => r.rps);
  const ratioD1 = middle(pairs, (p) => p.ratio).ratio;
  console.log(`304 poll / D1 floor by pair: ${pairs.map((p) => p.ratio.toFixed(2)).join(', ')}; median ${ratioD1.toFixed(2)}`);
  rows.push({
    ...d1Floor,
    name: `D1 floor: bare Worker reading the same version rows, 304 (median of ${pairs.length} runs)`,
    ratio: d1Floor.rps / floor.rps,
    rowsRead: null,
    rowsWritten: 0,
  });
  rows.push({
    ...poll304,
    ratio: poll304.rps / floor.rps,
    ratioD1,
    ...(await probe('/api/v1/client/notifications', { headers: { ...sample[0].headers, 'if-none-match': sample[0].etag } })),
  });
  if (process.env.BENCH_ONLY === 'poll') return;
  rows.push({
    ...(await measure('poll first page 200', {
      url: `${app}/api/v1/client/notifications`,
      requests: [{ setupRequest: rotate((r, i) => ({ ...r, headers: sample[i % sample.length].headers })) }],
    })),
    ...(await probe('/api/v1/client/notifications', { headers: sample[0].headers })),
  });
  rows.push({
    ...(await measure('poll first page 200, 100,000-notification inbox', { url: `${app}/api/v1/client/notifications`, headers: heavy })),
    ...(await probe('/api/v1/client/notifications', { headers: heavy })),
  });
  rows.push({
    ...(await measure('page with a cursor deep in that inbox', { url: `${app}${deepPath}`, headers: heavy })),
    ...(await probe(deepPath, { headers: heavy })),
  });
  const ackPath = (i) => `/api/v1/client/notifications/${heavyId(i)}/acknowledge`;
  rows.push({
    ...(await measure('acknowledge', {
      url: app,
      requests: [{ method: 'POST', setupRequest: rotate((r, i) => ({ ...r, path: ackPath(i + 1), headers: heavy })) }],
    })),
    ...(await probe(ackPath(99_999), { method: 'POST', headers: heavy })),
  });
  const createBody = (i) => JSON.stringify({ to: [{ user: `user-${i % USERS}` }], title: `Bench ${i}`, body: 'A new quest is available' });
  rows.push({
    ...(await measure('create (one recipient)', {
      url: `${app}/v1/projects/default/notifications`,
      requests: [{ method: 'POST', setupRequest: rotate((r, i) => ({ ...r, headers: { ...admin, 'content-type': 'application/json' }, body: createBody(i) })) }],
    })),
    ...(await probe('/v1/projects/default/notifications', { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: createBody(0) })),
  });

  // Long-poll wake-up: a player waits, a producer creates for them; time from the create's send to the answer.
  const player = { authorization: `Bearer ${await token('user-1')}` };
  const lp = `${app}/notification/v1/player/me/stream/notification/lp`;
  let cursor = (await (await fetch(`${lp}?deadline=0`, { headers: player })).json()).cursor;
  const wakes = [];
  for (let i = 0; i < 40; i++) {
    const answer = fetch(`${lp}?deadline=30&exclude_before=${cursor}`, { headers: player }).then(async (res) => ({ body: await res.json(), at: performance.now() }));
    await sleep(150); // the listener is waiting by now
    const sent = performance.now();
    await fetch(`${app}/v1/projects/default/notifications`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: createBody(1) });
    const { body, at } = await answer;
    cursor = body.cursor;
    wakes.push(at - sent);
  }
  wakes.sort((a, b) => a - b);
  const wake = { p50: percentile(wakes, 50), p99: percentile(wakes, 99) };

  const pushed = await push();
  const { battery, library, costRows } = await idle();

  const sortedFloors = floors.map((f) => f).sort((a, b) => a.rps - b.rps);
  const median = sortedFloors[Math.floor(sortedFloors.length / 2)];
  rows.unshift({ ...median, name: `floor: bare Hono 304 (median of ${floors.length} runs)`, rowsRead: 0, rowsWritten: 0, ratio: 1 });
  report(rows, wake, battery, library, costRows, pushed, startup, Math.round((Date.now() - started) / 1000));
}

function heavyId(i) {
  return `00000001-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

/** The battery's transports and the client library's polling, as rows of the idle cost table. */
function idleCostRows(battery, library) {
  const polling = library.find((l) => l.transport === 'poll');
  const perRequest = polling.d1PerRequest;
  return [
    {
      name: `304 polling by the client library (\`transport: 'poll'\`, idle)`,
      workerRequests: polling.requests,
      object: null,
      d1: { statements: perRequest.statements * polling.requests, rowsRead: perRequest.rowsRead * polling.requests },
      bytes: polling.bytes,
      wakes: polling.wakes,
    },
    ...battery.rows.filter((r) => r.kind !== 'poll'),
  ];
}

function batteryTable(battery) {
  const fmt = (n) => (n === null || n === undefined ? '–' : n.toFixed(0));
  return [
    '| idle listener (default settings) | radio wake-ups per idle hour | bytes per idle hour | a new notification arrives after (p50 of 5) |',
    '|---|---:|---:|---|',
    ...battery.rows.map((b) => `| ${b.name} | ${fmt(b.wakes)} | ${fmt(b.bytes)} | ${b.delivery} |`),
  ];
}

function report(rows, wake, battery, library, costRows, pushed, startup, seconds) {
  const fmt = (n, digits = 0) => (n === null || n === undefined ? '–' : n.toFixed(digits));
  const lines = [
    '| scenario | requests/s | p50 ms | p99 ms | bytes/response | D1 rows read/request | D1 rows written/request | ratio to floor | ratio to D1 floor | statuses |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.bytes)} | ${fmt(r.rowsRead)} | ${fmt(r.rowsWritten)} | ${fmt(r.ratio, 2)} | ${fmt(r.ratioD1, 2)} | ${r.statuses}${r.errors ? ` errors×${r.errors}` : ''} |`,
    ),
    `| long-poll wake-up (create → answer), 40 samples | – | ${fmt(wake.p50, 1)} | ${fmt(wake.p99, 1)} | – | – | – | – | – | |`,
  ];
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  const poll = byName['poll answered 304'];
  const first = byName['poll first page 200, 100,000-notification inbox'];
  const deep = byName['page with a cursor deep in that inbox'];
  const firstPage = byName['poll first page 200'];
  const targets = [
    ['304 poll ≥ 80% of the D1 floor’s requests/s', poll.ratioD1 >= 0.8, `${fmt(100 * poll.ratioD1)}%`],
    ['304 poll ≥ 60% of the floor’s requests/s', poll.ratio >= 0.6, `${fmt(100 * poll.ratio)}%`],
    ['first page ≥ 30% of the floor', firstPage.ratio >= 0.3, `${fmt(100 * firstPage.ratio)}%`],
    ['p99 of a 304 ≤ 3× its p50', poll.p99 <= 3 * poll.p50, `${fmt(poll.p99 / poll.p50, 1)}×`],
    ['long-poll wake-up p50 ≤ 100 ms', wake.p50 <= 100, `${fmt(wake.p50, 1)} ms`],
    ['deep-cursor page within 1.5× of the first page (p50)', deep.p50 <= 1.5 * first.p50, `${fmt(deep.p50 / first.p50, 2)}×`],
  ];
  targets.push(['startup CPU ≤ 25 ms (median of `wrangler check startup`)', startup !== null && startup.median <= 25, startup ? `${fmt(startup.median, 1)} ms` : '–']);
  const websocket = battery.rows.at(-1);
  const wsDelivery = Number.parseFloat(websocket.delivery);
  targets.push([
    'recommended phone transport (WebSocket): ≤ 60 radio wake-ups per idle hour, delivery ≤ 1 s',
    websocket.wakes <= 60 && wsDelivery <= 1000,
    `${fmt(websocket.wakes)} per hour, ${websocket.delivery}`,
  ]);
  const targetLines = ['| target | met | measured |', '|---|---|---|', ...targets.map(([t, ok, m]) => `| ${t} | ${ok ? 'yes' : '**no**'} | ${m} |`)];
  const batteryLines = batteryTable(battery);
  const costs = costRows.map(priced);
  targets.push([
    'every transport: ≤ $0.01 per always-connected user per month beyond its reconnects’ requests',
    costs.every((c) => c.beyondOwnRequests <= 0.01),
    `at most $${Math.max(...costs.map((c) => c.beyondOwnRequests)).toFixed(4)}`,
  ]);
  const libraryLines = [
    '| client library, default settings | requests per idle hour | radio wake-ups per idle hour | bytes per idle hour | a new notification is in `state` after |',
    '|---|---:|---:|---:|---|',
    ...library.map(
      (l) => `| \`transport: '${l.transport}'\` | ${fmt(l.requests)} | ${fmt(l.wakes)} | ${fmt(l.bytes)} | ${fmt(l.delivery)} ms (${l.samples === 1 ? 'one, after idling' : `p50 of ${l.samples}`}) |`,
    ),
  ];
  const machine = `${process.platform} ${process.arch}, ${navigator.hardwareConcurrency} cores, Node ${process.version}`;
  const text = [
    '# Benchmark results',
    '',
    `\`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (${machine}); wrangler dev (local workerd, local D1), ` +
      `autocannon with ${CONNECTIONS} connections for ${DURATION} s per scenario over loopback, the floor for ${FLOOR_SECONDS} s ` +
      `right before each scenario (ratios are to that run); the 304 poll and the D1 floor take turns, ${RATIO_ROUNDS} runs of ${FLOOR_SECONDS} s each ` +
      `(their rows show the median run; the ratio between them is the median of the pairs'); the whole run took ${seconds} s.`,
    `Seeded: ${USERS.toLocaleString('en')} users with 5 notifications each, one user with 100,000, ${ORGS.length} organisations ` +
      'with 200 each, 500 broadcasts. Ordinary users are sampled (200 of them, each in 0–2 organisations).',
    '',
    ...lines,
    '',
    startup
      ? `Startup CPU (\`wrangler check startup\`, "Active", ${startup.runs} runs; noisy on a shared machine): median ${fmt(startup.median, 1)} ms, lowest ${fmt(startup.min, 1)} ms.`
      : 'Startup CPU: `wrangler check startup` gave no figure.',
    '',
    `Idle listeners, side by side for ${IDLE_SECONDS} s, each through its own byte-counting proxy (HTTP and WebSocket bytes ` +
      'both ways; TCP/IP and TLS overhead not counted). A wake-up is a burst of bytes after at least 1 s of silence; a ' +
      'real radio stays up for a few seconds after each, so these are upper bounds. Deployed settings (no hang-up probe).',
    '',
    ...batteryLines,
    '',
    `The client library (\`packages/client/dist\`, built by this run) in this process, one instance per transport with ` +
      'its defaults (polling 5 s after activity backing off to 60 s, WebSocket ping every 60 s), idle over the same window ' +
      'through its own proxy; per idle hour from the last two idle intervals (polling has backed off to its maximum by then).',
    '',
    ...libraryLines,
    '',
    `What one always-connected user costs per idle hour (over the same ${battery.windowSeconds.toFixed(0)} s window, scaled to an hour), ` +
      `and per month (730 hours) at Cloudflare's published prices as of ${PRICES.date}: Workers requests $0.30 per million, ` +
      'Durable Object requests $0.15 per million (incoming WebSocket messages 20:1), Durable Object duration $12.50 per million ' +
      'GB-s at 128 MB, D1 rows read $0.001 per million (each beyond what the Workers Paid plan includes; Worker CPU time not ' +
      'counted). Worker requests: the long polls counted as sent, the 304 polls as the library sent them; an event stream or a ' +
      'WebSocket is one request per connection, and its pings are not requests. Object requests and billable seconds: the ' +
      "user's object's own account (GET /v1/projects/{project}/users/{user}/listeners) before and after the window. D1: " +
      'what each listener logged when it ended (LISTENER_COST_LOG), its opening reads (an event stream\'s or WebSocket\'s up to ' +
      'its first read) once per request and its waiting reads per second held; the 304 polls\' from their Server-Timing.',
    '',
    ...idleCostLines(costRows),
    '',
    ...pushLines(pushed),
    '',
    'Queue messages consumed: one per notification to a user; a broadcast adds a page message per 480 browsers and a send ' +
      'message per 40. A push is an outbound request of the consumer (not billed as a request). An idle device with push ' +
      'and no open page makes no request and wakes its radio for nothing of ours: the push service’s own connection carries ' +
      'the pushes.',
    '',
    ...targetLines,
    '',
    'Absolute numbers depend on the machine (and everything shares its cores here: both Workers, D1 and the load ' +
      'generator); the ratios to the floor are what to compare between runs.',
    '',
  ].join('\n');
  writeFileSync('bench/results.md', text);
  console.log(`\n${text}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
