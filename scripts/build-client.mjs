// Builds packages/client: the ESM bundle (dist/index.js), its declarations (dist/*.d.ts), and checks the
// budget: everything minified and gzipped must stay within 8 KiB.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = path.join(import.meta.dirname, '..');
const pkg = path.join(root, 'packages/client');
const entry = path.join(pkg, 'src/index.ts');
const BUDGET = 8192;

rmSync(path.join(pkg, 'dist'), { recursive: true, force: true });
const common = { entryPoints: [entry], bundle: true, format: 'esm', target: 'es2020', platform: 'neutral', logLevel: 'warning' };
await build({ ...common, outfile: path.join(pkg, 'dist/index.js') });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(pkg, 'tsconfig.build.json')], { stdio: 'inherit' });

const minified = await build({ ...common, minify: true, write: false });
const code = minified.outputFiles[0].contents;
const size = gzipSync(code, { level: 9 }).length;
console.log(`@edge-inbox/client: ${code.length} bytes minified, ${size} bytes min+gzip (budget ${BUDGET})`);
if (size > BUDGET) {
  console.error(`Over budget by ${size - BUDGET} bytes`);
  process.exit(1);
}
