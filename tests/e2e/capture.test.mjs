// Automatic capture in Chromium: a store page that never calls shopcue('track') — GA4
// dataLayer pushes (before and after Shopcue loaded, GTM and gtag forms, a push function
// replaced later), schema.org JSON-LD, data-shopcue-* attributes, History API navigation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

const profileOf = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:capture-store:profile')));

test('dataLayer, JSON-LD, data attributes and pushState become events; the page keeps working', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/capture.html`);
  // JSON-LD on the page: a view_item with stock 2 → the low-stock message, from markup alone.
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：JSON-LDのシャツは残り2点です');
  await page.click('#attr-cart'); // a click on a child of the data-shopcue-track button
  await page.click('#gtm-cart');
  await page.click('#gtm-replace'); // GTM installs its own push later: still seen, and only once
  await page.click('#gtag-wish');
  await page.click('#hash'); // not a page view
  await page.click('#go'); // SPA navigation, then JSON-LD injected late
  const profile = await eventually(async () => {
    const p = await profileOf(page);
    return p && p.items['cap-spa-1'] && p;
  }, 5000, 'SPA product captured');
  const item = (id) => profile.items[id] || {};
  assert.equal(item('cap-ld-1').views.length, 1, 'JSON-LD view counted once');
  assert.equal(item('cap-attr-1').cart_qty, 1, 'data-shopcue-track add_to_cart');
  assert.equal(item('cap-gtm-1').cart_qty, 1, 'GTM push counted once even through two wrapped push functions');
  assert.ok(item('cap-gtag-1').favorite_at, 'gtag add_to_wishlist');
  assert.equal(await page.evaluate(() => window.__gtmPushes), 1, "the site's own push still runs");
  assert.equal(profile.page_views.length, 2, 'the pushState navigation is a page view; the hash change is not');
  // The old page's message closed on navigation; the new page judges the SPA product (stock 1).
  const [spa] = await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title.includes('SPAの靴'));
  assert.equal(spa.title, '残りわずか：SPAの靴は残り1点です');
  // What reached the collector, by name.
  await page.goto(`${collector.url}/`); // leave: flush
  const visitor = profile.visitor_id;
  const names = await eventually(() => {
    const rows = collector.query(`SELECT name, count(*) AS n FROM events WHERE visitor_id = '${visitor}' GROUP BY name`);
    const o = Object.fromEntries(rows.map((r) => [r.name, r.n]));
    return o.view_item >= 2 && o;
  }, 10_000, 'captured events delivered');
  assert.deepEqual([names.view_item_list, names.view_item, names.add_to_cart, names.add_to_wishlist], [1, 2, 2, 1], JSON.stringify(names));
  assert.deepEqual(errors, []);
  await context.close();
});
