// The marketer playground in Chromium: the real engine on an edited config and a simulated
// shopper, updated live; config mistakes listed with their JSON paths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, startCollector, launchBrowser, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

test('the playground shows what fires and why, live, for a simulated shopper', async () => {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/playground.html`);
  const shown = () => page.evaluate(() => [...document.querySelectorAll('#messages .msg')].map((m) => m.dataset.scenario));
  // The demo shopper: a tote viewed now (2 left) and a shirt carted three days ago.
  await eventually(async () => (await shown()).length > 0, 5000, 'messages rendered');
  assert.deepEqual(await shown(), ['page_low_stock', 'nearest_store_pickup'], 'per_page: 2, by priority');
  const reasonOf = (id) => page.evaluate((s) => document.querySelector(`#scenarios tr[data-scenario="${s}"] .reason`).textContent, id);
  assert.equal(await reasonOf('cart_low_stock'), 'no_subject', 'stock 5 is not low');
  // The marketer edits the shopper: the shirt is down to 1 → the cart reminder now competes.
  await page.fill('#events', JSON.stringify([
    ['add_to_cart', { items: [{ item_id: 'linen-shirt', item_name: 'リネンシャツ', price: 6980, stock: 1 }] }, 4320],
  ]));
  await eventually(async () => (await shown()).includes('cart_low_stock'), 5000, 'live update');
  const titles = await page.evaluate(() => [...document.querySelectorAll('#messages .msg strong')].map((s) => s.textContent));
  assert.ok(titles.includes('カートのリネンシャツは残り1点です'), JSON.stringify(titles));
  await page.screenshot({ path: join(ARTIFACTS, 'playground.png'), fullPage: true });
  // On a phone (and in the studio's narrow frame) it fits the screen: the scenario table
  // scrolls, long JSON wraps (the page once scrolled sideways by 236 px).
  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth), 0);
  await page.setViewportSize({ width: 1280, height: 1000 });
  // A config mistake: listed with its path, nothing shown.
  const config = JSON.parse(await page.inputValue('#config'));
  config.scenarios[0].message = { placement: 'popup', title: 'x' };
  await page.fill('#config', JSON.stringify(config));
  await eventually(() => page.evaluate(() => document.getElementById('config-problems').textContent.includes('$.scenarios[0].message.placement')),
    5000, 'problem listed with its path');
  assert.deepEqual(await shown(), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the playground formats a de-DE store's messages with the page's Intl, as the widget does", async () => {
  const context = await browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/playground.html`);
  await page.fill('#events', JSON.stringify([
    ['view_item', { items: [{ item_id: 'jacke', item_name: 'Jacke', price: 12800, stock: 2 }] }, 0],
  ]));
  await page.fill('#config', JSON.stringify({
    version: 1, site: 'de-store', locale: 'de-DE', currency: 'EUR', timezone: 'Europe/Berlin',
    scenarios: [{ preset: 'page_low_stock', message: {
      title: { de: 'Nur noch {{item.stock|number}} Stück – {{item.price|currency}}' } } }],
  }));
  const title = () => page.evaluate(() => document.querySelector('#messages .msg strong')?.textContent);
  await eventually(async () => (await title())?.startsWith('Nur noch'), 5000, 'the German message');
  // Not the core's en-US fallback (€12,800.00): Intl's German grouping and symbol placement.
  assert.equal(await title(), 'Nur noch 2 Stück – 12.800,00\u00a0€');
  assert.deepEqual(errors, []);
  await context.close();
});

test("the sample shopper follows the store's language and currency until it is edited", async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/playground.html`);
  const events = async () => JSON.parse(await page.inputValue('#events'));
  const items = async () => (await events()).filter((e) => e[1].items).map((e) => [e[1].items[0].item_name, e[1].items[0].price]);
  await eventually(async () => (await page.inputValue('#events')).includes('リネンシャツ'), 5000, 'the Japanese demo shopper');
  assert.deepEqual(await items(), [['リネンシャツ', 6980], ['キャンバストート', 2980]]);
  // A US store (as the studio's tab puts it here): English names, amounts in dollars and cents.
  const us = { version: 1, site: 'us-store', locale: 'en-US', currency: 'USD', timezone: 'America/New_York',
    scenarios: [{ preset: 'page_low_stock', message: { title: { en: '{{item.name}}: {{item.price|currency}}' } } }, { preset: 'coupon_reminder' }] };
  await page.fill('#config', JSON.stringify(us));
  await eventually(async () => (await items())[0][0] === 'Linen shirt', 5000, 'the English shopper');
  assert.deepEqual(await items(), [['Linen shirt', 69.8], ['Canvas tote', 29.8]]);
  assert.equal((await events())[1][1].amount, 5, 'the coupon in dollars');
  const title = () => page.evaluate(() => document.querySelector('#messages .msg strong')?.textContent);
  await eventually(async () => (await title()) === 'Canvas tote: $29.80', 5000, `the message in dollars (${await title()})`);
  // Once the marketer edits the shopper, a config change leaves it alone.
  await page.fill('#events', JSON.stringify([['view_item', { items: [{ item_id: 'cap', item_name: 'Cap', price: 19, stock: 1 }] }, 0]]));
  await page.fill('#config', JSON.stringify({ ...us, locale: 'en-GB', currency: 'GBP' }));
  await eventually(async () => (await title()) === 'Cap: £19.00', 5000, `the edited shopper kept (${await title()})`);
  assert.deepEqual(await items(), [['Cap', 19]]);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the playground reads where the simulated visit came from: the page URL\'s utm_ tags, else the referrer', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${collector.url}/playground.html`);
  await page.fill('#events', '[]');
  await page.fill('#config', JSON.stringify({
    version: 1, site: 'source-shop', locale: 'en-US', currency: 'USD',
    scenarios: [{ id: 'hello', audience: { 'visitor.session_medium': { $in: ['paid_social', 'organic'] } },
      message: { title: 'From {{visitor.session_source}} / {{visitor.session_medium}}' } }],
  }));
  const title = () => page.evaluate(() => [...document.querySelectorAll('#messages .msg strong')].map((s) => s.textContent).join());
  await page.fill('#url', 'https://shop.example/?utm_source=instagram&utm_medium=paid_social');
  await eventually(async () => (await title()) === 'From instagram / paid_social', 5000, 'the ad\'s tags');
  await page.fill('#url', 'https://shop.example/products/tee');
  await page.fill('#referrer', 'https://www.google.com/search?q=tee');
  await eventually(async () => (await title()) === 'From google / organic', 5000, 'a search engine');
  await page.fill('#referrer', '');
  await eventually(async () => (await title()) === '', 5000, 'a direct visit: nothing');
  await context.close();
});
