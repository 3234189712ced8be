// A browser's own WebSocket against the Worker under `wrangler dev`: the token offered as a subprotocol (never in
// the URL) is taken and `edge-inbox` chosen, which a browser requires; a refusal arrives as a close code and reason
// the page can read (docs/client-api.md "Auth", "Refused connections").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { inbox, launch, unique, userToken } from './helpers';

let browser: Browser;
beforeAll(async () => (browser = await launch()));
afterAll(() => browser?.close());

/** Opens a WebSocket in the page with these subprotocols; resolves with what it saw, in order. */
function openInPage(page: import('playwright-core').Page, protocols: string[]) {
  return page.evaluate(
    ({ url, protocols }) =>
      new Promise<string[]>((resolve) => {
        const seen: string[] = [];
        const socket = new WebSocket(url, protocols);
        socket.onopen = () => seen.push(`open ${socket.protocol}`);
        socket.onmessage = (event) => {
          seen.push(`message ${JSON.parse(event.data).type}`);
          if (seen.length === 3) socket.close(1000);
        };
        socket.onclose = (event) => resolve([...seen, `close ${event.code} ${event.reason}`]);
      }),
    { url: `${inbox.replace(/^http/, 'ws')}/api/v1/client/notifications/ws`, protocols },
  );
}

describe('a browser WebSocket', () => {
  it('authenticates with the bearer subprotocol, gets edge-inbox chosen, ready and the counts', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${inbox}/`);
    const token = await userToken({ sub: unique('dora').replace(' ', '-'), project: 'demo' });
    expect(await openInPage(page, ['edge-inbox', `bearer.${token}`])).toEqual(['open edge-inbox', 'message ready', 'message counts', 'close 1000 ']);
  });

  it('reads why it was refused from the close: 4401 and the error code', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${inbox}/`);
    expect(await openInPage(page, ['edge-inbox', 'bearer.not-a-token'])).toEqual(['open edge-inbox', 'close 4401 {"code":"AUTH_INVALID_TOKEN"}']);
  });
});
