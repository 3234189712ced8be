import { Hono } from 'hono';

// The floor: the least a Hono Worker in this runtime can do per request (a constant 304), so the
// benchmark can print every figure as a ratio to it. Ratios travel between machines; numbers do not.
const app = new Hono();
app.get('*', (c) => c.body(null, 304, { ETag: '"floor"' }));

export default app;
