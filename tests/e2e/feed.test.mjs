// The product feed in Chromium: fresh stock for items in the profile drives a scenario on a
// page that never showed the product; a missing or malformed feed blocks nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, messages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

test('the feed refreshes stock of a carted item; fetched once per max_age_s', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const fetched = [];
  page.on('request', (r) => { if (r.url().includes('/fixtures/feed.json')) fetched.push(r.url()); });
  await page.goto(`${collector.url}/fixtures/feed.html`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, 'カートのフィードの傘は残り1点です', 'stock 1 came from the feed, not the page');
  const profile = await page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:feed-store:profile')));
  assert.ok(!profile.items['feed-2'], 'the feed never adds items to the profile');
  await page.reload();
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await eventually(() => page.evaluate(() => window.shopcue('explain').config_loaded), 5000, 'config loaded');
  await page.waitForTimeout(500);
  assert.equal(fetched.length, 1, `fresh for max_age_s: ${fetched}`);
  await context.close();
});

for (const kind of ['missing', 'malformed']) {
  test(`a ${kind} feed: one warning, tracking and the page go on`, async () => {
    const context = await newShopperContext(browser);
    const page = await context.newPage();
    const errors = [], warnings = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (msg) => { if (msg.type() === 'warning' && msg.text().includes('feed')) warnings.push(msg.text()); });
    await page.goto(`${collector.url}/fixtures/feed.html?feed=${kind}`);
    await eventually(() => warnings.length === 1, 5000, 'a warning about the feed');
    const explain = await page.evaluate(() => window.shopcue('explain'));
    assert.equal(explain.config_loaded, true);
    assert.equal(explain.profile.cart, 1, 'the cart add was recorded');
    assert.deepEqual(await messages(page), [], 'stock 10 from the page stands');
    assert.deepEqual(errors, []);
    await context.close();
  });
}
