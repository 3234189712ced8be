// Starts what the browser tests talk to: the Worker under `wrangler dev` with the demo on (as `npm start`,
// but with its own database, secrets and ports) and a plain page server on another origin, which
// CORS_ORIGINS allows. Each is stopped by its process id.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { vapidKeys } from '../../../scripts/dev-vars.mjs';
import { chromiumPath } from './chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    inbox: string;
    otherOrigin: string;
    adminKey: string;
    jwtSecret: string;
    chromium: string;
  }
}

const root = path.join(import.meta.dirname, '../../..');
// Without the developer's own secrets in the environment (wrangler reads them from there too).
const { ADMIN_API_KEY: _admin, JWT_SECRET: _secret, VAPID_PUBLIC_KEY: _vapidPublic, VAPID_PRIVATE_KEY: _vapidPrivate, ...parentEnv } = process.env;
const env = { ...parentEnv, WRANGLER_SEND_METRICS: 'false', CI: 'true' };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string) {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not come up:\n${log()}`);
}

/** The other origin's page: the element loaded from the inbox's origin, as an app embeds it. */
function otherOriginPage(inbox: string) {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Another app</title><link rel="icon" href="data:,">
<script type="module" src="${inbox}/inbox/edge-inbox.js"></script>
<h1>Another app</h1><edge-inbox base-url="${inbox}" inline></edge-inbox>`;
}

/**
 * A page that sets `tokenProvider` before the element is defined: a classic script runs before any module
 * script. The token comes in the URL's fragment.
 */
function earlyProviderPage(inbox: string) {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Early provider</title><link rel="icon" href="data:,">
<edge-inbox base-url="${inbox}" inline></edge-inbox>
<script>
  const early = document.querySelector('edge-inbox');
  window.definedWhenSet = !!customElements.get('edge-inbox');
  early.tokenProvider = async () => decodeURIComponent(location.hash.slice(1));
</script>
<script type="module" src="${inbox}/inbox/edge-inbox.js"></script>`;
}

/**
 * Bells where pages put them (issue 29): at the left and right edges, fixed at the bottom of the screen, and inside a
 * scrolled container, on a page taller than the screen; a button under where a phone's sheet dims the page. The
 * tokens come in the URL's fragment: `#left`'s (another user: elements of one user share one state, page size and
 * all), then the others'.
 */
function bellsPage(inbox: string) {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bells</title><link rel="icon" href="data:,">
<style>
body{margin:0;min-height:300vh;font:16px system-ui,sans-serif}
#left{position:absolute;top:8px;left:0}#right{position:absolute;top:8px;right:0}
#bottom{position:fixed;bottom:8px;left:calc(50% - 22px)}
#box{position:absolute;top:120px;left:40px;width:220px;height:160px;overflow:auto;border:1px solid #888}#box p{margin:0;height:300px}
#behind{position:absolute;top:8px;left:120px;width:120px;height:44px}
</style>
<button id="behind" onclick="this.dataset.clicks = Number(this.dataset.clicks || 0) + 1">Behind</button>
<edge-inbox id="left" base-url="${inbox}" page-size="2"></edge-inbox>
<edge-inbox id="right" base-url="${inbox}"></edge-inbox>
<edge-inbox id="bottom" base-url="${inbox}"></edge-inbox>
<div id="box"><p></p><edge-inbox id="scrolled" base-url="${inbox}"></edge-inbox><p></p></div>
<script>
  const [left, others] = location.hash.slice(1).split(',').map(decodeURIComponent);
  for (const bell of document.querySelectorAll('edge-inbox')) bell.tokenProvider = async () => (bell.id === 'left' ? left : others);
</script>
<script type="module" src="${inbox}/inbox/edge-inbox.js"></script>`;
}

export default async function setup(project: TestProject) {
  const chromium = chromiumPath();
  const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, env, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);

  const state = mkdtempSync(path.join(tmpdir(), 'edge-inbox-e2e-'));
  const migrate = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: root, env, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}${migrate.stderr}`);

  const [port, inspectorPort, otherPort] = [await freePort(), await freePort(), await freePort()];
  const inbox = `http://127.0.0.1:${port}`;
  const otherOrigin = `http://localhost:${otherPort}`;
  const adminKey = `e2e-admin-${randomBytes(12).toString('base64url')}`;
  const jwtSecret = randomBytes(32).toString('base64url');

  const routes: Record<string, string> = { '/': otherOriginPage(inbox), '/early': earlyProviderPage(inbox), '/bells': bellsPage(inbox) };
  const pages: Server = createServer((request, response) => {
    const page = routes[request.url ?? ''];
    response.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page ?? 'not found');
  });
  await new Promise<void>((resolve) => pages.listen(otherPort, '127.0.0.1', resolve));

  let output = '';
  // The secrets from a file of their own (not the developer's .dev.vars), the rest as `npm start` sets them.
  const secrets = path.join(state, 'secrets.env');
  const vapid = Object.entries(vapidKeys()).map(([name, value]) => `${name}=${value}\n`).join('');
  writeFileSync(secrets, `ADMIN_API_KEY=${adminKey}\nJWT_SECRET=${jwtSecret}\n${vapid}`, { mode: 0o600 });
  const vars = { DEMO: 'on', HANGUP_PROBE_SECONDS: '3', CORS_ORIGINS: otherOrigin, PUSH_LOCAL_ENDPOINTS: 'on' };
  const worker = spawn(
    'npx',
    [
      'wrangler', 'dev', '--port', String(port), '--inspector-port', String(inspectorPort), '--ip', '127.0.0.1', '--persist-to', state, '--env-file', secrets,
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  worker.stdout!.on('data', (chunk) => (output += chunk));
  worker.stderr!.on('data', (chunk) => (output += chunk));
  const stop = () => {
    // npx and wrangler and workerd: the whole process group this setup started.
    if (worker.exitCode === null && worker.pid) process.kill(-worker.pid, 'SIGTERM');
    pages.close();
  };
  try {
    await waitUntilUp(`${inbox}/docs`, worker, () => output);
  } catch (error) {
    stop();
    throw error;
  }

  // The demo's project (which the demo would otherwise create on its first send), and one for the pages on
  // other origins, whose users must not see what the demo tests send to everyone.
  for (const id of ['demo', 'elsewhere']) {
    const created = await fetch(`${inbox}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: id }),
    });
    if (created.status !== 201) {
      stop();
      throw new Error(`creating the project ${id}: ${created.status} ${await created.text()}`);
    }
  }

  project.provide('inbox', inbox);
  project.provide('otherOrigin', otherOrigin);
  project.provide('adminKey', adminKey);
  project.provide('jwtSecret', jwtSecret);
  project.provide('chromium', chromium);

  return () => {
    stop();
    rmSync(state, { recursive: true, force: true });
  };
}
