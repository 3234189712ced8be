// GET /docs: the API reference, rendered in the browser from /openapi.json by the renderer the Worker serves
// from its own assets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { inbox, launch, screenshot, watch } from './helpers';

let browser: Browser;
beforeAll(async () => (browser = await launch()));
afterAll(() => browser?.close());

describe('/docs', () => {
  it('renders every operation of /openapi.json, loading nothing from other hosts', async () => {
    const { page, errors, foreign } = await watch(await browser.newContext({ viewport: { width: 1360, height: 900 } }), `${inbox}/docs`);
    const doc = (await (await fetch(`${inbox}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(doc.paths).reduce((sum, methods) => sum + Object.keys(methods).length, 0);
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 20_000 }).toBe(operations);
    await expect(page.locator('.info .title').textContent()).resolves.toContain('Edge notification inbox');
    await screenshot(page, 'docs');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
