// The script tag contract (docs/ARCHITECTURE.md, "The script tag"): queue replay, double inclusion, tag-manager
// injection, WebAssembly blocked, invalid config — in real Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually, ROOT } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

async function open(path, before = () => {}) {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  before(page);
  const consoleLines = [];
  const pageErrors = [];
  page.on('console', (m) => consoleLines.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(collector.url + path);
  return { context, page, consoleLines, pageErrors };
}

test('calls queued before load replay in order; including the script twice is harmless', async () => {
  const { context, page, pageErrors } = await open('/fixtures/queue.html');
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.scenario, 'cart_low_stock');
  assert.equal(m.title, 'カートのSecondは残り2点です', 'remove_from_cart of the first item ran before the second add');
  await page.waitForTimeout(300);
  const state = await page.evaluate(() => ({
    loaded: window.shopcue.loaded, hosts: document.querySelectorAll('shopcue-message').length,
    heard: window.__messages.map((x) => x.scenario_id), globals: typeof window.wasm_bindgen,
  }));
  assert.deepEqual(state, { loaded: true, hosts: 1, heard: ['cart_low_stock'], globals: 'undefined' });
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a developer's wrong call is refused with a warning naming what it was given, and the page goes on", async () => {
  const { context, page, consoleLines, pageErrors } = await open('/fixtures/queue.html');
  await waitForMessages(page, (ms) => ms.length === 1);
  const returned = await page.evaluate(() => [
    shopcue('identify', { member: 'yes', birthday: '13-40', purchase_count: 2 }),
    shopcue('consent', { analytics: 'granted' }),
    shopcue('track', 'view_item', { items: [{ item_id: 'x', price: 'cheap' }] }),
    shopcue('track', 5),
    shopcue('track'),
  ]);
  assert.deepEqual(returned, [undefined, undefined, undefined, undefined, undefined], 'nothing thrown into the page');
  const ours = consoleLines.filter((l) => l.type === 'warning' && l.text.startsWith('[shopcue] invalid')).map((l) => l.text);
  assert.equal(ours.length, 5, ours.join('\n'));
  // identify's traits and consent's choices are arguments, not an event; track's are an event.
  assert.match(ours[0], /^\[shopcue\] invalid arguments \(2 problems\)\n {2}\$\.member: must be true or false\n {2}\$\.birthday: must be "MM-DD"/);
  assert.match(ours[1], /^\[shopcue\] invalid arguments \(1 problem\)\n {2}\$\.analytics: must be true or false/);
  assert.match(ours[2], /^\[shopcue\] invalid event \(1 problem\)\n {2}\$\.items\[0\]\.price/);
  // A name that is not a text, or none at all: a name is asked for.
  for (const line of ours.slice(3)) assert.match(line, /^\[shopcue\] invalid event \(1 problem\)\n {2}\$name: an event name is required, such as "view_item"/);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('the config is fetched while the wasm downloads, once', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const seen = [];
  page.on('request', (r) => seen.push({ url: r.url(), at: Date.now(), kind: 'start' }));
  page.on('requestfinished', (r) => seen.push({ url: r.url(), at: Date.now(), kind: 'end' }));
  // A snippet without the preload line: the wasm is requested by the loader, after the config.
  await page.goto(`${collector.url}/fixtures/queue.html`);
  await waitForMessages(page, (ms) => ms.length === 1);
  const configStarts = seen.filter((e) => e.kind === 'start' && e.url.endsWith('/shopcue/config.json'));
  const wasmEnd = seen.find((e) => e.kind === 'end' && e.url.endsWith('/shopcue_bg.wasm'));
  assert.equal(configStarts.length, 1, 'the loader\'s fetch is the one init uses');
  assert.ok(configStarts[0].at <= wasmEnd.at, 'requested before the wasm had arrived');
  await context.close();
});

test('the wasm that the snippet preloads is downloaded once, and the browser has nothing to say about it', async () => {
  const wasmRequests = [];
  // The demo store's snippet has the optional <link rel="preload" … as="fetch" crossorigin>.
  const { context, page, consoleLines } = await open('/product.html?id=linen-shirt',
    (p) => p.on('request', (r) => { if (r.url().endsWith('/shopcue_bg.wasm')) wasmRequests.push(r.url()); }));
  assert.equal(await page.locator('link[rel=preload][href$="shopcue_bg.wasm"]').count(), 1);
  await waitForMessages(page, (ms) => ms.length === 1);
  // The glue's fetch took the preloaded response: a preload it cannot use (another URL, or
  // another credentials mode than fetch's, as without `crossorigin`) is a second download,
  // and Chromium warns about it.
  assert.equal(wasmRequests.length, 1, wasmRequests.join(', '));
  assert.deepEqual(consoleLines.filter((l) => l.type === 'warning' && /preload/i.test(l.text)), []);
  await context.close();
});

test('works when a tag manager injects it after load', async () => {
  const { context, page, pageErrors } = await open('/fixtures/injected.html');
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：Injectedは残り3点です');
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('on a page already parsed, the first message is on screen as the loader finishes, not a task later', async () => {
  const { context, page, pageErrors } = await open('/fixtures/first-decision.html');
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：Parsedは残り2点です');
  // Counted by a microtask queued when the loader installed the live shopcue(): a decision
  // left to a timer (behind the page's own tasks, layout and paint) had not run yet.
  assert.equal(await page.evaluate(() => window.__atInstall), 1);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('without WebAssembly it logs one warning and leaves the page alone', async () => {
  const requests = [];
  const { context, page, consoleLines, pageErrors } = await open('/fixtures/no-wasm.html', (p) => p.on('request', (r) => requests.push(r.url())));
  await page.waitForFunction(() => window.__pageOk === true, null, { timeout: 5000 });
  const ours = consoleLines.filter((l) => l.text.includes('[shopcue]'));
  assert.equal(ours.length, 1, JSON.stringify(consoleLines));
  assert.equal(ours[0].type, 'warning');
  assert.match(ours[0].text, /wasm-unsafe-eval/);
  assert.deepEqual(pageErrors, []);
  assert.equal(await page.locator('#host').textContent(), 'host page');
  assert.equal(await page.evaluate(() => document.querySelectorAll('shopcue-message').length), 0);
  // Found out before anything was downloaded for nothing: neither the wasm nor the config.
  assert.deepEqual(requests.filter((u) => /shopcue_bg\.wasm|config\.json|\/collect/.test(u)), []);
  await context.close();
});

test('a shopcue_bg.wasm that is not there (a 404, or a host\'s index.html in its place): one warning naming its URL', async () => {
  for (const [status, contentType, body, why] of [
    [404, 'text/plain', 'not found', /\(it answered HTTP 404\)/],
    [200, 'text/html', '<!doctype html><title>Shop</title>', /magic word/],
  ]) {
    const { context, page, consoleLines, pageErrors } = await open('/fixtures/queue.html', (p) =>
      p.route('**/shopcue_bg.wasm', (route) => route.fulfill({ status, contentType, body })));
    const ours = await eventually(() => {
      const lines = consoleLines.filter((l) => l.text.includes('[shopcue]'));
      return lines.length && lines;
    }, 5000, 'the warning');
    // The page includes the script twice; a copy that runs after the first has given up (here
    // forced, by adding it once more) must not try again or warn again.
    await page.evaluate(() => new Promise((resolve) => {
      const s = document.createElement('script');
      s.src = '/shopcue/shopcue.js';
      s.onload = s.onerror = resolve;
      document.head.append(s);
    }));
    await page.waitForTimeout(300);
    assert.equal(consoleLines.filter((l) => l.text.includes('[shopcue]')).length, 1, JSON.stringify(consoleLines));
    assert.equal(ours[0].type, 'warning');
    assert.match(ours[0].text, new RegExp(`^\\[shopcue\\] disabled: ${collector.url}/shopcue/shopcue_bg\\.wasm could not start \\(`));
    assert.match(ours[0].text, why);
    assert.deepEqual(pageErrors, []);
    assert.equal(await page.evaluate(() => document.querySelectorAll('shopcue-message').length), 0);
    await context.close();
  }
});

test('a shopcue_bg.wasm of another build than shopcue.js (a cache kept one of them) is not started: one warning, and the pair is asked for anew', async () => {
  // The wasm as dist.sh ships it ends with its build id (scripts/build-id.mjs): another id
  // stands for another release's wasm, whose minified imports may even match this glue's.
  const shipped = readFileSync(join(ROOT, 'dist/shopcue/shopcue_bg.wasm'));
  const id = shipped.subarray(shipped.length - 12).toString();
  assert.match(id, /^[0-9a-f]{12}$/, 'the build id closes the wasm');
  assert.match(readFileSync(join(ROOT, 'dist/shopcue/shopcue.js'), 'utf8'), new RegExp(`"${id}"|'${id}'`), 'and is in shopcue.js');
  const other = Buffer.concat([shipped.subarray(0, shipped.length - 12), Buffer.from('0123456789ab')]);
  const requests = [];
  const { context, page, consoleLines, pageErrors } = await open('/fixtures/queue.html', (p) => {
    p.on('request', (r) => requests.push([r.resourceType(), new URL(r.url()).pathname]));
    return p.route('**/shopcue_bg.wasm', (route) => route.fulfill({ status: 200, contentType: 'application/wasm', body: other }));
  });
  // Two downloads and compilations of the wasm before it: time enough on a loaded machine.
  const warning = await eventually(() => consoleLines.find((l) => l.text.includes('[shopcue]')), 20_000, 'the warning');
  assert.equal(warning.type, 'warning');
  assert.equal(warning.text, `[shopcue] disabled: ${collector.url}/shopcue/shopcue_bg.wasm is of another build than shopcue.js (a cache kept one): the next page gets both anew`);
  // The wasm asked for again from the server, then the script by fetch (the page's own two
  // script tags may be one request or two), for the next page.
  const fetched = (path) => requests.filter(([type, p]) => type === 'fetch' && p === path).length;
  await eventually(() => fetched('/shopcue/shopcue.js') === 1, 20_000, 'shopcue.js asked for anew');
  assert.equal(fetched('/shopcue/shopcue_bg.wasm'), 2, JSON.stringify(requests));
  assert.deepEqual(pageErrors, []);
  assert.equal(await page.evaluate(() => document.querySelectorAll('shopcue-message').length), 0);
  assert.equal(await page.evaluate(() => window.shopcue.failed), true, 'queued calls are dropped, not kept');
  await context.close();
});

test('an invalid config is rejected whole, with every problem and its JSON path', async () => {
  const { context, page, consoleLines, pageErrors } = await open('/fixtures/bad-config.html');
  const warn = await eventually(() => consoleLines.find((l) => l.text.includes('invalid config')), 5000, 'config error logged');
  for (const path of ['$.colour', '$.scenarios[0].preset', '$.scenarios[1].message.placement', '$.scenarios[1].message.title']) {
    assert.ok(warn.text.includes(path), `${path} missing from: ${warn.text}`);
  }
  assert.match(warn.text, /page_low_stok/);
  assert.equal(warn.type, 'error');
  // As text, not as an Error object, whose stack into the minified widget ("at W (shopcue.js:2:4435)")
  // read like a crash of the page.
  assert.match(warn.text, /^\[shopcue\] invalid config \(\d+ problems\)\n/);
  assert.doesNotMatch(warn.text, /\n\s+at /);
  assert.ok(consoleLines.some((l) => l.type === 'warning' && /\$\.items\[0\]\.price/.test(l.text)),
    'a bad event is rejected with its path, and the page goes on');
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => document.querySelectorAll('shopcue-message').length), 0);
  assert.deepEqual(pageErrors, []);
  await context.close();
});
