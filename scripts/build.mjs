// `npm run build`: the client library and the element, for npm (packages/*/dist: ESM and declarations) and for the
// Worker's static assets (public/inbox: minified, the element with the client inside, loadable with one
// <script type="module">), and the API reference's renderer (public/docs). Fails over the size budgets.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = path.join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const assets = path.join(root, 'public');
// The browsers the element and the client support (2021 on): what they run is kept as it is (the element's private
// fields and methods; lowered, they cost it 2 KiB), what they lack is lowered (class static blocks: Safari 16.4).
const common = { bundle: true, format: 'esm', target: ['es2022', 'chrome91', 'edge91', 'firefox90', 'safari15'], logLevel: 'warning' };
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Budgets, minified and gzipped: the client alone, and the element with the client (what a page loads). */
// The client grew past 8 KiB with Web Push (enablePush, disablePush, pushStatus: about 1 KiB), issue 27.
const BUDGETS = { 'client.js': 9 * 1024, 'edge-inbox.js': 15 * 1024 };

function declarations(pkg) {
  execFileSync(process.execPath, [tsc, '-p', path.join(pkg, 'tsconfig.build.json')], { stdio: 'inherit' });
}

// npm packages: the client bundled alone; the element importing the client as a dependency.
const client = path.join(root, 'packages/client');
const element = path.join(root, 'packages/element');
for (const pkg of [client, element]) rmSync(path.join(pkg, 'dist'), { recursive: true, force: true });
await build({ ...common, platform: 'neutral', entryPoints: [path.join(client, 'src/index.ts')], outfile: path.join(client, 'dist/index.js') });
declarations(client);
await build({
  ...common,
  platform: 'browser',
  entryPoints: [path.join(element, 'src/index.ts')],
  outfile: path.join(element, 'dist/edge-inbox.js'),
  external: ['@edge-inbox/client'],
});
declarations(element);
// Types for TSX only: tsc does not copy hand-written declarations.
copyFileSync(path.join(element, 'src/react.d.ts'), path.join(element, 'dist/react.d.ts'));

// Static assets: minified, everything inside.
rmSync(path.join(assets, 'inbox'), { recursive: true, force: true });
let over = false;
for (const [name, entry, platform] of [
  ['client.js', path.join(client, 'src/index.ts'), 'neutral'],
  ['edge-inbox.js', path.join(element, 'src/index.ts'), 'browser'],
]) {
  const out = await build({ ...common, platform, entryPoints: [entry], outfile: path.join(assets, 'inbox', name), minify: true, write: true, metafile: true });
  const code = Object.keys(out.metafile.outputs)[0];
  const bytes = readFileSync(path.join(root, code));
  const size = gzipSync(bytes, { level: 9 }).length;
  console.log(`/inbox/${name}: ${kib(bytes.length)} minified, ${kib(size)} min+gzip (budget ${kib(BUDGETS[name])})`);
  if (size > BUDGETS[name]) {
    console.error(`/inbox/${name} is over budget by ${size - BUDGETS[name]} bytes`);
    over = true;
  }
}

// The service worker that shows pushes (README "Push"): a classic script, so that an app on another origin can
// importScripts() it into its own worker.
await build({
  ...common,
  format: 'iife',
  platform: 'browser',
  entryPoints: [path.join(client, 'service-worker/sw.ts')],
  outfile: path.join(assets, 'inbox', 'sw.js'),
  minify: true,
});

// The reference's renderer, from its package: served from our own origin, nothing loaded from other hosts.
const swagger = path.dirname(require.resolve('swagger-ui-dist/package.json'));
mkdirSync(path.join(assets, 'docs'), { recursive: true });
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) copyFileSync(path.join(swagger, file), path.join(assets, 'docs', file));

if (over) process.exit(1);
