// `npm run deploy`: the whole deploy, first or later, in the right order (README, "Deploy").
//   first deploy (no database yet): wrangler deploy creates the D1 database (automatic
//     provisioning) and uploads the secrets, then the migrations build its tables;
//   later deploys: the migrations first (they only add, so the running version keeps working on
//     the new schema), then the new code that needs them.
// `npm run deploy -- --dry-run`: everything that can be checked offline: the bundle (and its size
// budget), the config, the migrations on a fresh local database, and the plan of a real deploy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { declaredDatabases } from './databases.mjs';
import { ensureSecretsFile } from './dev-vars.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const SECRETS_FILE = join(ROOT, '.deploy.vars');
const SECRET_NAMES = ['ADMIN_API_KEY', 'JWT_SECRET'];
/** The Web Push key pair: made once; a new one would orphan every browser's subscription (README "Push"). */
const VAPID_NAMES = ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY'];
/** wrangler.toml [[queues.producers]]: created by the deploy when it does not exist (wrangler does not provision queues). */
const PUSH_QUEUE = 'edge-inbox-push';
/** The Worker's gzip size budget (issue 15); the free plan's limit is 3 MB. */
const BUNDLE_BUDGET_KIB = 150;

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
const dryRun = process.argv.includes('--dry-run');

function wrangler(args, { capture = false } = {}) {
  console.log(`$ wrangler ${args.join(' ')}`);
  const run = spawnSync('wrangler', args, { cwd: ROOT, env, stdio: capture ? ['inherit', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (run.status !== 0) {
    console.error(`wrangler ${args[0]} failed (exit ${run.status ?? run.signal}); nothing after it ran.`);
    process.exit(run.status || 1);
  }
  return run.stdout;
}

// The static assets the Worker serves (public/inbox: the element and the client; public/docs: the reference's
// renderer) are built, not committed: a deploy from a fresh clone must build them first.
const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, env, stdio: 'inherit' });
if (built.status !== 0) {
  console.error('npm run build failed; nothing was deployed.');
  process.exit(built.status || 1);
}

// Push services may write to VAPID_SUBJECT about this deployment's pushes (RFC 8292): the example one reaches nobody.
if (/VAPID_SUBJECT\s*=\s*"mailto:push@example\.com"/.test(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))) {
  console.warn('Note: wrangler.toml VAPID_SUBJECT is still mailto:push@example.com; set your own contact (README "Push").');
}

// Every declared database (DB, and DB_<NAME> for each added one) is provisioned by wrangler deploy and migrated.
const declared = declaredDatabases();
const databaseName = declared[0].name;

if (dryRun) {
  const work = mkdtempSync(join(tmpdir(), 'edge-inbox-deploy-'));
  try {
    wrangler(['deploy', '--dry-run', '--outdir', join(work, 'bundle')]);
    const script = readFileSync(join(work, 'bundle', 'index.js'));
    const kib = (bytes) => (bytes / 1024).toFixed(1);
    const gzip = gzipSync(script).length;
    console.log(`Worker bundle: ${kib(script.length)} KiB, ${kib(gzip)} KiB gzip (budget ${BUNDLE_BUDGET_KIB} KiB gzip).`);
    if (gzip > BUNDLE_BUDGET_KIB * 1024) {
      console.error(`The Worker is over its ${BUNDLE_BUDGET_KIB} KiB gzip budget.`);
      process.exit(1);
    }
    // CI=true: wrangler applies them without asking.
    env.CI = 'true';
    for (const { binding } of declared) wrangler(['d1', 'migrations', 'apply', binding, '--local', '--persist-to', join(work, 'state')]);
    console.log(
      [
        '',
        'A real deploy runs, once logged in (`wrangler login`, or CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID):',
        `  wrangler d1 list --json            (is there a database "${databaseName}"?)`,
        `  wrangler queues info ${PUSH_QUEUE}  (else: wrangler queues create ${PUSH_QUEUE}, for Web Push)`,
        '  first deploy:  wrangler deploy --secrets-file .deploy.vars   (creates the database; secrets generated once)',
        `                 wrangler d1 migrations apply <binding> --remote   (for each of ${declared.map((d) => d.binding).join(', ')})`,
        '  later:         wrangler d1 migrations apply <binding> --remote   (each database that exists)',
        '                 wrangler deploy                                    (creates any database added to wrangler.toml)',
        '                 wrangler d1 migrations apply <binding> --remote   (each database it created)',
      ].join('\n'),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(0);
}

const listing = wrangler(['d1', 'list', '--json'], { capture: true });
const databases = JSON.parse(listing.slice(listing.indexOf('[')));
const exists = (name) => databases.some((database) => database.name === name);
const first = !exists(databaseName);
// Databases that exist are migrated before the code that needs them; new ones (created by the deploy) after it.
// A new database holds no users until the shard map gives it some (README "Scaling").
const existing = declared.filter(({ name }) => exists(name));
const created = declared.filter(({ name }) => !exists(name));

// Secrets: from the environment (CI), else from .deploy.vars; a first deploy without either gets
// fresh ones written to .deploy.vars. Deploys after that keep what is set unless told otherwise.
let secretsFile;
let temporary;
if (SECRET_NAMES.every((name) => process.env[name])) {
  temporary = mkdtempSync(join(tmpdir(), 'edge-inbox-secrets-'));
  secretsFile = join(temporary, 'secrets.json');
  const names = [...SECRET_NAMES, ...VAPID_NAMES.filter((name) => process.env[name])];
  writeFileSync(secretsFile, JSON.stringify(Object.fromEntries(names.map((name) => [name, process.env[name]]))), { mode: 0o600 });
  console.log(`Secrets: ${names.join(', ')} from the environment.`);
  if (names.length < SECRET_NAMES.length + VAPID_NAMES.length) {
    console.log('  VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not in the environment: the ones set before stay. A first deploy needs them:');
    console.log('  `node scripts/vapid-keys.mjs` prints a pair to keep in your CI secrets.');
  }
} else {
  const { created, vapidAdded } =
    first || existsSync(SECRETS_FILE)
      ? ensureSecretsFile(SECRETS_FILE, 'The deployed Worker\'s secrets, generated by `npm run deploy`.', '')
      : { created: false, vapidAdded: false };
  if (created) console.log(`Secrets: generated ${SECRETS_FILE} (ADMIN_API_KEY for the producer API, JWT_SECRET to sign user tokens, the Web Push key pair). Keep it safe.`);
  if (vapidAdded) console.log(`Secrets: added a Web Push (VAPID) key pair to ${SECRETS_FILE}; this deploy uploads it. Keep it: a new one orphans every subscription.`);
  try {
    readFileSync(SECRETS_FILE);
    secretsFile = SECRETS_FILE;
  } catch {
    console.log('Secrets: none given; the ones set by an earlier deploy stay.');
  }
}

try {
  const deploy = ['deploy', ...(secretsFile ? ['--secrets-file', secretsFile] : [])];
  if (first) console.log(`First deploy: the database "${databaseName}" is created by this deploy, then migrated.`);
  for (const { binding } of existing) wrangler(['d1', 'migrations', 'apply', binding, '--remote']);
  const queue = spawnSync('wrangler', ['queues', 'info', PUSH_QUEUE], { cwd: ROOT, env, stdio: 'ignore' });
  if (queue.status !== 0) wrangler(['queues', 'create', PUSH_QUEUE]);
  wrangler(deploy);
  for (const { binding, name } of created) {
    if (binding !== 'DB') console.log(`New database "${name}" (${binding}): created by this deploy, now migrated.`);
    wrangler(['d1', 'migrations', 'apply', binding, '--remote']);
  }
} finally {
  if (temporary) rmSync(temporary, { recursive: true, force: true });
}
