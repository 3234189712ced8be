// The D1 databases wrangler.toml declares: DB (the default and control database) and one `DB_<NAME>` per
// database added later (README "Scaling"). Every one of them gets every migration.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** [{ binding, name }] in the order wrangler.toml lists them. */
export function declaredDatabases(config = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')) {
  const blocks = config.split(/^\[\[d1_databases\]\]\s*$/m).slice(1).map((block) => block.split(/^\[/m)[0]);
  const databases = blocks.map((block) => ({
    binding: block.match(/^binding\s*=\s*"([^"]+)"/m)?.[1],
    name: block.match(/^database_name\s*=\s*"([^"]+)"/m)?.[1],
  }));
  for (const { binding, name } of databases) {
    if (!binding || !name) throw new Error('every [[d1_databases]] block in wrangler.toml needs a binding and a database_name');
    if (!/^DB(_[A-Z0-9_]+)?$/.test(binding)) throw new Error(`D1 binding ${binding}: inbox databases are named DB or DB_<NAME> (A-Z, 0-9, _)`);
  }
  if (databases[0]?.binding !== 'DB') throw new Error('wrangler.toml must declare the binding DB first');
  return databases;
}
