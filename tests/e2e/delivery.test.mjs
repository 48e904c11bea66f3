// Delivery in a real browser against the real collector: failures, retries, offline — and in
// the end every event is in SQLite exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually, queuedEvents, settledQueue } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

const visitorOf = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:demo-store:profile')).visitor_id);
const outboxOf = async (page) => (await queuedEvents(page)).map((e) => e.id);

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
  const queued = await settledQueue(page);
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

test('two tabs never send the same event; a crashed tab\'s queue is sent once by the next tab', async () => {
  const context = await newShopperContext(browser);
  const delivered = []; // event ids of every batch the collector acknowledged, per sending page
  context.on('requestfinished', async (req) => {
    if (!req.url().endsWith('/collect')) return;
    // A beacon may finish as the context closes: then there is no response to read.
    const resp = await req.response().catch(() => null);
    if (resp && resp.status() === 200) delivered.push(...JSON.parse(req.postData()).events.map((e) => e.id));
  });
  // Tab A cannot reach the collector: its events wait in its own stored queue.
  const a = await context.newPage();
  await a.route('**/collect', (route) => route.abort('internetdisconnected'));
  await a.goto(`${collector.url}/product.html?id=canvas-sneakers`);
  await a.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await a.click('#add-to-cart');
  const queuedByA = await eventually(async () => {
    const q = await queuedEvents(a);
    return q.some((e) => e.name === 'add_to_cart') && q.map((e) => e.id);
  }, 5_000, 'tab A queued its events');

  // Tab B works normally while A is alive: it sends its own events, never A's.
  const b = await context.newPage();
  await b.goto(`${collector.url}/product.html?id=linen-shirt`);
  await waitForMessages(b, (ms) => ms.length === 1);
  await b.click('#add-to-cart');
  await eventually(() => delivered.length >= 4, 15_000, 'tab B delivered');
  assert.deepEqual(queuedByA.filter((id) => delivered.includes(id)), [], 'B did not touch the queue of a live tab');

  // A crashes (no pagehide, no beacon). Once its heartbeat is old, the next page adopts it.
  const cdp = await context.newCDPSession(a);
  const crashed = new Promise((r) => a.once('crash', r));
  cdp.send('Page.crash').catch(() => {}); // never answers: the renderer is gone
  await crashed;
  await b.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (!k.startsWith('shopcue:demo-store:outbox:')) continue;
      const v = JSON.parse(localStorage.getItem(k));
      if (v.events.some((e) => e.name === 'add_to_cart' && e.params.items[0].item_id === 'canvas-sneakers')) {
        v.alive = Date.now() - 60_000; // as if the crash happened a minute ago
        localStorage.setItem(k, JSON.stringify(v));
      }
    }
  });
  const c = await context.newPage();
  await c.goto(`${collector.url}/`);
  await eventually(() => queuedByA.every((id) => delivered.includes(id)), 15_000, "A's events delivered by C");
  await c.goto(`${collector.url}/cart.html`); // leave: C flushes what it has left
  await b.goto(`${collector.url}/cart.html`);
  await new Promise((r) => setTimeout(r, 1000));
  const counts = {};
  for (const id of delivered) counts[id] = (counts[id] || 0) + 1;
  const twice = Object.entries(counts).filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'no event was sent twice');
  const rows = collector.query(`SELECT id FROM events WHERE id IN (${queuedByA.map((id) => `'${id}'`).join(',')})`);
  assert.equal(rows.length, queuedByA.length, 'every event of the crashed tab is stored');
  assert.deepEqual((await queuedEvents(c)).filter((e) => queuedByA.includes(e.id)), [], 'and no longer queued anywhere');
  await context.close();
});
