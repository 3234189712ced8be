// The demo page (GET / under `npm start`) in Chromium: it loads cleanly, and what the operator sends shows in
// the right inboxes within 2 s, with the badge counting what is pending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { bell, countIs, demoReady, feed, inbox, launch, produce, row, screenshot, serverCounts, unique, watch, type Watched } from './helpers';

let browser: Browser;
let demo: Watched;
let page: Page;

beforeAll(async () => {
  browser = await launch();
  demo = await watch(await browser.newContext({ viewport: { width: 1360, height: 860 } }), `${inbox}/`);
  page = demo.page;
  await demoReady(page);
});
afterAll(() => browser?.close());

/** Sends with the operator panel and waits for its answer. */
async function sendFromPanel(to: string, title: string, priority = 'normal') {
  await page.selectOption('select[name=to]', to);
  await page.fill('input[name=title]', title);
  await page.selectOption('select[name=priority]', priority);
  const answered = page.waitForResponse((response) => response.url().endsWith('/demo/send'));
  await page.click('button[type=submit]');
  expect((await answered).status()).toBe(201);
}

describe('the demo page', () => {
  it('loads without console errors and fetches nothing from other hosts', async () => {
    await expect(page.title()).resolves.toBe('Edge notification inbox: demo');
    await expect(page.locator('h2', { hasText: 'Operator' }).count()).resolves.toBe(1);
    expect(demo.errors).toEqual([]);
    expect(demo.foreign).toEqual([]);
  });

  it('delivers what the operator panel sends to the right inboxes within 2 s', async () => {
    const toBob = unique('For Bob');
    await sendFromPanel('user:bob', toBob, 'critical');
    await countIs(row(page, 'bob', toBob), 1);
    await expect(row(page, 'bob', toBob).locator('[part~=priority]').textContent()).resolves.toBe('critical');

    const toAcme = unique('For acme');
    await sendFromPanel('org:acme', toAcme, 'high');
    await countIs(row(page, 'alice', toAcme), 1);

    const toAll = unique('For everyone');
    await sendFromPanel('everyone', toAll);
    await countIs(row(page, 'alice', toAll), 1);
    await countIs(row(page, 'bob', toAll), 1);

    // Nothing reached the user it was not for.
    await expect(row(page, 'alice', toBob).count()).resolves.toBe(0);
    await expect(row(page, 'bob', toAcme).count()).resolves.toBe(0);
    expect(demo.errors).toEqual([]);
  });

  it('delivers what the producer API sends within 2 s', async () => {
    const title = unique('From the backend');
    await produce({ to: [{ user: 'alice' }], title, body: 'Sent with POST /v1/projects/demo/notifications', action_url: 'https://example.com/builds/42' });
    await countIs(row(page, 'alice', title), 1);
    await expect(row(page, 'alice', title).locator('a[part~=action]').getAttribute('href')).resolves.toBe('https://example.com/builds/42');
    await expect(row(page, 'bob', title).count()).resolves.toBe(0);
  });

  it('counts what is pending on the badge and in the bell\'s label', async () => {
    for (const user of ['alice', 'bob']) {
      const { pending } = await serverCounts(user);
      expect(pending).toBeGreaterThan(0);
      // A notification counted as it arrives may also be in a /counts read a moment before; the client
      // recounts once the stream has been quiet for a second.
      await expect.poll(() => bell(page, user).locator('[part~=badge]').textContent(), { timeout: 3_000 }).toBe(String(pending));
      await expect(bell(page, user).getAttribute('aria-label')).resolves.toBe(`Notifications, ${pending} unread`);
    }
    const before = (await serverCounts('bob')).pending;
    await produce({ to: [{ user: 'bob' }], title: unique('One more') });
    await expect.poll(() => bell(page, 'bob').locator('[part~=badge]').textContent(), { timeout: 2_000 }).toBe(String(before + 1));
  });

  it('looks like this (test-output/e2e/demo.png)', async () => {
    await screenshot(page, 'demo');
    await bell(page, 'bob').click();
    await expect(page.locator('edge-inbox[data-user=bob]:not([inline]) [part~=panel]').isVisible()).resolves.toBe(true);
    await screenshot(page, 'demo-bell-open');
    await page.keyboard.press('Escape');
  });
});
