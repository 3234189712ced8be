// Acknowledging in one tab shows in the other tab of the same user (one browser: the tabs share one
// connection), and on another device (a second browser context: its own connection to the server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { bell, DELIVERY_MS, countIs, demoReady, inbox, launch, produce, row, screenshot, serverCounts, unique, watch } from './helpers';

let browser: Browser;
let tab1: Page;
let tab2: Page;
let device: Page;

beforeAll(async () => {
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  tab1 = (await watch(context, `${inbox}/`)).page;
  tab2 = (await watch(context, `${inbox}/`)).page;
  device = (await watch(await browser.newContext({ viewport: { width: 1360, height: 860 } }), `${inbox}/`)).page;
  for (const page of [tab1, tab2, device]) await demoReady(page);
});
afterAll(() => browser?.close());

const pendingRows = (page: Page, title: string) => row(page, 'alice', title).and(page.locator('li[data-status=pending]'));
const badge = (page: Page) => bell(page, 'alice').locator('[part~=badge]');

describe('acknowledging', () => {
  it('one notification shows as read in the other tab and on another device', async () => {
    const title = unique('Ack me');
    await produce({ to: [{ user: 'alice' }], title });
    for (const page of [tab1, tab2, device]) await countIs(pendingRows(page, title), 1);

    await row(tab1, 'alice', title).locator('[part~=ack]').click();
    for (const page of [tab1, tab2, device]) await countIs(pendingRows(page, title), 0);
    const { pending } = await serverCounts('alice');
    for (const page of [tab2, device]) {
      await expect.poll(async () => ((await badge(page).isHidden()) ? '0' : badge(page).textContent()), { timeout: DELIVERY_MS }).toBe(String(pending));
    }
  });

  it('all shows in the other tab and on another device, and the badge goes away', async () => {
    const titles = [unique('First'), unique('Second')];
    for (const title of titles) await produce({ to: [{ user: 'alice' }], title });
    for (const title of titles) await countIs(pendingRows(tab2, title), 1);

    await tab1.locator('edge-inbox[data-user=alice][inline] [part~=ack-all]').click();
    for (const page of [tab1, tab2, device]) {
      await countIs(page.locator('edge-inbox[data-user=alice][inline] li[data-status=pending]'), 0);
      await expect.poll(() => badge(page).isHidden(), { timeout: DELIVERY_MS }).toBe(true);
      await expect(bell(page, 'alice').getAttribute('aria-label')).resolves.toBe('Notifications, none unread');
    }
    await expect(serverCounts('alice')).resolves.toMatchObject({ pending: 0 });
    await screenshot(tab2, 'second-tab-after-ack-all');
  });
});
