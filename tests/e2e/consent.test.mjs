// Consent, verified from the browser: before it, zero requests and zero storage writes; Google
// Consent Mode grants it; revoking purges what was stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, messages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

test('consent required: nothing stored, sent or shown until granted; revoking purges', async () => {
  const context = await newShopperContext(browser);
  await context.addInitScript(() => {
    const writes = [];
    Object.defineProperty(window, '__storageWrites', { value: writes });
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) { if (String(k).startsWith('shopcue:')) writes.push(k); return set.call(this, k, v); };
  });
  const page = await context.newPage();
  const collects = [];
  page.on('request', (r) => { if (r.url().endsWith('/collect')) collects.push(r.method()); });
  await page.goto(`${collector.url}/fixtures/consent.html`);
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await page.waitForTimeout(6_000); // past the 5 s batch timer
  const explain = await page.evaluate(() => window.shopcue('explain'));
  assert.deepEqual(explain.consent, { analytics: false, personalization: false });
  assert.deepEqual(await messages(page), [], 'no message before consent');
  assert.deepEqual(await page.evaluate(() => window.__storageWrites), [], 'no storage write before consent');
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('shopcue:'))), []);
  assert.deepEqual(collects, [], 'no request before consent');

  await page.click('#accept'); // gtag('consent', 'update', …granted)
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, 'カートの同意テストは残り2点です', 'the cart add made before consent was kept');
  await eventually(() => page.evaluate(() => localStorage.getItem('shopcue:demo-store:profile') !== null), 5000, 'profile stored');
  const visitor = await page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:demo-store:profile')).visitor_id);
  await eventually(() => collector.query(`SELECT count(*) AS n FROM events WHERE visitor_id = '${visitor}'`)[0].n >= 1,
    10_000, 'events sent after consent');
  const names = collector.query(`SELECT DISTINCT name FROM events WHERE visitor_id = '${visitor}'`).map((r) => r.name);
  assert.ok(!names.includes('add_to_cart'), `events from before consent are never sent: ${names}`);

  await page.click('#revoke');
  await eventually(() => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('shopcue:')).length === 0),
    5000, 'storage purged');
  await waitForMessages(page, (ms) => ms.length === 0);
  await context.close();
});
