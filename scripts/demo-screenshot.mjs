// `node scripts/demo-screenshot.mjs [base-url]` with `npm start` running: fills the demo with a few
// notifications and writes docs/images/demo.png (the README's picture) and docs/images/phone.png (the demo on a
// 390 × 844 phone with Bob's sheet open, docs/element.md). Needs Chromium (CHROMIUM_PATH or
// /usr/bin/chromium); best on a fresh local database (`npm start -- --persist-to /tmp/demo-state`).
import path from 'node:path';
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://localhost:8787';
const out = path.join(import.meta.dirname, '../docs/images/demo.png');
const phoneOut = path.join(import.meta.dirname, '../docs/images/phone.png');
const SENDS = [
  { to: [{ everyone: true }], title: 'Scheduled maintenance on Sunday', body: 'The service is read-only from 02:00 to 03:00 UTC.', priority: 'low', icon: '🛠️' },
  { to: [{ org: 'acme' }], title: 'acme: deploy window opens at 18:00', body: 'Freeze your branches by 17:30.', priority: 'high', icon: '🚀' },
  { to: [{ user: 'bob' }], title: 'Your invoice is overdue', body: 'Invoice #1042 was due yesterday.', priority: 'critical', action_url: 'https://example.com/invoices/1042', icon: '🧾' },
  { to: [{ user: 'alice' }], title: 'Your build finished', body: 'main is green: 214 tests passed in 3 min 12 s.', action_url: 'https://example.com/builds/42', icon: '✅' },
  { to: [{ user: 'bob' }], title: 'Alice mentioned you', body: '“@bob can you review the release notes?”', icon: '💬' },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 760 }, deviceScaleFactor: 1 });
  await page.goto(`${base}/`);
  for (const body of SENDS) {
    const response = await page.evaluate(
      (body) => fetch('/demo/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status),
      body,
    );
    if (response !== 201) throw new Error(`send: ${response}`);
  }
  // Alice has read the maintenance notice: one acknowledged row among the pending ones.
  const alice = page.locator('edge-inbox[data-user=alice][inline]');
  await alice.locator('li', { hasText: 'Scheduled maintenance' }).locator('[part~=ack]').click();
  await page.locator('edge-inbox[data-user=alice][inline] li[data-status=acknowledged]').first().waitFor();
  await page.locator('edge-inbox[data-user=bob]:not([inline]) .bell').click();
  await page.locator('edge-inbox[data-user=bob]:not([inline]) [part~=panel]').waitFor();
  await page.mouse.move(0, 0);
  // Counts sent while the page was still starting are settled by a recount once the stream is quiet (1 s).
  await page.waitForTimeout(2000);
  await page.screenshot({ path: out });
  console.log(`Wrote ${out}`);

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const small = await phone.newPage();
  await small.goto(`${base}/`);
  const bob = small.locator('edge-inbox[data-user=bob]:not([inline])');
  await small.locator('edge-inbox[data-user=bob][inline] li').first().waitFor();
  await bob.locator('.bell').scrollIntoViewIfNeeded();
  await bob.locator('.bell').tap();
  await bob.locator('[part~=panel]').waitFor();
  await small.waitForTimeout(2000);
  await small.screenshot({ path: phoneOut });
  console.log(`Wrote ${phoneOut}`);
} finally {
  await browser.close();
}
