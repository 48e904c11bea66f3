// A hostile world: injected markup and script URLs in product data, a strict CSP with Trusted
// Types. Nothing executes, text renders literally, unsafe links are dropped, Shopcue works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, newShopperContext, waitForMessages, eventually } from './harness.mjs';

let collector, browser;
before(async () => { collector = await startCollector(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await collector?.stop(); });

const FLAG = 'window.__pwned=1';
const PAYLOADS = [
  `<img src=x onerror="${FLAG}">`, `"><svg onload="${FLAG}">`, `<script>${FLAG}</script>`, `javascript:${FLAG}`,
  `JaVaScRiPt:${FLAG}`, ` javascript:${FLAG}`, `java\tscript:${FLAG}`, `java\nscript:${FLAG}`, `\u0001javascript:${FLAG}`,
  `data:text/html,<script>${FLAG}</script>`, `vbscript:${FLAG}`, `<iframe src="javascript:${FLAG}">`, `<a href="javascript:${FLAG}">x</a>`,
  `<body onload="${FLAG}">`, `<details open ontoggle="${FLAG}">`, `<math><mtext><table><mglyph><style><img src=x onerror="${FLAG}">`,
  `'';!--"<XSS>=&{()}`, `<style>*{display:none}</style>`, `<link rel=import href="data:,">`, `{{item.name}}`, `{{constructor.constructor('${FLAG}')()}}`,
  `\u202Egnp.exe`, `zero\u200Bwidth\u200Djoin`, 'x'.repeat(10_000), `\uD800lone`, `\uDFFFlone`, `%3Cimg%20src%3Dx%20onerror%3D${FLAG}%3E`,
  `&lt;img src=x onerror=${FLAG}&gt;`, `<img src="x" onerror=${FLAG}//`, `<svg><script>${FLAG}</script></svg>`, `<object data="javascript:${FLAG}">`,
  `<embed src="javascript:${FLAG}">`, `<form action="javascript:${FLAG}"><button>x</button></form>`, `<input autofocus onfocus="${FLAG}">`,
  `<video><source onerror="${FLAG}">`, `<marquee onstart="${FLAG}">`, `//evil.example/%2F..`, `\\\\evil.example`, `https://ok.example/?q=<b>`,
  `<meta http-equiv="refresh" content="0;url=javascript:${FLAG}">`, `"; ${FLAG}; "`,
];

test(`${PAYLOADS.length} injection payloads in names, brands and URLs: nothing runs, text stays text`, async () => {
  assert.ok(PAYLOADS.length >= 40);
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => { errors.push('dialog opened'); d.dismiss(); });
  for (const payload of PAYLOADS) {
    await page.goto(`${collector.url}/fixtures/xss.html#${encodeURIComponent(JSON.stringify(payload))}`);
    await page.reload(); // a fragment-only navigation does not reload
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    // Lone surrogates cannot survive UTF-8 (U+FFFD); item text is capped at 500 characters.
    const sane = [...payload.replace(/[\uD800-\uDFFF]/g, '\uFFFD')].slice(0, 500).join('');
    assert.ok(m.title === sane, `title renders literally: ${payload.slice(0, 40)} → ${m.title.slice(0, 60)}`);
    if (m.cta) {
      // What a click would open, resolved the way the browser resolves it.
      const { protocol } = new URL(m.cta.href, `${collector.url}/fixtures/xss.html`);
      assert.ok(protocol === 'http:' || protocol === 'https:', `only http(s) links: ${m.cta.href} → ${protocol}`);
    }
    const state = await page.evaluate(() => ({ pwned: window.__pwned, host: document.getElementById('host').textContent,
      injected: document.querySelectorAll('body img, body svg, body iframe, body object, body embed, body script:not([src])').length }));
    assert.deepEqual(state, { pwned: undefined, host: 'host', injected: 0 }, payload.slice(0, 40));
  }
  assert.deepEqual(errors, []);
  await context.close();
});

// What a page sees of the banner: the size of its (closed) shadow content, from the test hook.
const bannerBox = (page) => page.evaluate(() => {
  const found = window.__testShadowRoots.find(({ host }) => host.isConnected);
  if (!found) return null;
  const bar = found.root.querySelector('.sc');
  const r = bar.getBoundingClientRect();
  const s = getComputedStyle(bar);
  const title = found.root.querySelector('.title');
  return { w: r.width, h: r.height, position: s.position, visible: s.display !== 'none' && s.visibility !== 'hidden',
    fontSize: getComputedStyle(title).fontSize, color: getComputedStyle(title).color,
    host: getComputedStyle(found.host).position, hostWidth: found.host.getBoundingClientRect().width,
    styleElements: found.root.querySelectorAll('style').length };
});

/** Waits until the collector has stored the `view_item` of `itemId`, once. */
const viewDelivered = (itemId) => eventually(() => collector.query(`SELECT count(*) AS n FROM events
  WHERE name = 'view_item' AND json_extract(json, '$.params.items[0].item_id') = '${itemId}'`)[0].n === 1, 10_000, `the view of ${itemId} delivered`);

test('works under a strict CSP that requires Trusted Types and allows no inline styles', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy|TrustedHTML|Trusted Type/i.test(m.text())) violations.push(m.text()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/csp.html`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：Strictは残り1点です');
  // style-src 'self' blocks <style> elements and style attributes: the message is styled all the
  // same (a constructed stylesheet, properties set through the CSSOM), and its host stays out of
  // the page's layout.
  const box = await bannerBox(page);
  assert.ok(box.w > 200 && box.h > 30 && box.position === 'fixed' && box.fontSize === '14px', JSON.stringify(box));
  assert.deepEqual([box.host, box.hostWidth, box.styleElements], ['fixed', 0, 0], JSON.stringify(box));
  // default-src 'self' covers connect-src: the page's view reaches the collector (sent on leaving).
  await page.goto(`${collector.url}/`);
  await viewDelivered('csp-1');
  assert.deepEqual(violations, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a hostile host page: global !important resets, polluted prototypes, a throwing console, two snippets', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/hostile-host.html`);
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：敵対ページの靴は残り2点です', 'the first init wins; the second snippet and config are ignored');
  const box = await bannerBox(page);
  assert.ok(box.w > 200 && box.h > 30 && box.visible && box.position === 'fixed', `styles cannot reach inside: ${JSON.stringify(box)}`);
  assert.equal(box.fontSize, '14px');
  assert.notEqual(box.color, 'rgb(255, 0, 0)');
  // Object.prototype.polluted is enumerable: the renderer sets only the attributes it means to.
  assert.equal(await page.evaluate(() => window.__testShadowRoots.filter(({ host }) => host.isConnected)
    .reduce((n, { host, root }) => n + root.querySelectorAll('[polluted], img').length + host.hasAttribute('polluted'), 0)), 0);
  const ticks = await page.evaluate(() => window.__hostTicks);
  await page.waitForTimeout(300);
  assert.ok(await page.evaluate(() => window.__hostTicks) > ticks + 5, "the host page's own timers keep running");
  assert.deepEqual(await page.evaluate(() => window.shopcue('explain').scenarios.map((s) => s.scenario_id)),
    ['page_low_stock', 'cart_low_stock', 'newsletter'], 'one widget, the first config (the demo store\'s)');
  assert.deepEqual(errors, [], 'nothing thrown into the page');
  await context.close();
});

test('a page with an element whose id is "shopcue" (window.shopcue is that element): the snippet and the loader replace it', async () => {
  for (const query of ['', '?no-snippet']) {
    const context = await newShopperContext(browser);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${collector.url}/fixtures/named-element.html${query}`);
    const [m] = await waitForMessages(page, (ms) => ms.length === 1);
    assert.equal(m.title, '残りわずか：名前の靴は残り2点です', query);
    assert.deepEqual(await page.evaluate(() => [typeof window.shopcue, document.getElementById('shopcue').textContent]),
      ['function', 'store slot'], query);
    assert.deepEqual(errors, [], `nothing thrown into the page ${query}`);
    await context.close();
  }
});

test('a page whose intrinsics are frozen (SES lockdown): the message shows, the view is delivered, nothing throws', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.text().includes('[shopcue]')) errors.push(m.text()); }); // not the favicon's 404
  await page.goto(`${collector.url}/fixtures/frozen.html`);
  assert.ok(await page.evaluate(() => Object.isFrozen(Array.prototype) && Object.isFrozen(WebAssembly)), 'the page froze them');
  const [m] = await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(m.title, '残りわずか：凍結の靴は残り2点です');
  await page.goto(`${collector.url}/`);
  await viewDelivered('frozen-1');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a browser without constructed style sheets (Safari before 16.4) gets a <style> element, on a hostile page too', async () => {
  const context = await newShopperContext(browser);
  await context.addInitScript(() => { delete ShadowRoot.prototype.adoptedStyleSheets; });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/hostile-host.html`);
  await waitForMessages(page, (ms) => ms.length === 1);
  assert.equal(await page.evaluate(() => 'adoptedStyleSheets' in ShadowRoot.prototype), false);
  const box = await bannerBox(page);
  assert.ok(box.w > 200 && box.h > 30 && box.position === 'fixed' && box.fontSize === '14px', JSON.stringify(box));
  assert.deepEqual([box.host, box.hostWidth, box.styleElements], ['fixed', 0, 1], JSON.stringify(box));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a host page whose fetch and sendBeacon throw: Shopcue stays silent, the page keeps working', async () => {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/fixtures/hostile-host.html?fetch=broken`);
  // The wasm itself is fetched: the loader gives up quietly (its one warning meets a throwing console).
  await page.waitForFunction(() => window.shopcue && (window.shopcue.failed || window.shopcue.loaded));
  assert.equal(await page.evaluate(() => window.shopcue.failed), true);
  assert.equal(await bannerBox(page), null, 'nothing shown');
  await page.evaluate(() => window.shopcue('track', 'add_to_cart', { items: [{ item_id: 'hostile-1' }] }));
  await page.evaluate(() => document.getElementById('host-button').click());
  assert.equal(await page.evaluate(() => window.__hostClicks), 1);
  await page.goto(`${collector.url}/`); // pagehide with a throwing sendBeacon
  assert.deepEqual(errors, []);
  await context.close();
});
