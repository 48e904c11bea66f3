// The npm package (dist/npm, ESM) in Chromium: load once, methods, thrown errors with codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

test('import { Shopcue } from the npm package: methods work, bad calls throw coded errors', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/npm.html`);
  await page.waitForFunction(() => window.__ready, null, { timeout: 10_000 });
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：NPMのシャツは残り2点です');
  const seen = await page.evaluate(() => window.__messages.map((x) => x.scenario_id));
  assert.deepEqual(seen, ['page_low_stock'], 'on("message") listener called');
  assert.deepEqual(await page.evaluate(() => window.__error),
    { code: 'SHOPCUE_INVALID_EVENT', paths: ['$.items[0].item_id', '$.items[0].price'], isError: true });
  assert.equal(await page.evaluate(() => window.__same), true, 'one instance per page');
  const explain = await eventually(() => page.evaluate(() => { const e = window.__explain(); return e.config_loaded && e; }), 5000, 'explain');
  assert.equal(explain.scenarios.find((s) => s.scenario_id === 'page_low_stock').reason, 'already_shown');
  assert.deepEqual(errors, []);
  await context.close();
});
