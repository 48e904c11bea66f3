// The collector hosting the widget for a store on another origin (`--static dist` with
// `--allow-origin`): the wasm is fetched with CORS, so the allow-list decides, in Chromium.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, eventually } from './harness.mjs';

const started = [];
after(async () => { for (const s of started) await (s.stop ? s.stop() : s.close()); });

async function visit(collector, browser) {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const lines = [];
  page.on('console', (m) => lines.push({ type: m.type(), text: m.text() }));
  const port = new URL(collector.url).port;
  await page.goto(`http://localhost:${port}/fixtures/cross-origin.html`);
  return { context, page, lines };
}

test('a store on an allowed origin gets the widget from the collector: wasm, config, message, beacons', async () => {
  const collector = await startCollector({ args: ['--allow-origin', '*'] });
  const browser = await launchBrowser();
  started.push(browser, collector);
  const { context, page, lines } = await visit(collector, browser);
  const titles = await eventually(async () => {
    const t = await page.evaluate(() => window.__messages.map((m) => m.title));
    return t.length && t;
  }, 10_000, 'a message');
  assert.deepEqual(titles, ['残りわずか：別オリジンのシャツは残り2点です']);
  await page.goto('about:blank'); // leave: the beacons go
  await eventually(() => collector.query("SELECT count(*) AS n FROM events WHERE name = 'view_item' AND json LIKE '%xo-1%'")[0].n === 1,
    10_000, 'the view stored');
  assert.deepEqual(lines.filter((l) => l.text.includes('[shopcue]')), []);
  await context.close();
});

/** A visit that Shopcue answers with one console line: that line (after half a second more, so
 * that a second one would be seen). */
async function oneLine(collectorOptions) {
  const collector = await startCollector(collectorOptions);
  const browser = await launchBrowser();
  started.push(browser, collector);
  const { context, page, lines } = await visit(collector, browser);
  const ours = () => lines.filter((l) => l.text.includes('[shopcue]'));
  await eventually(() => ours().length, 10_000, 'a line from Shopcue');
  await page.waitForTimeout(500);
  assert.equal(ours().length, 1, JSON.stringify(ours()));
  assert.deepEqual(await page.evaluate(() => window.__messages), []);
  await context.close();
  return ours()[0].text;
}

test('a store on an origin not allowed: one warning that names the wasm, and nothing else happens', async () => {
  const line = await oneLine();
  assert.match(line, /^\[shopcue\] disabled: http:\/\/127\.0\.0\.1:\d+\/shopcue\/shopcue_bg\.wasm could not start \(Failed to fetch\)/);
  // What to do about it, with this page's origin: CORS was the cause, though the browser says only "Failed to fetch".
  assert.match(line, /From another origin it needs CORS \(shopcue-collector --allow-origin http:\/\/localhost:\d+\)/);
});

test('a store on an allowed origin whose site has nothing published: the page says the collector answered 404', async () => {
  // Before the collector sent CORS headers on its refusals too, the browser hid the 404 from
  // the page, which could only say "could not fetch", as if the network were down.
  const line = await oneLine({ args: ['--allow-origin', '*'], publish: false });
  assert.match(line, /config not loaded: http:\/\/127\.0\.0\.1:\d+\/shopcue\/sites\/demo-store\/config\.json answered HTTP 404/);
});
