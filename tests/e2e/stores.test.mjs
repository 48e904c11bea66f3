// Nearest-store scenarios in Chromium with a geolocation override: permission already granted
// → used at once; not granted → never prompted, used after the shopper asks (locate());
// no position → the favorite store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, messages } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

const OSAKA = { latitude: 34.6937, longitude: 135.5023 };
const TOKYO = { latitude: 35.6812, longitude: 139.7671 };

for (const [city, geolocation, store] of [['Osaka', OSAKA, '梅田店'], ['Tokyo', TOKYO, '渋谷店']]) {
  test(`permission granted, shopper in ${city}: pickup at ${store}`, async () => {
    const context = await newShopperContext(browser, { geolocation, permissions: ['geolocation'] });
    const page = await context.newPage();
    await page.goto(`${collector.url}/fixtures/stores.html`);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    assert.equal(m.title, `${store}に在庫あり：店舗受取なら今日受け取れます`);
    await context.close();
  });
}

test('no permission: nothing is asked; the shopper asks (locate) and then gets the nearest store', async () => {
  const context = await newShopperContext(browser, { geolocation: OSAKA });
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/stores.html`);
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await page.waitForTimeout(800);
  assert.deepEqual(await messages(page), [], 'no position, no favorite store: no pickup message');
  await context.grantPermissions(['geolocation']); // what the shopper's "allow" does
  await page.click('#near'); // shopcue('locate') from a click
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '梅田店に在庫あり：店舗受取なら今日受け取れます');
  await context.close();
});

test('no position: the favorite store guides a high-price item to an in-store consultation', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/stores.html?favorite=umeda&mode=consult`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, 'ハイエンドスピーカーは梅田店で実際にお試しいただけます');
  await context.close();
});
