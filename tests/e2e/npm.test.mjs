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
  const errors = [], warnings = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
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
  assert.deepEqual(warnings, ['[shopcue] init ignored unknown options: colour']);
  await context.close();
});

test('render: false — the page renders messages itself and reports impressions once', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/npm-headless.html`);
  await page.waitForSelector('p.own-ui');
  assert.equal(await page.textContent('p.own-ui'), '残りわずか：自前UIのシャツは残り1点です');
  assert.equal(await page.evaluate(() => window.__testShadowRoots.length), 0, 'Shopcue rendered nothing itself');
  assert.equal(await page.evaluate(() => window.__twice), 'SHOPCUE_INVALID_EVENT', 'a second impression is refused');
  const id = await page.evaluate(() => window.__seen[0]);
  const visitor = await page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:demo-store:profile')).visitor_id);
  await page.click('a'); // leave: flush
  await eventually(() => collector.query(`SELECT count(*) AS n FROM events WHERE visitor_id = '${visitor}'
    AND name = 'shopcue_impression' AND json_extract(json, '$.params.message_id') = '${id}'`)[0].n === 1, 10_000, 'impression stored');
  await context.close();
});

test('the npm package compiles a raw config with the module shipped beside it', async () => {
  const context = await newShopperContext(browser, { locale: 'en-US' });
  const page = await context.newPage();
  const compiler = [];
  page.on('request', (r) => { if (r.url().endsWith('/shopcue_compile.wasm')) compiler.push(new URL(r.url()).pathname); });
  await page.goto(`${collector.url}/fixtures/npm-raw.html`);
  await page.waitForFunction(() => window.__ready, null, { timeout: 10_000 });
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, 'npm, raw: Raw Tee');
  assert.deepEqual(compiler, ['/npm/shopcue_compile.wasm']);
  await context.close();
});

test('a wasm that is not where the package looks: a coded error that says where and why, then a retry loads', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/npm-wasm-missing.html`);
  await page.waitForFunction(() => window.__ready, null, { timeout: 10_000 });
  const [missing, html, garbage] = await page.evaluate(() => window.__failures);
  for (const f of [missing, html, garbage]) {
    assert.equal(f.code, 'SHOPCUE_LOAD_FAILED');
    assert.equal(f.isError, true);
    assert.deepEqual(f.problems, []);
  }
  assert.match(missing.message, /^\[shopcue\] \/npm\/nope\.wasm answered HTTP 404 instead of the widget's wasm\. /);
  assert.match(missing.message, /optimizeDeps: \{ exclude: \['shopcue'\] \}/);
  assert.match(html.message, /^\[shopcue\] \/fixtures\/npm-wasm-missing\.html answered text\/html[^,]*, not the widget's wasm\. /);
  assert.match(garbage.message, /^\[shopcue\] the widget's wasm could not start \(.*magic/);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：再読込のシャツは残り1点です');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the npm package reports exit intent and scroll depth itself: their scenarios show, nothing is sent for them', async () => {
  const context = await newShopperContext(browser, { locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${collector.url}/fixtures/npm-moments.html`);
  await page.waitForFunction(() => window.__ready, null, { timeout: 10_000 });
  const reason = (i) => page.evaluate((i) => window.__shopcue.explain()?.scenarios?.[i]?.reason, i);
  assert.equal(await eventually(() => reason(1), 10_000, 'the raw config compiled'), 'not_triggered');
  await page.mouse.move(400, 300);
  await page.mouse.wheel(0, 600); // past half the page
  const [half] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(half.title, 'Halfway there');
  await page.mouse.move(400, 5);
  await page.mouse.move(400, -20); // out through the top
  const shown = await waitForMessages(page, (ms) => ms.length === 2);
  assert.deepEqual(shown.map((m) => m.title).sort(), ['Before you go', 'Halfway there']);
  const visitor = await page.evaluate(() => JSON.parse(localStorage.getItem('shopcue:npm-moments:profile')).visitor_id);
  await eventually(() => collector.query(`SELECT 1 FROM events WHERE visitor_id = '${visitor}' AND name = 'shopcue_impression'`).length === 2,
    10_000, 'both impressions received');
  const names = collector.query(`SELECT DISTINCT name FROM events WHERE visitor_id = '${visitor}'`).map((r) => r.name);
  assert.ok(!names.includes('exit_intent') && !names.includes('scroll_50'), names.join());
  await context.close();
});
