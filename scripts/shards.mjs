// `npm run shards -- <command>`: the databases of a deployment and the moves between them (README "Scaling").
//
//   status                 the databases, how many virtual shards each serves, the move under way
//   add <binding> [--batch N]
//                          moves its even share of virtual shards onto <binding> (declared in wrangler.toml and
//                          deployed first), N shards at a time (default: all at once), while the service runs
//   resume                 finishes the move under way (after this command was stopped, say)
//
// Options: --url (default http://localhost:8787, `npm start`'s). The admin key comes from ADMIN_API_KEY, else from
// .dev.vars (a local URL) or .deploy.vars (`npm run deploy`'s secrets).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: 'string', default: 'http://localhost:8787' }, batch: { type: 'string' } },
});
const [command, binding] = positionals;
const base = values.url.replace(/\/$/, '');
const batch = values.batch === undefined ? undefined : Number(values.batch);

function adminKey() {
  if (process.env.ADMIN_API_KEY) return process.env.ADMIN_API_KEY;
  const local = /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(base);
  const file = resolve(import.meta.dirname, '..', local ? '.dev.vars' : '.deploy.vars');
  if (!existsSync(file)) throw new Error(`No ADMIN_API_KEY in the environment and no ${file}`);
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('ADMIN_API_KEY='));
  if (!line) throw new Error(`${file} has no ADMIN_API_KEY`);
  return line.slice('ADMIN_API_KEY='.length).trim();
}

const headers = { authorization: `Bearer ${adminKey()}`, 'content-type': 'application/json' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(method, path, body) {
  for (;;) {
    const res = await fetch(`${base}/v1${path}`, { method, headers, ...(body && { body: JSON.stringify(body) }) });
    // The admin key's write budget: wait it out.
    if (res.status === 429) {
      await sleep(Number(res.headers.get('retry-after') ?? '5') * 1000);
      continue;
    }
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} /v1${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
}

function show(state) {
  const total = state.databases.reduce((n, d) => n + d.shards, 0);
  console.log(`Shard map v${state.version}; declared: ${state.declared.join(', ')}`);
  for (const d of state.databases) console.log(`  ${d.binding.padEnd(12)} ${String(d.shards).padStart(5)} shards (${((100 * d.shards) / total).toFixed(1)} % of users)`);
  if (state.move) console.log(`  moving ${state.move.shards} shards to ${state.move.to}: ${state.move.phase} (marked ${state.move.marked_at})`);
}

/** Steps the move under way until it is done. */
async function finish() {
  let last = '';
  for (;;) {
    const step = await api('POST', '/shards/moves/step');
    const line = `${step.phase}${step.progress !== undefined ? ` (+${step.progress})` : ''}${step.waiting_for ? `: waiting for ${step.waiting_for}` : ''}`;
    if (line !== last || step.progress) console.log(`  ${line}`);
    last = line;
    if (step.phase === 'done') return;
    if (step.wait_ms !== undefined) await sleep(step.wait_ms);
  }
}

if (command === 'status') {
  show(await api('GET', '/shards'));
} else if (command === 'resume') {
  await finish();
  show(await api('GET', '/shards'));
} else if (command === 'add' && binding) {
  if (batch !== undefined && !(Number.isInteger(batch) && batch > 0)) throw new Error('--batch takes a positive whole number of shards');
  for (;;) {
    const state = await api('POST', '/shards/moves', { to: binding, ...(batch && { shards: batch }) });
    if (!state.move) break;
    console.log(`Moving ${state.move.shards} virtual shards to ${binding} (their users' writes wait a few seconds each)`);
    await finish();
    if (!batch) break;
  }
  show(await api('GET', '/shards'));
} else {
  console.error('usage: npm run shards -- status | add <binding> [--batch N] | resume   [--url URL]');
  process.exit(2);
}
