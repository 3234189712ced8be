// `npm start [-- --port N]`: dev values, the element and client built, local D1 migrated, then `wrangler dev` on
// localhost with the demo on (GET /).
import { spawnSync, spawn } from 'node:child_process';
import { declaredDatabases } from './databases.mjs';
import { ensureDevVars } from './dev-vars.mjs';

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };
const { path, created, vapidAdded } = ensureDevVars();
console.log(`${created ? 'Created' : 'Using'} development secrets in ${path} (ADMIN_API_KEY, JWT_SECRET, VAPID keys).`);
if (vapidAdded) console.log(`Added a Web Push (VAPID) key pair to ${path}.`);

// The static assets the Worker serves (public/inbox, the reference's renderer).
const built = spawnSync(process.execPath, [new URL('build.mjs', import.meta.url).pathname], { stdio: 'inherit', env });
if (built.status !== 0) process.exit(built.status ?? 1);

// `--persist-to DIR` (passed on to wrangler dev) keeps the local databases elsewhere: migrate those.
const args = process.argv.slice(2);
const persist = args.indexOf('--persist-to');
const state = persist >= 0 ? ['--persist-to', args[persist + 1]] : [];
for (const { binding } of declaredDatabases()) {
  const migrate = spawnSync('wrangler', ['d1', 'migrations', 'apply', binding, '--local', ...state], { stdio: 'inherit', env });
  if (migrate.status !== 0) process.exit(migrate.status ?? 1);
}

const port = args.includes('--port') ? args[args.indexOf('--port') + 1] : '8787';
console.log(`The demo: http://localhost:${port}/   The API reference: http://localhost:${port}/docs`);
console.log('A user token for trying the client API: npm run token -- <user> [--project p] [--org o]');
// Port and address default from wrangler.toml [dev]; `--port N` overrides. wrangler dev learns that a
// client hung up only when a write to it fails: listeners probe every 3 s (src/realtime/settings.ts).
// PUSH_LOCAL_ENDPOINTS: browsers' push subscriptions may name a local stand-in push service (README "Push").
const dev = spawn('wrangler', ['dev', '--var', 'HANGUP_PROBE_SECONDS:3', '--var', 'DEMO:on', '--var', 'PUSH_LOCAL_ENDPOINTS:on', ...args], {
  stdio: 'inherit',
  env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));
