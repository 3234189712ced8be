// `npm start [-- --port N]`: dev values, local D1 migrated, then `wrangler dev` on localhost.
import { spawnSync, spawn } from 'node:child_process';
import { ensureDevVars } from './dev-vars.mjs';

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };
const { path, created } = ensureDevVars();
console.log(`${created ? 'Created' : 'Using'} development secrets in ${path} (ADMIN_API_KEY, JWT_SECRET).`);

const migrate = spawnSync('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local'], { stdio: 'inherit', env });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

console.log('A user token for trying the client API: npm run token -- <user> [--project p] [--org o]');
// Port and address default from wrangler.toml [dev]; `--port N` overrides.
const dev = spawn('wrangler', ['dev', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));
