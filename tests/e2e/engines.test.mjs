// The shopper's journey in the engines other than Chromium: WebKit (Safari's engine, as
// WebKitGTK's MiniBrowser) and Gecko (Firefox ESR), each driven through W3C WebDriver
// (tests/e2e/webdriver.mjs), against the real collector on a real SQLite file. Automatic
// capture (JSON-LD, a data-shopcue button), the closed shadow root, a message that follows the
// shopper to the next page, a dismissal that survives a reload, beacons sent as the page is left
// and stored once, the lazily loaded compiler for a raw config, a modal's keyboard handling, and
// a strict CSP page.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, startCollector, eventually, readMessages } from './harness.mjs';
import { startEngine, KEY } from './webdriver.mjs';

let collector;
before(async () => { collector = await startCollector(); });
after(async () => { await collector?.stop(); });

const waitShown = (browser, predicate, what) => eventually(async () => {
  const ms = await browser.run(readMessages);
  return predicate(ms) && ms;
}, 10_000, what);

for (const engine of ['webkit', 'gecko']) {
  describe(engine, () => {
    let driver;
    before(async () => { driver = await startEngine(engine); });
    after(async () => { await driver?.stop(); });

    test(`${engine}: a product page's low-stock banner, a cart reminder on the next page, a dismissal kept, beacons stored once`, async () => {
      const browser = await driver.session();
      try {
        await browser.goto(`${collector.url}/fixtures/engines/product.html`);
        const [m] = await waitShown(browser, (ms) => ms.length === 1, `${driver.name}: the low-stock banner`);
        assert.equal(m.scenario, 'page_low_stock');
        assert.equal(m.title, '残りわずか：エンジンのシャツは残り2点です', 'name and stock from the JSON-LD');
        assert.equal(m.placement, 'banner-bottom');
        assert.equal(m.mode, 'closed');
        assert.equal(m.openRoot, false, 'page scripts cannot reach into the message');
        assert.equal(m.live, 'polite');
        await new Promise((r) => setTimeout(r, 400)); // the slide-in
        await browser.screenshot(join(ARTIFACTS, `engine-${engine}-product.png`));

        await browser.click('#add'); // a data-shopcue-track button: a real click
        await browser.click('#home');
        const [reminder] = await waitShown(browser, (ms) => ms.some((x) => x.scenario === 'cart_low_stock'), `${driver.name}: the cart reminder`);
        assert.equal(reminder.title, 'カートのエンジンのシャツは残り2点です');
        assert.deepEqual(reminder.cta, { label: 'カートを見る', href: '/cart.html' });

        await browser.clickAt(...reminder.close);
        await eventually(async () => (await browser.run(readMessages)).length === 0, 5000, `${driver.name}: the reminder closed`);
        await browser.reload();
        // Until the widget is in, shopcue() is the snippet's queue, which answers nothing.
        await eventually(() => browser.run(() => { const e = window.shopcue('explain'); return e && e.config_loaded; }), 10_000, 'the config loaded again');
        const why = await browser.run(() => window.shopcue('explain').scenarios.find((s) => s.scenario_id === 'cart_low_stock'));
        assert.equal(why.reason, 'dismissed', JSON.stringify(why));
        assert.deepEqual(await browser.run(readMessages), [], 'not shown again after the reload');
        assert.deepEqual(await browser.run(() => window.__errors), [], 'nothing thrown or logged as a warning');

        const visitor = await browser.run(() => JSON.parse(localStorage.getItem('shopcue:demo-store:profile')).visitor_id);
        assert.match(visitor, /^[0-9a-f-]{20,}$/);
        await browser.goto('about:blank'); // leaving the page sends what is queued (pagehide)
        const count = () => Object.fromEntries(collector.query(`SELECT name || ':' || coalesce(scenario_id, json_extract(json, '$.params.items[0].item_id'), '') AS k,
          count(*) AS n FROM events WHERE visitor_id = '${visitor}' GROUP BY k`).map((r) => [r.k, r.n]));
        await eventually(() => count()['shopcue_dismiss:cart_low_stock'], 10_000, `${driver.name}: the dismissal delivered`);
        const counts = count();
        for (const key of ['view_item:engine-shirt', 'add_to_cart:engine-shirt', 'shopcue_impression:page_low_stock',
          'shopcue_impression:cart_low_stock', 'shopcue_dismiss:cart_low_stock']) {
          assert.equal(counts[key], 1, `${key} in ${JSON.stringify(counts)}`);
        }
      } finally {
        await browser.close();
      }
    });

    test(`${engine}: a raw config is read by the lazily loaded compiler`, async () => {
      const browser = await driver.session();
      try {
        await browser.goto(`${collector.url}/fixtures/engines/raw.html`);
        const [m] = await waitShown(browser, (ms) => ms.length === 1, `${driver.name}: the raw config's message`);
        assert.equal(m.title, 'Only 1 left: Raw denim');
        const fetched = await browser.run(() => performance.getEntriesByType('resource').map((e) => e.name.split('/').pop()));
        assert.ok(fetched.includes('shopcue_compile.wasm'), fetched.join(', '));
        assert.deepEqual(await browser.run(() => window.__errors), []);
      } finally {
        await browser.close();
      }
    });

    test(`${engine}: a modal takes the focus, keeps Tab and Shift+Tab inside, and closes on Escape`, async () => {
      const browser = await driver.session();
      try {
        await browser.goto(`${collector.url}/fixtures/engines/modal.html`);
        await waitShown(browser, (ms) => ms.length === 1 && ms[0].placement === 'modal', `${driver.name}: the modal`);
        // What has the focus: a control of the message (its class), else the page's element.
        const focused = () => browser.run(() => {
          const r = window.__testShadowRoots.find((x) => x.host.isConnected);
          const inside = r && r.root.activeElement;
          return inside ? `message:${inside.className}` : `page:${document.activeElement.tagName}`;
        });
        assert.equal(await focused(), 'message:cta', 'the focus moves into the dialog');
        const steps = [];
        for (const [key, shift] of [[KEY.tab, false], [KEY.tab, false], [KEY.tab, true], [KEY.tab, true]]) {
          await browser.press(key, shift);
          steps.push(await focused());
        }
        assert.deepEqual(steps, ['message:x', 'message:cta', 'message:x', 'message:cta'], 'Tab and Shift+Tab stay inside');
        await browser.press(KEY.escape);
        await eventually(async () => (await browser.run(readMessages)).length === 0, 5000, `${driver.name}: Escape closed the dialog`);
        assert.deepEqual(await browser.run(() => window.__errors), []);
      } finally {
        await browser.close();
      }
    });

    if (engine === 'gecko') {
      test('gecko: with cookies and site data blocked, the message shows from memory after one warning', async () => {
        // Firefox's "block cookies and site data": localStorage throws on access.
        const browser = await driver.session({ 'network.cookie.cookieBehavior': 2 });
        try {
          await browser.goto(`${collector.url}/fixtures/engines/product.html`);
          const [m] = await waitShown(browser, (ms) => ms.length === 1, 'the banner without storage');
          assert.equal(m.title, '残りわずか：エンジンのシャツは残り2点です');
          assert.equal(await browser.run(() => { try { return typeof localStorage.length; } catch (e) { return e.name; } }), 'SecurityError');
          assert.deepEqual(await browser.run(() => window.__errors),
            ['warn: [shopcue] localStorage is unavailable; keeping the profile in memory for this page']);
        } finally {
          await browser.close();
        }
      });
    }

    test(`${engine}: a page with a strict CSP shows its message`, async () => {
      const browser = await driver.session();
      try {
        // script-src 'self' 'wasm-unsafe-eval', style-src 'self', Trusted Types required.
        await browser.goto(`${collector.url}/fixtures/csp.html`);
        const scenario = await eventually(() => browser.run(() => {
          const host = document.querySelector('shopcue-message');
          return host && host.getAttribute('data-shopcue-scenario');
        }), 10_000, `${driver.name}: the message under the CSP`);
        assert.equal(scenario, 'page_low_stock');
      } finally {
        await browser.close();
      }
    });
  });
}
