// The inbox on a phone (issue 29), in Chromium with touch at 390 × 844 and 320 × 640, and on a wide screen with a
// mouse: where the panel opens for bells at the edges, at the bottom and in a scrolled container, finger-sized
// buttons, closing by tap and Escape, the demo without sideways scrolling, installability, and the app's badge.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { countIs, demoReady, ELSEWHERE, feed, inbox, launch, otherOrigin, produce, screenshot, serverCounts, unique, userToken, watch } from './helpers';

const PHONES = [
  { width: 390, height: 844 },
  { width: 320, height: 640 },
];
const BELLS = ['left', 'right', 'bottom', 'scrolled'] as const;
/** Apple's and WCAG 2.5.5's smallest target. */
const FINGER = 44;

/** A phone's browser: touch, a mobile viewport, and a profile of its own (Chromium installs nothing from incognito). */
let profile: string;
let phone: BrowserContext;
/** The users of the bells page (the left bell's, and the others'), with enough notifications that a sheet's list scrolls. */
const users = [unique('phone-left').replace(' ', '-'), unique('phone').replace(' ', '-')];
let bellsUrl: string;

beforeAll(async () => {
  profile = mkdtempSync(path.join(tmpdir(), 'edge-inbox-phone-'));
  phone = await chromium.launchPersistentContext(profile, {
    executablePath: inject('chromium'),
    args: ['--no-sandbox'],
    viewport: PHONES[0],
    hasTouch: true,
    isMobile: true,
  });
  for (let n = 1; n <= 12; n++) {
    const notification = { title: `Build ${n} finished`, body: 'main is green: 214 tests passed in 3 min 12 s.', action_url: 'https://example.com/builds' };
    await produce({ to: users.map((user) => ({ user })), ...notification }, ELSEWHERE);
  }
  const tokens = await Promise.all(users.map((user) => userToken({ sub: user, project: ELSEWHERE })));
  bellsUrl = `${otherOrigin}/bells#${tokens.map(encodeURIComponent).join(',')}`;
});
afterAll(async () => {
  await phone?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}
const box = (locator: Locator): Promise<Box> =>
  locator.evaluate((element) => {
    const { left, top, right, bottom, width, height } = element.getBoundingClientRect();
    return { left, top, right, bottom, width, height };
  });
/** The layout viewport a fixed panel lives in: its width without a scrollbar. */
const viewportOf = (page: Page) => page.evaluate(() => ({ width: document.documentElement.clientWidth, height: innerHeight }));

/** Wholly on screen, and as wide as the issue asks: 300 px, or the viewport less 16 px where that is less. */
function expectOnScreen(panel: Box, view: { width: number; height: number }) {
  expect(panel.left).toBeGreaterThanOrEqual(0);
  expect(panel.top).toBeGreaterThanOrEqual(0);
  expect(panel.right).toBeLessThanOrEqual(view.width + 0.5);
  expect(panel.bottom).toBeLessThanOrEqual(view.height + 0.5);
  expect(panel.width).toBeGreaterThanOrEqual(Math.min(300, view.width - 16));
}

/** Which element has the focus, through shadow roots: its part and the id of its host. */
const focused = (page: Page) =>
  page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return { part: active?.getAttribute('part') ?? active?.tagName.toLowerCase(), host: (active?.getRootNode() as ShadowRoot).host?.id ?? null };
  });

async function bellsReady(page: Page) {
  for (const id of BELLS) await page.locator(`#${id} ul[aria-busy=false]`).waitFor({ state: 'attached', timeout: 15_000 });
}

/**
 * A finger's swipe from (x, y), `dy` px up (content moves up, as reading on does; negative: down), as DevTools' touch
 * events: Chromium scrolls, and flings, as it does for a finger. Resolves once nothing moves any more.
 */
async function swipe(page: Page, x: number, y: number, dy: number) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  for (let step = 1; step <= 10; step++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y - (dy * step) / 10 }] });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
  let last = '';
  await expect
    .poll(async () => {
      const now = await page.evaluate(() => JSON.stringify([scrollY, ...[...document.querySelectorAll('edge-inbox')].map((e) => e.shadowRoot!.querySelector('ul')!.scrollTop)]));
      const still = now === last;
      last = now;
      return still;
    }, { interval: 150, timeout: 10_000 })
    .toBe(true);
}

for (const size of PHONES) {
  describe(`on a phone, ${size.width} × ${size.height} with touch`, () => {
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      const watched = await watch(phone, bellsUrl, [inbox, otherOrigin]);
      ({ page, errors } = watched);
      await page.setViewportSize(size);
      await bellsReady(page);
      expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches)).toBe(true);
    });
    afterAll(() => page?.close());
    // A test that failed with its panel open leaves the next one a page to tap.
    afterEach(() => page.keyboard.press('Escape'));

    it('does not scroll sideways with bells and their badges at both edges', async () => {
      await expect.poll(() => page.locator('#right [part~=badge]').textContent()).toBe('12');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(size.width);
    });

    for (const id of BELLS) {
      it(`opens the bell at ${id} as a sheet across the bottom of the screen, inside it, its list scrolling inside`, async () => {
        const bell = page.locator(`#${id} .bell`);
        await bell.scrollIntoViewIfNeeded();
        await bell.tap();
        const panel = page.locator(`#${id} [part~=panel]`);
        await expect.poll(() => panel.isVisible()).toBe(true);
        const view = await viewportOf(page);
        const sheet = await box(panel);
        expectOnScreen(sheet, view);
        // Across the screen's width, on its bottom edge, leaving the top of the page in sight under the scrim.
        expect(sheet).toMatchObject({ left: 0, right: view.width, bottom: view.height });
        expect(sheet.top).toBeGreaterThanOrEqual(48);
        // It covers the page: a screen reader keeps to it.
        expect(await panel.getAttribute('aria-modal')).toBe('true');
        if (id !== 'left') {
          const list = page.locator(`#${id} [part~=list]`);
          expect(await list.evaluate((ul) => ul.scrollHeight > ul.clientHeight)).toBe(true);
        }
        await screenshot(page, `phone-${size.width}-${id}`);
        await page.keyboard.press('Escape');
        await expect.poll(() => panel.isVisible()).toBe(false);
      });
    }

    it('scrolls the list, not the page behind it; a swipe on the scrim moves nothing and keeps the sheet', async () => {
      await page.evaluate(() => scrollTo(0, 0));
      await page.locator('#right .bell').tap();
      const list = page.locator('#right [part~=list]');
      const at = await box(list);
      const middle = at.top + at.height / 2;
      const position = () => list.evaluate((ul) => ({ top: ul.scrollTop, end: ul.scrollHeight - ul.clientHeight }));
      await swipe(page, size.width / 2, middle, 200);
      expect((await position()).top).toBeGreaterThan(0);
      // To the end of the list, and on past it: the page behind does not move.
      for (let i = 0; i < 4 && (await position()).top < (await position()).end - 1; i++) await swipe(page, size.width / 2, middle, 300);
      expect((await position()).top).toBeCloseTo((await position()).end, 0);
      await swipe(page, size.width / 2, middle, 300);
      expect(await page.evaluate(() => scrollY)).toBe(0);
      // Dragging the dimmed page does not scroll it, and does not close the sheet (a tap does).
      await page.evaluate(() => scrollTo(0, 100));
      await swipe(page, size.width / 2, 10, -30);
      expect(await page.evaluate(() => scrollY)).toBe(100);
      await swipe(page, size.width / 2, 40, 30);
      expect(await page.evaluate(() => scrollY)).toBe(100);
      expect(await page.locator('#right [part~=panel]').isVisible()).toBe(true);
      await page.keyboard.press('Escape');

      // A list too short to scroll does not hand the swipe to the page either.
      await page.evaluate(() => scrollTo(0, 0));
      await page.locator('#left .bell').tap();
      const short = await box(page.locator('#left [part~=list]'));
      // (Not even by the few pixels a finger-sized link in its last row could stick out.)
      expect(await page.locator('#left [part~=list]').evaluate((ul) => ul.scrollHeight - ul.clientHeight)).toBe(0);
      await swipe(page, size.width / 2, short.top + short.height / 2, 200);
      expect(await page.evaluate(() => scrollY)).toBe(0);
      await page.keyboard.press('Escape');
    });

    it('closes on a tap outside, which reaches nothing behind the scrim, and on Escape; the focus returns to the bell', async () => {
      const panel = page.locator('#left [part~=panel]');
      await page.locator('#left .bell').tap();
      await expect.poll(() => focused(page)).toEqual({ part: 'heading', host: 'left' });
      const behind = await box(page.locator('#behind'));
      await page.touchscreen.tap(behind.left + behind.width / 2, behind.top + behind.height / 2);
      await expect.poll(() => panel.isVisible()).toBe(false);
      expect(await page.locator('#behind').getAttribute('data-clicks')).toBeNull();
      expect(await focused(page)).toEqual({ part: 'bell', host: 'left' });
      expect(await page.locator('#left .bell').getAttribute('aria-expanded')).toBe('false');

      await page.locator('#left .bell').tap();
      await expect.poll(() => panel.isVisible()).toBe(true);
      // Escape wherever the focus is (here: nowhere), not only inside the panel.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press('Escape');
      await expect.poll(() => panel.isVisible()).toBe(false);
      expect(await focused(page)).toEqual({ part: 'bell', host: 'left' });

      // The sheet's own close button, for a screen reader's user (and anyone) who does not look for the scrim.
      await page.locator('#left .bell').tap();
      await page.locator('#left [part~=close]').tap();
      await expect.poll(() => panel.isVisible()).toBe(false);
      expect(await focused(page)).toEqual({ part: 'bell', host: 'left' });
    });

    it('gives every button a box of at least 44 × 44 and depends on no hover', async () => {
      await page.locator('#left .bell').tap();
      const parts = ['bell', 'ack-all', 'close', 'ack', 'more'];
      for (const part of parts) {
        const target = page.locator(`#left [part~=${part}]`).first();
        expect(await target.isVisible(), part).toBe(true);
        const { width, height } = await box(target);
        expect(Math.min(width, height), part).toBeGreaterThanOrEqual(FINGER);
      }
      // The links in the rows are a finger's size too.
      const link = await box(page.locator('#left [part~=action]').first());
      expect(Math.min(link.width, link.height)).toBeGreaterThanOrEqual(FINGER);
      const styles = await page.locator('#left').evaluate((element) => element.shadowRoot!.querySelector('style')!.textContent);
      expect(styles).not.toContain(':hover');
      // "Load more" under a finger: the rows come in and the sheet still fits.
      await page.locator('#left [part~=more]').tap();
      await countIs(page.locator('#left li'), 4);
      expectOnScreen(await box(page.locator('#left [part~=panel]')), await viewportOf(page));
      await page.keyboard.press('Escape');
      expect(errors).toEqual([]);
    });
  });
}

describe('on a wide screen with a mouse', () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const WIDE = { width: 1024, height: 640 };

  beforeAll(async () => {
    browser = await launch();
    ({ page, errors } = await watch(await browser.newContext({ viewport: WIDE }), bellsUrl, [inbox, otherOrigin]));
    await bellsReady(page);
  });
  afterAll(() => browser?.close());
  afterEach(() => page.keyboard.press('Escape'));

  /** Opens the panel of a bell; its box and the bell's. */
  async function open(id: string) {
    await page.locator(`#${id} .bell`).click();
    const panel = page.locator(`#${id} [part~=panel]`);
    await expect.poll(() => panel.isVisible()).toBe(true);
    return { panel, at: await box(panel), bell: await box(page.locator(`#${id} .bell`)) };
  }

  it('opens a popover beside each bell: shifted in from the left edge, aligned at the right, above a bell at the bottom', async () => {
    const view = await viewportOf(page);
    const left = await open('left');
    expectOnScreen(left.at, view);
    expect(left.at).toMatchObject({ left: 8, top: left.bell.bottom + 8, width: 360 });
    await screenshot(page, 'wide-left-bell');
    await page.keyboard.press('Escape');

    const right = await open('right');
    expectOnScreen(right.at, view);
    // Against the page's right edge: aligned with the bell as far as the 8 px margin allows.
    expect(right.at).toMatchObject({ right: Math.min(right.bell.right, view.width - 8), top: right.bell.bottom + 8 });
    await page.keyboard.press('Escape');

    const bottom = await open('bottom');
    expectOnScreen(bottom.at, view);
    // No room below: it opens upward.
    expect(bottom.at.bottom).toBeCloseTo(bottom.bell.top - 8, 1);
    await screenshot(page, 'wide-bottom-bell');
    await page.keyboard.press('Escape');
  });

  it('follows its bell when the container or the page scrolls, and stays inside a window made smaller', async () => {
    const { panel } = await open('scrolled');
    const gap = async () => (await box(panel)).top - (await box(page.locator('#scrolled .bell'))).bottom;
    expect(await gap()).toBeCloseTo(8, 1);
    await page.locator('#box').evaluate((container) => container.scrollBy(0, 60));
    await expect.poll(gap).toBeCloseTo(8, 1);
    await page.evaluate(() => scrollBy(0, 40));
    await expect.poll(gap).toBeCloseTo(8, 1);
    await page.setViewportSize({ width: 520, height: 420 });
    await expect.poll(async () => (await box(panel)).bottom).toBeLessThanOrEqual(420);
    expectOnScreen(await box(panel), await viewportOf(page));
    await page.setViewportSize(WIDE);
    await page.evaluate(() => scrollTo(0, 0));
    await page.keyboard.press('Escape');
  });

  it('is not modal: the page around it stays in reach', async () => {
    const { panel } = await open('right');
    expect(await panel.getAttribute('aria-modal')).toBe('false');
  });

  it('opens from markup with `open`, set before the element starts, as from the bell', async () => {
    await page.evaluate((base) => {
      document.body.insertAdjacentHTML('beforeend', `<edge-inbox id="preopened" open base-url="${base}" style="position:absolute;top:300px;left:600px"></edge-inbox>`);
    }, inbox);
    const panel = page.locator('#preopened [part~=panel]');
    await expect.poll(() => panel.isVisible()).toBe(true);
    expect(await page.locator('#preopened .bell').getAttribute('aria-expanded')).toBe('true');
    expectOnScreen(await box(panel), await viewportOf(page));
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.isVisible()).toBe(false);
    expect(await page.locator('#preopened').getAttribute('open')).toBeNull();
    await page.locator('#preopened').evaluate((element) => element.remove());
  });

  it('made inline while open, leaves nothing behind: Escape still closes another bell', async () => {
    await open('bottom');
    await page.locator('#bottom').evaluate((element) => element.setAttribute('inline', ''));
    expect(await page.locator('#bottom [part~=panel]').getAttribute('role')).toBe('region');
    const { panel } = await open('left');
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.isVisible()).toBe(false);
    // A bell again, with `open` still set: open, and closing as any open panel does.
    await page.locator('#bottom').evaluate((element) => element.removeAttribute('inline'));
    expect(await page.locator('#bottom [part~=panel]').isVisible()).toBe(true);
    expect(await page.locator('#bottom .bell').getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#bottom [part~=panel]').isVisible()).toBe(false);
    expect(await page.locator('#bottom .bell').getAttribute('aria-expanded')).toBe('false');
  });

  it('closes on a click outside, which reaches what was clicked (no scrim on a wide screen)', async () => {
    const { panel } = await open('right');
    await page.locator('#behind').click();
    await expect.poll(() => panel.isVisible()).toBe(false);
    expect(await page.locator('#behind').getAttribute('data-clicks')).toBe('1');
    expect(errors).toEqual([]);
  });
});

describe('the demo on a phone', () => {
  it('does not scroll sideways at 320 px, and its operator panel sends', async () => {
    const { page, errors } = await watch(phone, `${inbox}/`);
    await page.setViewportSize(PHONES[1]!);
    await demoReady(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(320);
    const title = unique('From a phone');
    await page.locator('select[name=to]').selectOption('user:bob');
    await page.locator('input[name=title]').fill(title);
    await page.locator('button[type=submit]').tap();
    await expect.poll(() => page.locator('#sent').textContent()).toBe(`Sent “${title}” to Bob.`);
    await countIs(feed(page, 'bob').locator('li', { hasText: title }), 1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(320);
    await page.locator('edge-inbox[data-user=bob]:not([inline]) .bell').tap();
    await screenshot(page, 'phone-demo-320');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('has a push toggle a finger can use', async () => {
    const { page } = await watch(phone, `${inbox}/`);
    await demoReady(page);
    await page.locator('edge-inbox[data-user=alice]:not([inline]) .bell').tap();
    const toggle = page.locator('edge-inbox[data-user=alice]:not([inline]) [part~=push-toggle]');
    await expect.poll(() => toggle.isVisible()).toBe(true);
    const { width, height } = await box(toggle);
    expect(Math.min(width, height)).toBeGreaterThanOrEqual(FINGER);
    await page.close();
  });

  it('is installable: Chromium finds no installability error, and the manifest has what a home screen needs', async () => {
    const page = await phone.newPage();
    await page.goto(`${inbox}/`);
    const cdp = await phone.newCDPSession(page);
    const installability = async () => (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors.map((e: { errorId: string }) => e.errorId);
    await expect.poll(installability, { timeout: 10_000 }).toEqual([]);

    const manifestUrl = await page.locator('link[rel=manifest]').evaluate((link: HTMLLinkElement) => link.href);
    const response = await fetch(manifestUrl);
    expect(response.headers.get('content-type')).toBe('application/manifest+json');
    const manifest = await response.json();
    expect(manifest).toMatchObject({ name: 'Edge notification inbox: demo', short_name: 'Inbox demo', start_url: '/', scope: '/', display: 'standalone', theme_color: '#3b5bdb' });
    const icons = manifest.icons as { src: string; sizes: string; type: string; purpose: string }[];
    expect(icons.map(({ sizes, purpose }) => `${sizes} ${purpose}`)).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
    const apple = await page.locator('link[rel=apple-touch-icon]').evaluate((link: HTMLLinkElement) => link.href);
    for (const [src, size] of [...icons.map((icon) => [new URL(icon.src, manifestUrl).href, icon.sizes] as const), [apple, '180x180'] as const]) {
      const png = await fetch(src);
      expect(png.headers.get('content-type'), src).toBe('image/png');
      const bytes = Buffer.from(await png.arrayBuffer());
      // The PNG's own header (IHDR) says its size.
      expect(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`, src).toBe(size);
    }
    expect(await page.locator('meta[name=theme-color]').getAttribute('content')).toBe('#3b5bdb');

    // The check sees a page without a manifest for what it is: the reference has none.
    await page.goto(`${inbox}/docs`);
    await expect.poll(installability, { timeout: 10_000 }).toContain('no-manifest');
    await page.close();
  });
});

/** Replaces the Badging API with a recorder: each call, in order (`clear` for clearAppBadge). */
function recordBadge() {
  const calls: (number | string)[] = ((window as unknown as { badgeCalls: unknown[] }).badgeCalls = []);
  Navigator.prototype.setAppBadge = async (count?: number) => void calls.push(count ?? 'flag');
  Navigator.prototype.clearAppBadge = async () => void calls.push('clear');
}

describe("the installed app's badge (app-badge)", () => {
  it("keeps the badge equal to Alice's pending count, from her bell alone, and clears it at zero and when taken off", async () => {
    const page = await phone.newPage();
    await page.addInitScript(recordBadge);
    await page.goto(`${inbox}/`);
    await demoReady(page);
    const calls = () => page.evaluate(() => (window as unknown as { badgeCalls: (number | string)[] }).badgeCalls);
    const stored = () => page.evaluate(async () => (await (await caches.open('edge-inbox')).match('/edge-inbox/app-badge'))?.text() ?? null);
    const expected = async () => ((await serverCounts('alice')).pending || 'clear');

    await expect.poll(async () => (await calls()).at(-1)).toBe(await expected());
    // Once per change, not per render.
    expect(new Set(await calls()).size).toBe((await calls()).length);

    await produce({ to: [{ user: 'alice' }], title: unique('Badge') });
    const pending = (await serverCounts('alice')).pending;
    await expect.poll(async () => (await calls()).at(-1)).toBe(pending);
    // What the service worker counts on from while no page is open.
    await expect.poll(stored).toBe(String(pending));

    // Back in sight after the service worker counted pushes on it: the server's count is put back.
    await page.evaluate(() => caches.open('edge-inbox').then((cache) => cache.put('/edge-inbox/app-badge', new Response('41'))));
    const seen = (await calls()).length;
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await expect.poll(stored).toBe(String(pending));
    expect((await calls()).slice(seen)).toEqual([pending]);

    // Bob's bell has no app-badge: his notifications leave the badge alone.
    const before = (await calls()).length;
    const bobs = unique('Not on the badge');
    await produce({ to: [{ user: 'bob' }], title: bobs });
    await countIs(feed(page, 'bob').locator('li', { hasText: bobs }), 1);
    expect((await calls()).length).toBe(before);

    await feed(page, 'alice').locator('[part~=ack-all]').tap();
    await expect.poll(async () => (await calls()).at(-1)).toBe('clear');
    await expect.poll(stored).toBe('0');

    await page.locator('edge-inbox[data-user=alice]:not([inline])').evaluate((element) => element.removeAttribute('app-badge'));
    await expect.poll(stored).toBeNull();
    expect((await calls()).at(-1)).toBe('clear');
    await page.close();
  });

  it('does nothing where the Badging API is missing', async () => {
    const page = await phone.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript(() => {
      delete (Navigator.prototype as Partial<Navigator>).setAppBadge;
      delete (Navigator.prototype as Partial<Navigator>).clearAppBadge;
    });
    await page.goto(`${inbox}/`);
    await page.evaluate(() => caches.delete('edge-inbox'));
    await demoReady(page);
    await produce({ to: [{ user: 'alice' }], title: unique('No badge API') });
    await expect.poll(() => page.locator('edge-inbox[data-user=alice]:not([inline]) [part~=badge]').textContent()).toBe(String((await serverCounts('alice')).pending));
    expect(await page.evaluate(async () => (await (await caches.open('edge-inbox')).match('/edge-inbox/app-badge')) ?? null)).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });
});
