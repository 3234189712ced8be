import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` is used: it writes flat SQL files that wrangler and the
// vitest plugin both apply. Never `push`/`migrate` against D1 (wrangler tracks migrations).
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/core/schema.ts',
  out: './migrations',
});
