// Delivery in a real browser against the real collector: failures, retries, offline — and in
// the end every event is in SQLite exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

const visitorOf = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:demo-store:profile')).visitor_id);
const outboxOf = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:demo-store:outbox') || '[]').map((e) => e.id));

function stored(visitor) {
  return collector.query(`SELECT id, name, count(*) AS n FROM events WHERE visitor_id = '${visitor}' GROUP BY id`);
}

test('500, then 429 with Retry-After, then 413: retried, split, and delivered exactly once', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const seen = [];
  const script = [500, 429, 413];
  await page.route('**/collect', async (route) => {
    const status = script.shift();
    seen.push({ status: status ?? 'pass', events: JSON.parse(route.request().postData()).events.length,
      type: route.request().headers()['content-type'] });
    if (status === undefined) return route.continue();
    return route.fulfill({ status, headers: status === 429 ? { 'Retry-After': '1' } : {}, body: '{}' });
  });
  await page.goto(`${collector.url}/product.html?id=linen-shirt`);
  await waitForMessages(page, (ms) => ms.length === 1);
  const visitor = await visitorOf(page);
  const queued = await outboxOf(page);
  assert.ok(queued.length >= 4, `queued: ${queued.length}`);
  // The 5 s batch timer fires, then 500 → backoff, 429 → waits 1 s, 413 → split in halves.
  await eventually(async () => (await outboxOf(page)).length === 0, 20_000, 'outbox drained');
  const rows = stored(visitor);
  assert.deepEqual(rows.map((r) => r.id).sort(), [...queued].sort(), 'every queued event arrived');
  assert.ok(rows.every((r) => r.n === 1), 'exactly once');
  assert.deepEqual(seen.slice(0, 3).map((s) => s.status), [500, 429, 413]);
  assert.ok(seen[3].events < seen[2].events, `413 split the batch: ${JSON.stringify(seen)}`);
  assert.ok(seen.every((s) => s.type.startsWith('text/plain')), 'no CORS preflight needed');
  await context.close();
});

test('offline, then back online: queued events are sent at once', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/product.html?id=canvas-sneakers`);
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  const visitor = await visitorOf(page);
  await context.setOffline(true);
  await page.click('#add-to-cart');
  await page.click('#add-to-wishlist');
  // The batch timer fires while offline; three failed sends later the endpoint counts as
  // blocked, so from here only the `online` event can restart delivery.
  await page.waitForTimeout(9_000);
  const waiting = await outboxOf(page);
  assert.ok(waiting.length >= 4, `still queued while offline: ${waiting.length}`);
  assert.equal(stored(visitor).length, 0);
  const back = Date.now();
  await context.setOffline(false);
  await eventually(() => stored(visitor).length === waiting.length, 10_000, 'delivered after coming online');
  assert.ok(Date.now() - back < 5_000, 'sent on the online event, not a later timer');
  assert.ok(stored(visitor).every((r) => r.n === 1));
  await context.close();
});
