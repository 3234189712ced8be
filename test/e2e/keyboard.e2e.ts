// The bell and its panel with the keyboard alone, and what a screen reader is told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { countIs, demoReady, inbox, launch, produce, screenshot, unique, watch } from './helpers';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launch();
  page = (await watch(await browser.newContext({ viewport: { width: 1360, height: 860 } }), `${inbox}/`)).page;
  await demoReady(page);
});
afterAll(() => browser?.close());

const BOB_BELL = 'edge-inbox[data-user=bob]:not([inline])';

/** The focused element, through shadow roots: `tag.class` or its part. */
const focused = () =>
  page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    if (!active) return null;
    return { tag: active.tagName.toLowerCase(), part: active.getAttribute('part'), text: active.textContent?.trim().slice(0, 80), host: (active.getRootNode() as ShadowRoot).host?.getAttribute('data-user') ?? null };
  });

/** Presses Tab from the top of the page until the focus is on what `target` describes. */
async function tabTo(target: { part: string; host: string }) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let presses = 0; presses < 200; presses++) {
    await page.keyboard.press('Tab');
    const now = await focused();
    if (now?.part === target.part && now.host === target.host) return;
  }
  throw new Error(`Tab never reached ${JSON.stringify(target)}`);
}

describe('keyboard and screen reader', () => {
  it('opens the panel from the bell, moves through it, acknowledges, and returns focus to the bell on Escape', async () => {
    const titles = [unique('Keyboard one'), unique('Keyboard two')];
    for (const title of titles) await produce({ to: [{ user: 'bob' }], title });
    await countIs(page.locator(`${BOB_BELL} li`, { hasText: titles[1] }), 1);

    // The bell is reachable with Tab and says what it holds.
    await tabTo({ part: 'bell', host: 'bob' });
    await expect(page.locator(`${BOB_BELL} .bell`).getAttribute('aria-expanded')).resolves.toBe('false');
    expect(await page.locator(`${BOB_BELL} .bell`).getAttribute('aria-label')).toMatch(/^Notifications, \d+ unread$/);

    await page.keyboard.press('Enter');
    const panel = page.locator(`${BOB_BELL} [part~=panel]`);
    await expect(panel.isVisible()).resolves.toBe(true);
    await expect(panel.getAttribute('role')).resolves.toBe('dialog');
    await expect(panel.getAttribute('aria-labelledby')).resolves.toBe('title');
    await expect(page.locator(`${BOB_BELL} .bell`).getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(focused()).resolves.toMatchObject({ tag: 'h2', text: 'Notifications', host: 'bob' });

    // Tab reaches "Mark all as read"; the arrows move between notifications, newest first.
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toMatchObject({ part: 'ack-all' });
    await page.keyboard.press('ArrowDown');
    await expect(focused()).resolves.toMatchObject({ tag: 'li', part: 'item' });
    expect((await focused())!.text).toContain(titles[1]);
    await page.keyboard.press('ArrowDown');
    expect((await focused())!.text).toContain(titles[0]);
    await page.keyboard.press('ArrowUp');
    expect((await focused())!.text).toContain(titles[1]);

    // Tab from a notification reaches its own "Mark as read", which Enter presses; focus stays on the row.
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toMatchObject({ tag: 'button', part: 'ack' });
    const label = await page.evaluate(() => {
      let active = document.activeElement;
      while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
      return active?.getAttribute('aria-label');
    });
    expect(label).toBe(`Mark as read: ${titles[1]}`);
    await page.keyboard.press('Enter');
    await countIs(page.locator(`${BOB_BELL} li[data-status=pending]`, { hasText: titles[1] }), 0);
    await expect(focused()).resolves.toMatchObject({ tag: 'li' });
    await screenshot(page, 'keyboard-panel');

    await page.keyboard.press('Escape');
    await expect(panel.isVisible()).resolves.toBe(false);
    await expect(focused()).resolves.toMatchObject({ part: 'bell', host: 'bob' });
    await expect(page.locator(`${BOB_BELL} .bell`).getAttribute('aria-expanded')).resolves.toBe('false');
  });

  it('marks the list as a list and each unread notification as unread for screen readers', async () => {
    const list = page.locator('edge-inbox[data-user=bob][inline] ul');
    await expect(list.getAttribute('aria-labelledby')).resolves.toBe('title');
    const unread = page.locator('edge-inbox[data-user=bob][inline] li[data-status=pending] .unread').first();
    await expect(unread.textContent()).resolves.toBe('Unread: ');
    const snapshot = await page.locator('edge-inbox[data-user=bob][inline]').ariaSnapshot();
    expect(snapshot).toContain('- list');
    expect(snapshot).toContain('- listitem');
  });

  it('acknowledges everything from the keyboard and keeps the focus in the panel', async () => {
    await produce({ to: [{ user: 'bob' }], title: unique('Keyboard all') });
    await tabTo({ part: 'bell', host: 'bob' });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toMatchObject({ part: 'ack-all', host: 'bob' });
    await page.keyboard.press('Enter');
    await countIs(page.locator(`${BOB_BELL} li[data-status=pending]`), 0);
    // "Mark all as read" is disabled now: the heading holds the focus, so Escape still closes the panel.
    await expect(page.locator(`${BOB_BELL} [part~=ack-all]`).isDisabled()).resolves.toBe(true);
    await expect(focused()).resolves.toMatchObject({ tag: 'h2', host: 'bob' });
    await page.keyboard.press('Escape');
    await expect(focused()).resolves.toMatchObject({ part: 'bell', host: 'bob' });
    await expect(page.locator(`${BOB_BELL} .bell`).getAttribute('aria-label')).resolves.toBe('Notifications, none unread');
  });
});
