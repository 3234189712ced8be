// `node scripts/icons.mjs`: draws the demo's app icons (public/demo/icons) from the bell of public/favicon.svg, with
// Chromium (CHROMIUM_PATH or /usr/bin/chromium). The PNGs are committed; run this again only to change them.
//   icon-192.png, icon-512.png   "any": a rounded tile, as launchers that do not mask show it
//   maskable-512.png             "maskable": full bleed, the bell inside the central 80 % circle every mask keeps
//   apple-touch-icon.png (180)   full bleed: iOS rounds the corners itself
import path from 'node:path';
import { chromium } from 'playwright-core';

const out = path.join(import.meta.dirname, '../public/demo/icons');
const ACCENT = '#3b5bdb';
const BELL = 'M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2Zm6-6v-5a6 6 0 0 0-5-5.9V4a1 1 0 1 0-2 0v1.1A6 6 0 0 0 6 11v5l-2 2v1h16v-1l-2-2Z';

/** An SVG of `size` px: the tile (corner radius as a share of the size) and the bell taking `bell` of it. */
const svg = (size, radius, bell) => {
  const scale = (size * bell) / 24;
  const at = (size - size * bell) / 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="${size}" height="${size}" rx="${size * radius}" fill="${ACCENT}"/><path fill="#fff" transform="translate(${at} ${at}) scale(${scale})" d="${BELL}"/></svg>`;
};

const ICONS = [
  ['icon-192.png', 192, 0.22, 0.62],
  ['icon-512.png', 512, 0.22, 0.62],
  ['maskable-512.png', 512, 0, 0.5],
  ['apple-touch-icon.png', 180, 0, 0.6],
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  for (const [name, size, radius, bell] of ICONS) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<body style="margin:0">${svg(size, radius, bell)}</body>`);
    await page.locator('svg').screenshot({ path: path.join(out, name), omitBackground: true });
    console.log(`Wrote public/demo/icons/${name}`);
  }
} finally {
  await browser.close();
}
