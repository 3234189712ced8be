// The element on a page of another origin: loaded with one <script type="module"> from the inbox's origin,
// talking to it across origins because CORS_ORIGINS lists that page's origin; and refused where it does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { configure, countIs, ELSEWHERE, inbox, launch, otherOrigin, produce, screenshot, unique, userToken, watch } from './helpers';

let browser: Browser;
beforeAll(async () => (browser = await launch()));
afterAll(() => browser?.close());

describe('the element on another origin', () => {
  it('works from an origin listed in CORS_ORIGINS: first page, live delivery, acknowledge', async () => {
    const user = unique('carol').replace(' ', '-');
    const title = unique('Across origins');
    await produce({ to: [{ user }], title: `${title} (before)` }, ELSEWHERE);

    const { page, errors, foreign } = await watch(await browser.newContext(), `${otherOrigin}/`, [otherOrigin, inbox]);
    await configure(page, { token: await userToken({ sub: user, project: ELSEWHERE }) });
    const item = (text: string) => page.locator('edge-inbox li', { hasText: text });
    await countIs(item(`${title} (before)`), 1, 15_000);

    await produce({ to: [{ user }], title: `${title} (live)` }, ELSEWHERE);
    await countIs(item(`${title} (live)`), 1);
    await item(`${title} (live)`).locator('[part~=ack]').click();
    await countIs(page.locator('edge-inbox li[data-status=pending]', { hasText: `${title} (live)` }), 0);

    await screenshot(page, 'other-origin');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('takes a tokenProvider set before the element was defined', async () => {
    const user = unique('heidi').replace(' ', '-');
    await produce({ to: [{ user }], title: `${user} provided` }, ELSEWHERE);
    const token = await userToken({ sub: user, project: ELSEWHERE });
    const { page, errors } = await watch(await browser.newContext(), `${otherOrigin}/early#${encodeURIComponent(token)}`, [otherOrigin, inbox]);
    await countIs(page.locator('edge-inbox li', { hasText: `${user} provided` }), 1, 15_000);
    // The property was set on a plain element, before the module defined <edge-inbox>.
    await expect(page.evaluate(() => (window as unknown as { definedWhenSet: boolean }).definedWhenSet)).resolves.toBe(false);
    expect(errors).toEqual([]);
  });

  it('says when there is nothing, and loads older notifications a page at a time', async () => {
    const user = unique('erin').replace(' ', '-');
    const { page, errors } = await watch(await browser.newContext(), `${otherOrigin}/`, [otherOrigin, inbox]);
    const element = page.locator('edge-inbox');
    await configure(page, { 'page-size': '2', token: await userToken({ sub: user, project: ELSEWHERE }) });
    await expect.poll(() => element.locator('[part~=status]').textContent(), { timeout: 15_000 }).toBe('You are all caught up.');
    await expect(element.locator('[part~=ack-all]').isDisabled()).resolves.toBe(true);

    const titles = [1, 2, 3, 4, 5].map((n) => `${user} #${n}`);
    for (const title of titles) await produce({ to: [{ user }], title }, ELSEWHERE);
    await countIs(element.locator('li'), 5);
    // Reloaded, the first page holds two; "Load more" brings the rest, two at a time, oldest last.
    await page.reload();
    await configure(page, { 'page-size': '2', token: await userToken({ sub: user, project: ELSEWHERE }) });
    await countIs(element.locator('li'), 2, 15_000);
    // With the keyboard: Enter on "Load more"; when the last page is in, the button goes and focus moves to
    // the last notification rather than out of the feed.
    const more = element.locator('[part~=more]');
    await more.focus();
    await page.keyboard.press('Enter');
    await countIs(element.locator('li'), 4);
    await page.keyboard.press('Enter');
    await countIs(element.locator('li'), 5);
    await expect(more.isHidden()).resolves.toBe(true);
    await expect
      .poll(() => page.evaluate(() => document.querySelector('edge-inbox')!.shadowRoot!.activeElement?.textContent ?? null))
      .toContain(`${user} #1`);
    await expect(element.locator('li .title').allTextContents()).resolves.toEqual([...titles].reverse().map((title) => `Unread: ${title}`));
    expect(errors).toEqual([]);
  });

  it('says at once when the browser goes offline, and carries on when it is back', async () => {
    const user = unique('grace').replace(' ', '-');
    await produce({ to: [{ user }], title: `${user} before` }, ELSEWHERE);
    const context = await browser.newContext();
    const { page } = await watch(context, `${otherOrigin}/`, [otherOrigin, inbox]);
    await configure(page, { token: await userToken({ sub: user, project: ELSEWHERE }) });
    const status = page.locator('edge-inbox [part~=status]');
    await countIs(page.locator('edge-inbox li'), 1, 15_000);

    await context.setOffline(true);
    await expect.poll(() => status.textContent()).toBe('You are offline. New notifications will show when you are back.');
    await screenshot(page, 'offline');
    await context.setOffline(false);
    await expect.poll(() => status.textContent()).toBe('');
    // Chromium's offline mode leaves an open WebSocket up: what this shows is the element following the
    // browser's online and offline events, and delivery going on afterwards.
    await produce({ to: [{ user }], title: `${user} after` }, ELSEWHERE);
    await countIs(page.locator('edge-inbox li'), 2, 15_000);
  });

  it('says so when the page\'s origin is not allowed', async () => {
    // The same page server by another name: an origin CORS_ORIGINS does not list. The browser hides the
    // server's answer from the page, so the element can only say it cannot reach the inbox.
    const refused = otherOrigin.replace('localhost', '127.0.0.1');
    const { page } = await watch(await browser.newContext(), `${refused}/`, [refused, inbox]);
    await configure(page, { token: await userToken({ sub: 'dave', project: ELSEWHERE }) });
    await expect
      .poll(() => page.locator('edge-inbox [part~=status]').textContent(), { timeout: 15_000 })
      .toBe('Cannot reach the inbox. Retrying…');
    await screenshot(page, 'other-origin-refused');
  });
});
