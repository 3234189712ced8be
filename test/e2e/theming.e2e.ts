// Light and dark, custom properties and ::part: what a page can change of the element's look.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { configure, countIs, ELSEWHERE, inbox, launch, otherOrigin, produce, screenshot, unique, userToken, watch } from './helpers';

let browser: Browser;
let user: string;
beforeAll(async () => {
  browser = await launch();
  user = unique('frank').replace(' ', '-');
  await produce({ to: [{ user }], title: 'Themed', body: 'A notification to look at', priority: 'high', action_url: 'https://example.com/' }, ELSEWHERE);
});
afterAll(() => browser?.close());

async function open(colorScheme: 'light' | 'dark', attributes: Record<string, string> = {}): Promise<Page> {
  const { page } = await watch(await browser.newContext({ colorScheme, viewport: { width: 520, height: 360 } }), `${otherOrigin}/`, [otherOrigin, inbox]);
  await configure(page, { ...attributes, token: await userToken({ sub: user, project: ELSEWHERE }) });
  await countIs(page.locator('edge-inbox li'), 1, 15_000);
  return page;
}

const style = (page: Page, selector: string, property: string) =>
  page.locator(selector).evaluate((node, property) => getComputedStyle(node).getPropertyValue(property), property);

describe('theming', () => {
  it('follows the system light or dark, unless theme= says', async () => {
    const light = await open('light');
    expect(await style(light, 'edge-inbox [part~=panel]', 'background-color')).toBe('rgb(255, 255, 255)');
    await screenshot(light, 'theme-light');

    const dark = await open('dark');
    expect(await style(dark, 'edge-inbox [part~=panel]', 'background-color')).toBe('rgb(29, 32, 38)');
    await screenshot(dark, 'theme-dark');

    const forcedLight = await open('dark', { theme: 'light' });
    expect(await style(forcedLight, 'edge-inbox [part~=panel]', 'background-color')).toBe('rgb(255, 255, 255)');
    const forcedDark = await open('light', { theme: 'dark' });
    expect(await style(forcedDark, 'edge-inbox [part~=panel]', 'background-color')).toBe('rgb(29, 32, 38)');
  });

  it('takes custom properties and ::part rules from the page', async () => {
    const page = await open('light');
    await page.addStyleTag({
      content: 'edge-inbox { --edge-inbox-accent: rgb(255, 0, 0); --edge-inbox-bg: rgb(250, 240, 230) } edge-inbox::part(item) { border-left: 4px solid rgb(0, 128, 0) }',
    });
    expect(await style(page, 'edge-inbox [part~=ack-all]', 'color')).toBe('rgb(255, 0, 0)');
    expect(await style(page, 'edge-inbox [part~=panel]', 'background-color')).toBe('rgb(250, 240, 230)');
    expect(await style(page, 'edge-inbox [part~=item]', 'border-left-color')).toBe('rgb(0, 128, 0)');
    await screenshot(page, 'theme-custom');
  });
});
