// Nearest-store scenarios in Chromium with a geolocation override: permission already granted
// → used at once; not granted → never prompted, the message asks the shopper to choose a store
// (or to use their position, from their own click); no position → the favorite store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, startCollector, launchBrowser, newShopperContext, waitForMessages, messages, eventually } from './harness.mjs';

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

/** The store picker of the one open message: its list, buttons and what has focus. */
const picker = (page) => page.evaluate(() => {
  const { host, root } = window.__testShadowRoots.find(({ host }) => host.isConnected);
  const select = root.querySelector('select');
  return select && {
    label: select.getAttribute('aria-label'),
    options: [...select.options].map((o) => [o.value, o.textContent]),
    buttons: [...root.querySelectorAll('.row button')].map((b) => b.textContent),
    focused: document.activeElement === host,
  };
});
const CHOOSE_TITLE = 'ランチボックスは店舗受取なら今日受け取れます：店舗をお選びください';
const profileOf = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:stores:profile')));

test('no permission: nothing is asked; the message offers the stores; the shopper asks (locate) and gets the nearest', async () => {
  const context = await newShopperContext(browser, { geolocation: OSAKA });
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/stores.html`);
  const [chooser] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(chooser.title, CHOOSE_TITLE, 'no position, no favorite store: choose your store');
  assert.deepEqual(await picker(page), {
    label: '店舗を選ぶ', options: [['shibuya', '渋谷店（在庫 2点）'], ['umeda', '梅田店（在庫 1点）']],
    buttons: ['この店舗にする', '現在地から探す'], focused: false,
  });
  await context.grantPermissions(['geolocation']); // what the shopper's "allow" does
  await page.click('#near'); // shopcue('locate') from a click on the page
  const [m] = await waitForMessages(page, (ms) => ms.length === 1 && !ms[0].title.includes('お選びください'));
  assert.equal(m.title, '梅田店に在庫あり：店舗受取なら今日受け取れます', 'the open picker became the nearest store');
  assert.equal(await picker(page), null);
  await context.close();
});

test('choose your store in the message, by keyboard: the message shows that store, which is remembered', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/stores.html`);
  await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title === CHOOSE_TITLE);
  await page.waitForTimeout(300); // the slide-in animation
  await page.screenshot({ path: join(ARTIFACTS, 'store-picker-ja.png'), clip: { x: 140, y: 590, width: 1000, height: 130 } });
  // Keyboard only: focus the list, pick the second store, Tab to the confirm button, Enter.
  await page.evaluate(() => window.__testShadowRoots.find(({ host }) => host.isConnected).root.querySelector('select').focus());
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  const [m] = await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title !== CHOOSE_TITLE);
  assert.equal(m.title, '梅田店に在庫あり：店舗受取なら今日受け取れます');
  assert.equal(m.body, 'ランチボックスの在庫 1点');
  assert.equal((await messages(page)).length, 1, 'replaced in place, not added');
  await page.screenshot({ path: join(ARTIFACTS, 'store-chosen-ja.png'), clip: { x: 140, y: 590, width: 1000, height: 130 } });
  assert.equal(await page.evaluate(() => document.activeElement === window.__testShadowRoots.find(({ host }) => host.isConnected).host),
    true, 'keyboard focus stays in the message');
  const profile = await profileOf(page);
  assert.equal(profile.favorite_store, 'umeda');
  // Delivered: the choice as a favorite_store event and as the message's one click.
  await page.reload();
  const [again] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(again.title, '梅田店に在庫あり：店舗受取なら今日受け取れます', 'the next page knows the store');
  await page.goto(`${collector.url}/`); // leave: flush
  const counts = await eventually(() => {
    const rows = collector.query(`SELECT name, json_extract(json, '$.params.store_id') AS store, count(*) AS n FROM events
      WHERE visitor_id = '${profile.visitor_id}' AND name IN ('favorite_store', 'shopcue_click') GROUP BY 1, 2`);
    return rows.length === 2 && rows;
  }, 10_000, 'favorite_store and click delivered');
  assert.deepEqual(counts, [{ name: 'favorite_store', store: 'umeda', n: 1 }, { name: 'shopcue_click', store: null, n: 1 }]);
  await context.close();
});

test(`"use my location" in the message: the shopper's click asks, and the nearest store answers`, async () => {
  const context = await newShopperContext(browser, { geolocation: TOKYO });
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/stores.html`);
  await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title === CHOOSE_TITLE);
  await context.grantPermissions(['geolocation']);
  await page.evaluate(() => window.__testShadowRoots.find(({ host }) => host.isConnected).root.querySelector('.row .loc').click());
  const [m] = await waitForMessages(page, (ms) => ms.length === 1 && ms[0].title !== CHOOSE_TITLE);
  assert.equal(m.title, '渋谷店に在庫あり：店舗受取なら今日受け取れます');
  assert.equal((await profileOf(page)).favorite_store ?? null, null, 'a position is not a favorite store');
  await context.close();
});

test('no position: the favorite store guides a high-price item to an in-store consultation', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/stores.html?favorite=umeda&mode=consult`);
  // One view: evaluated, but not yet a consultation (and too dear for the pickup message).
  const reason = await eventually(() => page.evaluate(() => {
    const e = window.shopcue.loaded && window.shopcue('explain');
    return e && e.scenarios.find((s) => s.scenario_id === 'store_consultation')?.reason;
  }), 5_000, 'the first page view evaluated');
  assert.equal(reason, 'no_subject');
  assert.deepEqual(await messages(page), []);
  await page.reload(); // the second page view of the item
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, 'ハイエンドスピーカーは梅田店で実際にお試しいただけます');
  await context.close();
});
