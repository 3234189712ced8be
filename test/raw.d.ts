// Vite's `?raw` imports (a file's text), e.g. wrangler.toml in test/http/demo.test.ts.
declare module '*?raw' {
  const text: string;
  export default text;
}

// Vite's `import.meta.glob` (test/build/source-layout.test.ts reads the sources as text with it).
interface ImportMeta {
  glob(patterns: string | string[], options?: { query?: string; import?: string; eager?: boolean }): Record<string, unknown>;
}
