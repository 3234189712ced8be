import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';

export const inbox = inject('inbox');
export const otherOrigin = inject('otherOrigin');
/** The project of the pages on the other origin: nothing the demo tests send to everyone reaches its users. */
export const ELSEWHERE = 'elsewhere';

/** Delivery bound the issue sets: what a user sees within 2 s of the send returning. */
export const DELIVERY_MS = 2_000;

const SCREENSHOTS = path.join(import.meta.dirname, '../../test-output/e2e');

export function launch(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: inject('chromium'), args: ['--no-sandbox'] });
}

/** What a page did wrong: console errors, uncaught exceptions, and requests to any host but the expected ones. */
export interface Watched {
  page: Page;
  errors: string[];
  foreign: string[];
}

export async function watch(context: BrowserContext, url: string, allowed: string[] = [inbox]): Promise<Watched> {
  const page = await context.newPage();
  const watched: Watched = { page, errors: [], foreign: [] };
  page.on('console', (message) => message.type() === 'error' && watched.errors.push(message.text()));
  page.on('pageerror', (error) => watched.errors.push(error.message));
  page.on('request', (request) => {
    const origin = new URL(request.url()).origin;
    if (!allowed.includes(origin) && !request.url().startsWith('data:')) watched.foreign.push(request.url());
  });
  await page.goto(url);
  return watched;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The demo's inline feed of a user, and the bell of the same user. */
export const feed = (page: Page, user: string) => page.locator(`edge-inbox[data-user=${user}][inline]`);
export const bell = (page: Page, user: string) => page.locator(`edge-inbox[data-user=${user}]:not([inline]) .bell`);
export const row = (page: Page, user: string, title: string) => feed(page, user).locator('li', { hasText: title });

/** A title no other test uses, so that tests sharing the demo's inboxes tell their notifications apart. */
export const unique = (label: string) => `${label} ${Math.random().toString(36).slice(2, 8)}`;

/** Sends through the producer API, as the operator's backend would (to the demo's project unless told). */
export async function produce(body: Record<string, unknown>, project = 'demo'): Promise<void> {
  const response = await fetch(`${inbox}/v1/projects/${project}/notifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${inject('adminKey')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
}

/** The server's own counts for a demo user (GET /api/v1/client/notifications/counts). */
export async function serverCounts(user: string, claims: Record<string, unknown> = {}): Promise<{ total: number; pending: number }> {
  const token = await userToken({ sub: user, project: 'demo', orgs: user === 'alice' ? ['acme'] : [], ...claims });
  const response = await fetch(`${inbox}/api/v1/client/notifications/counts`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return response.json();
}

export function userToken(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(inject('jwtSecret')));
}

/** Waits (up to `timeout`) until the locator shows exactly `count` elements. */
export async function countIs(locator: ReturnType<Page['locator']>, count: number, timeout = DELIVERY_MS): Promise<void> {
  await expect.poll(() => locator.count(), { timeout, interval: 50 }).toBe(count);
}

/** Waits until the demo page has loaded both users' first pages. */
export async function demoReady(page: Page): Promise<void> {
  for (const user of ['alice', 'bob']) {
    await feed(page, user).locator('ul[aria-busy=false]').waitFor({ state: 'attached', timeout: 15_000 });
  }
}

/** Sets attributes of the page's <edge-inbox>, in order (the token last: it starts the element). */
export function configure(page: Page, attributes: Record<string, string>): Promise<void> {
  return page.evaluate((attributes) => {
    const element = document.querySelector('edge-inbox')!;
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  }, attributes);
}
