import { describe, expect, it } from 'vitest';
import lock from '../../package-lock.json?raw';
import manifest from '../../package.json?raw';

// Two guards on how the repository is put together. No import circle among the Worker's and the client
// library's modules (a circle decides evaluation order by accident; `import type` is erased and does not count).
// And every dependency with an install script has a decision in package.json `allowScripts` (npm 11 warns about,
// and later npm versions skip, the scripts of packages without one).

const sources = import.meta.glob(['../../src/**/*.ts', '../../packages/client/src/**/*.ts'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** The relative modules a file imports (`import type` too), as keys of `sources`. */
function runtimeImports(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)';?$/gm)) {
    const target = new URL(`${match[2]}.ts`, `file:///${file.replace(/^(\.\.\/)+/, '')}`).pathname.slice(1);
    const key = Object.keys(sources).find((candidate) => candidate.replace(/^(\.\.\/)+/, '') === target);
    if (key) found.push(key);
  }
  return found;
}

describe('the repository’s layout', () => {
  it('has no import circle in src/ or the client library', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    const graph = new Map(Object.entries(sources).map(([file, text]) => [file, runtimeImports(file, text)]));
    // The imports are resolved: a file known to import another shows it.
    expect(graph.get('../../src/api/client/routes.ts')).toContain('../../src/api/client/notification-json.ts');
    const circles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') return void circles.push([...path.slice(path.indexOf(file)), file].join(' → '));
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });

  it('decides for every dependency with an install script whether it may run it', () => {
    const packages = (JSON.parse(lock) as { packages: Record<string, { hasInstallScript?: boolean }> }).packages;
    const withScripts = new Set(
      Object.entries(packages)
        .filter(([, entry]) => entry.hasInstallScript)
        .map(([location]) => location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length)),
    );
    const decided = (JSON.parse(manifest) as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    expect([...withScripts].filter((name) => !(name in decided))).toEqual([]);
    // The usage-reporting script is denied; the runtime's and the bundler's binaries are allowed.
    expect(decided).toMatchObject({ '@scarf/scarf': false, workerd: true, esbuild: true, node: true });
  });
});
