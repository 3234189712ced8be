// `npm run bench:profile`: where a 304 poll's time goes. Starts the Worker under `wrangler dev` on a
// small seeded D1, drives 304 polls with autocannon and records a CPU profile of the Worker through
// its inspector (the DevTools protocol) meanwhile. Prints the functions with the most self time and
// the inclusive time of the request path's stages; writes bench/.state/poll-304.cpuprofile (open it
// in Chrome DevTools or VS Code for the flame graph).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { ensureDevVars, readDevVars } from '../scripts/dev-vars.mjs';
import { seedSql, USERS, orgsOf } from './seed.mjs';

const PORT = Number(process.env.BENCH_PORT ?? 8797);
const INSPECTOR = PORT + 1000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const STATE = 'bench/.state';
const CONFIG = 'wrangler.bench.toml';
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };

function wrangler(args) {
  if (spawnSync('wrangler', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status !== 0) throw new Error(`wrangler ${args.join(' ')} failed`);
}

/** One DevTools-protocol session over the inspector's WebSocket. */
async function inspector() {
  const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl && !/internal/i.test(t.title ?? '')) ?? targets[0];
  // wrangler's inspector proxy wants an Origin; it renumbers message ids, so answers are matched in order.
  const socket = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: 'http://localhost' } });
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let id = 0;
  const pending = [];
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.id !== undefined) pending.shift()?.(message);
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      pending.push((m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      socket.send(JSON.stringify({ id: ++id, method, params }));
    });
  return { send, close: () => socket.close() };
}

/** Self and inclusive milliseconds per function (a function on the stack twice counts once). */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map();
  profile.samples.forEach((id, i) => hits.set(id, (hits.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const inclusive = new Map();
  const walk = (id, stack) => {
    const node = byId.get(id);
    const key = name(node);
    const ms = hits.get(id) ?? 0;
    self.set(key, (self.get(key) ?? 0) + ms);
    const onStack = stack.includes(key) ? stack : [...stack, key];
    for (const k of new Set(onStack)) inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    for (const child of node.children ?? []) walk(child, onStack);
  };
  walk(profile.nodes[0].id, []);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  return { total, idle, self, inclusive };
}

async function main() {
  ensureDevVars();
  const vars = readDevVars();
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync('bench/.seed', { recursive: true });
  // Unminified, so that the profile names functions; rate limits lifted as in the benchmark.
  writeFileSync(
    CONFIG,
    readFileSync('wrangler.toml', 'utf8')
      .replace(/simple = \{ limit = \d+,/g, 'simple = { limit = 1000000000,')
      .replace(/^minify = true$/m, 'minify = false'),
  );
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', STATE, '--config', CONFIG]);
  writeFileSync('bench/.seed/seed.sql', seedSql(Date.now()));
  wrangler(['d1', 'execute', 'DB', '--local', '--persist-to', STATE, '--config', CONFIG, '--file', 'bench/.seed/seed.sql']);

  const child = spawn('wrangler', ['dev', '--config', CONFIG, '--port', String(PORT), '--inspector-port', String(INSPECTOR), '--ip', '127.0.0.1', '--persist-to', STATE], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  process.on('exit', () => child.kill('SIGTERM'));
  const app = `http://127.0.0.1:${PORT}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(app);
      break;
    } catch {
      if (i > 240) throw new Error('wrangler dev did not come up');
      await sleep(500);
    }
  }

  const secret = new TextEncoder().encode(vars.JWT_SECRET);
  const sample = [];
  for (let i = 0; i < 200; i++) {
    const user = `user-${(i * 37) % USERS}`;
    const headers = { authorization: `Bearer ${await new SignJWT({ sub: user, orgs: orgsOf(user) }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2h').sign(secret)}` };
    const res = await fetch(`${app}/api/v1/client/notifications`, { headers });
    await res.arrayBuffer();
    sample.push({ ...headers, 'if-none-match': res.headers.get('etag') });
  }
  let i = 0;
  const load = (duration) =>
    autocannon({ url: `${app}/api/v1/client/notifications`, connections: 10, duration, requests: [{ setupRequest: (r) => ({ ...r, headers: sample[i++ % sample.length] }) }] });
  await load(2); // warm up

  const devtools = await inspector();
  await devtools.send('Profiler.enable');
  await devtools.send('Profiler.setSamplingInterval', { interval: 200 });
  await devtools.send('Profiler.start');
  const result = await load(SECONDS);
  const { profile } = await devtools.send('Profiler.stop');
  devtools.close();
  writeFileSync(`${STATE}/poll-304.cpuprofile`, JSON.stringify(profile));

  const { total, idle, self, inclusive } = summarize(profile);
  const busy = total - idle;
  const requests = result.requests.total;
  const per = (ms) => `${((1000 * ms) / requests).toFixed(1)} µs/request`;
  console.log(`\n${requests} polls (${result.requests.average.toFixed(0)}/s); the Worker's isolate was busy ${busy.toFixed(0)} of ${total.toFixed(0)} ms (${per(busy)}).`);
  console.log('\nMost self time:');
  for (const [k, v] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${v.toFixed(1).padStart(8)} ms  ${per(v).padStart(16)}  ${k}`);
  }
  console.log('\nMost inclusive time (our code and the libraries it calls):');
  for (const [k, v] of [...inclusive].filter(([k]) => !/^\((root|program|idle|garbage collector)\)/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`  ${v.toFixed(1).padStart(8)} ms  ${per(v).padStart(16)}  ${k}`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
