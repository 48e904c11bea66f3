// Bounded under load and under a wrong clock: thousands of events in one page view, a very
// large stored profile, a device clock days off — memory and storage stay bounded, no long
// task (> 50 ms) comes from Shopcue, and messages still follow the rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

test('5,000 events in one page view: bounded profile and queue, no long task', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/stress.html`);
  await page.waitForFunction(() => window.shopcue && window.shopcue.loaded);
  await page.waitForTimeout(300);
  const { worst } = await page.evaluate(() => window.__fire(5000, 50));
  const state = await page.evaluate(() => {
    const profile = localStorage.getItem('shopcue:demo-store:profile');
    const e = window.shopcue('explain');
    return { bytes: profile.length, items: e.profile.items, queued: e.outbox.queued, dropped: e.outbox.dropped,
      heap: performance.memory ? performance.memory.usedJSHeapSize : 0, longTasks: window.__longTasks };
  });
  console.log(`5,000 events: worst 50-event task ${worst.toFixed(1)} ms; profile ${state.bytes} B, ${state.items} items; queue ${state.queued} (dropped ${state.dropped}); long tasks ${JSON.stringify(state.longTasks)}`);
  assert.ok(state.bytes <= 48 * 1024, `stored profile bounded: ${state.bytes}`);
  assert.ok(state.items <= 300);
  assert.ok(state.queued <= 1000, 'the queue is bounded (oldest dropped and counted)');
  assert.ok(worst < 50, `50 track calls take ${worst} ms`);
  assert.deepEqual(state.longTasks, [], 'no long task on the page');
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
      const r = collector.query(`SELECT name, ts, received_at FROM events WHERE visitor_id = '${visitor}' AND name = 'view_item'`);
      return r.length && r;
    }, 10_000, 'events delivered');
    const skew = (rows[0].ts - rows[0].received_at) / 86_400_000;
    assert.ok(Math.abs(skew - skewDays) < 0.01, `client time kept as sent, server time beside it: ${skew} days`);
    await context.close();
  });
}
