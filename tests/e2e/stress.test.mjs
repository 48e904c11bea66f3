// Bounded under load and under a wrong clock: thousands of events in one page view, a very
// large stored profile, a device clock days off — memory and storage stay bounded, the load
// skips the Intl zone lookup that cost a long task, and messages still follow the rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

test('5,000 events in one page view: bounded profile and queue', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/stress.html`);
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await page.waitForTimeout(300);
  const { worst } = await page.evaluate(() => window.__fire(5000, 50));
  const state = await page.evaluate(() => {
    const profile = localStorage.getItem('shopcue:demo-store:profile');
    const e = window.shopcue('explain');
    // Shopcue's tasks start once shopcue.js has arrived; a long task before that (a cold
    // browser setting up the page's context) is not Shopcue's.
    const script = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/shopcue/shopcue.js'));
    return { bytes: profile.length, items: e.profile.items, queued: e.outbox.queued, dropped: e.outbox.dropped,
      scriptArrived: Math.round(script.responseEnd), longTasks: window.__longTasks };
  });
  console.log(`5,000 events: worst 50-event task ${worst.toFixed(1)} ms; profile ${state.bytes} B, ${state.items} items; queue ${state.queued} (dropped ${state.dropped}); shopcue.js at ${state.scriptArrived} ms; long tasks [start, ms] ${JSON.stringify(state.longTasks)}`);
  assert.ok(state.bytes <= 48 * 1024, `stored profile bounded: ${state.bytes}`);
  assert.ok(state.items <= 300);
  assert.ok(state.queued <= 1000, 'the queue is bounded (oldest dropped and counted)');
  // Timings are figures, printed above and measured by `./x bench` (scripts/bench-browser.mjs):
  // on a shared 2-core machine a 50 ms bound flakes both ways. What keeps Shopcue's tasks short
  // is checked below without a clock.
  await context.close();
});

test('a burst of 2,000 events reaches the collector whole, at its default rate limit', async () => {
  // The collector allows 20 requests a second per address, 100 in a burst. Up to ten events a
  // request, one request in flight at a time, did not keep up with this burst: the 1,000-event
  // queue dropped 711 of its events (1,289 stored, in 130 requests). A batch now takes up to 100
  // of the events queued behind the one in flight; and sent as keepalive requests, every other
  // large batch was refused by Chromium.
  // A collector of its own: the 5,000 events above spent this address's budget at the other.
  const collector = await startCollector();
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const statuses = [];
  page.on('response', (r) => { if (r.url().endsWith('/collect')) statuses.push(r.status()); });
  await page.goto(`${collector.url}/fixtures/stress.html`);
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await page.evaluate(() => window.__fire(2000, 20));
  const visitor = await eventually(() => page.evaluate(() =>
    JSON.parse(localStorage.getItem('shopcue:demo-store:profile') || '{}').visitor_id), 5_000, 'profile stored');
  const stored = () => collector.query(`SELECT count(*) AS n FROM events WHERE visitor_id = '${visitor}'
    AND name IN ('view_item', 'add_to_cart') AND json LIKE '%"stress-%'`)[0].n;
  await eventually(() => stored() === 2000, 30_000, 'all 2,000 events stored');
  const outbox = await page.evaluate(() => window.shopcue('explain').outbox);
  console.log(`2,000 events: ${statuses.length} requests, answered ${JSON.stringify(statuses.reduce((a, s) => ({ ...a, [s]: (a[s] || 0) + 1 }), {}))}; dropped ${outbox.dropped}`);
  assert.equal(outbox.dropped, 0, 'nothing dropped');
  assert.deepEqual([...new Set(statuses)], [200], 'every request stored at once (none refused by the rate limit)');
  assert.ok(statuses.length < 100, `fewer requests than the collector's burst allows: ${statuses.length}`);
  await context.close();
  await collector.stop();
});

test('no Intl zone lookup at load for a zone without daylight saving (it costs a 30–100 ms long task)', async () => {
  const context = await newShopperContext(browser);
  await context.addInitScript(() => {
    window.__zoneLookups = [];
    const Real = Intl.DateTimeFormat;
    Intl.DateTimeFormat = function (locale, options) {
      if (options && options.timeZone) window.__zoneLookups.push(options.timeZone);
      return new Real(locale, options);
    };
    Intl.DateTimeFormat.prototype = Real.prototype;
    Intl.DateTimeFormat.supportedLocalesOf = Real.supportedLocalesOf;
  });
  const page = await context.newPage();
  await page.goto(`${collector.url}/product.html?id=linen-shirt`); // the demo config: Asia/Tokyo
  await waitForMessages(page, (ms) => ms.length === 1);
  assert.deepEqual(await page.evaluate(() => window.__zoneLookups), []);
  // A zone with daylight saving is still asked of Intl: the Berlin store's page makes one
  // lookup of its own (its coupon's date), Shopcue the others (and formats dates in UTC).
  await page.goto(`${collector.url}/fixtures/intl.html`);
  await waitForMessages(page, (ms) => ms.length === 1);
  const lookups = await page.evaluate(() => window.__zoneLookups);
  assert.ok(lookups.filter((z) => z === 'Europe/Berlin').length >= 2, JSON.stringify(lookups));
  await context.close();
});

for (const [label, skewDays] of [['3 days ahead', 3], ['400 days behind', -400]]) {
  test(`a device clock ${label}: messages and delivery still work`, async () => {
    const context = await newShopperContext(browser);
    await context.addInitScript((days) => {
      const skew = days * 86_400_000;
      const RealDate = Date;
      const now = () => RealDate.now() + skew;
      // eslint-disable-next-line no-global-assign
      Date = class extends RealDate { constructor(...a) { super(...(a.length ? a : [now()])); } static now() { return now(); } };
    }, skewDays);
    const page = await context.newPage();
    await page.goto(`${collector.url}/product.html?id=linen-shirt`);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    assert.equal(m.scenario, 'page_low_stock');
    const visitor = await page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:demo-store:profile')).visitor_id);
    await page.goto(`${collector.url}/cart.html`);
    const rows = await eventually(() => {
      const r = collector.query(`SELECT name, ts, json_extract(json, '$.ts') AS sent, received_at FROM events
        WHERE visitor_id = '${visitor}' AND name = 'view_item'`);
      return r.length && r;
    }, 10_000, 'events delivered');
    const [sent, reported] = [rows[0].sent, rows[0].ts].map((t) => (t - rows[0].received_at) / 86_400_000);
    assert.ok(Math.abs(sent - skewDays) < 0.01, `the client's time kept as sent: ${sent} days`);
    // Reported under the client's time within 30 days of receipt, else under the receipt time.
    assert.ok(Math.abs(reported - (Math.abs(skewDays) <= 30 ? skewDays : 0)) < 0.01, `reported at ${reported} days`);
    await context.close();
  });
}
